/**
 * trace-cmd's input API (libtracecmd, `trace-input.c`) under its C names, over this package's
 * reader: a handle per buffer of a file, per-CPU iterators that peek and read records in place
 * (each record's `data` is a view of the page it lies in, no copy), the time-merged read across
 * CPUs, the callback iterator, and the handles of the file's instances. A C consumer loop such as
 *
 * ```c
 * handle = tracecmd_open(file, 0);
 * while ((record = tracecmd_read_next_data(handle, &cpu))) { …; tracecmd_free_record(record); }
 * tracecmd_close(handle);
 * ```
 *
 * ports line by line. Errors are typed instead of NULL: a bad file throws {@link TraceDatError}
 * (section and byte offset), a bad argument a RangeError or TypeError naming it; "no more
 * records" is `null`, as C's NULL.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs'
import { SubbufReader } from '@onering/ftrace'
import type { EventFormat } from '@onering/trace-events'
import { TraceDatError } from './errors.js'
import { fileFormats } from './trace-dat-events.js'
import type { Compression } from './compression.js'
import type { ReadTraceDatOptions, TraceDatBuffer, TraceDatFile } from './trace-dat-reader.js'
import { readTraceDat } from './trace-dat-reader.js'

/** `TRACECMD_FL_LOAD_NO_PLUGINS`: accepted for the C shape; this reader loads no plugins. */
export const TRACECMD_FL_LOAD_NO_PLUGINS = 1
/** `TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS`: accepted for the C shape. */
export const TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS = 2

/**
 * A record as libtracecmd hands it out (`struct tep_record`): the event's payload in place.
 * Field names are the C ones.
 */
export interface TracecmdRecord {
  /** Timestamp (the file's clock units; the DATE option's offset applied). */
  readonly ts: number
  /** CPU it was recorded on. */
  readonly cpu: number
  /** The payload (common fields first): a view of the page, not a copy. */
  readonly data: Uint8Array
  /** Payload length in bytes (rounded up to 4, as stored). */
  readonly size: number
  /** Offset of the payload in its CPU's data block (C: the offset in the file). */
  readonly offset: number
  /**
   * Events lost before this one (its page's first event only): the count, -1 when the page
   * says events were lost without a count, else 0.
   */
  readonly missed_events: number
}

/** The records this module hands out (checked by {@link tracecmd_free_record}). */
class Record implements TracecmdRecord {
  constructor(
    readonly ts: number,
    readonly cpu: number,
    readonly data: Uint8Array,
    readonly size: number,
    readonly offset: number,
    readonly missed_events: number,
  ) {}
}

/** One CPU's iterator: its page reader and the record peeked at, if any. */
class CpuIterator {
  readonly #data: Uint8Array
  readonly #pageSize: number
  #reader: SubbufReader | null = null
  #page = 0
  #peeked: TracecmdRecord | null = null
  #done = false

  constructor(
    readonly cpu: number,
    data: Uint8Array,
    pageSize: number,
    readonly shift: number,
  ) {
    this.#data = data
    this.#pageSize = pageSize
    this.reset()
  }

  reset(): void {
    this.#peeked = null
    this.#page = 0
    this.#done = this.#data.length < this.#pageSize
    this.#reader = this.#done ? null : new SubbufReader(this.#data, this.#pageSize).load(0)
  }

  peek(): TracecmdRecord | null {
    if (this.#peeked !== null || this.#done) return this.#peeked
    const r = this.#reader!
    for (;;) {
      const ev = r.next()
      if (ev !== null) {
        this.#peeked = new Record(
          ev.timestamp + this.shift,
          this.cpu,
          this.#data.subarray(ev.offset, ev.offset + ev.length),
          ev.length,
          ev.offset,
          ev.missed,
        )
        return this.#peeked
      }
      const next = this.#page + this.#pageSize
      if (next + this.#pageSize > this.#data.length) {
        this.#done = true
        return null
      }
      this.#page = next
      r.load(next)
    }
  }

  read(): TracecmdRecord | null {
    const rec = this.peek()
    this.#peeked = null
    return rec
  }
}

/** What a handle holds besides the file: its iterators and its state. */
interface HandleState {
  cpus: (CpuIterator | undefined)[]
  initialised: boolean
  closed: boolean
  formats: Map<number, EventFormat> | undefined
}

const states = new WeakMap<TracecmdInput, HandleState>()

/**
 * An open trace.dat buffer (C `struct tracecmd_input`): the top-level buffer of a file, or one
 * of its instances ({@link tracecmd_buffer_instance_handle}). Made by {@link tracecmd_open} or
 * {@link tracecmd_open_head}; its fields are for reading, the functions below drive it.
 */
