/**
 * The kernel's trace-event write path over an ftrace ring buffer (`kernel/trace/trace_events.c`
 * `trace_event_buffer_reserve` / `trace_event_buffer_commit`, and `tracing_mark_write` for
 * `trace_marker`): reserve an event of an `@onering/trace-events` definition, fill its fields
 * through an {@link EventEncoder} straight into the ring, commit. The common fields are filled
 * in as the kernel fills them for a user-space writer: `common_type` = the event id,
 * `common_pid` = the writing thread's OS thread id ({@link currentTid}), `common_flags` 0.
 *
 * Every trace event is also a tracepoint (`@onering/trace-events` `Tracepoint`): when its
 * tracepoint has probes (a perf event opened on it with `PERF_TYPE_TRACEPOINT`, another trace
 * buffer with the event enabled by `trace_event_reg`), the commit hands them the payload just
 * encoded in this ring, with the record's timestamp and CPU, before committing it. The payload is
 * encoded once, in place, and the probes copy it (the kernel encodes once per consumer kind:
 * into the ring for ftrace, into `perf_trace_buf` for perf, which `perf_tp_event` then copies into
 * each perf ring; here the ftrace reservation plays `perf_trace_buf`'s part).
 *
 * Nothing here allocates per event: the encoder is the caller's (one per definition, reused),
 * and the `DataView` over the ring's bytes is made once per handle.
 *
 * @packageDocumentation
 */
import {
  EventEncoder,
  FTRACE_PRINT,
  findTracepoint,
  printEventSize,
  utf8Length,
} from '@onering/trace-events'
import type { Tracepoint } from '@onering/trace-events'
import type { RingWriter } from '@onering/core'
import { TraceBuffer } from './trace-buffer.js'

/** `-EBADF`: what a `trace_marker` write returns when the event was not recorded. */
export const EBADF = -9

/**
 * The `ip` the kernel stores in the `print` events of `trace_marker` writes: the address of
 * `tracing_mark_write` in the Linux 6.18 kernel whose pages are the test fixtures. A trace.dat
 * needs a kallsyms line for it (see {@link TRACING_MARK_WRITE_KALLSYMS}) for `%ps` to print the
 * name.
 */
export const TRACING_MARK_WRITE_IP: { readonly high: number; readonly low: number } = Object.freeze(
  { high: 0xffffffff, low: 0x8149895a },
)

// The halves of TRACING_MARK_WRITE_IP as constants for the write path: both are above the Smi
// range, and a property of the frozen object is a double field, which V8 may load unboxed and
// box again (two heap numbers per marker) when it does not inline the setter it passes them to.
const MARK_IP_HIGH = 0xffffffff
const MARK_IP_LOW = 0x8149895a

/** The kallsyms line naming {@link TRACING_MARK_WRITE_IP} (`/proc/kallsyms` syntax). */
export const TRACING_MARK_WRITE_KALLSYMS = 'ffffffff8149895a t tracing_mark_write\n'

/**
 * `preempt_count` the kernel records in a `trace_marker` event: 1 (the write runs with
 * preemption disabled; every marker of the Linux 6.18 fixture pages has it). Trace events
 * record 0: `trace_event_buffer_reserve` takes the count minus the tracepoint's own disable
 * (`tracing_gen_ctx_dec`), which is 0 for a user-space caller.
 */
export const TRACE_MARKER_PREEMPT_COUNT = 1

let tid = 0

/**
 * The calling thread's OS thread id (Linux `gettid()`), read once per thread from the
 * `/proc/thread-self` symlink (`<pid>/task/<tid>`) with `node:fs` `readlinkSync`; `process.pid`
 * where `/proc` (or `node:fs`) is missing.
 * In the main thread it equals `process.pid`, in a worker it is the worker's own tid, so events
 * line up with `perf record` and kernel events of the same process.
 */
export function currentTid(): number {
  if (tid === 0) {
    let t = globalThis.process?.pid ?? 0
    try {
      // node:fs through getBuiltinModule: no static import, so the bundle stays platform-neutral
      const fs = globalThis.process?.getBuiltinModule?.('node:fs')
      const m = fs === undefined ? null : /(\d+)$/.exec(fs.readlinkSync('/proc/thread-self'))
      if (m !== null) t = Number(m[1])
    } catch {
      // no /proc (not Linux, or not mounted): the process id
    }
    tid = t
  }
  return tid
}

/** `trace_event_buffer` state of one handle: the ring's bytes and a view over them. */
function viewOf(buffer: TraceBuffer, w: RingWriter): DataView {
  const b = w.bytes
  let v = buffer.eventView
  if (v?.buffer !== b.buffer || v.byteOffset !== b.byteOffset) {
    v = new DataView(b.buffer, b.byteOffset, b.byteLength)
    buffer.eventView = v
  }
  return v
}

