import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../src/index.js'
import type { RingMode } from '../src/index.js'
import { drainCpu, payloadOf } from './helpers.js'

// subbufSize 256: 240 data bytes; 40-byte payloads make 48-byte records, exactly 5 per
// sub-buffer; size 960 gives 4 ring sub-buffers.
function ring(mode: RingMode): RingBuffer {
  const rb = RingBuffer.create({
    size: 960,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode,
  })
  expect(rb.subbufs).toBe(4)
  return rb
}

function writeN(rb: RingBuffer, from: number, count: number): number {
  const w = rb.writer(0, { force: true })
  let ok = 0
  for (let k = from; k < from + count; k++) if (w.write(payloadOf(k, 40))) ok++
  w.close()
  return ok
}

describe('overwrite mode', () => {
  it('reclaims whole sub-buffers: accounting equals the hand computation', () => {
    const rb = ring('overwrite')
    expect(writeN(rb, 1, 37)).toBe(37)
    // records 1..35 fill sub-buffers 0..6, 36 and 37 are in sub-buffer 7; entering sub-buffers
    // 4, 5, 6 and 7 reclaimed sub-buffers 0..3, 5 records each
    let s = rb.stats(0)
    expect(s.written).toBe(37)
    expect(s.overrun).toBe(20)
    expect(s.bytesOverrun).toBe(20 * 48)
    expect(s.subbufsLost).toBe(4)
    expect(s.subbufsTouched).toBe(8)
    expect(s.entries).toBe(17)
    expect(s.bytes).toBe(17 * 48)
    expect(s.dropped).toBe(0)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual(Array.from({ length: 17 }, (_, k) => 21 + k))
    expect(got.map((x) => x.payload)).toEqual(
      Array.from({ length: 17 }, (_, k) => Array.from(payloadOf(21 + k, 40))),
    )
    expect(got.map((x) => x.lost)).toEqual([20, ...Array<number>(16).fill(0)])
    s = rb.stats(0)
    expect(s.read).toBe(17)
    expect(s.lost).toBe(20)
    expect(s.entries).toBe(0)
    expect(s.bytes).toBe(0)
    expect(s.bytesRead).toBe(17 * 48)
    expect(s.subbufsRead).toBe(4)
    expect(s.written).toBe(s.read + s.overrun)
  })

  it('keeps the reader sub-buffer: only ring sub-buffers are overwritten', () => {
    const rb = ring('overwrite')
    const r = rb.reader()
    expect(writeN(rb, 1, 10)).toBe(10)
    expect(r.consume(0)!.timestamp).toBe(1) // sub-buffer 0 (records 1..5) is now the reader's
    expect(writeN(rb, 11, 20)).toBe(20)
    // 11..15, 16..20 and 21..25 went to free sub-buffers; 26..30 reclaimed records 6..10
    const s = rb.stats(0)
    expect(s.overrun).toBe(5)
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.ts)).toEqual([
      2,
      3,
      4,
      5,
      ...Array.from({ length: 20 }, (_, k) => 11 + k),
    ])
    expect(got.filter((x) => x.lost !== 0).map((x) => [x.ts, x.lost])).toEqual([[11, 5]])
    const t = rb.stats(0)
    expect(t.read).toBe(25)
    expect(t.lost).toBe(5)
    expect(t.written).toBe(t.read + t.overrun + t.entries)
    expect(t.entries).toBe(0)
  })

  it('reports the loss once, after many laps', () => {
    const rb = ring('overwrite')
    expect(writeN(rb, 1, 100)).toBe(100)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual(Array.from({ length: 20 }, (_, k) => 81 + k))
    expect(got[0]!.lost).toBe(80)
    expect(got.slice(1).every((x) => x.lost === 0)).toBe(true)
    const s = rb.stats(0)
    expect(s.overrun).toBe(80)
    expect(s.lost).toBe(80)
    expect(s.subbufsLost).toBe(16)
  })

  it('reports losses between consumed records exactly while reading along', () => {
    const rb = ring('overwrite')
    const r = rb.reader()
    const w = rb.writer(0)
    let next = 1
    const got: { ts: number; lost: number }[] = []
    for (let round = 0; round < 30; round++) {
      const burst = (round * 7) % 23
      for (let k = 0; k < burst; k++) w.write(payloadOf(next, 40), next++)
      const take = round % 4
      for (let k = 0; k < take; k++) {
        const rec = r.consume(0)
        if (rec !== null) got.push({ ts: rec.timestamp, lost: rec.lost })
      }
    }
    for (let rec = r.consume(0); rec !== null; rec = r.consume(0))
      got.push({ ts: rec.timestamp, lost: rec.lost })
    // every gap in the consumed sequence is reported as lost on the record after it
    let prev = 0
    for (const g of got) {
      expect(g.lost).toBe(g.ts - prev - 1)
      prev = g.ts
    }
    const s = rb.stats(0)
    expect(s.written).toBe(next - 1)
    expect(s.read).toBe(got.length)
    expect(s.written).toBe(s.read + s.overrun)
    expect(s.lost).toBe(s.overrun)
    expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun)
  })

  it('reports the oldest buffered timestamp', () => {
    const rb = ring('overwrite')
    const w = rb.writer(0)
    expect(rb.stats(0).oldestTimestamp).toBe(0)
    for (let k = 0; k < 22; k++) w.write(payloadOf(k, 40), 1000 + 10 * k)
    // sub-buffers 0..3 hold records 0..19; entering sub-buffer 4 reclaimed sub-buffer 0
    expect(rb.stats(0).oldestTimestamp).toBe(1050)
    const r = rb.reader()
    r.consume(0)
    expect(rb.stats(0).oldestTimestamp).toBe(1050) // the reader sub-buffer still has unread data
    for (let k = 0; k < 4; k++) r.consume(0)
    expect(rb.stats(0).oldestTimestamp).toBe(1100)
  })
})

