/**
 * The fixed-size SAMPLE fast path (`perf_event_output`, `perf_event_output_ip`) against the
 * generic encoder: the same sequence of samples, pauses, drops and consumer progress gives
 * byte-identical rings.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  PAGE_SIZE,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_REFRESH,
  PERF_FORMAT_GROUP,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_CALLCHAIN,
  PERF_SAMPLE_CGROUP,
  PERF_SAMPLE_CODE_PAGE_SIZE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_DATA_PAGE_SIZE,
  PERF_SAMPLE_DATA_SRC,
  PERF_SAMPLE_FIXED_SIZE_MASK,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_PHYS_ADDR,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_READ,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_SAMPLE_TRANSACTION,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
  POLLHUP,
  PROT_READ,
  PROT_WRITE,
  PerfMmapPageOffset,
  ioctl,
  mmap,
  munmap,
  perf_event_emit,
  perf_event_open,
  perf_event_output,
  perf_event_output_ip,
  perf_event_poll,
  sizeOfSample,
  writeSample,
} from '../src/index.js'
import type {
  PerfEvent,
  PerfEventAttrInit,
  PerfMapping,
  PerfSampleFields,
  PerfSampleInput,
} from '../src/index.js'
import { expectErrno } from './event-helpers.js'

const FIXED_BITS = [
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_READ,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
  PERF_SAMPLE_DATA_SRC,
  PERF_SAMPLE_TRANSACTION,
  PERF_SAMPLE_PHYS_ADDR,
  PERF_SAMPLE_CGROUP,
  PERF_SAMPLE_DATA_PAGE_SIZE,
  PERF_SAMPLE_CODE_PAGE_SIZE,
]
const READ_BITS = [
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
]
const U64_FIELDS = [
  'addr',
  'weight',
  'data_src',
  'transaction',
  'phys_addr',
  'cgroup',
  'data_page_size',
  'code_page_size',
] as const
const U64_DEFAULTED = ['identifier', 'id', 'stream_id', 'period'] as const

const bitsOf = (bits: number[]) => fc.subarray(bits).map((a) => a.reduce((x, b) => x | b, 0))

const attrArb = fc
  .record({
    st: bitsOf(FIXED_BITS),
    rf: bitsOf(READ_BITS),
    sample_id_all: fc.boolean(),
    freq: fc.boolean(),
    period: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ st, rf, sample_id_all, freq, period }) => {
    // WEIGHT and WEIGHT_STRUCT are mutually exclusive
    const sample_type = st & PERF_SAMPLE_WEIGHT ? st & ~PERF_SAMPLE_WEIGHT_STRUCT : st
    const attr: PerfEventAttrInit = {
      sample_type,
      read_format: rf,
      sample_id_all,
      ...(freq ? { freq: true, sample_freq: period } : { sample_period: period }),
    }
    return attr
  })

/** A u64 as a bigint, or as a safe integer number. */
const u64Arb: fc.Arbitrary<bigint | number> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0, 1, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.maxSafeNat(),
)
const u32Arb = fc.oneof(fc.constantFrom(0, 0xffffffff), fc.nat())

const sampleArb: fc.Arbitrary<PerfSampleInput> = fc
  .record(
    {
      misc: fc.integer({ min: 0, max: 0xffff }),
      ip: u64Arb,
      pid: u32Arb,
      tid: u32Arb,
      cpu: u32Arb,
      res: u32Arb,
      read: fc.record({
        value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        time_enabled: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        time_running: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        lost: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      }),
      weight_struct: fc.record({
        var1_dw: u32Arb,
        var2_w: fc.integer({ min: 0, max: 0xffff }),
        var3_w: fc.integer({ min: 0, max: 0xffff }),
      }),
      ...Object.fromEntries(U64_DEFAULTED.map((k) => [k, u64Arb])),
    },
    { requiredKeys: ['ip', 'read', 'weight_struct'] },
  )
  .chain((s) =>
    fc.tuple(...U64_FIELDS.map(() => u64Arb)).map((vals) => {
      const out: Record<string, unknown> = { ...s }
      U64_FIELDS.forEach((k, i) => {
        out[k] = vals[i]
      })
      return out
    }),
  )

