/**
 * The kernel's checks of a `struct perf_event_attr`, in the kernel's order
 * (`perf_copy_attr`, then `perf_event_open`): {@link validateAttr}.
 *
 * @packageDocumentation
 */
import {
  PERF_FORMAT_MAX,
  PERF_SAMPLE_BRANCH_MAX,
  PERF_SAMPLE_BRANCH_STACK,
  PERF_SAMPLE_MAX,
  PERF_SAMPLE_STACK_USER,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
} from './constants.js'
import { checkSize, makeAttr, readFormatSize } from './attr.js'
import { PERF_ATTR_CLOCKIDS } from './attr-layout.js'
import type { PerfEventAttr, PerfEventAttrInit } from './attr-layout.js'
import { checkInt, fail, checkPlain } from './errors.js'

/** The limit `perf_event_validate_size` puts on the `read_format` size of a group. */
export const PERF_READ_SIZE_MAX: number = 16 * 1024

/** Options of {@link validateAttr}: facts about the system and the group that the attr alone lacks. */
export interface ValidateAttrOptions {
  /**
   * Events in the group this attr joins, leader and this event included. With it,
   * `perf_event_validate_size` is checked: a `read_format` size above 16 KiB is E2BIG.
   */
  readonly group_size?: number
  /**
   * `/proc/sys/kernel/perf_event_max_sample_rate`. With it, `freq` with a `sample_freq` above it
   * is EINVAL.
   */
  readonly max_sample_rate?: number
}

/**
 * Apply the kernel's attr checks, in the kernel's order; the first failure throws a
 * {@link PerfError} naming the field. From `perf_copy_attr`:
 * - `size`: 0 means VER0; below VER0, an unpublished size up to VER8, or above PAGE_SIZE → E2BIG
 *   (a size past VER8 is otherwise accepted: an object has no tail bytes, so the tail is zero);
 * - `__reserved_1`, `__reserved_2`, `__reserved_3` non-zero → EINVAL;
 * - `sample_type` bits at or above PERF_SAMPLE_MAX → EINVAL;
 * - `read_format` bits at or above PERF_FORMAT_MAX → EINVAL;
 * - with BRANCH_STACK: `branch_sample_type` bits at or above PERF_SAMPLE_BRANCH_MAX, or no bit
 *   besides the privilege levels (USER|KERNEL|HV) → EINVAL;
 * - with STACK_USER: `sample_stack_user` ≥ 65535 (USHRT_MAX) or not a multiple of 8 → EINVAL;
 * - WEIGHT together with WEIGHT_STRUCT → EINVAL;
 * - `inherit_thread` without `inherit`, `remove_on_exec` with `enable_on_exec`, `sigtrap`
 *   without `remove_on_exec` → EINVAL.
 *
 * From `perf_event_open`: `freq` with `sample_freq` above `options.max_sample_rate` → EINVAL;
 * not `freq` with bit 63 of `sample_period` set → EINVAL; `use_clockid` with a clock other than
 * REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME or TAI → EINVAL; with `options.group_size`, a
 * read size above 16 KiB → E2BIG (`perf_event_validate_size`). Type and range errors of
 * {@link makeAttr} (e.g. `precise_ip` > 3) are EINVAL.
 *
 * Not checked (they depend on the machine or on privileges): the arch register masks
 * (`perf_reg_validate`), `sample_max_stack` against the sysctl, permissions (EACCES/EPERM),
 * whether the PMU exists (ENOENT/ENODEV) or supports the request (EOPNOTSUPP). `sample_freq` 0
 * with `freq` is accepted, as the kernel does.
 *
 * @param attr - the attr to check
 * @param options - system and group facts
 * @returns the completed attr (as {@link makeAttr})
 */
