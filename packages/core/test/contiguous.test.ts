import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import type { RingMode } from '../src/index.js'
import { drainCpu, expectArgError, payloadOf } from './helpers.js'

function ring(size: number, mode: RingMode = 'produce-consume', publishBatch = 1): RingBuffer {
  return RingBuffer.create({
    client: rawContiguousClient,
    size,
    clock: 'counter',
    publishBatch,
    mode,
  })
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k)

describe('contiguous geometry and format', () => {
  it('has one data area of a power-of-two size', () => {
    const rb = ring(1024)
    expect(rb.layout).toBe('contiguous')
    expect(rb.subbufSize).toBe(1024)
    expect(rb.size).toBe(1024)
    expect(rb.subbufs).toBe(1)
    expect(rb.physicalSubbufs).toBe(1)
    expect(rb.dataCapacity).toBe(1024)
    expect(rb.maxPayload).toBe(1024 / 2 - 32)
    expectArgError(
      () => RingBuffer.create({ client: rawContiguousClient, size: 1000 }),
      RangeError,
      'size',
    )
    expectArgError(
      () => RingBuffer.create({ client: rawContiguousClient, size: 128 }),
      RangeError,
      'size',
    )
    expectArgError(
      () => RingBuffer.create({ client: rawContiguousClient, size: 1024, subbufSize: 256 }),
      RangeError,
      'subbufSize',
    )
    expectArgError(
      () => RingBuffer.create({ client: rawContiguousClient, sync: 'shared' }),
      RangeError,
      'sync',
    )
  })

  it('writes 16-byte headers with absolute timestamps, 8-byte aligned, and moves the head', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const base = rb.subbufOffset(0)
    const a = w.reserve(5, 2 ** 40 + 3)
    expect(a).toBe(base + 16)
    w.bytes.set([1, 2, 3, 4, 5], a)
    w.commit()
    expect(w.write(payloadOf(1, 8), 2 ** 40 + 9)).toBe(true)
    const dv = new DataView(rb.sab)
    expect(dv.getUint32(base, true)).toBe(((1 << 28) | 5) >>> 0)
    expect(dv.getUint32(base + 8, true) + dv.getUint32(base + 12, true) * 2 ** 32).toBe(2 ** 40 + 3)
    expect(dv.getUint32(base + 24, true)).toBe(((1 << 28) | 8) >>> 0) // 16 + 8 (5 bytes padded)
    // head (offset 0) and tail (offset 8) of the per-CPU area
    expect(Number(dv.getBigUint64(rb.areaOffset(0), true))).toBe(24 + 24)
    expect(Number(dv.getBigUint64(rb.areaOffset(0) + 8, true))).toBe(0)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual([2 ** 40 + 3, 2 ** 40 + 9])
    expect(got[0]!.payload).toEqual([1, 2, 3, 4, 5])
    expect(Number(dv.getBigUint64(rb.areaOffset(0) + 8, true))).toBe(48)
    const s = rb.stats(0)
    expect(s.bytesWritten).toBe(48)
    expect(s.bytesRead).toBe(48)
  })

  it('keeps one byte free: hand-computed capacities', () => {
    // 256 bytes: 15 records of 16 bytes (240), a 16th would leave no free byte
    const a = ring(256)
    const wa = a.writer(0)
    let n = 0
    while (wa.write(new Uint8Array(0))) n++
    expect(n).toBe(15)
    // 24-byte records: 10 fit (240), the 11th would need 264
    const b = ring(256)
    const wb = b.writer(0)
    n = 0
    while (wb.write(payloadOf(n, 8))) n++
    expect(n).toBe(10)
    wb.flush()
    expect(b.stats(0).dropped).toBe(1)
    expect(b.stats(0).bytes).toBe(240)
  })
})

