/**
 * Malformed input (fast-check): random control page fields and random data bytes must never
 * make the consumer hang, read outside the data area, or throw anything but the documented
 * error (a PerfError EINVAL from the constructor; nothing at all afterwards).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PerfEventMmapPage } from '../src/control-page.js'
import { readSelf } from '../src/control-page-seqlock.js'
import { PerfError } from '../src/errors.js'
import {
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__get,
  perf_mmap__put,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '../src/mmap-reader.js'
import { cyclesToPerfTime, cyclesToTimeDelta, perfTimeToCycles } from '../src/time.js'

const U64 = 2n ** 64n
const u64Arb = fc.bigInt({ min: 0n, max: U64 - 1n })
/** u64 values near interesting points: 0, small, a page, the top of the range. */
const posArb = fc.oneof(
  u64Arb,
  fc.bigInt({ min: 0n, max: 20_000n }),
  fc.bigInt({ min: U64 - 20_000n, max: U64 - 1n }),
  fc.bigInt({ min: 0n, max: 2_500n }).map((v) => v * 8n),
  fc.bigInt({ min: 0n, max: U64 / 8n - 1n }).map((v) => v * 8n),
)

type Op =
  | { kind: 'pass'; budget: number }
  | { kind: 'event' }
  | { kind: 'consume' }
  | { kind: 'done' }
  | { kind: 'head'; value: bigint }
  | { kind: 'tail'; value: bigint }
  | { kind: 'poke'; at: number; value: number }
  | { kind: 'geometry'; offset: bigint; size: bigint }
  | { kind: 'start'; value: bigint }
  | { kind: 'ref'; up: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('pass' as const),
      budget: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('event' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('consume' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('done' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('head' as const), value: posArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('tail' as const), value: posArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('poke' as const),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    weight: 3,
  },
  {
    // a producer scribbling on the geometry after mapping: must have no effect
    arbitrary: fc.record({ kind: fc.constant('geometry' as const), offset: posArb, size: posArb }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('start' as const), value: posArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('ref' as const), up: fc.boolean() }), weight: 1 },
)

const dataSizeArb = fc.oneof(
  { arbitrary: fc.integer({ min: 3, max: 14 }).map((e) => BigInt(2 ** e)), weight: 6 },
  { arbitrary: posArb, weight: 1 },
)
const dataOffsetArb = fc.oneof(
  { arbitrary: fc.constant(4096n), weight: 4 },
  { arbitrary: fc.integer({ min: 136, max: 600 }).map((v) => BigInt(v * 8)), weight: 2 },
  { arbitrary: posArb, weight: 1 },
)

const caseArb = fc.record({
  shared: fc.boolean(),
  overwrite: fc.boolean(),
  flush: fc.oneof(
    { arbitrary: fc.constant(0), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 1 },
  ),
  extra: fc.integer({ min: 0, max: 64 }),
  dataOffset: dataOffsetArb,
  dataSize: dataSizeArb,
  /** Positions: either consistent (tail = base, head = base ± delta) or arbitrary. */
  positions: fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('consistent' as const),
        base: fc.tuple(posArb, fc.boolean()).map(([b, aligned]) => (aligned ? b & ~7n : b)),
        /** Bytes between tail and head, as a fraction of data_size (up to 1.25×). */
        fill: fc.integer({ min: 0, max: 1000 }),
        aligned: fc.boolean(),
      }),
      weight: 4,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('random' as const), head: posArb, tail: posArb }),
      weight: 1,
    },
  ),
  /** Random bytes everywhere, then (maybe) a chain of headers from the start position. */
  seed: fc.integer(),
  /**
   * Record sizes of the chain: mostly plausible (a multiple of 8 up to a quarter of
   * data_size and 320 bytes: `-k` means 8·(1 + (k − 1) mod that / 8)), sometimes anything a u16 holds.
   */
  sizes: fc.array(
    fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 1 << 16 }).map((v) => -v), weight: 60 },
      { arbitrary: fc.integer({ min: 0, max: 65535 }), weight: 1 },
      { arbitrary: fc.constantFrom(0, 4, 12, 4096, 8192, 65528), weight: 1 },
    ),
    { minLength: 1, maxLength: 400, size: 'max' },
  ),
  // always one libperf pass first, on the ring as generated
  ops: fc
    .array(opArb, { minLength: 1, maxLength: 25 })
    .map((ops): Op[] => [{ kind: 'pass', budget: 1 }, ...ops]),
})

function randomFill(bytes: Uint8Array, seed: number): void {
  let x = seed | 1
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 255
  }
}

/** Headers back to back from free-running position `from`, masked into the data area. */
function writeChain(
  bytes: Uint8Array,
  off: number,
  size: number,
  from: bigint,
  sizes: number[],
): void {
  const mask = BigInt(size - 1)
  let p = from
  const quarter = Math.max(1, Math.min(40, Math.floor(size / 32)))
  for (const raw of sizes) {
    const s = raw < 0 ? 8 * (1 + ((-raw - 1) % quarter)) : raw
    const o = off + Number(p & mask)
    if (o + 8 > off + size) break // keep the chain's headers unstraddled (the rest is random)
    const dv = new DataView(bytes.buffer, bytes.byteOffset + o, 8)
    dv.setUint32(0, 9, true)
    dv.setUint16(4, 0, true)
    dv.setUint16(6, s, true)
    p = BigInt.asUintN(64, p + BigInt(Math.max(8, s - (s % 8))))
  }
}

