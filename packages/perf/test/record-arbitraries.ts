/**
 * fast-check arbitraries for record contexts and record fields, plus the independent size
 * formulas the round-trip tests compare against (written from the reference's layout tables,
 * not from the emitters).
 */
import fc from 'fast-check'
import * as C from '../src/constants.js'
import type { PerfRecordContext } from '../src/records/context.js'
import type { PerfReadFormatValues } from '../src/records/read-format.js'
import type { PerfSampleId } from '../src/records/sample-id.js'
import type { PerfSampleFields, PerfSampleRegs } from '../src/records/sample.js'

export const u8: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xff })
export const u16: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff })
export const u32: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffffffff })
export const u64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1n, 2n ** 63n, 2n ** 64n - 1n, C.PERF_CONTEXT_KERNEL, C.PERF_CONTEXT_USER),
)
/** A string the codec can carry: valid Unicode without NUL. */
export const str: fc.Arbitrary<string> = fc
  .string({ unit: 'grapheme', maxLength: 40 })
  .filter((s) => !s.includes('\0'))
export const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max })
/** Bytes whose length is a multiple of 8. */
export const bytes8 = (maxWords: number): fc.Arbitrary<Uint8Array> =>
  fc
    .integer({ min: 0, max: maxWords })
    .chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }))

const ID_BITS = [
  C.PERF_SAMPLE_TID,
  C.PERF_SAMPLE_TIME,
  C.PERF_SAMPLE_ID,
  C.PERF_SAMPLE_STREAM_ID,
  C.PERF_SAMPLE_CPU,
  C.PERF_SAMPLE_IDENTIFIER,
]

/** Every defined sample_type bit. */
export const SAMPLE_BITS: number[] = Array.from({ length: 25 }, (_, i) => 2 ** i)

/** A random subset of `bits` as a mask. */
export function subsetOf(bits: readonly number[]): fc.Arbitrary<number> {
  return fc.subarray([...bits]).map((a) => a.reduce((m, b) => m | b, 0))
}

/** A random u64 register mask with at most `max` bits set. */
export const regMask: fc.Arbitrary<bigint> = fc
  .uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 12 })
  .map((bits) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n))

/** A random context with a valid sample_type (never WEIGHT with WEIGHT_STRUCT). */
export const ctxArb: fc.Arbitrary<PerfRecordContext> = fc
  .record({
    sample_type: subsetOf(SAMPLE_BITS),
    read_format: fc.integer({ min: 0, max: 31 }),
    sample_id_all: fc.boolean(),
    branch_sample_type: subsetOf([
      C.PERF_SAMPLE_BRANCH_HW_INDEX,
      C.PERF_SAMPLE_BRANCH_COUNTERS,
    ]).map((m) => m | C.PERF_SAMPLE_BRANCH_ANY),
    sample_regs_user: regMask,
    sample_regs_intr: regMask,
  })
  .map((c) =>
    (c.sample_type & C.PERF_SAMPLE_WEIGHT) !== 0
      ? { ...c, sample_type: c.sample_type & ~C.PERF_SAMPLE_WEIGHT_STRUCT }
      : c,
  )

/** The trailer fields `ctx` calls for. */
export function sampleIdArb(ctx: PerfRecordContext): fc.Arbitrary<PerfSampleId> {
  const st = ctx.sample_type
  const r: Record<string, fc.Arbitrary<unknown>> = {}
  if (st & C.PERF_SAMPLE_TID) Object.assign(r, { pid: u32, tid: u32 })
  if (st & C.PERF_SAMPLE_TIME) r['time'] = u64
  if (st & C.PERF_SAMPLE_ID) r['id'] = u64
  if (st & C.PERF_SAMPLE_STREAM_ID) r['stream_id'] = u64
  if (st & C.PERF_SAMPLE_CPU) Object.assign(r, { cpu: u32, res: u32 })
  if (st & C.PERF_SAMPLE_IDENTIFIER) r['identifier'] = u64
  return fc.record(r) as fc.Arbitrary<PerfSampleId>
}