/**
 * The open trace events of this thread, innermost last (the kernel's `struct
 * trace_event_buffer` the caller holds between reserve and commit): the handle, the writer's
 * depth after the reserve, the payload offset and the encoder. Reserve/commit nest LIFO.
 */
const OPEN_MAX = 64
const openBuffers: (TraceBuffer | null)[] = new Array<TraceBuffer | null>(OPEN_MAX).fill(null)
const openDepths = new Int32Array(OPEN_MAX)
const openOffsets = new Float64Array(OPEN_MAX)
const openEncoders: (EventEncoder | null)[] = new Array<EventEncoder | null>(OPEN_MAX).fill(null)
let openCount = 0

/** @internal The buffer whose commit is calling the probes (its own ftrace probe skips it). */
export let emittingFrom: TraceBuffer | null = null

/** Reserve and begin an event; returns the payload offset, or -1 when it is not recorded. */
function reserveFor(
  buffer: TraceBuffer,
  encoder: EventEncoder,
  length: number,
  preemptCount: number,
): number {
  const w = buffer instanceof TraceBuffer ? buffer.openWriter() : checkBuffer(buffer)
  if (w.depth > buffer.nest) return -1
  const clock = buffer.clock
  const off = clock === undefined ? w.reserve(length) : w.reserve(length, clock())
  if (off < 0) {
    if (w.depth === 0) w.flush()
    return -1
  }
  encoder.begin(w.bytes, viewOf(buffer, w), off, length, currentTid(), 0, preemptCount)
  return off
}

/**
 * Hand the event at `off` of `buffer`'s open reservation to its tracepoint's probes (when it has
 * any): the payload, the record's timestamp when the buffer's trace clock is `mono` (else -1:
 * the `counter` clock) and the ring's CPU. A clock set with `ring_buffer_set_clock` on a `mono`
 * buffer is taken to be CLOCK_MONOTONIC, as `clockName` and the trace.dat writer take it.
 */
function emitOpen(
  buffer: TraceBuffer,
  tp: Tracepoint,
  w: RingWriter,
  off: number,
  length: number,
): void {
  const time = buffer.clockName === 'mono' ? w.timestamp : -1
  const prev = emittingFrom
  emittingFrom = buffer
  try {
    // what __DO_TRACE does: each probe in turn (the arguments are the ring's own, valid)
    const bytes = w.bytes
    const cpu = w.cpu
    for (const probe of tp.probes) probe(bytes, off, length, time, cpu)
  } finally {
    emittingFrom = prev
  }
}

function checkBuffer(buffer: unknown): never {
  throw new TypeError(`buffer: expected a TraceBuffer, got ${String(buffer)}`)
}

function checkEncoder(encoder: unknown): EventEncoder {
  if (!(encoder instanceof EventEncoder)) throw new TypeError('encoder: expected an EventEncoder')
  return encoder
}

/**
 * `trace_event_buffer_reserve(fbuffer, trace_file, len)`: reserve an event of the encoder's
 * definition with `dynamicBytes` bytes of dynamic data (`stringFieldSize` per string, element
 * size × count per dynamic array), on the handle's current CPU, and start it: the common fields
 * are written (`common_type` = the id, `common_pid` = {@link currentTid}, flags 0, preempt
 * count 0) and the fixed fields zeroed. Fill the fields with the encoder's setters, then call
 * {@link trace_event_buffer_commit}. Returns the encoder, or null when the event is not
 * recorded (recording off, ring full in produce-consume mode, or a reservation of this handle
 * still open).
 *
 * @throws TypeError for a non-encoder; RangeError if the event exceeds the ring's maximum.
 */
export function trace_event_buffer_reserve(
  buffer: TraceBuffer,
  encoder: EventEncoder,
  dynamicBytes = 0,
): EventEncoder | null {
  const e = checkEncoder(encoder)
  if (typeof dynamicBytes !== 'number')
    throw new TypeError(`dynamicBytes: expected a byte count, got ${typeof dynamicBytes}`)
  if (!(dynamicBytes >= 0 && (dynamicBytes | 0) === dynamicBytes))
    throw new RangeError(`dynamicBytes: ${dynamicBytes} is not a byte count`)
  const length = e.definition.structSize + dynamicBytes
  const off = reserveFor(buffer, e, length, 0)
  if (off < 0) return null
  if (openCount === OPEN_MAX) openCount = 0 // reservations never committed: forget them
  const k = openCount++
  openBuffers[k] = buffer
  openDepths[k] = buffer.openWriter().depth
  openOffsets[k] = off
  openEncoders[k] = e
  return e
}

/**
 * `trace_event_buffer_commit(fbuffer)`: commit the event reserved by
 * {@link trace_event_buffer_reserve} (the bytes written so far are its payload). When the
 * event's tracepoint has probes, they get the payload first (see the module comment). Returns 0.
 */