export class TracecmdInput {
  /** The whole file, as {@link readTraceDat} reads it. */
  readonly file: TraceDatFile
  /** The buffer this handle reads: an index into `file.buffers`, or -1 for none (no data). */
  readonly bufferIndex: number

  /** @internal use {@link tracecmd_open}. */
  constructor(file: TraceDatFile, bufferIndex: number) {
    this.file = file
    this.bufferIndex = bufferIndex
    states.set(this, { cpus: [], initialised: false, closed: false, formats: undefined })
  }

  /** The buffer read, undefined for a file whose top level has no data section. */
  get buffer(): TraceDatBuffer | undefined {
    return this.file.buffers[this.bufferIndex]
  }

  /** Whether this handle reads an instance (C `tracecmd_is_buffer_instance`). */
  get isInstance(): boolean {
    return this.buffer !== undefined && this.buffer.name !== ''
  }
}

/** Set up the per-CPU iterators of a handle at their first records. */
function init(handle: TracecmdInput): void {
  const st = states.get(handle)!
  const b = handle.buffer
  const date = handle.file.options.date === undefined ? 0 : Number(handle.file.options.date)
  const shift = Number.isSafeInteger(date) ? date : 0
  st.cpus = []
  if (b !== undefined)
    for (const c of b.cpus) st.cpus[c.cpu] = new CpuIterator(c.cpu, c.data, b.pageSize, shift)
  st.initialised = true
}

/** A bad argument as a message shows it: a number as is, else its type. */
function shown(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v
}

function live(handle: TracecmdInput, what: string, needData = true): HandleState {
  const st = handle instanceof TracecmdInput ? states.get(handle) : undefined
  if (st === undefined)
    throw new TypeError(`handle: expected a TracecmdInput from tracecmd_open (${what})`)
  if (st.closed) throw new TypeError(`handle: already closed by tracecmd_close (${what})`)
  if (needData && !st.initialised)
    throw new TypeError(
      `handle: opened with tracecmd_open_head; call tracecmd_init_data first (${what})`,
    )
  return st
}

function checkFlags(flags: number): void {
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 3)
    throw new RangeError(`flags: ${shown(flags)} is not a set of TRACECMD_FL_* bits`)
}

function checkOptions(options: ReadTraceDatOptions): void {
  const proto: unknown =
    typeof options === 'object' && options !== null ? Object.getPrototypeOf(options) : undefined
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError('options: expected an options object ({ compression })')
  const c = options.compression as Partial<Compression> | undefined
  if (
    c !== undefined &&
    (typeof c !== 'object' ||
      c === null ||
      typeof c.name !== 'string' ||
      typeof c.decompress !== 'function')
  )
    throw new TypeError('options.compression: expected a codec such as await zstdCompression()')
}

function load(file: string | Uint8Array, options: ReadTraceDatOptions): TraceDatFile {
  if (typeof file === 'string') {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(readFileSync(file))
    } catch (e) {
      throw new TraceDatError('file', 0, `cannot read ${file}: ${(e as Error).message}`)
    }
    return readTraceDat(bytes, options)
  }
  if (file instanceof Uint8Array) return readTraceDat(file, options)
  throw new TypeError('file: expected a path or the bytes of a trace.dat')
}

/**
 * Open a trace.dat and read its headers, without setting up the per-CPU iterators (C
 * `tracecmd_open_head`); {@link tracecmd_init_data} does that.
 *
 * @param file a path, or the file's bytes (read in place).
 * @param flags `TRACECMD_FL_*` bits (no plugins are loaded either way).
 * @param options the codec of a compressed file (`{ compression: await zstdCompression() }`).
 * @throws TraceDatError for a bad file; TypeError / RangeError for bad arguments.
 */
export function tracecmd_open_head(
  file: string | Uint8Array,
  flags = 0,
  options: ReadTraceDatOptions = {},
): TracecmdInput {
  checkFlags(flags)
  checkOptions(options)
  const f = load(file, options)
  const top = f.buffers.findIndex((b) => b.name === '')
  return new TracecmdInput(f, top)
}

/**
 * Set up the per-CPU iterators of a handle from {@link tracecmd_open_head} (C
 * `tracecmd_init_data`); returns 0.
 */
export function tracecmd_init_data(handle: TracecmdInput): number {
  live(handle, 'tracecmd_init_data', false)
  init(handle)
  return 0
}

