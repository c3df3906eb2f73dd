/**
 * The kernel side of record output (`kernel/events/core.c` and `ring_buffer.c`):
 * `perf_output_begin` … `perf_output_end` for one record (`output`), and the emitters built on
 * it — `perf_event_output` (PERF_RECORD_SAMPLE, with the allocation-free fast path of
 * `sample-fast.ts`), `perf_event_output_ip` for hot loops, `perf_event_emit` for any record,
 * and the side-band records `perf_event_comm`, `perf_event_mmap2`, `perf_event_switch`. Each
 * writes into the event's ring, or the ring it was redirected to with SET_OUTPUT.
 *
 * @packageDocumentation
 */
import { shown } from '@onering/trace-events/internal'
import { checkInt, checkPlain, fail } from './errors.js'

const U64_MAX = 0xffff_ffff_ffff_ffffn
import { PerfEvent } from './event.js'
import { sizeOfComm, writeComm } from './records/comm.js'
import type { PerfCommFields } from './records/comm.js'
import type { PerfRecordContext } from './records/context.js'
import { sizeOfMmap2, writeMmap2 } from './records/mmap2.js'
import type { PerfMmap2Fields } from './records/mmap2.js'
import { sizeOfSample, writeSample } from './records/sample.js'
import { PERF_SAMPLE_ADDR } from './constants.js'
import type { PerfSampleFields } from './records/sample.js'
import type { PerfSampleId } from './records/sample-id.js'
import { sizeOfSwitch, writeSwitch } from './records/switch.js'
import type { PerfSwitchFields } from './records/switch.js'
import { EMPTY_SAMPLE, FAST_UNHANDLED, outputSampleFast, toSampleFields } from './sample-fast.js'
import type { PerfSampleInput, PerfU64Input } from './sample-layout.js'
import { perfClock } from './time.js'

const scratch = new Uint8Array(65536)
const scratchView = new DataView(scratch.buffer)

/**
 * `perf_output_begin` … `perf_output_end` for one record of `size` bytes that `write` lays out
 * at offset 0 of a scratch view. Returns true when the record was written.
 */
function output(
  event: PerfEvent,
  size: number,
  time: number,
  write: (dv: DataView) => void,
): boolean {
  if (!event.enabled) return false
  const ring = event._ring
  if (ring === null) return false
  const w = ring.writer
  // a control page alone: paused, nothing counted (the kernel counts only with data pages)
  if (w === null) return false
  if (ring.paused || size > ring.maxPayload) {
    w.drop(1)
    event.lost_samples++
    return false
  }
  const off = w.reserve(size, time, ring.tagOf(event))
  if (off < 0) {
    event.lost_samples++
    return false
  }
  try {
    write(scratchView)
  } catch (e) {
    w.discard()
    throw e
  }
  w.put(off, scratch.subarray(0, size))
  w.commit()
  ring.outputDone()
  return true
}

/** @internal A record's time: the perf clock when not given, else a safe non-negative integer (EINVAL). */
export function timeOf(time: bigint | number | undefined): number {
  if (time === undefined) return perfClock()
  if (typeof time !== 'number' && typeof time !== 'bigint')
    fail('EINVAL', 'time', `expected a bigint or a number, got ${shown(time)}`)
  const t = Number(time)
  if (!Number.isSafeInteger(t) || t < 0) fail('EINVAL', 'time', `${String(time)} is not a time`)
  return t
}

/**
 * Emit a PERF_RECORD_SAMPLE of `event` (`perf_event_output`): its fields default from the
 * event (id, identifier, stream_id, pid/tid, cpu, period, time). Counts toward
 * `wakeup_events` and the REFRESH limit, and adds the period to `event.count`. Returns true
 * when it was written; a refused record counts in `event.lost_samples` and the next record
 * carries the LOST.
 *
 * The u64 scalar fields may be bigints or exact non-negative numbers. When the event's
 * `sample_type` selects only fixed-size fields (see `PERF_SAMPLE_FIXED_SIZE_MASK`), the record
 * is written straight into the ring without allocating (given numbers); see also
 * `perf_event_output_ip` for hot loops. A field present with the value `undefined` is
 * treated as absent on that path.
 *
 * @param event - the sampling event
 * @param sample - the sample's fields
 * @returns whether the record was written
 * @throws PerfError EINVAL for a missing or invalid field or time
 */
export function perf_event_output(
  event: PerfEvent,
  sample: PerfSampleFields | PerfSampleInput = EMPTY_SAMPLE,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  if (typeof sample !== 'object' || sample === null)
    fail('EINVAL', 'sample', 'expected an object of sample fields')
  if (!event.enabled) return false
  const fast = outputSampleFast(event, sample, sample.ip, sample.time, sample.period)
  if (fast !== FAST_UNHANDLED) return fast === 1
  const t = timeOf(sample.time)
  // the period counts in event.count even when the sample does not carry it
  const p: unknown = sample.period
  if (
    p !== undefined &&
    !(typeof p === 'bigint'
      ? p >= 0n && p <= U64_MAX
      : Number.isSafeInteger(p) && (p as number) >= 0)
  )
    fail('EINVAL', 'period', `${shown(p)} is not a u64 period`)
  const sid = event.sampleId(t)
  const fields: PerfSampleFields = {
    ...sid,
    // perf_sample_data_init: a sample whose source gives no data address carries 0
    ...(event.attr.sample_type & PERF_SAMPLE_ADDR ? { addr: 0n } : {}),
    period: BigInt(event.attr.freq ? 1 : event.attr.sample_period || 1),
    ...toSampleFields(sample),
  }
  const size = sizeOfSample(fields, event.ctx)
  const ok = output(event, size, t, (dv) => writeSample(dv, 0, fields, event.ctx))
  event._sampleDone(fields.period ?? 1n, ok)
  return ok
}

