/**
 * The ftrace probe of a tracepoint (`kernel/trace/trace_events.c` `trace_event_reg` with
 * `TRACE_REG_REGISTER`, what writing 1 to an instance's `events/<system>/<event>/enable` does):
 * registered on an event's `@onering/trace-events` `Tracepoint`, it writes every emission of
 * the event into a trace buffer — the payload as emitted (common fields included), with the
 * emission's timestamp when both sides run on the `mono` trace clock.
 *
 * An emission comes from `trace_event_buffer_commit` / `trace_event_write` on another trace
 * buffer (which encoded the event in place), or from any emitter that encoded it elsewhere and
 * called `Tracepoint.emit`. A buffer's own commit does not reach its own probe, so an event
 * written into a buffer that also has it enabled is recorded once.
 *
 * @packageDocumentation
 */
import { tracepointOf } from '@onering/trace-events'
import type { EventDefinition, TracepointProbe } from '@onering/trace-events'
import { TraceBuffer } from './trace-buffer.js'
import { emittingFrom } from './trace-event.js'

/** The registered probes of each handle, by event id. */
const registered = new WeakMap<TraceBuffer, Map<number, TracepointProbe>>()

/** Copy `n` bytes without making a view (short payloads: a loop beats `subarray` + `set`). */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n > 256) {
    dst.set(src.subarray(from, from + n), at)
    return
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!
}

function probeFor(buffer: TraceBuffer): TracepointProbe {
  return (data, offset, length, time) => {
    const from = emittingFrom
    if (from !== null && from.sab === buffer.sab) return
    const w = buffer.openWriter()
    if (w.depth > buffer.nest) return
    const clock = buffer.clock
    let off: number
    if (time >= 0 && buffer.clockName === 'mono') off = w.reserve(length, time)
    else if (clock !== undefined) off = w.reserve(length, clock())
    else off = w.reserve(length)
    if (off < 0) {
      if (w.depth === 0) w.flush()
      return
    }
    copyBytes(w.bytes, off, data, offset, length)
    w.commit()
  }
}

function checkArgs(buffer: TraceBuffer): Map<number, TracepointProbe> {
  if (!(buffer instanceof TraceBuffer))
    throw new TypeError(`buffer: expected a TraceBuffer, got ${String(buffer)}`)
  buffer.rb.checkLive()
  let m = registered.get(buffer)
  if (m === undefined) registered.set(buffer, (m = new Map<number, TracepointProbe>()))
  return m
}

/**
 * `trace_event_reg(call, TRACE_REG_REGISTER, file)`: enable `definition` on `buffer` — every
 * emission of the event in this thread (another buffer's commit, or `Tracepoint.emit`) is
 * written into the ring of `buffer`'s current CPU, with the emission's time when both clocks are
 * `mono`. Refused writes (ring full in produce-consume mode, recording off) count as the ring
 * counts them.
 *
 * @throws TypeError for a non-buffer or a non-definition; RangeError when the event is already
 *   enabled on this handle (or its id belongs to another event); the core's error for a freed
 *   buffer.
 */
export function trace_event_reg(buffer: TraceBuffer, definition: EventDefinition): void {
  const m = checkArgs(buffer)
  const tp = tracepointOf(definition)
  if (m.has(tp.id))
    throw new RangeError(
      `definition: ${definition.system}:${definition.name} is already enabled on this buffer`,
    )
  const probe = probeFor(buffer)
  tp.register(probe)
  m.set(tp.id, probe)
}

/**
 * `trace_event_reg(call, TRACE_REG_UNREGISTER, file)`: disable what {@link trace_event_reg}
 * enabled.
 *
 * @throws TypeError for a non-buffer or a non-definition; RangeError when the event is not
 *   enabled on this handle.
 */
export function trace_event_unreg(buffer: TraceBuffer, definition: EventDefinition): void {
  const m = checkArgs(buffer)
  const tp = tracepointOf(definition)
  const probe = m.get(tp.id)
  if (probe === undefined)
    throw new RangeError(
      `definition: ${definition.system}:${definition.name} is not enabled on this buffer`,
    )
  tp.unregister(probe)
  m.delete(tp.id)
}