describe('contiguous wrap', () => {
  it('hands out records across the end of the data area in one range, read back whole', () => {
    const rb = ring(1024)
    const w = rb.writer(0)
    const r = rb.reader()
    let straddled = 0
    const base = rb.subbufOffset(0)
    for (let k = 0; k < 400; k++) {
      const len = (k * 37) % 200
      const off = w.reserve(len)
      expect(off).toBeGreaterThanOrEqual(base)
      // a record across the end (header or payload) ends past the data area, in the spill
      if (off - base + len > 1024) straddled++
      const data = payloadOf(k, len)
      // one contiguous range: written in place as the README shows, never split
      w.bytes.set(data, off)
      w.commit()
      const rec = r.consume(0)!
      expect(rec).not.toBeNull()
      expect(rec.length).toBe(len)
      expect(rec.timestamp).toBe(k + 1)
      expect(Array.from(rec.payload())).toEqual(Array.from(data))
    }
    expect(straddled).toBeGreaterThan(10)
    const s = rb.stats(0)
    expect(s.read).toBe(400)
    expect(s.bytes).toBe(0)
  })

  it('write() copies wrapped payloads itself, and header-straddling records decode', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    // 40-byte records: positions 0, 40, ..., 240 (header straddles at 248 after a shift)
    const lens = [24, 24, 24, 24, 24, 24, 8, 96, 3, 64, 33, 96, 0, 90]
    const got: number[][] = []
    lens.forEach((len, k) => {
      expect(w.write(payloadOf(k, len))).toBe(true)
      got.push(Array.from(r.consume(0)!.payload()))
    })
    expect(got).toEqual(lens.map((len, k) => Array.from(payloadOf(k, len))))
  })

  it('peek does not move the tail; several wrapped records stay readable', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 5; k++) w.write(payloadOf(k, 24))
    for (let k = 0; k < 4; k++) r.consume(0)
    for (let k = 5; k < 9; k++) expect(w.write(payloadOf(k, 24))).toBe(true) // wraps
    expect(r.peek(0)!.timestamp).toBe(5)
    expect(r.peek(0)!.timestamp).toBe(5)
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.ts)).toEqual(range(5, 9))
    expect(got.map((x) => x.payload)).toEqual(range(4, 8).map((k) => Array.from(payloadOf(k, 24))))
  })
})

describe('contiguous loss records', () => {
  it('writes a loss record before the first record after drops', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 13; k++) w.write(payloadOf(k, 8)) // 10 fit, 3 dropped
    expect(drainCpu(r, 0).map((x) => x.lost)).toEqual(Array<number>(10).fill(0))
    expect(w.write(payloadOf(13, 8))).toBe(true)
    expect(w.write(payloadOf(14, 8))).toBe(true)
    const got = drainCpu(r, 0)
    expect(got.map((x) => [x.ts, x.lost])).toEqual([
      [11, 3],
      [12, 0],
    ])
    const s = rb.stats(0)
    expect(s.dropped).toBe(3)
    expect(s.lost).toBe(3)
    expect(s.written).toBe(12)
    expect(s.bytesWritten).toBe(12 * 24 + 16)
    expect(s.bytesRead).toBe(s.bytesWritten)
    expect(s.bytes).toBe(0)
  })

  it('reports drops once, on the first record after them, even when published before it', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 12; k++) w.write(payloadOf(k, 8)) // 2 dropped
    w.flush()
    expect(r.consume(0)!.lost).toBe(0) // record 1 came before the drops
    w.close()
    const w2 = rb.writer(0) // a new writer still knows about the drops
    expect(drainCpu(r, 0).every((x) => x.lost === 0)).toBe(true)
    w2.write(payloadOf(99, 8))
    expect(drainCpu(r, 0).map((x) => x.lost)).toEqual([2])
    const s = rb.stats(0)
    expect(s.lost).toBe(2)
    expect(s.dropped).toBe(2)
  })

  it('keeps the loss when the record that carried it is discarded (rewound)', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 12; k++) w.write(payloadOf(k, 8)) // 2 dropped
    drainCpu(r, 0)
    w.reserve(8)
    w.discard()
    expect(w.write(payloadOf(99, 8))).toBe(true)
    const got = drainCpu(r, 0)
    expect(got.map((x) => [x.payload[0], x.lost])).toEqual([[payloadOf(99, 8)[0], 2]])
    const s = rb.stats(0)
    expect(s.lost).toBe(2)
    expect(s.discarded).toBe(1)
    expect(s.bytes).toBe(0)
    expect(s.bytesRead).toBe(s.bytesWritten)
  })

  it('keeps the loss when the record that carried it is discarded into padding', () => {
    const rb = ring(256)
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 12; k++) w.write(payloadOf(k, 8)) // 2 dropped
    drainCpu(r, 0)
    w.reserve(8) // carries the loss record
    w.bytes.set(payloadOf(50, 8), w.reserve(8))
    w.commit()
    w.discard()
    const got = drainCpu(r, 0)
    expect(got.map((x) => [x.payload[0], x.lost])).toEqual([[payloadOf(50, 8)[0], 2]])
    const s = rb.stats(0)
    expect(s.lost).toBe(2)
    expect(s.bytes).toBe(0)
    expect(s.bytesWritten).toBe(12 * 24 - 2 * 24 + 16 + 24 + 24)
    expect(s.bytesRead).toBe(s.bytesWritten)
  })
})

