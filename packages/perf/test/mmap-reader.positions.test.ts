/**
 * The consumer keeps its positions as u32 halves (no BigInt per event) and stores data_tail's
 * low word alone while the high word stays: positions across 2^32 and 2^64, on shared and
 * plain memory, read back exactly as the u64 arithmetic says.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PerfEventMmapPage } from '../src/control-page.js'
import {
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '../src/mmap-reader.js'
import { mapping, produce, record } from './mmap-helpers.js'

const PAGE = 4096
const U64 = 2n ** 64n

/** A record of type 9 (PERF_RECORD_SAMPLE) whose misc is the low 16 bits of `seed`. */
function sample(size: number, seed: number): Uint8Array {
  return record(9, size, seed, seed & 0xffff)
}

describe('consumer positions', () => {
  it('reads across 2^32 and 2^64 and stores the whole data_tail (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 2n ** 32n - 4096n, max: 2n ** 32n }),
          fc.bigInt({ min: U64 - 4096n, max: U64 - 1n }),
          fc.bigInt({ min: 0n, max: U64 - 1n }),
        ),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }), // at most 5 × 96 bytes: the ring holds them
        (start0, shared, sizes, perPass) => {
          const start = start0 & ~7n
          const bytes = mapping(512, shared)
          const pc = new PerfEventMmapPage(bytes)
          pc.data_head = start
          pc.data_tail = start
          const map = new PerfMmap(bytes)
          expect(map.prev).toBe(start)
          let pos = start
          let i = 0
          while (i < sizes.length) {
            // produce a few records (the ring holds at most 512 bytes), then drain them
            const batch = sizes.slice(i, i + perPass)
            const recs = batch.map((n, k) => sample(n * 8, i + k))
            for (const r of recs) produce(bytes, r)
            expect(perf_mmap__read_init(map)).toBe(0)
            expect([map.start, map.end]).toEqual([pos, pc.data_head])
            for (const r of recs) {
              const ev = perf_mmap__read_event(map)
              expect(ev).not.toBeNull()
              expect(ev!.header).toEqual({ type: 9, misc: r[4]! | (r[5]! << 8), size: r.length })
              expect(Buffer.from(ev!.bytes).equals(Buffer.from(r))).toBe(true)
              pos = BigInt.asUintN(64, pos + BigInt(r.length))
              expect(map.start).toBe(pos)
              expect(map.prev).toBe(pos)
              perf_mmap__consume(map)
              expect(pc.data_tail).toBe(pos)
            }
            expect(perf_mmap__read_event(map)).toBeNull()
            perf_mmap__read_done(map)
            expect(map.prev).toBe(pos)
            i += perPass
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('stores the whole u64 when data_tail holds another high word', () => {
    for (const shared of [false, true]) {
      const bytes = mapping(512, shared)
      const pc = new PerfEventMmapPage(bytes)
      pc.data_head = 2n ** 32n - 16n
      pc.data_tail = 2n ** 32n - 16n
      const map = new PerfMmap(bytes)
      produce(bytes, sample(32, 1))
      expect(perf_mmap__read_init(map)).toBe(0)
      // someone else put a value with another high word in data_tail
      pc.data_tail = 5n * 2n ** 32n + 8n
      expect(perf_mmap__read_event(map)).not.toBeNull()
      perf_mmap__consume(map)
      expect(pc.data_tail).toBe(2n ** 32n + 16n)
    }
  })

  it('refuses a head more than 2^32 past start (no wrap of the low word into range)', () => {
    for (const shared of [false, true]) {
      const bytes = mapping(512, shared)
      const pc = new PerfEventMmapPage(bytes)
      const map = new PerfMmap(bytes)
      produce(bytes, sample(16, 1))
      expect(perf_mmap__read_init(map)).toBe(0)
      // the producer "moved" by 2^32 + 16: the low word alone would look like 16 bytes ahead
      pc.data_head = 2n ** 32n + 16n
      expect(perf_mmap__read_event(map)).toBeNull()
      pc.data_head = 2n ** 33n + 16n
      expect(perf_mmap__read_event(map)).toBeNull()
      // and a head behind start
      pc.data_head = U64 - 8n
      expect(perf_mmap__read_event(map)).toBeNull()
    }
  })

  it('returns an event whose header stays valid and whose in-place bytes are one view', () => {
    const bytes = mapping(512, true)
    const map = new PerfMmap(bytes)
    produce(bytes, sample(24, 1))
    produce(bytes, sample(40, 2))
    expect(perf_mmap__read_init(map)).toBe(0)
    const a = perf_mmap__read_event(map)!
    const b = perf_mmap__read_event(map)!
    expect(a).not.toBe(b)
    expect(a.header).toEqual({ type: 9, misc: 1, size: 24 })
    expect(a.header).toBe(a.header)
    expect(a.bytes).toBe(a.bytes)
    expect(a.bytes.buffer).toBe(bytes.buffer)
    expect(a.bytes.byteOffset).toBe(PAGE)
    expect(b.bytes.byteOffset).toBe(PAGE + 24)
    expect(b.header.size).toBe(40)
    expect(a.copied || b.copied).toBe(false)
  })
})