describe('malformed mappings (fast-check)', () => {
  it('never hang, never read outside the data area, never throw after construction', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const len = 4096 + 16384 + c.extra * 8
        const bytes = new Uint8Array(c.shared ? new SharedArrayBuffer(len) : new ArrayBuffer(len))
        randomFill(bytes, c.seed)
        const dv = new DataView(bytes.buffer)
        dv.setBigUint64(1040, c.dataOffset, true)
        dv.setBigUint64(1048, c.dataSize, true)
        const P = c.positions
        let head: bigint, tail: bigint, prev: bigint
        if (P.kind === 'consistent') {
          const raw = Math.floor(
            (Number(c.dataSize > 1n << 20n ? 1n << 20n : c.dataSize) * P.fill * 1.25) / 1000,
          )
          const delta = P.aligned ? raw - (raw % 8) : raw
          tail = P.base
          prev = P.base
          head = BigInt.asUintN(64, c.overwrite ? P.base - BigInt(delta) : P.base + BigInt(delta))
        } else {
          head = P.head
          tail = P.tail
          prev = c.overwrite ? 0n : P.tail
        }
        dv.setBigUint64(1024, head, true)
        dv.setBigUint64(1032, tail, true)
        const geometryOk =
          c.dataOffset >= 1088n &&
          c.dataOffset % 8n === 0n &&
          c.dataSize >= 8n &&
          (c.dataSize & (c.dataSize - 1n)) === 0n &&
          c.dataOffset + c.dataSize <= BigInt(len)
        if (geometryOk)
          writeChain(
            bytes,
            Number(c.dataOffset),
            Number(c.dataSize),
            c.overwrite ? head : tail,
            c.sizes,
          )

        let map: PerfMmap
        try {
          map = new PerfMmap(bytes, { overwrite: c.overwrite, flush: c.flush, prev })
        } catch (e) {
          // the only documented failure: impossible geometry
          expect(e).toBeInstanceOf(PerfError)
          expect((e as PerfError).errno).toBe('EINVAL')
          expect(['data_offset', 'data_size']).toContain((e as PerfError).field)
          expect(geometryOk).toBe(false)
          return
        }
        expect(geometryOk).toBe(true)
        const dataStart = bytes.byteOffset + map.page_size
        const dataSize = map.mask + 1
        expect(map.page_size + dataSize).toBeLessThanOrEqual(len)
        // at most data_size / 8 records per pass: each is ≥ 8 bytes and the range ≤ data_size
        const cap = dataSize / 8 + 2

        const check = (ev: ReturnType<typeof perf_mmap__read_event>) => {
          if (ev === null) return
          const { size } = ev.header
          expect(size).toBeGreaterThanOrEqual(8)
          expect(size % 8).toBe(0)
          expect(size).toBeLessThanOrEqual(dataSize)
          expect(ev.bytes.length).toBe(size)
          if (ev.copied) expect(ev.bytes.buffer).toBe(map.event_copy.buffer)
          else {
            expect(ev.bytes.buffer).toBe(bytes.buffer)
            expect(ev.bytes.byteOffset).toBeGreaterThanOrEqual(dataStart)
            expect(ev.bytes.byteOffset + size).toBeLessThanOrEqual(dataStart + dataSize)
          }
        }

        for (const op of c.ops) {
          switch (op.kind) {
            case 'pass': {
              const rc = perf_mmap__read_init(map)
              expect([0, -11, -2, -22]).toContain(rc)
              if (rc === 0) {
                const range = BigInt.asUintN(64, map.end - map.start)
                expect(range).toBeLessThanOrEqual(BigInt(dataSize))
                // (an overwrite map checks flush before overwrite_rb_find_range shrinks the range)
                if (!c.overwrite) expect(range).toBeGreaterThanOrEqual(BigInt(c.flush))
              }
              let n = 0
              for (;;) {
                const ev = perf_mmap__read_event(map)
                if (ev === null) break
                check(ev)
                if (++n > cap) throw new Error(`more than ${cap} records in one pass`)
                if (op.budget > 0 && n % op.budget === 0) perf_mmap__consume(map)
              }
              perf_mmap__read_done(map)
              break
            }
            case 'event':
              check(perf_mmap__read_event(map))
              break
            case 'consume':
              perf_mmap__consume(map)
              break
            case 'done':
              perf_mmap__read_done(map)
              break
            case 'head':
              dv.setBigUint64(1024, op.value, true)
              break
            case 'tail':
              dv.setBigUint64(1032, op.value, true)
              break
            case 'poke':
              bytes[op.at % len] = op.value
              break
            case 'geometry':
              dv.setBigUint64(1040, op.offset, true)
              dv.setBigUint64(1048, op.size, true)
              break
            case 'start':
              map.start = op.value
              break
            case 'ref':
              if (op.up) perf_mmap__get(map)
              else if (map.refcnt > 0) perf_mmap__put(map)
              break
          }
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('readSelf and the time helpers on random control pages: a snapshot or a PerfError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1088, maxLength: 1088 }),
        fc.boolean(),
        u64Arb,
        (raw, shared, x) => {
          const bytes = new Uint8Array(shared ? new SharedArrayBuffer(1088) : new ArrayBuffer(1088))
          bytes.set(raw)
          const pc = new PerfEventMmapPage(bytes)
          let self
          try {
            self = readSelf(pc, { maxTries: 3 })
          } catch (e) {
            expect(e).toBeInstanceOf(PerfError)
            expect((e as PerfError).errno).toBe('EINVAL')
            expect(pc.lock % 2).toBe(1)
            return
          }
          expect(self.lock % 2).toBe(0)
          for (const f of [cyclesToPerfTime, perfTimeToCycles, cyclesToTimeDelta]) {
            try {
              const v = f(self, x)
              expect(typeof v).toBe('bigint')
              expect(v >= 0n && v < U64).toBe(true)
            } catch (e) {
              expect(e).toBeInstanceOf(PerfError)
              expect(['EOPNOTSUPP', 'EINVAL']).toContain((e as PerfError).errno)
            }
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
