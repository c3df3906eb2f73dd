/**
 * The spill area of the contiguous layout (issue 12, B.5): a reservation that crosses the end
 * of the data area is still one contiguous range of the buffer, its part past the end lies in
 * the spill and reaches the ring's start when it commits. Written in place through `w.bytes` /
 * `w.view` as the README shows, records must read back whole, forward and backward, nested,
 * discarded, behind loss records, and no write may touch another ring.
 * (Real workers: test/workers/contiguous-wrap.test.ts, test/workers/spill-dead-writer.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { RecordKind, RingBuffer, rawContiguousClient } from '../src/index.js'
import type { DecodedRecord, RingBufferOptions, RingClient } from '../src/index.js'
import { drainCpu, payloadOf } from './helpers.js'

/** The raw contiguous client's records: a 16-byte header, the payload rounded up to 8. */
function rawSize(len: number): number {
  return 16 + ((len + 7) & ~7)
}

/** The spill the design gives: the largest record plus 256, rounded up to 64, at most `size`. */
function rawSpill(size: number): number {
  const record = rawSize(Math.min(size / 2 - 32, 0x0fffffff))
  return Math.min(size, Math.ceil((record + 256) / 64) * 64)
}

/** A raw contiguous buffer of `size`-byte rings, publishing every commit, with `options`. */
function ring(size: number, options: RingBufferOptions = {}): RingBuffer {
  return RingBuffer.create({
    size,
    mode: 'produce-consume',
    client: rawContiguousClient,
    clock: 'counter',
    publishBatch: 1,
    ...options,
  })
}

/** Start of ring `cpu`'s CPU block (the contiguous control words and counters take 512 bytes). */
function blockStart(rb: RingBuffer, cpu: number): number {
  return rb.areaOffset(cpu) - 512
}

