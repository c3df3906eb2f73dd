/**
 * PERF_RECORD_LOST: u64 id; u64 lost. The kernel emits it before the next record once space
 * frees up after drops.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_LOST } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_LOST. */
export interface PerfLostFields extends PerfRecordFieldsBase {
  /** Id of the event that lost records. */
  id: bigint
  /** Number of records lost. */
  lost: bigint
}

/** A decoded PERF_RECORD_LOST. */
export type PerfLostRecord = PerfDecodedHeader<typeof PERF_RECORD_LOST> & PerfLostFields

/** @internal */
export const lostCodec: RecordCodec<PerfLostFields> = {
  name: 'LOST',
  type: PERF_RECORD_LOST,
  trailer: true,
  write(w, f) {
    w.u64('id', f.id)
    w.u64('lost', f.lost)
  },
  read(r) {
    return { id: r.u64('id'), lost: r.u64('lost') }
  },
}

/**
 * Size of a PERF_RECORD_LOST with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfLost(fields: PerfLostFields, ctx: PerfRecordContext): number {
  return recordSize(lostCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_LOST (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfLost})
 */
export function writeLost(
  view: DataView,
  offset: number,
  fields: PerfLostFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(lostCodec, view, offset, fields, ctx)
}
