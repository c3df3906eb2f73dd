/**
 * PERF_RECORD_AUX: u64 aux_offset, aux_size, flags (`PERF_AUX_FLAG_*`).
 *
 * @packageDocumentation
 */

import { PERF_RECORD_AUX } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_AUX. */
export interface PerfAuxFields extends PerfRecordFieldsBase {
  /** Offset of the new data in the AUX area (the old aux_head). */
  aux_offset: bigint
  /** Bytes of new data. */
  aux_size: bigint
  /**
   * `PERF_AUX_FLAG_*` bits and the PMU format type; a u64 in the record, a number here (the
   * decoder rejects values of 2^32 and above with EINVAL).
   */
  flags: number
}

/** A decoded PERF_RECORD_AUX. */
export type PerfAuxRecord = PerfDecodedHeader<typeof PERF_RECORD_AUX> & PerfAuxFields

/** @internal */
export const auxCodec: RecordCodec<PerfAuxFields> = {
  name: 'AUX',
  type: PERF_RECORD_AUX,
  trailer: true,
  write(w, f) {
    w.u64('aux_offset', f.aux_offset)
    w.u64('aux_size', f.aux_size)
    if (typeof f.flags !== 'number' || f.flags > 0xffffffff)
      w.missing('flags', `expected a u32 number, got ${String(f.flags)}`)
    w.u64n('flags', f.flags)
  },
  read(r) {
    return {
      aux_offset: r.u64('aux_offset'),
      aux_size: r.u64('aux_size'),
      flags: r.u64small('flags'),
    }
  },
}

/**
 * Size of a PERF_RECORD_AUX with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfAux(fields: PerfAuxFields, ctx: PerfRecordContext): number {
  return recordSize(auxCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_AUX (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfAux})
 */
export function writeAux(
  view: DataView,
  offset: number,
  fields: PerfAuxFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(auxCodec, view, offset, fields, ctx)
}
