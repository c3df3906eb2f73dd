import { describe, expect, it } from 'vitest'
import { RingBuffer, monotonicNs, rawContiguousClient } from '../src/index.js'
import { decodeRawSubbuf, drainCpu, expectArgError, payloadOf } from './helpers.js'

const TWO32 = 2 ** 32

describe('clocks', () => {
  it('counter: one tick per record, per ring', () => {
    const rb = RingBuffer.create({
      cpus: 2,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const a = rb.writer(0)
    const b = rb.writer(1)
    for (let k = 0; k < 12; k++) (k % 3 === 0 ? b : a).write(payloadOf(k, 40))
    const r = rb.reader()
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(drainCpu(r, 1).map((x) => x.ts)).toEqual([1, 2, 3, 4])
    // a refused reservation takes no tick
    rb.recordDisable(0)
    a.write(payloadOf(0, 8))
    rb.recordEnable(0)
    a.write(payloadOf(0, 8))
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([9])
  })

  it('uses an explicit timestamp, clamping one that goes back', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8), 500)
    w.write(payloadOf(1, 8)) // counter: 501
    w.write(payloadOf(2, 8), 400) // earlier than the last: clamped
    w.write(payloadOf(3, 8), 2 ** 53 - 1)
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([500, 501, 501, 2 ** 53 - 1])
  })

  it('calls a user clock once per reservation', () => {
    let now = 1000
    let calls = 0
    const clock = (): number => {
      calls++
      return (now += 7)
    }
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock, publishBatch: 1 })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    w.write(payloadOf(1, 8))
    w.write(payloadOf(2, 8), 5000) // an explicit timestamp does not call it
    rb.recordOff()
    w.write(payloadOf(3, 8))
    rb.recordOn()
    expect(calls).toBe(2)
    w.write(payloadOf(4, 8)) // 1021 < 5000: clamped
    expect(calls).toBe(3)
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([1007, 1014, 5000, 5000])
    // another handle must pass the clock
    expectArgError(() => RingBuffer.attach(rb.sab), TypeError, 'clock')
    const other = RingBuffer.attach(rb.sab, { clock })
    w.close()
    other.writer(0).write(payloadOf(5, 8))
    expect(drainCpu(other.reader(), 0).map((x) => x.ts)).toEqual([5000]) // 1028 clamped to the last
    expect(calls).toBe(4)
  })

  it('monotonic: nanoseconds that never decrease', () => {
    const rb = RingBuffer.create({ size: 4096, subbufSize: 256, publishBatch: 1 })
    const w = rb.writer(0)
    const t0 = monotonicNs()
    for (let k = 0; k < 100; k++) w.write(payloadOf(k, 24))
    const t1 = monotonicNs()
    const ts = drainCpu(rb.reader(), 0).map((x) => x.ts)
    expect(ts).toHaveLength(100)
    for (let k = 1; k < ts.length; k++) expect(ts[k]).toBeGreaterThanOrEqual(ts[k - 1]!)
    expect(ts[0]).toBeGreaterThanOrEqual(t0)
    expect(ts[99]).toBeLessThanOrEqual(t1)
    expect(Number.isInteger(ts[0])).toBe(true)
  })
})

describe('time extends', () => {
  it('adds an 8-byte time extend for a delta of 2^32 or more, and the reader reconstructs it exactly', () => {
    const rb = RingBuffer.create({ size: 4096, subbufSize: 512, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    const base = rb.subbufOffset(0, 1) + 16
    const stamps = [
      5,
      5 + TWO32 - 1,
      5 + 2 * TWO32 - 1,
      5 + 3 * TWO32 - 1,
      2 ** 50 + 3,
      2 ** 50 + 4,
      2 ** 53 - 2,
    ]
    // deltas: (first), 2^32 - 1, 2^32, 2^32, ~2^50, 1, ~2^53
    const extended = [false, false, true, true, true, false, true]
    let at = base
    stamps.forEach((t, k) => {
      const off = w.reserve(8, t)
      expect(off).toBe(at + (extended[k]! ? 8 : 0) + 8)
      at = off + 8
      w.bytes.set(payloadOf(k, 8), off)
      w.commit()
    })
    expect(rb.stats(0).bytesWritten).toBe(7 * 16 + 4 * 8)
    expect(decodeRawSubbuf(rb, 0, 1).records.map((x) => x.ts)).toEqual(stamps)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual(stamps)
    expect(got.map((x) => x.payload)).toEqual(stamps.map((_, k) => Array.from(payloadOf(k, 8))))
    expect(rb.stats(0).bytesRead).toBe(7 * 16 + 4 * 8)
  })

  it('needs no extend for the first record of a sub-buffer (its header holds the base)', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 5; k++) w.write(payloadOf(k, 40), k + 1)
    const off = w.reserve(40, 10 * TWO32)
    expect(off).toBe(rb.subbufOffset(0, 2) + 16 + 8)
    w.commit()
    w.write(payloadOf(6, 40), 10 * TWO32 + 1)
    expect(decodeRawSubbuf(rb, 0, 2).ts).toBe(10 * TWO32)
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([
      1,
      2,
      3,
      4,
      5,
      10 * TWO32,
      10 * TWO32 + 1,
    ])
  })

  it('keeps large timestamps in the contiguous and shared formats', () => {
    const c = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
    })
    const wc = c.writer(0)
    const s = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      sync: 'shared',
    })
    const ws = s.writer(0)
    const stamps = [1, TWO32 + 1, 2 ** 52, 2 ** 52 + 1]
    for (const t of stamps) {
      wc.write(payloadOf(t, 8), t)
      ws.write(payloadOf(t, 8), t)
    }
    expect(drainCpu(c.reader(), 0).map((x) => x.ts)).toEqual(stamps)
    expect(drainCpu(s.reader(), 0).map((x) => x.ts)).toEqual(stamps)
  })

  it('refuses timestamps that are not non-negative safe integers', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    expectArgError(() => w.reserve(8, -1), RangeError, 'timestamp')
    expectArgError(() => w.reserve(8, 2 ** 53), RangeError, 'timestamp')
    expectArgError(() => w.reserve(8, Number.NaN), RangeError, 'timestamp')
    expect(w.depth).toBe(0)
    expect(w.write(payloadOf(0, 8), 7)).toBe(true)
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([7])
  })
})
