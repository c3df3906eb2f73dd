import { describe, expect, it } from 'vitest'
import { ALL_CPUS, RingBuffer, rawContiguousClient } from '../src/index.js'
import { decodeRawSubbuf, payloadOf } from './helpers.js'

/** 256-byte sub-buffers hold five 48-byte records (40-byte payloads) in their 240 data bytes. */
function paged(mode: 'overwrite' | 'produce-consume' = 'overwrite'): RingBuffer {
  return RingBuffer.create({
    size: 3 * 240,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode,
  })
}

describe('consumeReaderSubbuf: the whole reader sub-buffer for an in-place consumer', () => {
  it('swaps in the oldest sub-buffer, consumes it whole, and reports it by physical id', () => {
    const rb = paged()
    const w = rb.writer(0)
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40), 100 + k)
    const r = rb.reader()
    expect(r.readerPosition(0)).toEqual({ id: 0, read: 0 })
    const a = r.consumeReaderSubbuf(0)
    expect(a).toMatchObject({ swapped: true, lost: 0, records: 5, read: 240 })
    expect(a.id).not.toBe(0)
    // the consumer reads the sub-buffer in place: five records, ours
    const recs = decodeRawSubbuf(rb, 0, a.id).records
    expect(recs.map((x) => x.ts)).toEqual([100, 101, 102, 103, 104])
    expect(rb.stats(0).read).toBe(5)
    // the next call swaps in the writer's current sub-buffer (two records so far)
    const b = r.consumeReaderSubbuf(0)
    expect(b).toMatchObject({ swapped: true, records: 2, read: 96 })
    // the writer appends to it: the same sub-buffer is advanced over the new records
    w.write(payloadOf(7, 40), 107)
    const c = r.consumeReaderSubbuf(0)
    expect(c).toMatchObject({ swapped: false, id: b.id, records: 1, read: 144 })
    expect(r.readerPosition(0)).toEqual({ id: b.id, read: 144 })
    // nothing new: nothing changes
    expect(r.consumeReaderSubbuf(0)).toMatchObject({
      swapped: false,
      id: b.id,
      records: 0,
      read: 144,
    })
    expect(r.consume(0)).toBeNull()
    const s = rb.stats(0)
    expect([s.written, s.read, s.entries]).toEqual([8, 8, 0])
  })

  it('flags losses in the swapped-in sub-buffer through the client when the writer left it', () => {
    const rb = paged('overwrite')
    const w = rb.writer(0)
    // 3 ring sub-buffers of 5 records; 22 records overwrite the first two sub-buffers (10 records)
    for (let k = 0; k < 22; k++) w.write(payloadOf(k, 40), 100 + k)
    const r = rb.reader()
    const a = r.consumeReaderSubbuf(0)
    expect(a).toMatchObject({ swapped: true, lost: 10, records: 5 })
    const view = new DataView(rb.sab, rb.subbufOffset(0, a.id))
    // raw client: commit = data bytes, flags word bit 31 + lost count
    expect(view.getUint32(8, true)).toBe(240)
    expect(view.getUint32(12, true)).toBe((0x80000000 | 10) >>> 0)
    expect(decodeRawSubbuf(rb, 0, a.id).records.map((x) => x.ts)).toEqual([110, 111, 112, 113, 114])
    expect(rb.stats(0).lost).toBe(10)
  })
})

describe('contiguous release: space goes back only after the consumer is done', () => {
  it('keeps a consumed record intact until the next read call or release()', () => {
    // 256-byte area, 16-byte header + 48-byte payload = 64-byte records: 3 fit (one byte free)
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 256,
      clock: 'counter',
      publishBatch: 1,
      mode: 'produce-consume',
    })
    const w = rb.writer(0)
    for (let k = 0; k < 3; k++) expect(w.write(payloadOf(k, 48))).toBe(true)
    expect(w.write(payloadOf(3, 48))).toBe(false)
    const r = rb.reader()
    const rec = r.consume(0)!
    const before = Array.from(rec.payload())
    // the writer cannot reuse the space yet
    expect(w.write(payloadOf(4, 48))).toBe(false)
    expect(Array.from(rec.payload())).toEqual(before)
    r.release(0)
    expect(w.write(payloadOf(5, 48))).toBe(true)
    expect(rb.stats(0).dropped).toBe(2)
  })
})

describe('writer.put', () => {
  it('writes a wrapping contiguous payload across the end of the data area', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    const r = rb.reader()
    // move the head near the end: 3 × 64 bytes, consumed
    for (let k = 0; k < 3; k++) {
      w.write(payloadOf(k, 48))
      r.consume(0)
    }
    r.release(0)
    const off = w.reserve(80)
    const data = payloadOf(99, 80)
    // the payload crosses the end of the data area, yet is one range (the spill)
    expect(off - rb.subbufOffset(0) + 80).toBeGreaterThan(256)
    expect(w.wrapped).toBe(false)
    w.put(off, data)
    w.commit()
    const rec = r.consume(0)!
    expect(Array.from(rec.payload())).toEqual(Array.from(data))
    expect(() => {
      w.put(-5, data)
    }).toThrow(/^offset/)
  })

  it('checks the range on the paged layout', () => {
    const rb = paged()
    const w = rb.writer(0)
    const off = w.reserve(40)
    w.put(off, payloadOf(1, 40))
    w.commit()
    expect(() => {
      w.put(off, new Uint8Array(1000))
    }).toThrow(RangeError)
    expect(() => {
      w.put(0, new Uint8Array(4))
    }).toThrow(/^offset/)
  })
})

describe('wakeWaiters', () => {
  it('makes a waiter of the ring return at once, whatever its watermark', async () => {
    const rb = paged()
    const r = rb.reader()
    const p = r.waitAsync(0, { records: 1000, timeout: 10_000 })
    rb.wakeWaiters(0)
    await expect(p).resolves.toBe(true)
    const q = r.waitAsync(ALL_CPUS, { timeout: 10_000 })
    rb.wakeWaiters()
    await expect(q).resolves.toBe(true)
  })
})