/** READ values in `ctx.read_format` layout. */
export function readValuesArb(ctx: PerfRecordContext): fc.Arbitrary<PerfReadFormatValues> {
  const rf = ctx.read_format
  const times: Record<string, fc.Arbitrary<unknown>> = {}
  if (rf & C.PERF_FORMAT_TOTAL_TIME_ENABLED) times['time_enabled'] = u64
  if (rf & C.PERF_FORMAT_TOTAL_TIME_RUNNING) times['time_running'] = u64
  const entry: Record<string, fc.Arbitrary<unknown>> = { value: u64 }
  if (rf & C.PERF_FORMAT_ID) entry['id'] = u64
  if (rf & C.PERF_FORMAT_LOST) entry['lost'] = u64
  if (rf & C.PERF_FORMAT_GROUP) {
    const n = ctx.read_group_size
    const values = fc.array(
      fc.record(entry),
      n === undefined ? { maxLength: 5 } : { minLength: n, maxLength: n },
    )
    return fc.record({
      ...times,
      values,
    }) as fc.Arbitrary<unknown> as fc.Arbitrary<PerfReadFormatValues>
  }
  return fc.record({
    ...times,
    ...entry,
  }) as fc.Arbitrary<unknown> as fc.Arbitrary<PerfReadFormatValues>
}

/** Independent: bytes of READ values. */
export function readSizeOf(ctx: PerfRecordContext, v: PerfReadFormatValues): number {
  const rf = ctx.read_format
  const times = (rf & 1 ? 8 : 0) + (rf & 2 ? 8 : 0)
  const perValue = 8 + (rf & 4 ? 8 : 0) + (rf & 16 ? 8 : 0)
  if (rf & 8) return 8 + times + ('values' in v ? v.values.length : 0) * perValue
  return times + perValue
}

function regsArb(mask: bigint): fc.Arbitrary<PerfSampleRegs> {
  let n = 0
  for (let m = mask; m !== 0n; m >>= 1n) n += Number(m & 1n)
  return fc.oneof(
    fc.constant({ abi: C.PERF_SAMPLE_REGS_ABI_NONE, regs: [] }),
    fc.record({
      abi: fc.constantFrom(C.PERF_SAMPLE_REGS_ABI_32, C.PERF_SAMPLE_REGS_ABI_64),
      regs: fc.array(u64, { minLength: n, maxLength: n }),
    }),
  )
}

/** The SAMPLE fields `ctx.sample_type` calls for, nothing else. RAW lengths keep 4 + len 8-aligned. */
export function sampleArb(ctx: PerfRecordContext): fc.Arbitrary<PerfSampleFields> {
  const st = ctx.sample_type
  const bt = ctx.branch_sample_type
  const r: Record<string, fc.Arbitrary<unknown>> = { misc: u16 }
  if (st & C.PERF_SAMPLE_IDENTIFIER) r['identifier'] = u64
  if (st & C.PERF_SAMPLE_IP) r['ip'] = u64
  if (st & C.PERF_SAMPLE_TID) Object.assign(r, { pid: u32, tid: u32 })
  if (st & C.PERF_SAMPLE_TIME) r['time'] = u64
  if (st & C.PERF_SAMPLE_ADDR) r['addr'] = u64
  if (st & C.PERF_SAMPLE_ID) r['id'] = u64
  if (st & C.PERF_SAMPLE_STREAM_ID) r['stream_id'] = u64
  if (st & C.PERF_SAMPLE_CPU) Object.assign(r, { cpu: u32, res: u32 })
  if (st & C.PERF_SAMPLE_PERIOD) r['period'] = u64
  if (st & C.PERF_SAMPLE_READ) r['read'] = readValuesArb(ctx)
  if (st & C.PERF_SAMPLE_CALLCHAIN) r['callchain'] = fc.array(u64, { maxLength: 10 })
  if (st & C.PERF_SAMPLE_RAW) {
    r['raw'] = fc
      .integer({ min: 0, max: 6 })
      .chain((k) => fc.uint8Array({ minLength: 8 * k + 4, maxLength: 8 * k + 4 }))
  }
  if (st & C.PERF_SAMPLE_BRANCH_STACK) {
    r['branch_stack'] = fc
      .array(fc.record({ from: u64, to: u64, flags: u64 }), { maxLength: 6 })
      .chain((entries) => {
        const b: Record<string, fc.Arbitrary<unknown>> = { entries: fc.constant(entries) }
        if (bt & C.PERF_SAMPLE_BRANCH_HW_INDEX) b['hw_idx'] = u64
        if (bt & C.PERF_SAMPLE_BRANCH_COUNTERS) {
          b['counters'] = fc.array(u64, { minLength: entries.length, maxLength: entries.length })
        }
        return fc.record(b)
      })
  }
  if (st & C.PERF_SAMPLE_REGS_USER) r['regs_user'] = regsArb(ctx.sample_regs_user)
  if (st & C.PERF_SAMPLE_STACK_USER) {
    r['stack_user'] = bytes8(8).chain((data) =>
      data.length === 0
        ? fc.constant({ data })
        : fc.record({ data: fc.constant(data), dyn_size: u64 }),
    )
  }
  if (st & C.PERF_SAMPLE_WEIGHT) r['weight'] = u64
  if (st & C.PERF_SAMPLE_WEIGHT_STRUCT)
    r['weight_struct'] = fc.record({ var1_dw: u32, var2_w: u16, var3_w: u16 })
  if (st & C.PERF_SAMPLE_DATA_SRC) r['data_src'] = u64
  if (st & C.PERF_SAMPLE_TRANSACTION) r['transaction'] = u64
  if (st & C.PERF_SAMPLE_REGS_INTR) r['regs_intr'] = regsArb(ctx.sample_regs_intr)
  if (st & C.PERF_SAMPLE_PHYS_ADDR) r['phys_addr'] = u64
  if (st & C.PERF_SAMPLE_CGROUP) r['cgroup'] = u64
  if (st & C.PERF_SAMPLE_DATA_PAGE_SIZE) r['data_page_size'] = u64
  if (st & C.PERF_SAMPLE_CODE_PAGE_SIZE) r['code_page_size'] = u64
  if (st & C.PERF_SAMPLE_AUX) r['aux'] = bytes8(8)
  return fc.record(r) as fc.Arbitrary<PerfSampleFields>
}

