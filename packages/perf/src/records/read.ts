/**
 * PERF_RECORD_READ: u32 pid, tid; then the `read_format` values.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_READ } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'
import { readReadValues, writeReadValues } from './read-format.js'
import type { PerfReadFormatValues } from './read-format.js'

/** Body of PERF_RECORD_READ. */
export interface PerfReadFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
  /** The counter values in `ctx.read_format` layout. */
  values: PerfReadFormatValues
}

/** A decoded PERF_RECORD_READ. */
export type PerfReadRecord = PerfDecodedHeader<typeof PERF_RECORD_READ> & PerfReadFields

/** @internal */
export const readCodec: RecordCodec<PerfReadFields> = {
  name: 'READ',
  type: PERF_RECORD_READ,
  trailer: true,
  write(w, f, ctx) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
    writeReadValues(w, 'values', f.values, ctx)
  },
  read(r, ctx) {
    return { pid: r.u32('pid'), tid: r.u32('tid'), values: readReadValues(r, 'values', ctx) }
  },
}

/**
 * Size of a PERF_RECORD_READ with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfRead(fields: PerfReadFields, ctx: PerfRecordContext): number {
  return recordSize(readCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_READ (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfRead})
 */
export function writeRead(
  view: DataView,
  offset: number,
  fields: PerfReadFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(readCodec, view, offset, fields, ctx)
}
