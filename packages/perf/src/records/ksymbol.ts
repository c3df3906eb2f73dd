/**
 * PERF_RECORD_KSYMBOL: u64 addr; u32 len; u16 ksym_type; u16 flags; char name[].
 *
 * @packageDocumentation
 */

import { PERF_RECORD_KSYMBOL } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_KSYMBOL. */
export interface PerfKsymbolFields extends PerfRecordFieldsBase {
  /** Symbol address. */
  addr: bigint
  /** Symbol length. */
  len: number
  /** `PERF_RECORD_KSYMBOL_TYPE_*`. */
  ksym_type: number
  /** `PERF_RECORD_KSYMBOL_FLAGS_*` (bit 0 UNREGISTER). */
  flags: number
  /** Symbol name. */
  name: string
}

/** A decoded PERF_RECORD_KSYMBOL. */
export type PerfKsymbolRecord = PerfDecodedHeader<typeof PERF_RECORD_KSYMBOL> & PerfKsymbolFields

/** @internal */
export const ksymbolCodec: RecordCodec<PerfKsymbolFields> = {
  name: 'KSYMBOL',
  type: PERF_RECORD_KSYMBOL,
  trailer: true,
  write(w, f) {
    w.u64('addr', f.addr)
    w.u32('len', f.len)
    w.u16('ksym_type', f.ksym_type)
    w.u16('flags', f.flags)
    w.string('name', f.name)
  },
  read(r) {
    return {
      addr: r.u64('addr'),
      len: r.u32('len'),
      ksym_type: r.u16('ksym_type'),
      flags: r.u16('flags'),
      name: r.string('name'),
    }
  },
}

/**
 * Size of a PERF_RECORD_KSYMBOL with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfKsymbol(fields: PerfKsymbolFields, ctx: PerfRecordContext): number {
  return recordSize(ksymbolCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_KSYMBOL (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfKsymbol})
 */
export function writeKsymbol(
  view: DataView,
  offset: number,
  fields: PerfKsymbolFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(ksymbolCodec, view, offset, fields, ctx)
}