const up8 = (n: number): number => Math.ceil(n / 8) * 8

/** Independent: the size of a SAMPLE (reference §3.4), header included. */
export function sampleSizeOf(ctx: PerfRecordContext, s: PerfSampleFields): number {
  const st = ctx.sample_type
  const has = (b: number): boolean => (st & b) !== 0
  let n = 8
  for (const b of [
    C.PERF_SAMPLE_IDENTIFIER,
    C.PERF_SAMPLE_IP,
    C.PERF_SAMPLE_TID,
    C.PERF_SAMPLE_TIME,
    C.PERF_SAMPLE_ADDR,
    C.PERF_SAMPLE_ID,
    C.PERF_SAMPLE_STREAM_ID,
    C.PERF_SAMPLE_CPU,
    C.PERF_SAMPLE_PERIOD,
    C.PERF_SAMPLE_WEIGHT,
    C.PERF_SAMPLE_WEIGHT_STRUCT,
    C.PERF_SAMPLE_DATA_SRC,
    C.PERF_SAMPLE_TRANSACTION,
    C.PERF_SAMPLE_PHYS_ADDR,
    C.PERF_SAMPLE_CGROUP,
    C.PERF_SAMPLE_DATA_PAGE_SIZE,
    C.PERF_SAMPLE_CODE_PAGE_SIZE,
  ]) {
    if (has(b)) n += 8
  }
  if (has(C.PERF_SAMPLE_READ)) n += readSizeOf(ctx, s.read!)
  if (has(C.PERF_SAMPLE_CALLCHAIN)) n += 8 + 8 * s.callchain!.length
  if (has(C.PERF_SAMPLE_RAW)) n += up8(4 + s.raw!.length)
  if (has(C.PERF_SAMPLE_BRANCH_STACK)) {
    const k = s.branch_stack!.entries.length
    n += 8 + 24 * k
    if (ctx.branch_sample_type & C.PERF_SAMPLE_BRANCH_HW_INDEX) n += 8
    if (ctx.branch_sample_type & C.PERF_SAMPLE_BRANCH_COUNTERS) n += 8 * k
  }
  if (has(C.PERF_SAMPLE_REGS_USER)) n += 8 + 8 * s.regs_user!.regs.length
  if (has(C.PERF_SAMPLE_STACK_USER))
    n += 8 + s.stack_user!.data.length + (s.stack_user!.data.length > 0 ? 8 : 0)
  if (has(C.PERF_SAMPLE_REGS_INTR)) n += 8 + 8 * s.regs_intr!.regs.length
  if (has(C.PERF_SAMPLE_AUX)) n += 8 + up8(s.aux!.length)
  return n
}

/** Independent: the trailer size (8 per TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER). */
export function trailerSizeOf(ctx: PerfRecordContext): number {
  if (!ctx.sample_id_all) return 0
  return ID_BITS.filter((b) => (ctx.sample_type & b) !== 0).length * 8
}

/** Independent: a NUL-terminated string padded to 8. */
export function strSizeOf(s: string): number {
  return up8(new TextEncoder().encode(s).length + 1)
}
