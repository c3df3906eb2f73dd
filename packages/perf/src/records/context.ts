/**
 * The per-event facts a record's layout depends on, and how to derive them from an attr.
 *
 * @packageDocumentation
 */

import { makeAttr } from '../attr.js'
import type { PerfEventAttrInit } from '../attr.js'
import {
  PERF_FORMAT_MAX,
  PERF_SAMPLE_BRANCH_MAX,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_MAX,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
} from '../constants.js'
import { shown } from '@onering/trace-events/internal'
import { fail } from '../errors.js'

/**
 * What the layout of an event's records depends on. Build it with {@link recordContext} or by
 * hand; it is a plain object.
 */
export interface PerfRecordContext {
  /** `attr.sample_type`: the SAMPLE body and the `sample_id` trailer fields. */
  readonly sample_type: number
  /** `attr.read_format`: the layout of READ values (PERF_SAMPLE_READ and PERF_RECORD_READ). */
  readonly read_format: number
  /** `attr.sample_id_all`: every non-SAMPLE record ends with a `sample_id` trailer. */
  readonly sample_id_all: boolean
  /** `attr.branch_sample_type`: HW_INDEX adds `hw_idx`, COUNTERS adds `counters[nr]`. */
  readonly branch_sample_type: number
  /** `attr.sample_regs_user`: its popcount is the number of REGS_USER registers. */
  readonly sample_regs_user: bigint
  /** `attr.sample_regs_intr`: its popcount is the number of REGS_INTR registers. */
  readonly sample_regs_intr: bigint
  /**
   * With PERF_FORMAT_GROUP: the number of events in the group (leader included). When set,
   * emitters and decoders require exactly this many group values; when absent, any count that
   * fits the record is accepted.
   */
  readonly read_group_size?: number
}

/**
 * Derive the record context of an event from its attr.
 *
 * Throws a {@link PerfError} EINVAL if `sample_type`, `read_format` or `branch_sample_type` have
 * unknown bits, or WEIGHT and WEIGHT_STRUCT are both set: such records have no defined layout.
 *
 * @param attr - the event's attr (missing fields are 0)
 * @param read_group_size - with PERF_FORMAT_GROUP, the number of events in the group
 * @returns the context
 */
export function recordContext(
  attr: PerfEventAttrInit,
  read_group_size?: number,
): PerfRecordContext {
  const a = makeAttr(attr)
  if (
    read_group_size !== undefined &&
    !(Number.isInteger(read_group_size) && read_group_size >= 1 && read_group_size <= 0xffff)
  )
    fail('EINVAL', 'read_group_size', `${shown(read_group_size)} is not a group size in [1, 65535]`)
  const ctx: PerfRecordContext = {
    sample_type: a.sample_type,
    read_format: a.read_format,
    sample_id_all: a.sample_id_all,
    branch_sample_type: a.branch_sample_type,
    sample_regs_user: a.sample_regs_user,
    sample_regs_intr: a.sample_regs_intr,
    ...(read_group_size === undefined ? {} : { read_group_size }),
  }
  checkContext(ctx)
  return ctx
}

/**
 * Check that a context describes a decodable layout (see {@link recordContext}).
 *
 * @param ctx - the context
 * @internal
 */
export function checkContext(ctx: PerfRecordContext): void {
  if (typeof ctx !== 'object' || ctx === null) fail('EINVAL', 'ctx', 'expected a record context')
  const { sample_type: st, read_format: rf, branch_sample_type: bt } = ctx
  if (!Number.isInteger(st) || st < 0 || st >= PERF_SAMPLE_MAX) {
    fail('EINVAL', 'ctx.sample_type', `${String(st)} is not a set of known PERF_SAMPLE_* bits`)
  }
  if ((st & PERF_SAMPLE_WEIGHT) !== 0 && (st & PERF_SAMPLE_WEIGHT_STRUCT) !== 0) {
    fail(
      'EINVAL',
      'ctx.sample_type',
      'PERF_SAMPLE_WEIGHT and PERF_SAMPLE_WEIGHT_STRUCT are mutually exclusive',
    )
  }
  if (!Number.isInteger(rf) || rf < 0 || rf >= PERF_FORMAT_MAX) {
    fail('EINVAL', 'ctx.read_format', `${String(rf)} is not a set of known PERF_FORMAT_* bits`)
  }
  if (!Number.isInteger(bt) || bt < 0 || bt >= PERF_SAMPLE_BRANCH_MAX) {
    fail(
      'EINVAL',
      'ctx.branch_sample_type',
      `${String(bt)} is not a set of known PERF_SAMPLE_BRANCH_* bits`,
    )
  }
  if (typeof ctx.sample_regs_user !== 'bigint')
    fail('EINVAL', 'ctx.sample_regs_user', 'expected a bigint')
  if (typeof ctx.sample_regs_intr !== 'bigint')
    fail('EINVAL', 'ctx.sample_regs_intr', 'expected a bigint')
  const g = ctx.read_group_size
  if (g !== undefined && (!Number.isInteger(g) || g < 1)) {
    fail('EINVAL', 'ctx.read_group_size', `${String(g)} is not a positive integer`)
  }
}

/**
 * Bytes of the `sample_id` trailer (`id_header_size`): 8 for each of TID, TIME, ID, STREAM_ID,
 * CPU and IDENTIFIER in `sample_type`, or 0 without `sample_id_all`.
 *
 * @param ctx - the record context
 * @returns the trailer size
 */
export function sampleIdSize(ctx: PerfRecordContext): number {
  checkContext(ctx)
  if (!ctx.sample_id_all) return 0
  const st = ctx.sample_type
  let n = 0
  for (const bit of [
    PERF_SAMPLE_TID,
    PERF_SAMPLE_TIME,
    PERF_SAMPLE_ID,
    PERF_SAMPLE_STREAM_ID,
    PERF_SAMPLE_CPU,
    PERF_SAMPLE_IDENTIFIER,
  ]) {
    if (st & bit) n += 8
  }
  return n
}
