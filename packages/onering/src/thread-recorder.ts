/**
 * The recorder of one thread: its handle on the process's ftrace buffer, set to the ring the
 * thread claimed (its "CPU"), and the write paths the instrumentation and the user API use.
 * Events are written with `@onering/ftrace`'s trace-event path (`common_pid` = the thread's
 * OS tid), from one encoder per definition and one reused value array per event: nothing is
 * allocated per event by the recorder itself.
 *
 * @packageDocumentation
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { monotonicNs } from '@onering/core'
import { currentTid, trace_event_write, tracing_mark_write } from '@onering/ftrace'
import type { TraceBuffer } from '@onering/ftrace'
import { defineEvent, EventEncoder, EventIdAllocator, stringFieldSize } from '@onering/trace-events'
import type { EventDefinition } from '@onering/trace-events'
import type { ThreadRecorder, UserFieldSpec } from './handoff.js'
import { FIRST_APP_EVENT_ID } from './node-events.js'
import { SPOOL_FILES } from './session-config.js'

/** The id of a user event: a hash of its system, name and fields, in the app id range. */
export function appEventId(system: string, name: string, fields: readonly UserFieldSpec[]): number {
  let h = 0x811c9dc5
  const text = `${system}/${name}(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193)
  return FIRST_APP_EVENT_ID + ((h >>> 0) % (0x10000 - FIRST_APP_EVENT_ID))
}

/** One thread's recorder. */
export class Recorder implements ThreadRecorder {
  readonly buffer: TraceBuffer
  readonly ring: number
  readonly spoolDir: string
  readonly tid: number
  readonly #encoders = new Map<EventDefinition, EventEncoder>()
  readonly #appEvents = new Map<number, string>()
  readonly #appIds = new EventIdAllocator(FIRST_APP_EVENT_ID)
  #view: DataView | undefined
  /** The buffer's clock is `counter` (explicit timestamps are not used). */
  readonly #counter: boolean
  /** Events this thread could not record (ring full in produce-consume mode). */
  refused = 0
  /** Whether marks (`--events marks`) are recorded. */
  marks = true

  constructor(buffer: TraceBuffer, ring: number, spoolDir: string) {
    this.buffer = buffer
    this.ring = ring
    this.spoolDir = spoolDir
    buffer.setCpu(ring)
    this.tid = currentTid()
    this.#counter = buffer.clockName === 'counter'
  }

  /** The encoder of a definition (made once). */
  encoder(def: EventDefinition): EventEncoder {
    let e = this.#encoders.get(def)
    if (e === undefined) {
      e = new EventEncoder(def)
      this.#encoders.set(def, e)
    }
    return e
  }

  /** Write one event with the buffer's clock; false when it was not recorded. */
  write(encoder: EventEncoder, values: ArrayLike<number | string>): boolean {
    if (trace_event_write(this.buffer, encoder, values) === 0) return true
    this.refused++
    return false
  }

  /**
   * Write one event stamped `timestampNs` (CLOCK_MONOTONIC ns, from {@link now}; clamped to
   * the ring's last timestamp, as the kernel's ring does; ignored with the `counter` clock):
   * the instrumentation's path, which reads the clock once per event and uses the same reading
   * for durations. `values` holds one value per field, numbers for scalars and strings for
   * string fields, in the definition's order. No tracepoint probes run (the recorder's events
   * have none). False when the event was not recorded.
   *
   * @throws RangeError / TypeError when a value does not suit its field (nothing is written).
   */
  writeAt(encoder: EventEncoder, values: ArrayLike<number | string>, timestampNs: number): boolean {
    let length = encoder.definition.structSize
    // eslint-disable-next-line @typescript-eslint/prefer-for-of -- an ArrayLike, not iterable
    for (let k = 0; k < values.length; k++) {
      const x = values[k]!
      if (typeof x === 'string') length += stringFieldSize(x)
    }
    const w = this.buffer.openWriter()
    // as trace_event_write: no event inside an open one of this thread (nothing nests here)
    const off =
      w.depth !== 0 ? -1 : this.#counter ? w.reserve(length) : w.reserve(length, timestampNs)
    if (off < 0) {
      this.refused++
      return false
    }
    let v = this.#view
    if (v?.buffer !== w.bytes.buffer) {
      v = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength)
      this.#view = v
    }
    try {
      encoder.begin(w.bytes, v, off, length, this.tid)
      for (let k = 0; k < values.length; k++) {
        const x = values[k]!
        if (typeof x === 'number') encoder.setNumber(k, x)
        else encoder.setString(k, x)
      }
      encoder.end()
    } catch (err) {
      w.discard()
      throw err
    }
    w.commit()
    return true
  }

  mark(text: string): boolean {
    return this.marks && tracing_mark_write(this.buffer, text) >= 0
  }

  define(
    system: string,
    name: string,
    fields: readonly UserFieldSpec[],
  ): (values: ArrayLike<number | string>) => boolean {
    const id = appEventId(system, name, fields)
    const key = `${system}:${name}:${JSON.stringify(fields)}`
    const known = this.#appEvents.get(id)
    if (known !== undefined && known !== key)
      throw new RangeError(`defineEvent: ${system}:${name} hashes to the id of another event`)
    const def = defineEvent(
      { system, name, id, fields: fields.map((f) => ({ name: f.name, type: f.type })) },
      known === undefined ? this.#appIds : new EventIdAllocator(FIRST_APP_EVENT_ID),
    )
    if (known === undefined) {
      this.#appEvents.set(id, key)
      appendFileSync(
        join(this.spoolDir, SPOOL_FILES.events),
        JSON.stringify({ id, system, name, fields }) + '\n',
      )
    }
    const enc = this.encoder(def)
    return (values) => this.write(enc, values)
  }

  /** CLOCK_MONOTONIC ns now (the buffer's clock). */
  now(): number {
    return monotonicNs()
  }
}
