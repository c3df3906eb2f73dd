/**
 * PERF_RECORD_AUX_OUTPUT_HW_ID: u64 hw_id.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_AUX_OUTPUT_HW_ID } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_AUX_OUTPUT_HW_ID. */
export interface PerfAuxOutputHwIdFields extends PerfRecordFieldsBase {
  /** The PMU-specific hardware id of the AUX output. */
  hw_id: bigint
}

/** A decoded PERF_RECORD_AUX_OUTPUT_HW_ID. */
export type PerfAuxOutputHwIdRecord = PerfDecodedHeader<typeof PERF_RECORD_AUX_OUTPUT_HW_ID> &
  PerfAuxOutputHwIdFields

/** @internal */
export const auxOutputHwIdCodec: RecordCodec<PerfAuxOutputHwIdFields> = {
  name: 'AUX_OUTPUT_HW_ID',
  type: PERF_RECORD_AUX_OUTPUT_HW_ID,
  trailer: true,
  write(w, f) {
    w.u64('hw_id', f.hw_id)
  },
  read(r) {
    return { hw_id: r.u64('hw_id') }
  },
}

/**
 * Size of a PERF_RECORD_AUX_OUTPUT_HW_ID with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfAuxOutputHwId(
  fields: PerfAuxOutputHwIdFields,
  ctx: PerfRecordContext,
): number {
  return recordSize(auxOutputHwIdCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_AUX_OUTPUT_HW_ID (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfAuxOutputHwId})
 */
export function writeAuxOutputHwId(
  view: DataView,
  offset: number,
  fields: PerfAuxOutputHwIdFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(auxOutputHwIdCodec, view, offset, fields, ctx)
}