/**
 * Open a trace.dat (version 6 or 7) for reading its top-level buffer (C `tracecmd_open`):
 * headers read, per-CPU iterators at the first record.
 *
 * @throws TraceDatError for a bad file; TypeError / RangeError for bad arguments.
 */
export function tracecmd_open(
  file: string | Uint8Array,
  flags = 0,
  options: ReadTraceDatOptions = {},
): TracecmdInput {
  const h = tracecmd_open_head(file, flags, options)
  init(h)
  return h
}

/** Close a handle (C `tracecmd_close`); using it afterwards throws. Closing twice is allowed. */
export function tracecmd_close(handle: TracecmdInput): void {
  const st = handle instanceof TracecmdInput ? states.get(handle) : undefined
  if (st === undefined)
    throw new TypeError('handle: expected a TracecmdInput from tracecmd_open (tracecmd_close)')
  st.closed = true
  st.cpus = []
}

/**
 * Number of CPUs of the handle's buffer (C `tracecmd_cpus`): for the top level the file's CPU
 * count (CPUCOUNT, what `trace-cmd report` prints as `cpus=`), for an instance its own.
 */
export function tracecmd_cpus(handle: TracecmdInput): number {
  live(handle, 'tracecmd_cpus', false)
  const b = handle.buffer
  const own = b === undefined ? 0 : Math.max(0, ...b.cpus.map((c) => c.cpu + 1))
  return handle.isInstance ? own : (handle.file.options.cpuCount ?? own)
}

function cpuIterator(handle: TracecmdInput, cpu: number, what: string): CpuIterator | undefined {
  const st = live(handle, what)
  const n = tracecmd_cpus(handle)
  if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0 || cpu >= n)
    throw new RangeError(`cpu: ${shown(cpu)} is not a CPU of the file, 0..${n - 1} (${what})`)
  return st.cpus[cpu]
}

/**
 * The record at `cpu`'s current position, without moving (C `tracecmd_peek_data`); null at
 * the end of the CPU's data.
 */
export function tracecmd_peek_data(handle: TracecmdInput, cpu: number): TracecmdRecord | null {
  return cpuIterator(handle, cpu, 'tracecmd_peek_data')?.peek() ?? null
}

/**
 * The record at `cpu`'s current position, moving past it (C `tracecmd_read_data`); null at the
 * end of the CPU's data.
 */
export function tracecmd_read_data(handle: TracecmdInput, cpu: number): TracecmdRecord | null {
  return cpuIterator(handle, cpu, 'tracecmd_read_data')?.read() ?? null
}

/**
 * The first record of `cpu` (C `tracecmd_read_cpu_first`): the CPU's iterator goes back to its
 * start and moves past that record.
 */
export function tracecmd_read_cpu_first(handle: TracecmdInput, cpu: number): TracecmdRecord | null {
  const it = cpuIterator(handle, cpu, 'tracecmd_read_cpu_first')
  if (it === undefined) return null
  it.reset()
  return it.read()
}

/** The CPU whose next record is the earliest (ties: the lower CPU), or -1. */
function earliest(st: HandleState, cpus?: readonly number[] | null): number {
  let best = -1
  let ts = 0
  for (let cpu = 0; cpu < st.cpus.length; cpu++) {
    if (cpus != null && !cpus.includes(cpu)) continue
    const r = st.cpus[cpu]?.peek()
    if (r == null) continue
    if (best < 0 || r.ts < ts) {
      best = cpu
      ts = r.ts
    }
  }
  return best
}

/**
 * The earliest record across the CPUs, without moving (C `tracecmd_peek_next_data`); its `cpu`
 * field is C's `*rec_cpu`. Null when every CPU is at its end.
 */
export function tracecmd_peek_next_data(handle: TracecmdInput): TracecmdRecord | null {
  const st = live(handle, 'tracecmd_peek_next_data')
  const cpu = earliest(st)
  return cpu < 0 ? null : st.cpus[cpu]!.peek()
}

/**
 * The earliest record across the CPUs, moving past it (C `tracecmd_read_next_data`): repeated
 * calls give every record of the buffer in time order. Its `cpu` field is C's `*rec_cpu`; null
 * when every CPU is at its end.
 */
export function tracecmd_read_next_data(handle: TracecmdInput): TracecmdRecord | null {
  const st = live(handle, 'tracecmd_read_next_data')
  const cpu = earliest(st)
  return cpu < 0 ? null : st.cpus[cpu]!.read()
}

