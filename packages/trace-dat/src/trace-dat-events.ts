/**
 * The events of a trace.dat, time-merged across CPUs as `trace-cmd report` orders them, with
 * their fields decoded through the file's own formats, and the text listing trace-cmd prints.
 * Each CPU's pages go through `@onering/ftrace`'s page decoder (`SubbufReader`), the one that
 * reads onering's own pages and the kernel's.
 *
 * @packageDocumentation
 */
import { SubbufReader } from '@onering/ftrace'
import {
  decodeEvent,
  EventPrinter,
  Kallsyms,
  parseCmdlines,
  parseEventFormat,
} from '@onering/trace-events'
import type { EventFormat, FieldValue } from '@onering/trace-events'
import { checkOptionsObject, shown } from '@onering/trace-events/internal'
import { TraceDatError, checkOptional } from './errors.js'
import type { TraceDatFile } from './trace-dat-reader.js'

/** One event of a trace.dat. */
export interface TraceDatEvent {
  /** Name of the buffer it is in: `""` for the top-level buffer, else the instance's. */
  readonly buffer: string
  /** CPU it was recorded on. */
  readonly cpu: number
  /** Timestamp (clock units: ns for the nanosecond clocks), DATE offset applied. */
  readonly timestamp: number
  /** `common_pid`. */
  readonly pid: number
  /** The pid's name from the cmdlines, `<idle>` for 0, `<...>` if unknown. */
  readonly comm: string
  /** `common_type`. */
  readonly id: number
  /** The event's format, or undefined when the file has none for its id. */
  readonly format: EventFormat | undefined
  /** The page data holding the payload. */
  readonly bytes: Uint8Array
  /** Payload offset in {@link TraceDatEvent.bytes}. */
  readonly offset: number
  /** Payload length (rounded up to 4, as stored). */
  readonly length: number
  /**
   * Events lost before this one (on its page's first event only): the stored count, -1 when the
   * page says events were lost without a count, else 0.
   */
  readonly missed: number
}

interface Cursor {
  readonly buffer: string
  readonly cpu: number
  readonly reader: SubbufReader
  readonly size: number
  page: number
  ts: number
  offset: number
  length: number
  missed: number
  done: boolean
}

function advance(c: Cursor): void {
  for (;;) {
    const ev = c.reader.next()
    if (ev !== null) {
      c.ts = ev.timestamp
      c.offset = ev.offset
      c.length = ev.length
      c.missed = ev.missed
      return
    }
    const next = c.page + c.reader.subbufSize
    if (next + c.reader.subbufSize > c.size) {
      c.done = true
      return
    }
    c.page = next
    c.reader.load(next)
  }
}

/** The parsed formats of a file by id. */
export function fileFormats(file: TraceDatFile): Map<number, EventFormat> {
  checkFile(file)
  const out = new Map<number, EventFormat>()
  const add = (text: string, system: string): void => {
    try {
      const f = parseEventFormat(text, system, { longSize: file.longSize })
      out.set(f.id, f)
    } catch (e) {
      throw new TraceDatError(`${system} formats`, 0, (e as Error).message)
    }
  }
  for (const t of file.ftraceFormats) add(t, 'ftrace')
  for (const s of file.systems) for (const t of s.formats) add(t, s.name)
  return out
}

function checkBuffers(file: TraceDatFile, buffers: readonly number[] | undefined): number[] {
  checkFile(file)
  const given: unknown = buffers
  if (given !== undefined && !Array.isArray(given))
    throw new TypeError(`buffers: expected an array of buffer indexes, got ${shown(given)}`)
  const list: number[] = buffers === undefined ? file.buffers.map((_, k) => k) : [...buffers]
  for (const k of list)
    if (file.buffers[k] === undefined)
      throw new RangeError(`buffers: ${k} is not a buffer of the file`)
  return list
}

/** A file of {@link readTraceDat}: the parts the readers walk are there. */
function checkFile(file: TraceDatFile): void {
  const f = file as Partial<TraceDatFile> | null
  if (
    typeof f !== 'object' ||
    f === null ||
    !Array.isArray(f.buffers) ||
    !Array.isArray(f.ftraceFormats) ||
    !Array.isArray(f.systems) ||
    typeof f.options !== 'object' ||
    f.options === null ||
    typeof f.cmdlines !== 'string'
  )
    throw new TypeError(`file: expected a TraceDatFile (from readTraceDat), got ${shown(file)}`)
}

