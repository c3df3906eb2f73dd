/**
 * PERF_RECORD_BPF_EVENT: u16 type; u16 flags; u32 id; u8 tag[BPF_TAG_SIZE].
 *
 * @packageDocumentation
 */

import { BPF_TAG_SIZE, PERF_RECORD_BPF_EVENT } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_BPF_EVENT. */
export interface PerfBpfEventFields extends PerfRecordFieldsBase {
  /**
   * The kernel's `type` field (`PERF_BPF_EVENT_*`), renamed because `type` is the record
   * type here.
   */
  event_type: number
  /** Flags (none defined). */
  flags: number
  /** BPF program id. */
  id: number
  /** The program tag, exactly {@link BPF_TAG_SIZE} (8) bytes. */
  tag: Uint8Array
}

/** A decoded PERF_RECORD_BPF_EVENT. */
export type PerfBpfEventRecord = PerfDecodedHeader<typeof PERF_RECORD_BPF_EVENT> &
  PerfBpfEventFields

/** @internal */
export const bpfEventCodec: RecordCodec<PerfBpfEventFields> = {
  name: 'BPF_EVENT',
  type: PERF_RECORD_BPF_EVENT,
  trailer: true,
  write(w, f) {
    w.u16('event_type', f.event_type)
    w.u16('flags', f.flags)
    w.u32('id', f.id)
    if (!(f.tag instanceof Uint8Array) || f.tag.length !== BPF_TAG_SIZE) {
      w.missing('tag', `expected a Uint8Array of ${BPF_TAG_SIZE} bytes`)
    }
    w.bytes('tag', f.tag)
  },
  read(r) {
    return {
      event_type: r.u16('event_type'),
      flags: r.u16('flags'),
      id: r.u32('id'),
      tag: r.bytes('tag', BPF_TAG_SIZE),
    }
  },
}

/**
 * Size of a PERF_RECORD_BPF_EVENT with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfBpfEvent(fields: PerfBpfEventFields, ctx: PerfRecordContext): number {
  return recordSize(bpfEventCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_BPF_EVENT (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfBpfEvent})
 */
export function writeBpfEvent(
  view: DataView,
  offset: number,
  fields: PerfBpfEventFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(bpfEventCodec, view, offset, fields, ctx)
}