describe('the spill area', () => {
  it('follows the data area in the geometry, sized for the largest record', () => {
    for (const size of [256, 1024, 1 << 16, 1 << 20]) {
      const rb = RingBuffer.create({ cpus: 2, size, client: rawContiguousClient })
      const dataEnd = rb.subbufOffset(0) + size
      // the next ring's block starts after the data area and the spill
      expect(blockStart(rb, 1)).toBe(dataEnd + rawSpill(size))
      expect(rb.sab.byteLength).toBe(blockStart(rb, 1) + (blockStart(rb, 1) - blockStart(rb, 0)))
    }
  })

  it.each(['produce-consume', 'overwrite'] as const)(
    '%s: every reservation is one range of its own ring; other rings never change',
    (mode) => {
      const size = 1024
      const rb = ring(size, { cpus: 3, mode })
      // rings 0 and 2 get records of their own first
      for (const cpu of [0, 2]) {
        const w = rb.writer(cpu)
        for (let k = 0; k < 5; k++) w.write(payloadOf(cpu * 100 + k, 40))
        w.close()
      }
      const others = [
        rb.u8.slice(blockStart(rb, 0), blockStart(rb, 1)),
        rb.u8.slice(blockStart(rb, 2), rb.sab.byteLength),
      ]
      const lo = rb.subbufOffset(1)
      const hi = lo + size + rawSpill(size)
      const w = rb.writer(1)
      const r = rb.reader()
      let crossed = 0
      for (let k = 0; k < 2000; k++) {
        const len = (k * 37) % (rb.maxPayload + 1)
        const off = w.reserve(len)
        expect(off).toBeGreaterThanOrEqual(lo + 16)
        expect(off + len).toBeLessThanOrEqual(hi)
        if (off - lo + len > size) crossed++
        const data = payloadOf(k, len)
        // in place, never split: the README's usage
        for (let j = 0; j < len; j++) w.view.setUint8(off + j, data[j]!)
        w.commit()
        const rec = r.consume(1)!
        expect(rec.length).toBe(len)
        expect(Array.from(rec.payload())).toEqual(Array.from(data))
      }
      expect(crossed).toBeGreaterThan(100)
      expect(rb.u8.slice(blockStart(rb, 0), blockStart(rb, 1))).toEqual(others[0])
      expect(rb.u8.slice(blockStart(rb, 2), rb.sab.byteLength)).toEqual(others[1])
      expect(drainCpu(r, 0).map((s) => s.payload)).toEqual(
        Array.from({ length: 5 }, (_, k) => Array.from(payloadOf(k, 40))),
      )
      expect(drainCpu(r, 2)).toHaveLength(5)
    },
  )

  it('nested reservations: either the outer or the inner one may cross the end', () => {
    const size = 512
    const rb = ring(size)
    const w = rb.writer(0)
    const r = rb.reader()
    const base = rb.subbufOffset(0)
    let outerCrossed = 0
    let innerCrossed = 0
    for (let k = 0; k < 600; k++) {
      const a = (k * 29) % 90
      const b = (k * 53) % 70
      const offA = w.reserve(a)
      expect(offA).toBeGreaterThan(0)
      w.bytes.set(payloadOf(2 * k, a), offA)
      // re-entry (a signal handler): a record reserved while the outer one is open
      const offB = w.reserve(b)
      expect(offB).toBeGreaterThan(0)
      w.bytes.set(payloadOf(2 * k + 1, b), offB)
      if (offA - base + a > size) outerCrossed++
      if (offB - base + b > size) innerCrossed++
      w.commit()
      // the inner record is not visible before the outer one commits
      expect(r.consume(0)).toBeNull()
      // every third outer record is discarded after its inner one committed: it becomes padding
      const discard = k % 3 === 2
      if (discard) w.discard()
      else w.commit()
      const got = drainCpu(r, 0).map((s) => s.payload)
      const want = discard
        ? [payloadOf(2 * k + 1, b)]
        : [payloadOf(2 * k, a), payloadOf(2 * k + 1, b)]
      expect(got).toEqual(want.map((p) => Array.from(p)))
    }
    expect(outerCrossed).toBeGreaterThan(20)
    expect(innerCrossed).toBeGreaterThan(20)
    const s = rb.stats(0)
    expect(s.discarded).toBe(200)
    expect(s.entries).toBe(0)
  })

  it('a record across the end that is discarded last is rewound, its spill dropped', () => {
    const size = 256
    const rb = ring(size)
    const w = rb.writer(0)
    const r = rb.reader()
    const base = rb.subbufOffset(0)
    for (let k = 0; k < 3; k++) w.write(payloadOf(k, 48))
    drainCpu(r, 0)
    r.release(0)
    // 192 bytes used so far: 80 more cross the end
    const off = w.reserve(80)
    expect(off - base + 80).toBeGreaterThan(size)
    w.bytes.fill(0xee, off, off + 80)
    w.discard()
    // the next one takes the same place, nothing of the discarded one shows
    const off2 = w.reserve(80)
    expect(off2).toBe(off)
    w.bytes.set(payloadOf(9, 80), off2)
    w.commit()
    expect(drainCpu(r, 0).map((s) => s.payload)).toEqual([Array.from(payloadOf(9, 80))])
  })

  it('a loss record in front of a record across the end, both in place', () => {
    const size = 256
    const rb = ring(size)
    const w = rb.writer(0)
    const r = rb.reader()
    const base = rb.subbufOffset(0)
    let crossings = 0
    let lost = 0
    let n = 0
    for (let round = 0; round < 200; round++) {
      // fill the ring until a reservation is refused, then drain it: the next record carries
      // a loss record in front of it
      const fill = 24 + (round % 5) * 8
      for (let off = w.reserve(fill); off >= 0; off = w.reserve(fill)) {
        w.bytes.set(payloadOf(n++, fill), off)
        w.commit()
      }
      for (const s of drainCpu(r, 0)) lost += s.lost
      r.release(0)
      const len = 8 + ((round * 13) % 40)
      const off = w.reserve(len)
      expect(off).toBeGreaterThan(0)
      // the loss record (16 bytes) and the header lie in front of the payload, in one range
      if (off - base + len > size) crossings++
      w.bytes.set(payloadOf(round, len), off)
      w.commit()
      const got = drainCpu(r, 0)
      expect(got).toHaveLength(1)
      expect(got[0]!.lost).toBeGreaterThan(0)
      lost += got[0]!.lost
      expect(got[0]!.payload).toEqual(Array.from(payloadOf(round, len)))
      r.release(0)
    }
    expect(crossings).toBeGreaterThan(5)
    expect(lost).toBe(rb.stats(0).dropped)
  })

  it('backward rings: records across the end read back newest first from the head', () => {
    const size = 1024
    const rb = ring(size, { cpus: 2, backward: true, mode: 'overwrite' })
    const other = rb.u8.slice(blockStart(rb, 1), rb.sab.byteLength)
    const w = rb.writer(0)
    const base = rb.subbufOffset(0)
    const lens: number[] = []
    let crossed = 0
    for (let k = 0; k < 500; k++) {
      const len = 8 + ((k * 37) % 120)
      const off = w.reserve(len)
      expect(off).toBeGreaterThanOrEqual(base + 16)
      expect(off + len).toBeLessThanOrEqual(base + size + rawSpill(size))
      if (off - base + len > size) crossed++
      const data = payloadOf(k, len)
      for (let j = 0; j < len; j++) w.view.setUint8(off + j, data[j]!)
      w.commit()
      lens.push(len)
    }
    expect(crossed).toBeGreaterThan(20)
    expect(rb.u8.slice(blockStart(rb, 1), rb.sab.byteLength)).toEqual(other)
    // perf's overwrite_rb_find_range: forward from the head, newest first, whole records only
    const data = rb.subbufBytes(0)
    const head = Number(BigInt.asIntN(64, new BigInt64Array(rb.sab, rb.areaOffset(0), 1)[0]!))
    let covered = 0
    let k = 499
    const mask = size - 1
    for (;;) {
      const at = (head + covered) & mask
      const len = (data[at]! | (data[(at + 1) & mask]! << 8)) & 0xffff
      if (covered + rawSize(len) > size - 1 || k < 0) break
      expect(len).toBe(lens[k])
      const payload = Array.from({ length: len }, (_, j) => data[(at + 16 + j) & mask]!)
      expect(payload).toEqual(Array.from(payloadOf(k, len)))
      covered += rawSize(len)
      k--
    }
    // a ring of 1024 bytes holds about 12 records of these sizes
    expect(499 - k).toBeGreaterThan(8)
  })

  it('bytes put at ring positions before the reservation survive the copy back (AUX)', () => {
    // raw bytes without headers, as perf's AUX area writes them: put first, then reserve
    const bytesClient: RingClient = {
      ...rawContiguousClient,
      id: 'test.spill.raw-bytes/1',
      alignment: 1,
      lossRecordBytes: 0,
      maxPayload: (capacity: number) => capacity - 1,
      recordSize: (length: number) => length,
      writeRecord: (_dv: DataView, off: number) => off,
      discard: () => undefined,
      decode(_dv: DataView, off: number, end: number, out: DecodedRecord): void {
        Object.assign(out, { kind: RecordKind.Data, size: end - off, payloadOffset: off })
        Object.assign(out, { payloadLength: end - off, lost: 0, delta: 0 })
      },
    }
    const size = 256
    const rb = RingBuffer.create({
      size,
      client: bytesClient,
      mode: 'overwrite',
      tailPolicy: 'ignore',
    })
    const w = rb.writer(0)
    const base = rb.subbufOffset(0)
    let pos = 0
    for (let k = 0; k < 40; k++) {
      const n = 1 + ((k * 71) % 250)
      const bytes = payloadOf(k, n)
      w.put(base + (pos & (size - 1)), bytes)
      expect(w.reserve(n)).toBe(base + (pos & (size - 1)))
      w.commit()
      const data = rb.subbufBytes(0)
      for (let j = 0; j < n; j++) expect(data[(pos + j) & (size - 1)]).toBe(bytes[j])
      pos += n
    }
  })

  it('a second record across the end while the first is open is refused and counted', () => {
    // only nested reservations that lap the ring can meet this: the tail is ignored
    const size = 512
    const rb = ring(size, { mode: 'overwrite', tailPolicy: 'ignore' })
    const w = rb.writer(0)
    const base = rb.subbufOffset(0)
    w.write(payloadOf(0, 200))
    w.write(payloadOf(1, 200))
    const outer = w.reserve(80)
    expect(outer - base + 80).toBeGreaterThan(size)
    let refused = 0
    for (let k = 0; k < 40 && refused === 0; k++) {
      if (w.reserve(8) < 0) refused++
      else w.commit()
    }
    expect(refused).toBe(1)
    w.commit()
    w.flush()
    expect(rb.stats(0).dropped).toBe(1)
  })

  it('put refuses offsets outside the data area and lengths past it', () => {
    const rb = RingBuffer.create({ size: 256, client: rawContiguousClient })
    const w = rb.writer(0)
    const base = rb.subbufOffset(0)
    expect(() => {
      w.put(base - 1, new Uint8Array(1))
    }).toThrow(/^offset/)
    expect(() => {
      w.put(base + 256, new Uint8Array(1))
    }).toThrow(/^offset/)
    expect(() => {
      w.put(base + 10, new Uint8Array(300))
    }).toThrow(RangeError)
  })
})