export function trace_event_buffer_commit(buffer: TraceBuffer): number {
  const w = buffer instanceof TraceBuffer ? buffer.openWriter() : checkBuffer(buffer)
  const depth = w.depth
  // the open event of this reservation: normally the innermost one
  let k = openCount - 1
  while (k >= 0 && !(openBuffers[k] === buffer && openDepths[k] === depth)) k--
  if (k >= 0) {
    const e = openEncoders[k]!
    const off = openOffsets[k]!
    // take it out; entries above it of other handles stay, this handle's are stale (discarded)
    let n = k
    for (let j = k + 1; j < openCount; j++) {
      if (openBuffers[j] === buffer) continue
      openBuffers[n] = openBuffers[j]!
      openDepths[n] = openDepths[j]!
      openOffsets[n] = openOffsets[j]!
      openEncoders[n] = openEncoders[j]!
      n++
    }
    for (let j = n; j < openCount; j++) {
      openBuffers[j] = null
      openEncoders[j] = null
    }
    openCount = n
    const tp = findTracepoint(e.definition.id)
    if (tp !== undefined && tp.probes.length !== 0) emitOpen(buffer, tp, w, off, e.end())
  }
  w.commit()
  return 0
}

/** One field value of {@link trace_event_write}: a number, a string, or numbers of an array. */
export type TraceEventValue = number | string | ArrayLike<number>

function dynamicSize(encoder: EventEncoder, values: ArrayLike<TraceEventValue>): number {
  const fields = encoder.definition.fields
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number')
    throw new TypeError('values: expected an array of the field values')
  if (values.length !== fields.length)
    throw new RangeError(
      `values: ${values.length} values for the ${fields.length} fields of ${encoder.definition.name}`,
    )
  let n = 0
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!
    if (f.kind !== 'dynamic' && f.kind !== 'trailing') continue
    const v = values[k]!
    if (typeof v === 'string') n += utf8Length(v) + 1
    else if (typeof v === 'object' && v !== null && typeof v.length === 'number')
      n += v.length * f.elementSize
    else throw new TypeError(`values[${k}]: expected a string or an array for ${f.name}`)
  }
  return n
}

/**
 * The one-call form (what a `TRACE_EVENT()` tracepoint body does): reserve, set every field
 * from `values` (in the definition's field order: numbers for scalars, strings for `char`
 * arrays and strings, number arrays for other arrays), commit — handing the payload to the
 * event's tracepoint probes first, as {@link trace_event_buffer_commit}. `values` may be one
 * array the caller reuses for every event. Returns 0, or `-EBUSY` when the event was not recorded.
 *
 * @throws RangeError when `values` does not match the fields.
 */
export function trace_event_write(
  buffer: TraceBuffer,
  encoder: EventEncoder,
  values: ArrayLike<TraceEventValue>,
): number {
  const e = checkEncoder(encoder)
  const length = e.definition.structSize + dynamicSize(e, values)
  const off = reserveFor(buffer, e, length, 0)
  if (off < 0) return -16
  const fields = e.definition.fields
  const w = buffer.openWriter()
  try {
    for (let k = 0; k < fields.length; k++) {
      const v = values[k]!
      if (typeof v === 'number') e.setNumber(k, v)
      else if (typeof v === 'string') e.setString(k, v)
      else e.setArray(k, v)
    }
  } catch (err) {
    w.discard()
    throw err
  }
  const tp = findTracepoint(e.definition.id)
  if (tp !== undefined && tp.probes.length !== 0) emitOpen(buffer, tp, w, off, e.end())
  w.commit()
  return 0
}

let markerEncoder: EventEncoder | undefined

/**
 * `tracing_mark_write`: what a `write(2)` of `text` to `trace_marker` does — record the
 * `ftrace/print` event (id 5) on the handle's current CPU with `ip` =
 * {@link TRACING_MARK_WRITE_IP}, the text, a `\n` unless it ends with one, and a NUL, flags 0
 * and preempt count {@link TRACE_MARKER_PREEMPT_COUNT}, as the kernel's bytes are. Returns the
 * number of UTF-8 bytes of `text` (the `write(2)` count), or {@link EBADF} when the event
 * was not recorded (the kernel's answer when the ring is full or recording is off).
 */
export function tracing_mark_write(buffer: TraceBuffer, text: string): number {
  if (typeof text !== 'string') throw new TypeError('text: expected a string')
  const e = (markerEncoder ??= new EventEncoder(FTRACE_PRINT))
  if (reserveFor(buffer, e, printEventSize(text), TRACE_MARKER_PREEMPT_COUNT) < 0) return EBADF
  e.setNumber64(0, MARK_IP_HIGH, MARK_IP_LOW)
  e.setMarkerText(1, text)
  buffer.openWriter().commit()
  return utf8Length(text)
}