/**
 * The events of the file's buffers (all by default; indexes into `file.buffers`, 0 = the
 * top-level one) in time order across CPUs and buffers (ties: the earlier buffer, then the
 * lower CPU), as `trace-cmd report` lists them.
 */
export function* traceDatEvents(
  file: TraceDatFile,
  buffers?: readonly number[],
): Generator<TraceDatEvent> {
  const list = checkBuffers(file, buffers)
  const formats = fileFormats(file)
  let comms: Map<number, string>
  try {
    comms = parseCmdlines(file.cmdlines)
  } catch (e) {
    throw new TraceDatError('cmdlines', 0, (e as Error).message)
  }
  const date = file.options.date === undefined ? 0 : Number(file.options.date)
  const shift = Number.isSafeInteger(date) ? date : 0
  const cursors: Cursor[] = []
  for (const c of list.flatMap((k) =>
    file.buffers[k]!.cpus.map((cpu) => ({ ...cpu, b: file.buffers[k]! })),
  )) {
    const b = c.b
    if (c.data.length < b.pageSize) continue
    const reader = new SubbufReader(c.data, b.pageSize)
    const cur: Cursor = {
      buffer: b.name,
      cpu: c.cpu,
      reader,
      size: c.data.length,
      page: 0,
      ts: 0,
      offset: 0,
      length: 0,
      missed: 0,
      done: false,
    }
    reader.load(0)
    advance(cur)
    if (!cur.done) cursors.push(cur)
  }
  for (;;) {
    let best: Cursor | undefined
    for (const c of cursors) if (!c.done && (best === undefined || c.ts < best.ts)) best = c
    if (best === undefined) return
    const bytes = best.reader.bytes
    const o = best.offset
    const id = best.length >= 2 ? bytes[o]! | (bytes[o + 1]! << 8) : -1
    const pid =
      best.length >= 8
        ? bytes[o + 4]! | (bytes[o + 5]! << 8) | (bytes[o + 6]! << 16) | (bytes[o + 7]! << 24)
        : 0
    yield {
      buffer: best.buffer,
      cpu: best.cpu,
      timestamp: best.ts + shift,
      pid,
      comm: pid === 0 ? '<idle>' : (comms.get(pid) ?? '<...>'),
      id,
      format: formats.get(id),
      bytes,
      offset: o,
      length: best.length,
      missed: best.missed,
    }
    advance(best)
  }
}

/** Field values of an event through its format (`{}` when the file has no format for it). */
export function eventFields(ev: TraceDatEvent): Record<string, FieldValue> {
  if (typeof ev !== 'object' || ev === null || !(ev.bytes instanceof Uint8Array))
    throw new TypeError(`ev: expected an event of traceDatEvents, got ${shown(ev)}`)
  if (ev.format === undefined) return {}
  return decodeEvent(ev.format, ev.bytes, ev.offset, ev.length)
}

/** Options of {@link traceDatListing}. */
export interface ListingOptions {
  /** Nanosecond timestamps (`trace-cmd report -t`); else microseconds. */
  readonly ns?: boolean
  /** Only these CPUs (`--cpu`). */
  readonly cpus?: readonly number[]
  /** Indexes of the buffers to list (`file.buffers`); all by default, as trace-cmd does. */
  readonly buffers?: readonly number[]
}

function time(ts: number, raw: boolean, ns: boolean): string {
  if (raw) return String(ts)
  const sec = Math.floor(ts / 1e9)
  const nsec = ts - sec * 1e9
  if (ns) return `${sec}.${String(nsec).padStart(9, '0')}`
  // libtraceevent rounds to the microsecond
  let usec = Math.floor((nsec + 500) / 1000)
  let s = sec
  if (usec >= 1_000_000) {
    usec -= 1_000_000
    s++
  }
  return `${s}.${String(usec).padStart(6, '0')}`
}

/**
 * The text `trace-cmd report` prints for a file: `cpus=N`, then per event
 * `comm-pid [cpu] time: name: fields` (fields through the format's `print fmt`; spacing as
 * trace-cmd's).
 */
