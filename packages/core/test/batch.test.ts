import { describe, expect, it } from 'vitest'
import { ALL_CPUS, RingBuffer, rawContiguousClient } from '../src/index.js'
import type { RingMode, RingReader, RingStats } from '../src/index.js'
import { drainCpu, payloadOf } from './helpers.js'
import type { Snap } from './helpers.js'

/** What the batched callback saw, in the shape of helpers' Snap. */
function batchAll(r: RingReader, cpu: number, budget: () => number): Snap[] {
  const out: Snap[] = []
  for (;;) {
    const max = budget()
    const n = r.consumeBatch(
      cpu,
      (bytes, offset, length, timestamp, lost, c) => {
        out.push({
          cpu: c,
          ts: timestamp,
          lost,
          len: length,
          payload: Array.from(bytes.subarray(offset, offset + length)),
        })
      },
      max,
    )
    expect(n).toBeLessThanOrEqual(max)
    if (n === 0) return out
  }
}

/** A deterministic mix of writes: varying sizes, time jumps (time extends), discards. */
function script(rb: RingBuffer, from: number, count: number, seed: number): void {
  const w = rb.writer(0, { force: true })
  let x = seed
  let ts = 1000 + from * 10
  for (let k = from; k < from + count; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    ts += (x & 7) === 0 ? 2 ** 33 + (x & 1023) : x & 255
    const len = (x >>> 8) % 120
    if ((x & 31) === 5) {
      const off = w.reserve(len, ts)
      if (off >= 0) w.discard()
      continue
    }
    w.write(payloadOf(k, len), ts)
  }
  w.close()
}

function readerCounters(s: RingStats): unknown {
  return {
    read: s.read,
    bytesRead: s.bytesRead,
    lost: s.lost,
    entries: s.entries,
    bytes: s.bytes,
    overrun: s.overrun,
    written: s.written,
  }
}

function twin(mode: RingMode, subbufSize = 512): [RingBuffer, RingBuffer] {
  const make = (): RingBuffer =>
    RingBuffer.create({ size: 8192, subbufSize, clock: 'counter', publishBatch: 3, mode })
  return [make(), make()]
}

