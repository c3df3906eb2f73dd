/**
 * PERF_RECORD_SWITCH (no body; misc SWITCH_OUT / SWITCH_OUT_PREEMPT) and
 * PERF_RECORD_SWITCH_CPU_WIDE (u32 next_prev_pid, next_prev_tid).
 *
 * @packageDocumentation
 */

import { PERF_RECORD_SWITCH, PERF_RECORD_SWITCH_CPU_WIDE } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_SWITCH: nothing but `misc` and the trailer. */
export type PerfSwitchFields = PerfRecordFieldsBase

/** A decoded PERF_RECORD_SWITCH. */
export type PerfSwitchRecord = PerfDecodedHeader<typeof PERF_RECORD_SWITCH> & PerfSwitchFields

/** Body of PERF_RECORD_SWITCH_CPU_WIDE. */
export interface PerfSwitchCpuWideFields extends PerfRecordFieldsBase {
  /** The task switched to (on switch-out) or from (on switch-in): process id. */
  next_prev_pid: number
  /** The other task's thread id. */
  next_prev_tid: number
}

/** A decoded PERF_RECORD_SWITCH_CPU_WIDE. */
export type PerfSwitchCpuWideRecord = PerfDecodedHeader<typeof PERF_RECORD_SWITCH_CPU_WIDE> &
  PerfSwitchCpuWideFields

/** @internal */
export const switchCodec: RecordCodec<PerfSwitchFields> = {
  name: 'SWITCH',
  type: PERF_RECORD_SWITCH,
  trailer: true,
  write() {
    // no body
  },
  read() {
    return {}
  },
}

/** @internal */
export const switchCpuWideCodec: RecordCodec<PerfSwitchCpuWideFields> = {
  name: 'SWITCH_CPU_WIDE',
  type: PERF_RECORD_SWITCH_CPU_WIDE,
  trailer: true,
  write(w, f) {
    w.u32('next_prev_pid', f.next_prev_pid)
    w.u32('next_prev_tid', f.next_prev_tid)
  },
  read(r) {
    return { next_prev_pid: r.u32('next_prev_pid'), next_prev_tid: r.u32('next_prev_tid') }
  },
}

/**
 * Size of a PERF_RECORD_SWITCH with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfSwitch(fields: PerfSwitchFields, ctx: PerfRecordContext): number {
  return recordSize(switchCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_SWITCH (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfSwitch})
 */
export function writeSwitch(
  view: DataView,
  offset: number,
  fields: PerfSwitchFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(switchCodec, view, offset, fields, ctx)
}

/**
 * Size of a PERF_RECORD_SWITCH_CPU_WIDE with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfSwitchCpuWide(
  fields: PerfSwitchCpuWideFields,
  ctx: PerfRecordContext,
): number {
  return recordSize(switchCpuWideCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_SWITCH_CPU_WIDE (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfSwitchCpuWide})
 */
export function writeSwitchCpuWide(
  view: DataView,
  offset: number,
  fields: PerfSwitchCpuWideFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(switchCpuWideCodec, view, offset, fields, ctx)
}