export function traceDatListing(file: TraceDatFile, options: ListingOptions = {}): string[] {
  checkOptionsObject('options', options, ['ns', 'cpus', 'buffers'])
  checkOptional('options.ns', options.ns, 'boolean')
  if (options.cpus !== undefined && !Array.isArray(options.cpus))
    throw new TypeError(`options.cpus: expected an array of CPUs, got ${shown(options.cpus)}`)
  const list = checkBuffers(file, options.buffers)
  // the top-level buffer's clock decides how trace-cmd prints every timestamp
  const b = file.buffers[0]
  // a file without a data section (metadata only): nothing to list
  if (b === undefined) return [`cpus=${file.options.cpuCount ?? 0}`]
  // with instances, every line starts with its buffer's name right-aligned to the longest
  // instance name and `: ` (trace-cmd's `%*s: `), the top-level buffer's with blanks instead
  const named = file.buffers.filter((x) => x.name !== '')
  const width = named.length === 0 ? -1 : Math.max(...named.map((x) => x.name.length))
  const prefix = (name: string): string =>
    width < 0 ? '' : name === '' ? ' '.repeat(width + 2) : `${name.padStart(width)}: `
  let symbols: Kallsyms
  try {
    symbols = Kallsyms.parse(file.kallsyms)
  } catch (e) {
    throw new TraceDatError('kallsyms', 0, (e as Error).message)
  }
  const printers = new Map<number, EventPrinter | null>()
  const raw = b.clock === 'counter' || b.clock === 'x86-tsc'
  // trace-cmd's widths: a raw count in 11 columns, sec.usec in 12, sec.nsec in 15
  const timeWidth = raw ? 11 : options.ns === true ? 15 : 12
  const lines = [`cpus=${file.options.cpuCount ?? b.cpus.length}`]
  const whos = new Map<string, Map<number | string, string>>()
  const names = new Map<number, string>()
  for (const ev of traceDatEvents(file, list)) {
    if (options.cpus !== undefined && !options.cpus.includes(ev.cpu)) continue
    if (ev.missed !== 0)
      lines.push(
        ev.missed > 0
          ? `CPU:${ev.cpu} [${ev.missed} EVENTS DROPPED]`
          : `CPU:${ev.cpu} [EVENTS DROPPED]`,
      )
    let info: string
    if (ev.format === undefined) info = ''
    else {
      let p = printers.get(ev.id)
      if (p === undefined) {
        try {
          p = new EventPrinter(ev.format, { symbols })
        } catch {
          p = null
        }
        printers.set(ev.id, p)
      }
      if (p === null) {
        const f = eventFields(ev)
        info = `[FAILED TO PARSE] ${Object.entries(f)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`
      } else {
        info = p.print(ev.bytes, ev.offset, ev.length)
        // trace-cmd ends the line itself: a trailing newline of the text (markers) is dropped
        if (info.endsWith('\n')) info = info.slice(0, -1)
      }
    }
    // the columns that repeat (buffer, comm-pid, CPU; the event name) are made once each
    let inBuffer = whos.get(ev.buffer)
    if (inBuffer === undefined) whos.set(ev.buffer, (inBuffer = new Map<number | string, string>()))
    // a number key for the CPU numbers files have; a string for a corrupt one past them
    const whoKey = ev.cpu < 8192 ? (ev.pid >>> 0) * 8192 + ev.cpu : `${ev.pid} ${ev.cpu}`
    let who = inBuffer.get(whoKey)
    if (who === undefined) {
      who = `${prefix(ev.buffer)}${ev.comm.padStart(16)}-${String(ev.pid).padEnd(5)} [${String(ev.cpu).padStart(3, '0')}] `
      inBuffer.set(whoKey, who)
    }
    let name = names.get(ev.id)
    if (name === undefined) {
      name = `: ${`${ev.format === undefined ? '[UNKNOWN EVENT]' : ev.format.name}:`.padEnd(21)} `
      names.set(ev.id, name)
    }
    lines.push(who + time(ev.timestamp, raw, options.ns === true).padStart(timeWidth) + name + info)
  }
  return lines
}
