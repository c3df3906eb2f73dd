/**
 * PERF_RECORD_ITRACE_START: u32 pid, tid.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_ITRACE_START } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_ITRACE_START. */
export interface PerfItraceStartFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
}

/** A decoded PERF_RECORD_ITRACE_START. */
export type PerfItraceStartRecord = PerfDecodedHeader<typeof PERF_RECORD_ITRACE_START> &
  PerfItraceStartFields

/** @internal */
export const itraceStartCodec: RecordCodec<PerfItraceStartFields> = {
  name: 'ITRACE_START',
  type: PERF_RECORD_ITRACE_START,
  trailer: true,
  write(w, f) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
  },
  read(r) {
    return { pid: r.u32('pid'), tid: r.u32('tid') }
  },
}

/**
 * Size of a PERF_RECORD_ITRACE_START with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfItraceStart(fields: PerfItraceStartFields, ctx: PerfRecordContext): number {
  return recordSize(itraceStartCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_ITRACE_START (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfItraceStart})
 */
export function writeItraceStart(
  view: DataView,
  offset: number,
  fields: PerfItraceStartFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(itraceStartCodec, view, offset, fields, ctx)
}
