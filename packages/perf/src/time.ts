/**
 * Time conversion with the control page's `time_*` fields (the uapi comments on
 * `struct perf_event_mmap_page`; perf's `tools/perf/util/tsc.c`; libperf's
 * `perf_mmap__read_self`).
 *
 * - {@link cyclesToPerfTime}: counter cycles (the TSC on x86) → perf timestamp, needs
 *   `cap_user_time_zero` (perf's `tsc_to_perf_time`; with `cap_user_time_short` the cycles are
 *   first widened with `time_cycles`/`time_mask`).
 * - {@link perfTimeToCycles}: the reverse (perf's `perf_time_to_tsc`), needs
 *   `cap_user_time_zero`.
 * - {@link cyclesToTimeDelta}: the `time_enabled`/`time_running` extrapolation of
 *   `perf_mmap__read_self`, needs `cap_user_time`.
 * - `perfClock`: the perf clock of records written without a time (ns of `performance.now()`).
 *
 * The capability bit is checked first: on a kernel without a usable counter (a VM without a
 * PMU) the page has `time_mult` = `time_shift` = `time_zero` = 0 and only
 * `cap_bit0_is_deprecated` set, and these functions throw a `PerfError` `EOPNOTSUPP`
 * (the code perf's `perf_read_tsc_conversion` returns) instead of converting with zeros.
 * Arithmetic is u64 with wrap-around, in `bigint` (these are not on a hot path).
 *
 * The conversion parameters can be a `PerfMmapSelf` from `readSelf` (a consistent
 * snapshot, recommended), the result of `decodeControlPage`, a `PerfEventMmapPage`, or any
 * object with the same fields (for example the values of a `PERF_RECORD_TIME_CONV` record
 * with `capabilities` rebuilt from its `cap_user_time_zero`/`cap_user_time_short` bytes).
 *
 * @packageDocumentation
 */
import {
  PERF_CAP_USER_TIME,
  PERF_CAP_USER_TIME_SHORT,
  PERF_CAP_USER_TIME_ZERO,
} from './constants.js'
import { checkU64 } from './control-page.js'
import { fail } from './errors.js'

/**
 * The perf clock of records written without an explicit time: ns of `performance.now()`.
 * @internal
 */
export function perfClock(): number {
  return Math.round(performance.now() * 1e6)
}

/** The control page fields the conversions use. */
export interface PerfTimeConversion {
  /** The `capabilities` word (bits `cap_user_time`, `cap_user_time_zero`, `cap_user_time_short`). */
  readonly capabilities: bigint
  /** `time_shift` (u16; values above 63 are refused). */
  readonly time_shift: number
  /** `time_mult` (u32). */
  readonly time_mult: number
  /** `time_zero` (u64). */
  readonly time_zero: bigint
  /** `time_offset` (u64; only {@link cyclesToTimeDelta} uses it). */
  readonly time_offset?: bigint
  /** `time_cycles` (u64; used with `cap_user_time_short`). */
  readonly time_cycles?: bigint
  /** `time_mask` (u64; used with `cap_user_time_short`). */
  readonly time_mask?: bigint
}

interface Checked {
  shift: bigint
  mult: bigint
  short: boolean
}

function u64(v: bigint): bigint {
  return BigInt.asUintN(64, v)
}

function check(tc: PerfTimeConversion, cap: number, capName: string): Checked {
  if (typeof tc !== 'object' || tc === null)
    fail('EINVAL', 'tc', 'expected the control page time fields')
  const caps = checkU64('capabilities', tc.capabilities)
  if ((caps & BigInt(cap)) === 0n)
    fail(
      'EOPNOTSUPP',
      capName,
      `not set in capabilities 0x${caps.toString(16)}: the page's time fields are not valid on this kernel/CPU`,
    )
  const shift = tc.time_shift
  if (typeof shift !== 'number' || !Number.isInteger(shift) || shift < 0 || shift > 63)
    fail('EINVAL', 'time_shift', `expected an integer in [0, 63], got ${String(shift)}`)
  const mult = tc.time_mult
  if (typeof mult !== 'number' || !Number.isInteger(mult) || mult < 0 || mult >= 2 ** 32)
    fail('EINVAL', 'time_mult', `expected a u32, got ${String(mult)}`)
  return {
    shift: BigInt(shift),
    mult: BigInt(mult),
    short: (caps & BigInt(PERF_CAP_USER_TIME_SHORT)) !== 0n,
  }
}

