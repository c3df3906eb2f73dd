/**
 * Tracepoints: the kernel's `struct tracepoint` (`include/linux/tracepoint.h`,
 * `kernel/tracepoint.c`) for the events of this package. Every trace event is a tracepoint with
 * a list of registered probes; whoever emits the event (the ftrace face after encoding it into
 * its ring) calls {@link Tracepoint.emit}, which calls each probe with the encoded payload — the
 * bytes of the event, common fields first — its time and its CPU. Consumers that want the event
 * register a probe (`tracepoint_probe_register`): the perf face does, per perf event opened with
 * `PERF_TYPE_TRACEPOINT` and `config` = the event id. This module knows no ring buffer, so
 * neither face imports the other.
 *
 * Probes and tracepoints belong to the JavaScript realm (the thread: main or a worker) that
 * registered them, as module state is: a probe sees the emissions of its own thread, as a
 * per-task perf event in the kernel sees its own task.
 *
 * @packageDocumentation
 */
import type { EventDefinition } from './event-definition.js'
import { MAX_EVENT_ID } from './event-ids.js'

/**
 * A probe (the kernel's probe function of `tracepoint_probe_register`): called by
 * {@link Tracepoint.emit} with the encoded payload `data[offset .. offset + length)` (common
 * fields included, as `perf_trace_buf` holds them), the emission's time and its CPU. `time` is
 * CLOCK_MONOTONIC nanoseconds (the kernel's `mono` trace clock) of the emission, or -1 when the
 * emitter's clock is another one (the probe then takes its own). A probe must not keep `data`:
 * it is the emitter's memory (a ring buffer reservation) and only valid during the call.
 */
export type TracepointProbe = (
  data: Uint8Array,
  offset: number,
  length: number,
  time: number,
  cpu: number,
) => void

const NO_PROBES: readonly TracepointProbe[] = Object.freeze([])

/**
 * The tracepoint of one event definition: its probes. Registering or unregistering replaces the
 * probe array (the kernel's RCU-published `tp->funcs`), so an emission that is calling the
 * probes is not disturbed and the emit path reads one field.
 */
export class Tracepoint {
  /** The event (its id is the tracepoint's: `common_type`, perf's `config`). */
  readonly definition: EventDefinition
  /** The registered probes, in registration order; replaced, never mutated. */
  probes: readonly TracepointProbe[] = NO_PROBES

  /** @internal Use {@link tracepointOf}. */
  constructor(definition: EventDefinition) {
    this.definition = definition
  }

  /** The event id. */
  get id(): number {
    return this.definition.id
  }

  /**
   * True while a probe is registered (the kernel's static key `tp->key`): an emitter checks it
   * and skips the emission entirely when false.
   */
  get enabled(): boolean {
    return this.probes.length !== 0
  }

  /**
   * `tracepoint_probe_register(tp, probe, data)`: add `probe` (a closure holds what the kernel's
   * `data` pointer does).
   *
   * @throws TypeError when `probe` is not a function; RangeError when it is already registered
   *   (the kernel's -EEXIST).
   */
  register(probe: TracepointProbe): void {
    if (typeof probe !== 'function') throw new TypeError('probe: expected a function')
    if (this.probes.includes(probe))
      throw new RangeError(`probe: already registered on ${this.#name()} (EEXIST)`)
    this.probes = Object.freeze([...this.probes, probe])
  }

  /**
   * `tracepoint_probe_unregister(tp, probe, data)`: remove `probe`.
   *
   * @throws TypeError when `probe` is not a function; RangeError when it is not registered (the
   *   kernel's -ENOENT).
   */
  unregister(probe: TracepointProbe): void {
    if (typeof probe !== 'function') throw new TypeError('probe: expected a function')
    const k = this.probes.indexOf(probe)
    if (k < 0) throw new RangeError(`probe: not registered on ${this.#name()} (ENOENT)`)
    const next = this.probes.filter((_, i) => i !== k)
    this.probes = next.length === 0 ? NO_PROBES : Object.freeze(next)
  }