type Op =
  | { op: 'sample'; sample: PerfSampleInput; dt: number; ipOnly: boolean }
  | { op: 'consume' }
  | { op: 'pause'; on: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('sample' as const),
      sample: sampleArb,
      dt: fc.integer({ min: 0, max: 1000 }),
      ipOnly: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('consume' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), on: fc.boolean() }) },
)

/** The generic encoder: the bytes `perf_event_output` wrote before the fast path. */
function genericOutput(ev: PerfEvent, sample: PerfSampleInput, t: number): boolean {
  const s: Record<string, unknown> = { ...sample }
  for (const [k, v] of Object.entries(s))
    if (typeof v === 'number' && !['misc', 'pid', 'tid', 'cpu', 'res'].includes(k)) s[k] = BigInt(v)
  const fields: PerfSampleFields = {
    ...ev.sampleId(t),
    period: BigInt(ev.attr.freq ? 1 : ev.attr.sample_period || 1),
    ...(s as PerfSampleFields),
  }
  const size = sizeOfSample(fields, ev.ctx)
  ev.count += fields.period ?? 1n
  return perf_event_emit(ev, size, (dv, off) => writeSample(dv, off, fields, ev.ctx), t)
}

interface Run {
  data: Uint8Array
  head: bigint
  results: boolean[]
  count: bigint
  lost: number
}

function consumeAll(m: PerfMapping): void {
  const dv = new DataView(m.bytes.buffer, m.bytes.byteOffset, PAGE_SIZE)
  dv.setBigUint64(
    PerfMmapPageOffset.data_tail,
    dv.getBigUint64(PerfMmapPageOffset.data_head, true),
    true,
  )
}

function run(ev: PerfEvent, ops: Op[], fast: boolean): Run {
  // one data page, writable: a produce-consume ring that refuses when full
  const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE)
  const count0 = ev.count
  const lost0 = ev.lost_samples
  const results: boolean[] = []
  let t = 1
  try {
    for (const o of ops) {
      if (o.op === 'consume') consumeAll(m)
      else if (o.op === 'pause') ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, o.on ? 1 : 0)
      else {
        t += o.dt
        if (!fast) {
          const s = o.ipOnly ? { ip: o.sample.ip!, period: o.sample.period } : o.sample
          const clean = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))
          results.push(genericOutput(ev, clean, t))
        } else if (o.ipOnly) {
          results.push(perf_event_output_ip(ev, o.sample.ip!, t, o.sample.period))
        } else results.push(perf_event_output(ev, { ...o.sample, time: t }))
      }
    }
    const dv = new DataView(m.bytes.buffer, m.bytes.byteOffset, PAGE_SIZE)
    return {
      data: m.bytes.slice(PAGE_SIZE),
      head: dv.getBigUint64(PerfMmapPageOffset.data_head, true),
      results,
      count: ev.count - count0,
      lost: ev.lost_samples - lost0,
    }
  } finally {
    munmap(m)
  }
}

/** Fields the ip-only entry point cannot default: it then throws, as the generic path does. */
const NEEDS_FIELDS =
  PERF_SAMPLE_ADDR |
  PERF_SAMPLE_READ |
  PERF_SAMPLE_WEIGHT |
  PERF_SAMPLE_WEIGHT_STRUCT |
  PERF_SAMPLE_DATA_SRC |
  PERF_SAMPLE_TRANSACTION |
  PERF_SAMPLE_PHYS_ADDR |
  PERF_SAMPLE_CGROUP |
  PERF_SAMPLE_DATA_PAGE_SIZE |
  PERF_SAMPLE_CODE_PAGE_SIZE

