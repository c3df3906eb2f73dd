/**
 * PERF_RECORD_TEXT_POKE: u64 addr; u16 old_len, new_len; u8 bytes[old_len + new_len], then
 * zero padding to a multiple of 8.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_TEXT_POKE } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_TEXT_POKE. */
export interface PerfTextPokeFields extends PerfRecordFieldsBase {
  /** Address of the change. */
  addr: bigint
  /** The bytes before (`old_len` = length). */
  old_bytes: Uint8Array
  /** The bytes after (`new_len` = length). */
  new_bytes: Uint8Array
}

/** A decoded PERF_RECORD_TEXT_POKE. */
export type PerfTextPokeRecord = PerfDecodedHeader<typeof PERF_RECORD_TEXT_POKE> &
  PerfTextPokeFields

/** @internal */
export const textPokeCodec: RecordCodec<PerfTextPokeFields> = {
  name: 'TEXT_POKE',
  type: PERF_RECORD_TEXT_POKE,
  trailer: true,
  write(w, f) {
    const start = w.pos
    w.u64('addr', f.addr)
    if (!(f.old_bytes instanceof Uint8Array)) w.missing('old_bytes', 'expected a Uint8Array')
    if (!(f.new_bytes instanceof Uint8Array)) w.missing('new_bytes', 'expected a Uint8Array')
    w.u16('old_len', f.old_bytes.length)
    w.u16('new_len', f.new_bytes.length)
    w.bytes('old_bytes', f.old_bytes)
    w.bytes('new_bytes', f.new_bytes)
    w.padTo8(start)
  },
  read(r) {
    const start = r.pos
    const addr = r.u64('addr')
    const oldLen = r.u16('old_len')
    const newLen = r.u16('new_len')
    const old_bytes = r.bytes('old_bytes', oldLen)
    const new_bytes = r.bytes('new_bytes', newLen)
    r.skipPadTo8('padding', start)
    return { addr, old_bytes, new_bytes }
  },
}

/**
 * Size of a PERF_RECORD_TEXT_POKE with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfTextPoke(fields: PerfTextPokeFields, ctx: PerfRecordContext): number {
  return recordSize(textPokeCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_TEXT_POKE (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfTextPoke})
 */
export function writeTextPoke(
  view: DataView,
  offset: number,
  fields: PerfTextPokeFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(textPokeCodec, view, offset, fields, ctx)
}
