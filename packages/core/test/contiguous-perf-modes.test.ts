/**
 * The contiguous options perf needs: write_backward (head decreases, newest record first),
 * the read-only overwrite policy (the writer ignores the tail) and drops counted outside a
 * reservation (PAUSE_OUTPUT), reported by a loss record.
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import type { RingClient } from '../src/index.js'
import { payloadOf } from './helpers.js'

const TWO64 = 2n ** 64n

function headTail(rb: RingBuffer): [bigint, bigint] {
  const v = new BigUint64Array(rb.sab, rb.areaOffset(0), 2)
  return [v[0]!, v[1]!]
}

/** perf's overwrite_rb_find_range + forward walk: records from the head, newest first. */
function walkBackward(rb: RingBuffer): { ts: number; len: number; payload: number[] }[] {
  const size = rb.subbufSize
  const mask = size - 1
  const data = rb.subbufBytes(0)
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const head = Number(BigInt.asIntN(64, headTail(rb)[0]))
  const out: { ts: number; len: number; payload: number[] }[] = []
  let covered = 0
  while (covered < size) {
    const at = (head + covered) & mask
    const w0 = dv.getUint32(at, true)
    if (w0 === 0) break
    const len = w0 & 0x0fffffff
    const recSize = 16 + ((len + 7) & ~7)
    if (covered + recSize > size) break
    const ts = dv.getUint32((at + 8) & mask, true)
    const payload: number[] = []
    for (let k = 0; k < len; k++) payload.push(data[(at + 16 + k) & mask]!)
    out.push({ ts, len, payload })
    covered += recSize
  }
  return out
}

describe('backward contiguous rings (write_backward)', () => {
  it('decrease the head by each record and read newest first from the head', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      backward: true,
      mode: 'overwrite',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    for (let k = 0; k < 3; k++) w.write(payloadOf(k, 48), 100 + k)
    // three 64-byte records: head = −192 as a u64
    expect(headTail(rb)[0]).toBe(TWO64 - 192n)
    expect(walkBackward(rb).map((r) => r.ts)).toEqual([102, 101, 100])
    // overwrite ignores the tail: 40 more records lap the 1 KiB area several times
    for (let k = 3; k < 43; k++) w.write(payloadOf(k, 48), 100 + k)
    expect(headTail(rb)[0]).toBe(TWO64 - 43n * 64n)
    const recs = walkBackward(rb)
    // the newest records, newest first, intact; at most the ring's worth
    expect(recs[0]!.ts).toBe(142)
    expect(recs.map((r) => r.ts)).toEqual(recs.map((_, k) => 142 - k))
    expect(recs.length * 64).toBeLessThanOrEqual(1024)
    for (const r of recs) expect(r.payload).toEqual(Array.from(payloadOf(r.ts - 100, 48)))
    expect(() => rb.reader().consume(0)).toThrow(TypeError)
  })

  it('in produce-consume mode refuse a record when tail − head would reach the size', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 256,
      backward: true,
      mode: 'produce-consume',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    expect([0, 1, 2, 3].map((k) => w.write(payloadOf(k, 48), 10 + k))).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(rb.stats(0).dropped).toBe(1)
  })

  it('reject the options on the wrong layout or policy', () => {
    expect(() => RingBuffer.create({ backward: true })).toThrow(/^backward/)
    expect(() => RingBuffer.create({ tailPolicy: 'ignore' })).toThrow(/^tailPolicy/)
    expect(() =>
      RingBuffer.create({ client: rawContiguousClient, backward: true, tailPolicy: 'push' }),
    ).toThrow(/^tailPolicy/)
  })
})

describe("tailPolicy 'ignore' (perf's read-only mapping)", () => {
  it('lets the writer run over unread records; a reader that fell behind resyncs at the head', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      mode: 'overwrite',
      tailPolicy: 'ignore',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    for (let k = 0; k < 40; k++) expect(w.write(payloadOf(k, 48), k)).toBe(true)
    expect(headTail(rb)).toEqual([40n * 64n, 0n])
    const s = rb.stats(0)
    expect([s.written, s.dropped, s.overrun]).toEqual([40, 0, 0])
    const r = rb.reader()
    expect(r.consume(0)).toBeNull()
    expect(headTail(rb)[1]).toBe(40n * 64n)
    w.write(payloadOf(40, 48), 40)
    expect(r.consume(0)!.timestamp).toBe(40)
  })
})

describe('writer.drop: losses outside a reservation', () => {
  it('are counted and reported by a loss record in front of the next record', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      mode: 'produce-consume',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8), 1)
    w.drop(3)
    expect(rb.stats(0).dropped).toBe(3)
    w.write(payloadOf(1, 8), 2)
    const r = rb.reader()
    expect(r.consume(0)!.lost).toBe(0)
    const rec = r.consume(0)!
    expect([rec.timestamp, rec.lost]).toEqual([2, 3])
    expect(() => {
      w.drop(-1)
    }).toThrow(/^count/)
  })

  it('count drops on paged and shared rings', () => {
    const rb = RingBuffer.create({ publishBatch: 1 })
    rb.writer(0).drop(2)
    expect(rb.stats(0).dropped).toBe(2)
    const sh = RingBuffer.create({ sync: 'shared' })
    const w = sh.writer(0)
    w.drop(5)
    w.flush()
    expect(sh.stats(0).dropped).toBe(5)
  })
})

describe('reserve tags reach the client', () => {
  it('passes the tag to writeRecord, and sizes and writes the loss record for the next tag', () => {
    const seen: string[] = []
    const client: RingClient = {
      ...rawContiguousClient,
      id: 'test.tagged/1',
      // the loss record of tag t is 16 + 8·t bytes
      lossRecordSize: (tag) => 16 + 8 * tag,
      writeRecord(dv, off, len, size, delta, ts, flags, tag) {
        seen.push(`record ${tag}`)
        return rawContiguousClient.writeRecord(dv, off, len, size, delta, ts, flags, tag)
      },
      writeLoss(dv, off, lost, ts, tag) {
        seen.push(`loss ${lost} for ${tag}`)
        rawContiguousClient.writeLoss!(dv, off, lost, ts, tag)
        // pad the larger loss record: a padding record after the 16-byte loss record
        if (tag > 0) rawContiguousClient.discard(dv, off + 16, 8 * tag)
      },
    }
    const rb = RingBuffer.create({ client, size: 1024, mode: 'produce-consume', publishBatch: 1 })
    const w = rb.writer(0)
    const data = payloadOf(1, 8)
    w.write(data, 1)
    w.drop(2)
    const off = w.reserve(8, 2, 3)
    w.put(off, data)
    w.commit()
    expect(seen).toEqual(['record 0', 'loss 2 for 3', 'record 3'])
    // 24 (first) + 16 + 24 (loss record of tag 3) + 24
    expect(new BigInt64Array(rb.sab, rb.areaOffset(0), 1)[0]).toBe(24n + 40n + 24n)
    const r = rb.reader()
    r.consume(0)
    expect(r.consume(0)!.lost).toBe(2)
  })
})