/** `cyc = time_cycles + ((cyc − time_cycles) & time_mask)` when `cap_user_time_short`. */
function widen(tc: PerfTimeConversion, c: Checked, cyc: bigint): bigint {
  if (!c.short) return cyc
  const cycles = checkU64('time_cycles', tc.time_cycles ?? 0n)
  const mask = checkU64('time_mask', tc.time_mask ?? 0n)
  return u64(cycles + (u64(cyc - cycles) & mask))
}

/**
 * `tsc_to_perf_time`'s product: `(cyc >> shift) × mult + (((cyc & ((1 << shift) − 1)) × mult) >> shift)`
 * with every product wrapped to u64 as in C.
 */
function splitMulShr(cyc: bigint, mult: bigint, shift: bigint): bigint {
  const quot = cyc >> shift
  const rem = cyc & ((1n << shift) - 1n)
  return u64(quot * mult + (u64(rem * mult) >> shift))
}

/** `mul_u64_u32_shr(a, mult, shift)`: `(a × mult) >> shift` with a 128-bit product. */
function mulU64U32Shr(a: bigint, mult: bigint, shift: bigint): bigint {
  return u64((a * mult) >> shift)
}

/**
 * Counter cycles → perf timestamp (`tsc_to_perf_time`):
 * `time_zero + (cyc >> time_shift) × time_mult + (((cyc & mask) × time_mult) >> time_shift)`,
 * after the `cap_user_time_short` widening when that bit is set.
 *
 * @param tc - the page's time fields; `cap_user_time_zero` must be set
 * @param cyc - a counter value (u64)
 * @returns the perf timestamp (u64, wrapping)
 * @throws PerfError `EOPNOTSUPP` without `cap_user_time_zero`; `EINVAL` on a bad field or argument
 */
export function cyclesToPerfTime(tc: PerfTimeConversion, cyc: bigint): bigint {
  const c = check(tc, PERF_CAP_USER_TIME_ZERO, 'cap_user_time_zero')
  const zero = checkU64('time_zero', tc.time_zero)
  const wide = widen(tc, c, checkU64('cyc', cyc))
  return u64(zero + splitMulShr(wide, c.mult, c.shift))
}

/**
 * Perf timestamp → counter cycles (`perf_time_to_tsc`): `t = time − time_zero`,
 * `(t / time_mult) << time_shift + ((t % time_mult) << time_shift) / time_mult`. Like perf,
 * the result is not narrowed back for `cap_user_time_short`.
 *
 * @param tc - the page's time fields; `cap_user_time_zero` must be set and `time_mult` ≠ 0
 * @param time - a perf timestamp (u64)
 * @returns the counter value (u64, wrapping)
 * @throws PerfError `EOPNOTSUPP` without `cap_user_time_zero`; `EINVAL` when `time_mult` is 0
 *   or on a bad field or argument
 */
export function perfTimeToCycles(tc: PerfTimeConversion, time: bigint): bigint {
  const c = check(tc, PERF_CAP_USER_TIME_ZERO, 'cap_user_time_zero')
  const zero = checkU64('time_zero', tc.time_zero)
  checkU64('time', time)
  if (c.mult === 0n) fail('EINVAL', 'time_mult', 'is 0: cannot convert perf time to cycles')
  const t = u64(time - zero)
  const quot = t / c.mult
  const rem = t % c.mult
  return u64((quot << c.shift) + u64(rem << c.shift) / c.mult)
}

/**
 * The `time_enabled`/`time_running` extrapolation of libperf's `perf_mmap__read_self`:
 * `time_offset + mul_u64_u32_shr(cyc, time_mult, time_shift)`, after the
 * `cap_user_time_short` widening. Add it to `time_enabled` (and to `time_running` when the
 * event is on a counter) of the same `PerfMmapSelf` snapshot.
 *
 * @param tc - the page's time fields; `cap_user_time` must be set
 * @param cyc - the counter value read right after the snapshot (u64)
 * @returns ns since the snapshot's times (u64, wrapping)
 * @throws PerfError `EOPNOTSUPP` without `cap_user_time`; `EINVAL` on a bad field or argument
 */
export function cyclesToTimeDelta(tc: PerfTimeConversion, cyc: bigint): bigint {
  const c = check(tc, PERF_CAP_USER_TIME, 'cap_user_time')
  const offset = checkU64('time_offset', tc.time_offset ?? 0n)
  const wide = widen(tc, c, checkU64('cyc', cyc))
  return u64(offset + mulU64U32Shr(wide, c.mult, c.shift))
}
