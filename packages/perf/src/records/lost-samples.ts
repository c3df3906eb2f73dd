/**
 * PERF_RECORD_LOST_SAMPLES: u64 lost (samples the hardware, e.g. PEBS, dropped).
 *
 * @packageDocumentation
 */

import { PERF_RECORD_LOST_SAMPLES } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_LOST_SAMPLES. */
export interface PerfLostSamplesFields extends PerfRecordFieldsBase {
  /** Number of samples lost. */
  lost: bigint
}

/** A decoded PERF_RECORD_LOST_SAMPLES. */
export type PerfLostSamplesRecord = PerfDecodedHeader<typeof PERF_RECORD_LOST_SAMPLES> &
  PerfLostSamplesFields

/** @internal */
export const lostSamplesCodec: RecordCodec<PerfLostSamplesFields> = {
  name: 'LOST_SAMPLES',
  type: PERF_RECORD_LOST_SAMPLES,
  trailer: true,
  write(w, f) {
    w.u64('lost', f.lost)
  },
  read(r) {
    return { lost: r.u64('lost') }
  },
}

/**
 * Size of a PERF_RECORD_LOST_SAMPLES with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfLostSamples(fields: PerfLostSamplesFields, ctx: PerfRecordContext): number {
  return recordSize(lostSamplesCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_LOST_SAMPLES (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfLostSamples})
 */
export function writeLostSamples(
  view: DataView,
  offset: number,
  fields: PerfLostSamplesFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(lostSamplesCodec, view, offset, fields, ctx)
}
