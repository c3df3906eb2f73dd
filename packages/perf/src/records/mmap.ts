/**
 * PERF_RECORD_MMAP: u32 pid, tid; u64 addr, len, pgoff; char filename[].
 *
 * @packageDocumentation
 */

import { PERF_RECORD_MMAP } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_MMAP. */
export interface PerfMmapFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
  /** Start address of the mapping. */
  addr: bigint
  /** Length of the mapping. */
  len: bigint
  /** File offset of the mapping. */
  pgoff: bigint
  /** Path (NUL-terminated, zero-padded to 8 in the record; decoded as UTF-8). */
  filename: string
}

/** A decoded PERF_RECORD_MMAP. */
export type PerfMmapRecord = PerfDecodedHeader<typeof PERF_RECORD_MMAP> & PerfMmapFields

/** @internal */
export const mmapCodec: RecordCodec<PerfMmapFields> = {
  name: 'MMAP',
  type: PERF_RECORD_MMAP,
  trailer: true,
  write(w, f) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
    w.u64('addr', f.addr)
    w.u64('len', f.len)
    w.u64('pgoff', f.pgoff)
    w.string('filename', f.filename)
  },
  read(r) {
    return {
      pid: r.u32('pid'),
      tid: r.u32('tid'),
      addr: r.u64('addr'),
      len: r.u64('len'),
      pgoff: r.u64('pgoff'),
      filename: r.string('filename'),
    }
  },
}

/**
 * Size of a PERF_RECORD_MMAP with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfMmap(fields: PerfMmapFields, ctx: PerfRecordContext): number {
  return recordSize(mmapCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_MMAP (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfMmap})
 */
export function writeMmap(
  view: DataView,
  offset: number,
  fields: PerfMmapFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(mmapCodec, view, offset, fields, ctx)
}