describe('perf_event_output fast path', () => {
  it('writes the same bytes as the generic encoder (random fixed-size attrs, wraps, drops, LOST)', () => {
    let wrapped = 0
    let dropped = 0
    fc.assert(
      fc.property(
        attrArb,
        fc.integer({ min: -1, max: 1 << 20 }),
        fc.array(opArb, { minLength: 1, maxLength: 400, size: 'large' }),
        (attr, pid, ops) => {
          const ev = perf_event_open(attr, pid, pid === -1 ? 0 : 3)
          const ipOk = (ev.attr.sample_type & NEEDS_FIELDS) === 0
          const seq = ops.map((o) =>
            o.op === 'sample' && o.ipOnly && !ipOk ? { ...o, ipOnly: false } : o,
          )
          const a = run(ev, seq, false)
          const b = run(ev, seq, true)
          expect(b.results).toEqual(a.results)
          expect(b.head).toBe(a.head)
          expect(b.count).toBe(a.count)
          expect(b.lost).toBe(a.lost)
          expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true)
          if (a.head > BigInt(PAGE_SIZE)) wrapped++
          if (a.lost > 0) dropped++
        },
      ),
      { numRuns: 150 },
    )
    // the sequences did wrap around the data area and drop records (LOST records followed)
    expect(wrapped).toBeGreaterThan(10)
    expect(dropped).toBeGreaterThan(10)
  })

  it('compiles a layout only for fixed-size sample_types', () => {
    expect(PERF_SAMPLE_FIXED_SIZE_MASK & PERF_SAMPLE_CALLCHAIN).toBe(0)
    const fixed = perf_event_open({ sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_TIME }, 0, 0)
    const m = mmap(fixed, 2 * PAGE_SIZE, PROT_READ)
    expect(perf_event_output_ip(fixed, 0x1234, 5)).toBe(true)
    expect(fixed._sampleLayout).toMatchObject({ size: 24 })
    munmap(m)
    const grouped = perf_event_open(
      { sample_type: PERF_SAMPLE_READ, read_format: PERF_FORMAT_GROUP },
      0,
      0,
    )
    const g = mmap(grouped, 2 * PAGE_SIZE, PROT_READ)
    expect(perf_event_output(grouped, { read: { values: [{ value: 7n }] } })).toBe(true)
    expect(grouped._sampleLayout).toBeNull()
    munmap(g)
  })

  it('falls back to the generic encoder for variable-size bits (CALLCHAIN, RAW)', () => {
    const attr = {
      sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW | PERF_SAMPLE_TIME,
      sample_period: 3,
    }
    const ev = perf_event_open(attr, 7, 0)
    const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ)
    const raw = new Uint8Array([1, 2, 3])
    expect(perf_event_output(ev, { ip: 0x10, time: 9, callchain: [1n, 2n], raw })).toBe(true)
    expect(ev._sampleLayout).toBeNull()
    const fields: PerfSampleFields = { ip: 0x10n, time: 9n, callchain: [1n, 2n], raw }
    const size = sizeOfSample(fields, ev.ctx)
    const want = new DataView(new ArrayBuffer(size))
    writeSample(want, 0, fields, ev.ctx)
    const got = m.bytes.subarray(PAGE_SIZE, PAGE_SIZE + size)
    expect(Buffer.from(got).equals(Buffer.from(want.buffer))).toBe(true)
    expect(ev.count).toBe(3n)
    // the ip-only entry point takes the same path: the callchain is required
    expectErrno(() => perf_event_output_ip(ev, 0x10, 10), 'EINVAL')
    munmap(m)
  })

  it('throws the generic errors for missing or invalid fields, before any side effect', () => {
    const ev = perf_event_open({ sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_WEIGHT }, 0, 0)
    const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ)
    expectErrno(() => perf_event_output(ev, { ip: 1 }), 'EINVAL') // weight missing (ADDR defaults to 0, as in the kernel)
    expectErrno(() => perf_event_output_ip(ev, 1), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: -1, weight: 2 }), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: 1.5, weight: 2 }), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: 2 ** 53, weight: 2 }), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: 1n << 64n, weight: 2 }), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: 1, weight: 2, time: -1 }), 'EINVAL')
    expectErrno(() => perf_event_output(ev, { ip: 1, weight: 2, misc: 0x10000 }), 'EINVAL')
    expect(ev.count).toBe(0n)
    expect(ev.lost_samples).toBe(0)
    expect(new DataView(m.bytes.buffer, m.bytes.byteOffset).getBigUint64(1024, true)).toBe(0n)
    munmap(m)
  })

  it('defaults the fields from the event and the time from the perf clock', () => {
    const st =
      PERF_SAMPLE_IDENTIFIER |
      PERF_SAMPLE_IP |
      PERF_SAMPLE_TID |
      PERF_SAMPLE_TIME |
      PERF_SAMPLE_ID |
      PERF_SAMPLE_STREAM_ID |
      PERF_SAMPLE_CPU |
      PERF_SAMPLE_PERIOD
    const ev = perf_event_open({ sample_type: st, sample_period: 5 }, 42, 1)
    const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ)
    const before = BigInt(Math.round(performance.now() * 1e6))
    expect(perf_event_output_ip(ev, 0xabc)).toBe(true)
    const dv = new DataView(m.bytes.buffer, m.bytes.byteOffset + PAGE_SIZE)
    expect(dv.getUint32(0, true)).toBe(PERF_RECORD_SAMPLE)
    expect(dv.getUint16(6, true)).toBe(8 + 8 * 8)
    expect(dv.getBigUint64(8, true)).toBe(ev.id)
    expect(dv.getBigUint64(16, true)).toBe(0xabcn)
    expect([dv.getUint32(24, true), dv.getUint32(28, true)]).toEqual([42, 42])
    expect(dv.getBigUint64(32, true)).toBeGreaterThanOrEqual(before)
    expect(dv.getBigUint64(40, true)).toBe(ev.id)
    expect(dv.getBigUint64(48, true)).toBe(ev.id)
    expect([dv.getUint32(56, true), dv.getUint32(60, true)]).toEqual([1, 0])
    expect(dv.getBigUint64(64, true)).toBe(5n)
    expect(ev.count).toBe(5n)
    munmap(m)
  })

  it('keeps event.count exact across number and bigint periods and RESET', () => {
    const ev = perf_event_open({ sample_type: PERF_SAMPLE_IP, sample_period: 1 }, 0, 0)
    const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ)
    perf_event_output_ip(ev, 1, 1, Number.MAX_SAFE_INTEGER)
    perf_event_output_ip(ev, 1, 2, Number.MAX_SAFE_INTEGER)
    perf_event_output_ip(ev, 1, 3, 1n << 60n)
    perf_event_output(ev, { ip: 1n, time: 4n })
    expect(ev.count).toBe(2n * BigInt(Number.MAX_SAFE_INTEGER) + (1n << 60n) + 1n)
    ev.count = 0n
    perf_event_output_ip(ev, 1, 5, 2)
    expect(ev.count).toBe(2n)
    munmap(m)
  })

  it('counts toward the REFRESH limit and disables the event when it runs out', () => {
    // a sampling event: REFRESH of a counting one is EINVAL (_perf_event_refresh)
    const ev = perf_event_open(
      { sample_type: PERF_SAMPLE_IP, sample_period: 1, disabled: true },
      0,
      0,
    )
    const m = mmap(ev, 2 * PAGE_SIZE, PROT_READ)
    ioctl(ev, PERF_EVENT_IOC_REFRESH, 2)
    expect(perf_event_output_ip(ev, 1, 1)).toBe(true)
    expect(perf_event_output_ip(ev, 2, 2)).toBe(true)
    expect(ev.enabled).toBe(false)
    expect(ev.hup).toBe(true)
    expect(perf_event_poll(ev) & POLLHUP).toBe(0)
    expect(perf_event_output_ip(ev, 3, 3)).toBe(false)
    munmap(m)
  })

  it('counts a sample of an unmapped event but writes nothing', () => {
    const ev = perf_event_open({ sample_type: PERF_SAMPLE_IP, sample_period: 4 }, 0, 0)
    expect(perf_event_output_ip(ev, 1)).toBe(false)
    expect(ev.count).toBe(4n)
    expect(ev.lost_samples).toBe(0)
  })
})