export function validateAttr(
  attr: PerfEventAttrInit,
  options: ValidateAttrOptions = {},
): PerfEventAttr {
  const a = makeAttr(attr)
  checkPlain('options', options)
  checkSize(a.size)
  if (a.__reserved_1 !== 0)
    fail(
      'EINVAL',
      '__reserved_1',
      `flag bits 38..63 must be 0, got 0x${a.__reserved_1.toString(16)}`,
    )
  if (a.__reserved_2 !== 0) fail('EINVAL', '__reserved_2', `must be 0, got ${a.__reserved_2}`)
  if (a.__reserved_3 !== 0)
    fail(
      'EINVAL',
      '__reserved_3',
      `aux_action bits 3..31 must be 0, got 0x${a.__reserved_3.toString(16)}`,
    )
  if (a.sample_type >= PERF_SAMPLE_MAX) {
    fail(
      'EINVAL',
      'sample_type',
      `0x${a.sample_type.toString(16)} has bits at or above PERF_SAMPLE_MAX (1 << 25)`,
    )
  }
  if (a.read_format >= PERF_FORMAT_MAX) {
    fail(
      'EINVAL',
      'read_format',
      `0x${a.read_format.toString(16)} has bits at or above PERF_FORMAT_MAX (1 << 5)`,
    )
  }
  if (a.sample_type & PERF_SAMPLE_BRANCH_STACK) {
    const mask = a.branch_sample_type
    if (mask >= PERF_SAMPLE_BRANCH_MAX) {
      fail(
        'EINVAL',
        'branch_sample_type',
        `0x${mask.toString(16)} has bits at or above PERF_SAMPLE_BRANCH_MAX (1 << 20)`,
      )
    }
    if ((mask & ~7) === 0) {
      fail(
        'EINVAL',
        'branch_sample_type',
        `0x${mask.toString(16)} selects no branch type besides the privilege levels`,
      )
    }
  }
  if (a.sample_type & PERF_SAMPLE_STACK_USER) {
    if (a.sample_stack_user >= 0xffff) {
      fail('EINVAL', 'sample_stack_user', `${a.sample_stack_user} is not below USHRT_MAX (65535)`)
    }
    if (a.sample_stack_user % 8 !== 0) {
      fail('EINVAL', 'sample_stack_user', `${a.sample_stack_user} is not a multiple of 8`)
    }
  }
  if (a.sample_type & PERF_SAMPLE_WEIGHT && a.sample_type & PERF_SAMPLE_WEIGHT_STRUCT) {
    fail(
      'EINVAL',
      'sample_type',
      'PERF_SAMPLE_WEIGHT and PERF_SAMPLE_WEIGHT_STRUCT are mutually exclusive',
    )
  }
  if (a.inherit_thread && !a.inherit) fail('EINVAL', 'inherit_thread', 'needs inherit')
  if (a.remove_on_exec && a.enable_on_exec)
    fail('EINVAL', 'remove_on_exec', 'cannot be combined with enable_on_exec')
  if (a.sigtrap && !a.remove_on_exec) fail('EINVAL', 'sigtrap', 'needs remove_on_exec')
  if (a.freq) {
    const max = options.max_sample_rate
    if (max !== undefined && a.sample_freq > max) {
      fail('EINVAL', 'sample_freq', `${a.sample_freq} is above perf_event_max_sample_rate (${max})`)
    }
  } else if (a.sample_period >= 2 ** 63) {
    fail('EINVAL', 'sample_period', 'bit 63 is set')
  }
  if (a.use_clockid && !PERF_ATTR_CLOCKIDS.includes(a.clockid)) {
    fail(
      'EINVAL',
      'clockid',
      `${a.clockid} is not REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME or TAI`,
    )
  }
  if (options.group_size !== undefined) {
    const n = checkInt('group_size', options.group_size, 1, 2 ** 31)
    const size = readFormatSize(a.read_format, n)
    if (size > PERF_READ_SIZE_MAX) {
      fail(
        'E2BIG',
        'read_format',
        `a group of ${n} reads ${size} bytes, above ${PERF_READ_SIZE_MAX}`,
      )
    }
  }
  return a
}
