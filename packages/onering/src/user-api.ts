/**
 * The user API: {@link mark} (the kernel's `trace_marker`) and {@link defineEvent} (a typed
 * event of the app's own). Both reach the recorder of the calling thread through the
 * `globalThis` hand-off, so they work whichever module instance (CJS, ESM) the app loaded.
 *
 * @packageDocumentation
 */
import { threadRecorder } from './handoff.js'
import type { UserFieldSpec } from './handoff.js'

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/
/** A value in an error message (callers from JavaScript pass anything). */
function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) return typeof v
  return JSON.stringify(v)
}

const TYPES = new Set(['string', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'])

/**
 * Record a text mark: an `ftrace/print` event, as a `write(2)` to tracefs `trace_marker` makes
 * (`trace-cmd report` prints it as `print: tracing_mark_write: <text>`). Returns true when it
 * was recorded, false when the process is not being recorded or the ring had no room.
 *
 * @throws TypeError when `text` is not a string.
 */
export function mark(text: string): boolean {
  if (typeof text !== 'string') throw new TypeError('text: expected a string')
  const r = threadRecorder()
  return r === undefined ? false : r.mark(text)
}

/** True when this thread's events are being recorded (`onering record` started the process). */
export function isRecording(): boolean {
  return threadRecorder() !== undefined
}

/** What {@link defineEvent} takes: a system and event name, and the fields in order. */
export interface UserEventSpec {
  /** The system (`trace-cmd report` prints `<system>:<name>` only for clashes); default `app`. */
  readonly system?: string
  /** The event name: a C identifier. */
  readonly name: string
  /** The fields: C identifiers, typed. */
  readonly fields: readonly UserFieldSpec[]
}

/** A user-defined event: call {@link UserEvent.emit} with one value per field. */
export interface UserEvent {
  /** `<system>:<name>`. */
  readonly name: string
  /**
   * Record one event; `values` in field order (numbers for integer fields, strings for string
   * fields; reuse one array for no allocation). Returns false when not recorded.
   */
  emit(values: ArrayLike<number | string>): boolean
}

function notRecorded(): boolean {
  return false
}

/**
 * Define a typed event of the app's own (the kernel's `TRACE_EVENT()`): it appears in the
 * trace.dat with its `format`, so trace-cmd prints its fields. When the process is not being
 * recorded the returned event's `emit` does nothing and returns false.
 *
 * @throws TypeError / RangeError for a bad spec (a name that is not a C identifier, an unknown
 *   type, no fields).
 */
export function defineEvent(spec: UserEventSpec): UserEvent {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('spec: expected an object')
  // undefined only: a null system is a mistake, not a default
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
  const system = spec.system === undefined ? 'app' : spec.system
  if (typeof system !== 'string' || !IDENT.test(system))
    throw new RangeError(`spec.system: ${show(system)} is not a C identifier`)
  if (typeof spec.name !== 'string' || !IDENT.test(spec.name))
    throw new RangeError(`spec.name: ${show(spec.name)} is not a C identifier`)
  if (!Array.isArray(spec.fields)) throw new TypeError('spec.fields: expected an array')
  const fields = spec.fields as readonly UserFieldSpec[]
  if (fields.length === 0) throw new RangeError('spec.fields: an event needs at least one field')
  const seen = new Set<string>()
  fields.forEach((f, k) => {
    if (typeof f !== 'object' || f === null)
      throw new TypeError(`spec.fields[${k}]: expected an object`)
    if (typeof f.name !== 'string' || !IDENT.test(f.name) || f.name.startsWith('common_'))
      throw new RangeError(`spec.fields[${k}].name: ${show(f.name)} is not a C identifier`)
    if (seen.has(f.name)) throw new RangeError(`spec.fields[${k}].name: ${f.name} is repeated`)
    seen.add(f.name)
    if (!TYPES.has(f.type))
      throw new RangeError(
        `spec.fields[${k}].type: ${show(f.type)} is not one of ${[...TYPES].join(', ')}`,
      )
  })
  const r = threadRecorder()
  const write = r === undefined ? notRecorded : r.define(system, spec.name, fields)
  const n = fields.length
  return {
    name: `${system}:${spec.name}`,
    emit(values: ArrayLike<number | string>): boolean {
      if (values === null || typeof values !== 'object' || values.length !== n)
        throw new RangeError(`values: expected ${n} values for ${system}:${spec.name}`)
      return write(values)
    },
  }
}