describe('produce-consume mode', () => {
  it('refuses records when the ring is full and counts them as dropped', () => {
    const rb = ring('produce-consume')
    expect(writeN(rb, 1, 37)).toBe(20)
    let s = rb.stats(0)
    expect(s.written).toBe(20)
    expect(s.dropped).toBe(17)
    expect(s.overrun).toBe(0)
    expect(s.written + s.dropped).toBe(37)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual(Array.from({ length: 20 }, (_, k) => 1 + k))
    expect(got.every((x) => x.lost === 0)).toBe(true)
    s = rb.stats(0)
    expect(s.read).toBe(20)
    expect(s.lost).toBe(0)
    // the ring has room again
    expect(writeN(rb, 100, 3)).toBe(3)
    expect(drainCpu(rb.reader(), 0)).toHaveLength(3)
  })

  it('frees a whole sub-buffer as soon as the reader swaps it out', () => {
    const rb = ring('produce-consume')
    const r = rb.reader()
    expect(writeN(rb, 1, 20)).toBe(20)
    expect(writeN(rb, 21, 1)).toBe(0)
    expect(r.consume(0)!.timestamp).toBe(1)
    // one consumed record swapped sub-buffer 0 out: 5 records of room
    expect(writeN(rb, 21, 6)).toBe(5)
    const s = rb.stats(0)
    expect(s.dropped).toBe(2)
    expect(s.written).toBe(25)
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual(Array.from({ length: 24 }, (_, k) => 2 + k))
  })

  it('follows a mode change made while the writer is open', () => {
    const rb = ring('produce-consume')
    const w = rb.writer(0)
    for (let k = 0; k < 21; k++) w.write(payloadOf(k, 40))
    w.flush() // counters are published with commits, at switches and on flush
    expect(rb.stats(0).dropped).toBe(1)
    rb.mode = 'overwrite'
    expect(rb.mode).toBe('overwrite')
    expect(w.write(payloadOf(21, 40))).toBe(true)
    expect(rb.stats(0).overrun).toBe(5)
    rb.mode = 'produce-consume'
    for (let k = 0; k < 4; k++) expect(w.write(payloadOf(22 + k, 40))).toBe(true)
    expect(w.write(payloadOf(26, 40))).toBe(false)
    w.flush()
    const s = rb.stats(0)
    expect(s.dropped).toBe(2)
    expect(s.written).toBe(25)
    expect(s.overrun).toBe(5)
    const got = drainCpu(rb.reader(), 0)
    expect(got).toHaveLength(20)
    expect(got[0]!.lost).toBe(5)
    expect(rb.stats(0).written).toBe(rb.stats(0).read + rb.stats(0).overrun)
  })
})