/** Release a record (C `tracecmd_free_record`): records are garbage-collected; kept for shape. */
export function tracecmd_free_record(record: TracecmdRecord | null): void {
  if (record !== null && !(record instanceof Record))
    throw new TypeError(
      'record: expected a record from tracecmd_read_* or null (tracecmd_free_record)',
    )
}

/** Put every CPU's iterator back at its first record (C `tracecmd_iterate_reset`); returns 0. */
export function tracecmd_iterate_reset(handle: TracecmdInput): number {
  live(handle, 'tracecmd_iterate_reset')
  init(handle)
  return 0
}

/**
 * The callback of {@link tracecmd_iterate_events}: a non-zero return stops the iteration and
 * becomes its result.
 */
export type TracecmdCallback<T> = (
  handle: TracecmdInput,
  record: TracecmdRecord,
  cpu: number,
  callback_data: T,
) => number

/**
 * Call `callback` for each record from the iterators' current positions on, in time order
 * across the CPUs in `cpus` (null: all), as C `tracecmd_iterate_events` does (`cpu_size` is
 * C's size of the `cpu_set_t`, unused). Returns 0 after the last record, or the first non-zero
 * value a callback returned.
 */
export function tracecmd_iterate_events<T>(
  handle: TracecmdInput,
  cpus: readonly number[] | null,
  cpu_size: number,
  callback: TracecmdCallback<T>,
  callback_data: T,
): number {
  const st = live(handle, 'tracecmd_iterate_events')
  if (typeof callback !== 'function')
    throw new TypeError('callback: expected a function (tracecmd_iterate_events)')
  if (cpus !== null && (!Array.isArray(cpus) || !cpus.every((c) => Number.isInteger(c))))
    throw new TypeError('cpus: expected an array of CPU numbers or null (tracecmd_iterate_events)')
  if (
    typeof cpu_size !== 'number' ||
    !Number.isInteger(cpu_size) ||
    cpu_size < 0 ||
    cpu_size > 0x7fff_ffff
  )
    throw new RangeError(`cpu_size: ${shown(cpu_size)} is not a size (tracecmd_iterate_events)`)
  for (;;) {
    const cpu = earliest(st, cpus)
    if (cpu < 0) return 0
    const record = st.cpus[cpu]!.read()!
    const ret = callback(handle, record, cpu, callback_data)
    if (ret !== 0) return ret
  }
}

/**
 * The event formats of the file by id (C `tracecmd_get_tep` returns libtraceevent's
 * `tep_handle`): each parsed by `@onering/trace-events`' `parseEventFormat`, to decode a
 * record with `decodeEvent(format, record.data, 0, record.size)` or print it with
 * `EventPrinter`. (A `tep_*` API in `@onering/trace-events` would take this registry's place.)
 */
export function tracecmd_get_tep(handle: TracecmdInput): ReadonlyMap<number, EventFormat> {
  const st = live(handle, 'tracecmd_get_tep', false)
  return (st.formats ??= fileFormats(handle.file))
}

function named(handle: TracecmdInput): number[] {
  if (handle.isInstance) return []
  const out: number[] = []
  handle.file.buffers.forEach((b, k) => {
    if (b.name !== '') out.push(k)
  })
  return out
}

/**
 * Number of instances (named buffers, BUFFER options) of the file (C
 * `tracecmd_buffer_instances`); 0 on an instance's own handle, as in C.
 */
export function tracecmd_buffer_instances(handle: TracecmdInput): number {
  live(handle, 'tracecmd_buffer_instances', false)
  return named(handle).length
}

function instanceIndex(handle: TracecmdInput, indx: number, what: string): number {
  live(handle, what, false)
  const list = named(handle)
  if (typeof indx !== 'number' || !Number.isInteger(indx) || indx < 0 || indx >= list.length)
    throw new RangeError(
      `indx: ${shown(indx)} is not an instance of the file, which has ${list.length} (${what})`,
    )
  return list[indx]!
}

/** Name of instance `indx` (C `tracecmd_buffer_instance_name`). */
export function tracecmd_buffer_instance_name(handle: TracecmdInput, indx: number): string {
  const k = instanceIndex(handle, indx, 'tracecmd_buffer_instance_name')
  return handle.file.buffers[k]!.name
}

/**
 * A new handle reading instance `indx` (C `tracecmd_buffer_instance_handle`), its iterators at
 * the first record; close it with {@link tracecmd_close}.
 */
export function tracecmd_buffer_instance_handle(
  handle: TracecmdInput,
  indx: number,
): TracecmdInput {
  const k = instanceIndex(handle, indx, 'tracecmd_buffer_instance_handle')
  const h = new TracecmdInput(handle.file, k)
  init(h)
  return h
}
