/**
 * The `sample_id` trailer that ends every non-SAMPLE record when `attr.sample_id_all`:
 * {pid, tid} TID, time TIME, id ID, stream_id STREAM_ID, {cpu, res} CPU, identifier IDENTIFIER,
 * in that order, each only if its `sample_type` bit is set.
 *
 * @packageDocumentation
 */

import {
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
} from '../constants.js'
import type { ByteReader, ByteWriter } from './codec.js'
import type { PerfRecordContext } from './context.js'

/**
 * The `sample_id` trailer. Each field is present exactly when its `sample_type` bit is set
 * (`pid`/`tid` for TID, `cpu`/`res` for CPU). `res` is the u32 after `cpu`, 0 from the kernel;
 * emitters write `res ?? 0`, decoders always set it.
 */
export interface PerfSampleId {
  /** TID: process id. */
  pid?: number
  /** TID: thread id. */
  tid?: number
  /** TIME: perf clock timestamp. */
  time?: bigint
  /** ID: event id. */
  id?: bigint
  /** STREAM_ID: id of the primary (inherited-from) event. */
  stream_id?: bigint
  /** CPU: the CPU. */
  cpu?: number
  /** CPU: the reserved u32 after `cpu`. */
  res?: number
  /** IDENTIFIER: event id, always the last u64 of the record. */
  identifier?: bigint
}

/** Write the trailer. @internal */
export function writeSampleId(
  w: ByteWriter,
  sid: PerfSampleId | undefined,
  ctx: PerfRecordContext,
): void {
  const st = ctx.sample_type
  const s = sid ?? {}
  if (typeof s !== 'object' || s === null) w.missing('sample_id', 'expected an object')
  if (st & PERF_SAMPLE_TID) {
    w.u32('sample_id.pid', s.pid)
    w.u32('sample_id.tid', s.tid)
  }
  if (st & PERF_SAMPLE_TIME) w.u64('sample_id.time', s.time)
  if (st & PERF_SAMPLE_ID) w.u64('sample_id.id', s.id)
  if (st & PERF_SAMPLE_STREAM_ID) w.u64('sample_id.stream_id', s.stream_id)
  if (st & PERF_SAMPLE_CPU) {
    w.u32('sample_id.cpu', s.cpu)
    w.u32('sample_id.res', s.res ?? 0)
  }
  if (st & PERF_SAMPLE_IDENTIFIER) w.u64('sample_id.identifier', s.identifier)
}

/** Read the trailer. @internal */
export function readSampleId(r: ByteReader, ctx: PerfRecordContext): PerfSampleId {
  const st = ctx.sample_type
  const s: PerfSampleId = {}
  if (st & PERF_SAMPLE_TID) {
    s.pid = r.u32('sample_id.pid')
    s.tid = r.u32('sample_id.tid')
  }
  if (st & PERF_SAMPLE_TIME) s.time = r.u64('sample_id.time')
  if (st & PERF_SAMPLE_ID) s.id = r.u64('sample_id.id')
  if (st & PERF_SAMPLE_STREAM_ID) s.stream_id = r.u64('sample_id.stream_id')
  if (st & PERF_SAMPLE_CPU) {
    s.cpu = r.u32('sample_id.cpu')
    s.res = r.u32('sample_id.res')
  }
  if (st & PERF_SAMPLE_IDENTIFIER) s.identifier = r.u64('sample_id.identifier')
  return s
}