/**
 * Emit a PERF_RECORD_SAMPLE of `event` with only its instruction pointer (and optionally its
 * time and period) given: the allocation-free entry point for hot loops. Equivalent to
 * `perf_event_output(event, { ip, time, period })` (omitting the arguments left undefined):
 * every other field defaults from the event as there (identifier, id, stream_id, pid/tid,
 * cpu; period from the attr; time from the perf clock), it counts toward `wakeup_events`
 * and the REFRESH limit, adds the period to `event.count`, and a refused record counts in
 * `event.lost_samples`. With numbers and an event whose `sample_type` selects only
 * defaultable fixed-size fields (IDENTIFIER, IP, TID, TIME, ID, STREAM_ID, CPU, PERIOD) it
 * allocates nothing; otherwise it takes {@link perf_event_output}'s path, which throws a
 * `PerfError` EINVAL for a required field that is missing (ADDR, READ, WEIGHT, …).
 *
 * @param event - the sampling event
 * @param ip - the instruction pointer: a bigint in [0, 2^64) or a non-negative safe integer
 * @param time - the perf clock time (ns); default now
 * @param period - the sample period; default the attr's (1 with `freq`)
 * @returns whether the record was written
 * @throws PerfError EINVAL when a value is invalid (as {@link perf_event_output})
 */
export function perf_event_output_ip(
  event: PerfEvent,
  ip: PerfU64Input,
  time?: PerfU64Input,
  period?: PerfU64Input,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  if (!event.enabled) return false
  const r = outputSampleFast(event, EMPTY_SAMPLE, ip, time, period)
  if (r !== FAST_UNHANDLED) return r === 1
  const s: PerfSampleInput = { ip }
  if (time !== undefined) s.time = time
  if (period !== undefined) s.period = period
  return perf_event_output(event, s)
}

/**
 * Emit any record of `event`: `size` bytes laid out by `write` at offset 0 of a view (for
 * example with a `write*` emitter of this package). Side-band records do not count toward
 * `wakeup_events`.
 *
 * @param event - the event
 * @param size - the record's size (a multiple of 8)
 * @param write - writes the whole record (header included) at offset 0
 * @param time - the time of the LOST record's `sample_id`, if one goes in front
 * @returns whether the record was written
 */
export function perf_event_emit(
  event: PerfEvent,
  size: number,
  write: (dv: DataView, offset: number) => unknown,
  time?: bigint | number,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  checkInt('size', size, 8, 65528)
  if (size % 8 !== 0) fail('EINVAL', 'size', `${size} is not a multiple of 8`)
  if (typeof write !== 'function') fail('EINVAL', 'write', 'expected a function')
  return output(event, size, timeOf(time), (dv) => {
    write(dv, 0)
  })
}

function sideband<F extends { sample_id?: PerfSampleId }>(
  event: PerfEvent,
  wanted: boolean,
  fields: F,
  time: bigint | number | undefined,
  sizeOf: (f: F, ctx: PerfRecordContext) => number,
  writeF: (dv: DataView, off: number, f: F, ctx: PerfRecordContext) => number,
): boolean {
  if (typeof fields !== 'object' || fields === null)
    fail('EINVAL', 'fields', `expected an object of the record's fields, got ${shown(fields)}`)
  checkPlain('fields', fields)
  if (!wanted || !event.enabled) return false
  const t = timeOf(time)
  const f: F = { ...fields, sample_id: fields.sample_id ?? event.sampleId(t) }
  const size = sizeOf(f, event.ctx)
  return output(event, size, t, (dv) => writeF(dv, 0, f, event.ctx))
}

/**
 * `perf_event_comm`: a PERF_RECORD_COMM with the event's `sample_id` trailer, written when
 * `attr.comm` is set.
 *
 * @returns whether the record was written
 */
export function perf_event_comm(
  event: PerfEvent,
  fields: PerfCommFields,
  time?: bigint | number,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  return sideband(event, event.attr.comm, fields, time, sizeOfComm, writeComm)
}

/**
 * `perf_event_mmap` (MMAP2 form): a PERF_RECORD_MMAP2 with the event's `sample_id` trailer,
 * written when `attr.mmap2` and `attr.mmap` (or `mmap_data`) are set.
 *
 * @returns whether the record was written
 */
export function perf_event_mmap2(
  event: PerfEvent,
  fields: PerfMmap2Fields,
  time?: bigint | number,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  const a = event.attr
  return sideband(event, a.mmap2 && (a.mmap || a.mmap_data), fields, time, sizeOfMmap2, writeMmap2)
}

/**
 * `perf_event_switch`: a PERF_RECORD_SWITCH (misc SWITCH_OUT for a switch out) with the
 * event's `sample_id` trailer, written when `attr.context_switch` is set.
 *
 * @returns whether the record was written
 */
export function perf_event_switch(
  event: PerfEvent,
  fields: PerfSwitchFields = {},
  time?: bigint | number,
): boolean {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  return sideband(event, event.attr.context_switch, fields, time, sizeOfSwitch, writeSwitch)
}