describe('consumeBatch (paged)', () => {
  it.each(['overwrite', 'produce-consume'] as const)(
    '%s: hands out exactly what consume() does, with the same counters',
    (mode) => {
      const [a, b] = twin(mode)
      const ra = a.reader()
      const rb = b.reader()
      let budgetSeed = 7
      const budget = (): number => {
        budgetSeed = (Math.imul(budgetSeed, 69069) + 1) >>> 0
        return [1, 2, 5, 17, 1000, Infinity][budgetSeed % 6]!
      }
      const expected: Snap[] = []
      const got: Snap[] = []
      for (let round = 0; round < 12; round++) {
        // more than the ring holds in some rounds: overwrite laps, produce-consume drops
        const count = round % 3 === 0 ? 400 : 37
        script(a, round * 1000, count, round + 1)
        script(b, round * 1000, count, round + 1)
        if (round % 4 === 3) {
          // read only part of it this round
          for (let k = 0; k < 10; k++) {
            const r = ra.consume(0)
            if (r === null) break
            expected.push({
              cpu: r.cpu,
              ts: r.timestamp,
              lost: r.lost,
              len: r.length,
              payload: Array.from(r.payload()),
            })
          }
          const part: Snap[] = []
          rb.consumeBatch(
            0,
            (bytes, offset, length, timestamp, lost, c) => {
              part.push({
                cpu: c,
                ts: timestamp,
                lost,
                len: length,
                payload: Array.from(bytes.subarray(offset, offset + length)),
              })
            },
            10,
          )
          got.push(...part)
        } else {
          expected.push(...drainCpu(ra, 0))
          got.push(...batchAll(rb, 0, budget))
        }
        expect(got).toEqual(expected)
        expect(readerCounters(b.stats(0))).toEqual(readerCounters(a.stats(0)))
      }
      expected.push(...drainCpu(ra, 0))
      got.push(...batchAll(rb, 0, budget))
      expect(got).toEqual(expected)
      expect(readerCounters(b.stats(0))).toEqual(readerCounters(a.stats(0)))
      expect(expected.length).toBeGreaterThan(500)
      if (mode === 'overwrite') expect(expected.some((s) => s.lost > 0)).toBe(true)
      const s = b.stats(0)
      expect(s.entries).toBe(0)
      expect(s.written).toBe(s.read + s.overrun)
      expect(s.lost).toBe(mode === 'overwrite' ? s.overrun : 0)
    },
  )

  it('reports a loss once, with the first record after it', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 37; k++) w.write(payloadOf(k, 40)) // 5 per sub-buffer, 4 in the ring
    const lost: number[] = []
    const r = rb.reader()
    expect(r.consumeBatch(0, (_b, _o, _l, _t, l) => lost.push(l))).toBe(17)
    expect(lost[0]).toBe(20)
    expect(lost.slice(1).every((l) => l === 0)).toBe(true)
    expect(rb.stats(0).lost).toBe(20)
    expect(r.consumeBatch(0, () => undefined)).toBe(0)
  })

  it('honours max, and 0 reads nothing', () => {
    const rb = RingBuffer.create({ size: 1 << 20, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 3000; k++) w.write(payloadOf(k, 24))
    const r = rb.reader()
    const seen: number[] = []
    const fn = (bytes: Uint8Array, offset: number): void => {
      seen.push(bytes[offset]!)
    }
    expect(r.consumeBatch(0, fn, 0)).toBe(0)
    expect(r.consumeBatch(0, fn, 1)).toBe(1)
    expect(r.consumeBatch(0, fn, 1500)).toBe(1500)
    expect(rb.stats(0).read).toBe(1501)
    expect(r.consumeBatch(0, fn)).toBe(1499)
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, k) => payloadOf(k, 24)[0]))
    expect(rb.stats(0).entries).toBe(0)
  })

  it('when the callback throws, the record counts as consumed and the rest stay unread', () => {
    const rb = RingBuffer.create({ clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 50; k++) w.write(payloadOf(k, 16))
    const r = rb.reader()
    const seen: number[] = []
    const boom = new Error('boom')
    expect(() =>
      r.consumeBatch(0, (bytes, offset) => {
        seen.push(bytes[offset]!)
        if (seen.length === 20) throw boom
      }),
    ).toThrow(boom)
    let s = rb.stats(0)
    expect(s.read).toBe(20)
    expect(s.entries).toBe(30)
    const rest = drainCpu(r, 0)
    expect(rest.map((x) => x.payload[0])).toEqual(
      Array.from({ length: 30 }, (_, k) => payloadOf(k + 20, 16)[0]),
    )
    s = rb.stats(0)
    expect(s.read).toBe(50)
    expect(s.bytes).toBe(0)
    expect(s.bytesRead).toBe(s.bytesWritten)
  })

  it('lets the callback read the same ring (no lock is held while it runs)', () => {
    const rb = RingBuffer.create({ clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 40; k++) w.write(payloadOf(k, 16))
    const r = rb.reader()
    const other = rb.reader()
    const firsts: number[] = []
    let nested = 0
    const n = r.consumeBatch(0, (bytes, offset) => {
      firsts.push(bytes[offset]!)
      if (firsts.length === 3) {
        // a nested batch and a consume of the same ring: they see what this chunk did not take
        expect(other.peek(0)).toBeNull()
        nested += r.consumeBatch(0, () => undefined)
      }
    })
    expect(n).toBe(40)
    expect(nested).toBe(0)
    expect(rb.stats(0).read).toBe(40)
    expect(firsts).toEqual(Array.from({ length: 40 }, (_, k) => payloadOf(k, 16)[0]))
  })

  it('restarts open iterators, like consume()', () => {
    const rb = RingBuffer.create({ clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 10; k++) w.write(payloadOf(k, 16))
    const r = rb.reader()
    const it = r.iterator(0)
    expect(it.next()?.payload()[0]).toBe(payloadOf(0, 16)[0])
    expect(r.consumeBatch(0, () => undefined, 4)).toBe(4)
    expect(it.next()?.payload()[0]).toBe(payloadOf(4, 16)[0])
    it.close()
  })

  it('sees a pending reset as an empty ring', () => {
    const rb = RingBuffer.create({ clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    for (let k = 0; k < 10; k++) w.write(payloadOf(k, 16))
    rb.reset(0)
    expect(rb.reader().consumeBatch(0, () => undefined)).toBe(0)
    w.close()
  })

  it('rejects bad arguments with typed errors', () => {
    const rb = RingBuffer.create({ cpus: 2 })
    const r = rb.reader()
    const fn = (): void => undefined
    expect(() => r.consumeBatch(0, null as never)).toThrow(TypeError)
    expect(() => r.consumeBatch(0, fn, -1)).toThrow(RangeError)
    expect(() => r.consumeBatch(0, fn, Number.NaN)).toThrow(RangeError)
    expect(() => r.consumeBatch(0, fn, 2.5)).toThrow(RangeError)
    expect(r.consumeBatch(0, fn, Infinity)).toBe(0)
    expect(() => r.consumeBatch(0, fn, '3' as never)).toThrow(TypeError)
    expect(() => r.consumeBatch(2, fn)).toThrow(RangeError)
    expect(() => r.consumeBatch(-2, fn)).toThrow(RangeError)
    expect(() => r.consumeBatch(0.5, fn)).toThrow(RangeError)
    expect(() => r.drain(0, fn, -1)).toThrow(RangeError)
    rb.free()
    expect(() => r.consumeBatch(0, fn)).toThrow(TypeError)
  })
})

describe('consumeBatch on every ring and on the contiguous layout', () => {
  it('merges all rings in timestamp order with ALL_CPUS', () => {
    const rb = RingBuffer.create({ cpus: 3, clock: 'counter', publishBatch: 1 })
    for (let c = 0; c < 3; c++) {
      const w = rb.writer(c)
      for (let k = 0; k < 20; k++) w.write(payloadOf(c * 100 + k, 8), 10 + k * 3 + c)
      w.close()
    }
    const ts: number[] = []
    const cpus = new Set<number>()
    expect(
      rb.reader().consumeBatch(ALL_CPUS, (_b, _o, _l, t, _x, c) => {
        ts.push(t)
        cpus.add(c)
      }),
    ).toBe(60)
    expect(ts).toEqual([...ts].sort((x, y) => x - y))
    expect([...cpus].sort()).toEqual([0, 1, 2])
  })

  it('reads a contiguous ring record by record, wrapped records included', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      mode: 'produce-consume',
      clock: 'counter',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    const r = rb.reader()
    const got: number[][] = []
    const want: number[][] = []
    for (let k = 0; k < 200; k++) {
      const p = payloadOf(k, 8 + (k % 50))
      if (w.write(p)) want.push(Array.from(p))
      if (k % 7 === 6)
        r.consumeBatch(0, (bytes, offset, length) => {
          got.push(Array.from(bytes.subarray(offset, offset + length)))
        })
    }
    r.consumeBatch(0, (bytes, offset, length) => {
      got.push(Array.from(bytes.subarray(offset, offset + length)))
    })
    expect(got).toEqual(want)
    expect(rb.stats(0).entries).toBe(0)
  })
})

describe('drain (paged) takes the batched path', () => {
  it('hands out the same records as consume(), through the reused RingRecord', () => {
    const [a, b] = twin('overwrite', 256)
    script(a, 0, 300, 3)
    script(b, 0, 300, 3)
    const expected = drainCpu(a.reader(), 0)
    const got: Snap[] = []
    const r = b.reader()
    let size = 0
    while (
      r.drain(
        0,
        (rec) => {
          size += rec.size
          got.push({
            cpu: rec.cpu,
            ts: rec.timestamp,
            lost: rec.lost,
            len: rec.length,
            payload: Array.from(rec.payload()),
          })
        },
        7,
      ) > 0
    );
    expect(got).toEqual(expected)
    expect(readerCounters(b.stats(0))).toEqual(readerCounters(a.stats(0)))
    expect(size).toBeGreaterThan(0)
  })
})