describe('contiguous nesting and discard', () => {
  it('shows nested records in reservation order once the outermost commits', () => {
    const rb = ring(1024)
    const w = rb.writer(0)
    const r = rb.reader()
    const outer = w.reserve(16)
    const inner = w.reserve(8)
    expect(inner).toBe(outer + 16 + 16)
    w.bytes.set(payloadOf(2, 8), inner)
    w.commit()
    expect(r.peek(0)).toBeNull()
    w.bytes.set(payloadOf(1, 16), outer)
    w.commit()
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.ts)).toEqual([1, 2])
    expect(got.map((x) => x.payload)).toEqual([
      Array.from(payloadOf(1, 16)),
      Array.from(payloadOf(2, 8)),
    ])
  })

  it('rewinds the last record and pads others', () => {
    const rb = ring(1024)
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const b = w.reserve(8)
    w.discard()
    expect(w.reserve(8)).toBe(b)
    w.bytes.set(payloadOf(1, 8), b)
    w.commit()
    w.reserve(24)
    w.bytes.set(payloadOf(2, 8), w.reserve(8))
    w.commit()
    w.discard()
    const s = rb.stats(0)
    expect(s.discarded).toBe(2)
    expect(s.written).toBe(3)
    expect(s.bytesWritten).toBe(24 + 24 + 40 + 24)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.payload)).toEqual([0, 1, 2].map((k) => Array.from(payloadOf(k, 8))))
    expect(rb.stats(0).bytes).toBe(0)
  })
})

describe('contiguous overwrite', () => {
  it('pushes the tail over the oldest records: hand computation', () => {
    const rb = ring(256, 'overwrite')
    const w = rb.writer(0)
    for (let k = 1; k <= 20; k++) expect(w.write(payloadOf(k, 8))).toBe(true)
    // 10 records of 24 bytes fit: 11..20 remain, 1..10 were overwritten
    let s = rb.stats(0)
    expect(s.overrun).toBe(10)
    expect(s.bytesOverrun).toBe(240)
    expect(s.entries).toBe(10)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual(range(11, 20))
    expect(got.map((x) => x.payload)).toEqual(range(11, 20).map((k) => Array.from(payloadOf(k, 8))))
    expect(got.map((x) => x.lost)).toEqual([10, ...Array<number>(9).fill(0)])
    s = rb.stats(0)
    expect(s.lost).toBe(10)
    expect(s.written).toBe(s.read + s.overrun)
    expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun)
  })

  it('reports every gap as lost while reading along, with wrapped records', () => {
    const rb = ring(1024, 'overwrite')
    const w = rb.writer(0)
    const r = rb.reader()
    let next = 1
    const got: { ts: number; lost: number; ok: boolean }[] = []
    for (let round = 0; round < 60; round++) {
      const burst = (round * 5) % 17
      for (let k = 0; k < burst; k++) {
        const len = (next * 29) % 90
        expect(w.write(payloadOf(next, len), next)).toBe(true)
        next++
      }
      for (let k = 0; k < round % 5; k++) {
        const rec = r.consume(0)
        if (rec === null) break
        const len = (rec.timestamp * 29) % 90
        got.push({
          ts: rec.timestamp,
          lost: rec.lost,
          ok:
            rec.length === len &&
            Array.from(rec.payload()).join() === Array.from(payloadOf(rec.timestamp, len)).join(),
        })
      }
    }
    for (let rec = r.consume(0); rec !== null; rec = r.consume(0))
      got.push({ ts: rec.timestamp, lost: rec.lost, ok: true })
    let prev = 0
    for (const g of got) {
      expect(g.ok).toBe(true)
      expect(g.lost).toBe(g.ts - prev - 1)
      prev = g.ts
    }
    expect(prev).toBe(next - 1)
    const s = rb.stats(0)
    expect(s.written).toBe(next - 1)
    expect(s.written).toBe(s.read + s.overrun)
    expect(s.lost).toBe(s.overrun)
    expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun)
  })
})
