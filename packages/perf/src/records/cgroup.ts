/**
 * PERF_RECORD_CGROUP: u64 id; char path[].
 *
 * @packageDocumentation
 */

import { PERF_RECORD_CGROUP } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_CGROUP. */
export interface PerfCgroupFields extends PerfRecordFieldsBase {
  /** Cgroup id. */
  id: bigint
  /** Cgroup path. */
  path: string
}

/** A decoded PERF_RECORD_CGROUP. */
export type PerfCgroupRecord = PerfDecodedHeader<typeof PERF_RECORD_CGROUP> & PerfCgroupFields

/** @internal */
export const cgroupCodec: RecordCodec<PerfCgroupFields> = {
  name: 'CGROUP',
  type: PERF_RECORD_CGROUP,
  trailer: true,
  write(w, f) {
    w.u64('id', f.id)
    w.string('path', f.path)
  },
  read(r) {
    return { id: r.u64('id'), path: r.string('path') }
  },
}

/**
 * Size of a PERF_RECORD_CGROUP with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfCgroup(fields: PerfCgroupFields, ctx: PerfRecordContext): number {
  return recordSize(cgroupCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_CGROUP (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfCgroup})
 */
export function writeCgroup(
  view: DataView,
  offset: number,
  fields: PerfCgroupFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(cgroupCodec, view, offset, fields, ctx)
}
