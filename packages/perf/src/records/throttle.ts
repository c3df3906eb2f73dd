/**
 * PERF_RECORD_THROTTLE and PERF_RECORD_UNTHROTTLE: u64 time, id, stream_id.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_THROTTLE, PERF_RECORD_UNTHROTTLE } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_THROTTLE and PERF_RECORD_UNTHROTTLE. */
export interface PerfThrottleFields extends PerfRecordFieldsBase {
  /** Perf clock timestamp. */
  time: bigint
  /** Event id. */
  id: bigint
  /** Id of the primary event. */
  stream_id: bigint
}

/** Body of PERF_RECORD_UNTHROTTLE. */
export type PerfUnthrottleFields = PerfThrottleFields

/** A decoded PERF_RECORD_THROTTLE. */
export type PerfThrottleRecord = PerfDecodedHeader<typeof PERF_RECORD_THROTTLE> & PerfThrottleFields
/** A decoded PERF_RECORD_UNTHROTTLE. */
export type PerfUnthrottleRecord = PerfDecodedHeader<typeof PERF_RECORD_UNTHROTTLE> &
  PerfThrottleFields

function throttleCodec(name: string, type: number): RecordCodec<PerfThrottleFields> {
  return {
    name,
    type,
    trailer: true,
    write(w, f) {
      w.u64('time', f.time)
      w.u64('id', f.id)
      w.u64('stream_id', f.stream_id)
    },
    read(r) {
      return { time: r.u64('time'), id: r.u64('id'), stream_id: r.u64('stream_id') }
    },
  }
}

/** @internal */
export const throttleCodecT: RecordCodec<PerfThrottleFields> = throttleCodec(
  'THROTTLE',
  PERF_RECORD_THROTTLE,
)
/** @internal */
export const unthrottleCodec: RecordCodec<PerfThrottleFields> = throttleCodec(
  'UNTHROTTLE',
  PERF_RECORD_UNTHROTTLE,
)

/**
 * Size of a PERF_RECORD_THROTTLE with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfThrottle(fields: PerfThrottleFields, ctx: PerfRecordContext): number {
  return recordSize(throttleCodecT, fields, ctx)
}

/**
 * Write a PERF_RECORD_THROTTLE (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfThrottle})
 */
export function writeThrottle(
  view: DataView,
  offset: number,
  fields: PerfThrottleFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(throttleCodecT, view, offset, fields, ctx)
}

/**
 * Size of a PERF_RECORD_UNTHROTTLE with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfUnthrottle(fields: PerfUnthrottleFields, ctx: PerfRecordContext): number {
  return recordSize(unthrottleCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_UNTHROTTLE (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfUnthrottle})
 */
export function writeUnthrottle(
  view: DataView,
  offset: number,
  fields: PerfUnthrottleFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(unthrottleCodec, view, offset, fields, ctx)
}
