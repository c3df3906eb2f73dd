/**
 * PERF_RECORD_EXIT and PERF_RECORD_FORK: u32 pid, ppid, tid, ptid; u64 time.
 *
 * @packageDocumentation
 */

import { PERF_RECORD_EXIT, PERF_RECORD_FORK } from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** Body of PERF_RECORD_EXIT and PERF_RECORD_FORK. */
export interface PerfTaskFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Parent process id. */
  ppid: number
  /** Thread id. */
  tid: number
  /** Parent thread id. */
  ptid: number
  /** Perf clock timestamp. */
  time: bigint
}

/** Body of PERF_RECORD_EXIT. */
export type PerfExitFields = PerfTaskFields
/** Body of PERF_RECORD_FORK. */
export type PerfForkFields = PerfTaskFields

/** A decoded PERF_RECORD_EXIT. */
export type PerfExitRecord = PerfDecodedHeader<typeof PERF_RECORD_EXIT> & PerfTaskFields
/** A decoded PERF_RECORD_FORK. */
export type PerfForkRecord = PerfDecodedHeader<typeof PERF_RECORD_FORK> & PerfTaskFields

function taskCodec(name: string, type: number): RecordCodec<PerfTaskFields> {
  return {
    name,
    type,
    trailer: true,
    write(w, f) {
      w.u32('pid', f.pid)
      w.u32('ppid', f.ppid)
      w.u32('tid', f.tid)
      w.u32('ptid', f.ptid)
      w.u64('time', f.time)
    },
    read(r) {
      return {
        pid: r.u32('pid'),
        ppid: r.u32('ppid'),
        tid: r.u32('tid'),
        ptid: r.u32('ptid'),
        time: r.u64('time'),
      }
    },
  }
}

/** @internal */
export const exitCodec: RecordCodec<PerfTaskFields> = taskCodec('EXIT', PERF_RECORD_EXIT)
/** @internal */
export const forkCodec: RecordCodec<PerfTaskFields> = taskCodec('FORK', PERF_RECORD_FORK)

/**
 * Size of a PERF_RECORD_EXIT with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfExit(fields: PerfExitFields, ctx: PerfRecordContext): number {
  return recordSize(exitCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_EXIT (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfExit})
 */
export function writeExit(
  view: DataView,
  offset: number,
  fields: PerfExitFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(exitCodec, view, offset, fields, ctx)
}

/**
 * Size of a PERF_RECORD_FORK with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfFork(fields: PerfForkFields, ctx: PerfRecordContext): number {
  return recordSize(forkCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_FORK (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfFork})
 */
export function writeFork(
  view: DataView,
  offset: number,
  fields: PerfForkFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(forkCodec, view, offset, fields, ctx)
}
