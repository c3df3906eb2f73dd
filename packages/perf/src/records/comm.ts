/**
 * PERF_RECORD_COMM: u32 pid, tid; char comm[] (misc COMM_EXEC when caused by exec).
 *
 * @packageDocumentation
 */

import { PERF_RECORD_COMM } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_COMM. */
export interface PerfCommFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
  /** The new comm (NUL-terminated, zero-padded to 8 in the record). */
  comm: string
}

/** A decoded PERF_RECORD_COMM. */
export type PerfCommRecord = PerfDecodedHeader<typeof PERF_RECORD_COMM> & PerfCommFields

/** @internal */
export const commCodec: RecordCodec<PerfCommFields> = {
  name: 'COMM',
  type: PERF_RECORD_COMM,
  trailer: true,
  write(w, f) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
    w.string('comm', f.comm)
  },
  read(r) {
    return { pid: r.u32('pid'), tid: r.u32('tid'), comm: r.string('comm') }
  },
}

/**
 * Size of a PERF_RECORD_COMM with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfComm(fields: PerfCommFields, ctx: PerfRecordContext): number {
  return recordSize(commCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_COMM (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfComm})
 */
export function writeComm(
  view: DataView,
  offset: number,
  fields: PerfCommFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(commCodec, view, offset, fields, ctx)
}