  /**
   * Call every probe with the payload `data[offset .. offset + length)` (what `__DO_TRACE`
   * does: each probe in turn). Allocates nothing; with no probe it returns at once.
   *
   * @param data - the encoded event
   * @param offset - where its payload starts (`common_type`)
   * @param length - the payload's bytes
   * @param time - CLOCK_MONOTONIC ns of the emission, or -1 (see {@link TracepointProbe})
   * @param cpu - the CPU (ring) the event was emitted on
   * @throws TypeError / RangeError naming the argument when one is not what it should be.
   */
  emit(data: Uint8Array, offset: number, length: number, time: number, cpu: number): void {
    const p = this.probes
    if (p.length === 0) return
    checkEmission(data, offset, length, time, cpu)
    for (const probe of p) probe(data, offset, length, time, cpu)
  }

  #name(): string {
    return `${this.definition.system}:${this.definition.name}`
  }
}

/** `v` when it is a number, else a TypeError naming `name`. */
function num(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${name}: expected a number, got ${typeof v}`)
  return v
}

/** The checks of {@link Tracepoint.emit}'s arguments (no allocation unless one is bad). */
function checkEmission(
  data: unknown,
  offset: unknown,
  length: unknown,
  time: unknown,
  cpu: unknown,
): void {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: expected a Uint8Array')
  const o = num('offset', offset)
  const n = num('length', length)
  const t = num('time', time)
  const c = num('cpu', cpu)
  if (!(o >= 0 && (o | 0) === o)) throw new RangeError(`offset: ${o} is not a byte offset`)
  if (!(n >= 8 && (n | 0) === n))
    throw new RangeError(`length: ${n} is not a payload length (8 bytes at least)`)
  if (o + n > data.length)
    throw new RangeError(
      `length: ${n} payload bytes at ${o} do not fit a ${data.length}-byte buffer`,
    )
  if (!(t === -1 || (t >= 0 && Number.isSafeInteger(t))))
    throw new RangeError(`time: ${t} is not a time in ns nor -1`)
  if (!(c >= 0 && (c | 0) === c)) throw new RangeError(`cpu: ${c} is not a CPU`)
}

/**
 * This realm's tracepoints by event id (ids are u16: `common_type`). Grown with explicit
 * `undefined`s so the array stays packed: a lookup is an indexed load, not a dictionary probe.
 */
const byId: (Tracepoint | undefined)[] = []

/**
 * The tracepoint of `definition` in this thread, made on first use (the kernel makes one per
 * `TRACE_EVENT`). A tracepoint is identified by its event id, as perf's `config` identifies it:
 * a second definition with the same id and the same `format` text shares it.
 *
 * @throws TypeError for something that is not an event definition; RangeError when another
 *   event (a different format) already has the id in this thread.
 */
export function tracepointOf(definition: EventDefinition): Tracepoint {
  if (
    typeof definition !== 'object' ||
    definition === null ||
    typeof definition.formatText !== 'string'
  )
    throw new TypeError('definition: expected an EventDefinition')
  const id = definition.id
  if (!(Number.isInteger(id) && id >= 0 && id <= MAX_EVENT_ID))
    throw new RangeError(`definition: id ${String(id)} is not an event id`)
  const tp = byId[id]
  if (tp === undefined) {
    while (byId.length <= id) byId.push(undefined)
    return (byId[id] = new Tracepoint(definition))
  }
  if (tp.definition !== definition && tp.definition.formatText !== definition.formatText)
    throw new RangeError(
      `definition: id ${id} is already the tracepoint of ${tp.definition.system}:${tp.definition.name}`,
    )
  return tp
}

/**
 * The tracepoint of event `id` in this thread, if {@link tracepointOf} made one (what perf's
 * `perf_trace_init` looks up from `attr.config`); undefined otherwise. Cheap enough for an
 * emit path: one array read.
 *
 * @throws TypeError for a non-number; RangeError when `id` is not an event id (an integer
 *   0..65535).
 */
export function findTracepoint(id: number): Tracepoint | undefined {
  if (!(typeof id === 'number' && id >= 0 && id <= MAX_EVENT_ID && (id | 0) === id)) {
    num('id', id)
    throw new RangeError(`id: ${id} is not an event id`)
  }
  return byId[id]
}
