/**
 * The text `perf script` prints (linux `tools/perf/builtin-script.c`, perf 6.1) for one fixed
 * field set: {@link PERF_SCRIPT_LISTING_ARGS} = `-G -F comm,tid,cpu,time,event,ip,period,trace`
 * (`-G` hides call graphs, so `ip` is the sample's own ip). Each line is what perf prints:
 *
 * `%16s comm` `%5d tid` `[%03d] cpu` `%5lu.%06lu: time` `%10lu period` `%*s: event` (right-aligned
 * to the longest event name) then, for a tracepoint, the `print fmt` text of its RAW payload
 * (libtraceevent's `TEP_PRINT_INFO`, through `@onering/trace-events`' `EventPrinter`), then
 * `' ' %16lx ip`. Thread names follow perf's `machine`: COMM sets a thread's name, FORK copies
 * the parent's, a thread without one prints `:tid`. Samples come in perf's delivery order.
 *
 * @packageDocumentation
 */
import {
  PERF_FORMAT_GROUP,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_CALLCHAIN,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_READ,
  PERF_SAMPLE_STREAM_ID,
  readFormatSize,
  PERF_RECORD_COMM,
  PERF_RECORD_FORK,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
} from '@onering/perf'
import { EventPrinter, Kallsyms, PrintFmtError } from '@onering/trace-events'
import { checkBool, checkObject } from './check.js'
import { PerfDataError } from './errors.js'
import type { PerfDataEvsel } from './evsel.js'
import { orderedEvents } from './ordered-events.js'
import { PerfDataReader } from './perf-data-reader.js'

/** The `perf script` arguments whose output {@link perfDataListing} reproduces line for line. */
export const PERF_SCRIPT_LISTING_ARGS: readonly string[] = Object.freeze([
  '-G',
  '-F',
  'comm,tid,cpu,time,event,ip,period,trace',
])

/** Options of {@link perfDataListing}. */
export interface PerfDataListingOptions {
  /** Nanosecond timestamps (`perf script --ns`): 9 decimals instead of 6. Default false. */
  readonly ns?: boolean
}

const REQUIRED: readonly [number, string, string][] = [
  [PERF_SAMPLE_TID, 'TID', 'tid'],
  [PERF_SAMPLE_CPU, 'CPU', 'cpu'],
  [PERF_SAMPLE_TIME, 'TIME', 'time'],
  [PERF_SAMPLE_IP, 'IP', 'ip'],
  [PERF_SAMPLE_PERIOD, 'PERIOD', 'period'],
]

function u64Text(view: DataView, at: number): string {
  const hi = view.getUint32(at + 4, true)
  const lo = view.getUint32(at, true)
  return hi < 0x200000 ? String(hi * 0x1_0000_0000 + lo) : view.getBigUint64(at, true).toString()
}

function u64Hex(view: DataView, at: number): string {
  const hi = view.getUint32(at + 4, true)
  const lo = view.getUint32(at, true)
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')
}

/**
 * The lines `perf script -G -F comm,tid,cpu,time,event,ip,period,trace` prints for a file
 * (without the trailing newlines), one per sample.
 *
 * @throws PerfDataError (`listing`) if an event lacks a sample field the listing prints (perf:
 *   "Samples for 'cpu-clock' event do not have CPU attribute set. Cannot print 'cpu' field."),
 *   or any error of {@link PerfDataReader.events}.
 */
export function perfDataListing(
  file: PerfDataReader,
  options: PerfDataListingOptions = {},
): Generator<string> {
  if (!(file instanceof PerfDataReader)) throw new TypeError('file: expected a PerfDataReader')
  const ns = checkBool(checkObject(options, 'options')['ns'], 'options.ns') === true
  return lines(file, ns)
}

/** Where a sample's printed fields are (all before the variable-size parts), and what follows. */
interface SampleLayout {
  readonly ip: number
  readonly tid: number
  readonly time: number
  readonly cpu: number
  readonly period: number
  /** First byte after the fixed fields: READ, CALLCHAIN, RAW follow. */
  readonly fixedEnd: number
  readonly readFormat: number
  readonly read: boolean
  readonly callchain: boolean
  readonly raw: boolean
}

function sampleLayout(st: number, readFormat: number): SampleLayout {
  let o = 8
  const take = (bit: number): number => {
    if (!(st & bit)) return -1
    o += 8
    return o - 8
  }
  take(PERF_SAMPLE_IDENTIFIER)
  const ip = take(PERF_SAMPLE_IP)
  const tid = take(PERF_SAMPLE_TID)
  const time = take(PERF_SAMPLE_TIME)
  take(PERF_SAMPLE_ADDR)
  take(PERF_SAMPLE_ID)
  take(PERF_SAMPLE_STREAM_ID)
  const cpu = take(PERF_SAMPLE_CPU)
  const period = take(PERF_SAMPLE_PERIOD)
  return {
    ip,
    tid,
    time,
    cpu,
    period,
    fixedEnd: o,
    readFormat,
    read: (st & PERF_SAMPLE_READ) !== 0,
    callchain: (st & PERF_SAMPLE_CALLCHAIN) !== 0,
    raw: (st & PERF_SAMPLE_RAW) !== 0,
  }
}

/**
 * Offset of the RAW `u32 size` of the sample ending at `end`, READ and CALLCHAIN skipped; its
 * data is checked to lie inside the record.
 */
function rawAt(view: DataView, p: number, end: number, L: SampleLayout): number {
  if (L.read) {
    let size = readFormatSize(L.readFormat)
    if (L.readFormat & PERF_FORMAT_GROUP) {
      if (end - p < 8) throw new PerfDataError('record SAMPLE', p, 'READ runs past the record')
      const nr = view.getUint32(p + 4, true) === 0 ? view.getUint32(p, true) : Infinity
      size = nr > (end - p) / 8 ? Infinity : readFormatSize(L.readFormat, nr)
    }
    if (size > end - p) throw new PerfDataError('record SAMPLE', p, 'READ runs past the record')
    p += size
  }
  if (L.callchain) {
    if (end - p < 8) throw new PerfDataError('record SAMPLE', p, 'CALLCHAIN runs past the record')
    const nr = view.getUint32(p + 4, true) === 0 ? view.getUint32(p, true) : Infinity
    if (nr > (end - p - 8) / 8)
      throw new PerfDataError('record SAMPLE', p, 'CALLCHAIN runs past the record')
    p += 8 + 8 * nr
  }
  if (end - p < 4 || view.getUint32(p, true) > end - p - 4)
    throw new PerfDataError('record SAMPLE', p, 'RAW runs past the record')
  return p
}

const NS = 1_000_000_000

function timeText(view: DataView, at: number, t: number, ns: boolean): string {
  let secs: string
  let frac: number
  if (t <= Number.MAX_SAFE_INTEGER) {
    const s = Math.floor(t / NS)
    secs = String(s)
    frac = t - s * NS
  } else {
    const b = view.getBigUint64(at, true)
    secs = String(b / 1_000_000_000n)
    frac = Number(b % 1_000_000_000n)
  }
  return ns
    ? `${secs.padStart(5)}.${String(frac).padStart(9, '0')}: `
    : `${secs.padStart(5)}.${String(Math.floor(frac / 1000)).padStart(6, '0')}: `
}

function* lines(file: PerfDataReader, ns: boolean): Generator<string> {
  for (const e of file.evsels)
    for (const [bit, name, field] of REQUIRED)
      if (!(e.attr.sample_type & bit))
        throw new PerfDataError(
          'listing',
          file.header.attrs.offset + e.index * file.header.attrSize,
          `Samples for '${e.name}' event do not have ${name} attribute set. Cannot print '${field}' field.`,
        )
  const width = Math.max(...file.evsels.map((e) => e.name.length))
  const names = new Map<PerfDataEvsel, string>(
    file.evsels.map((e) => [e, `${e.name.padStart(width)}: `]),
  )
  const symbols = file.features.tracingData?.kallsyms
    ? Kallsyms.parse(file.features.tracingData.kallsyms)
    : undefined
  const printers = new Map<PerfDataEvsel, EventPrinter | null>()
  const printerOf = (e: PerfDataEvsel): EventPrinter | null => {
    let p = printers.get(e)
    if (p === undefined) {
      try {
        p =
          e.format === undefined
            ? null
            : new EventPrinter(e.format, symbols === undefined ? {} : { symbols })
      } catch (err) {
        if (!(err instanceof PrintFmtError)) throw err
        throw new PerfDataError('listing', 0, `${e.name}: print fmt not supported: ${err.message}`)
      }
      printers.set(e, p)
    }
    return p
  }
  const layouts = new Map<PerfDataEvsel, SampleLayout>(
    file.evsels.map((e) => [e, sampleLayout(e.attr.sample_type, e.attr.read_format)]),
  )
  const bytes = file.bytes
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const comms = new Map<number, string>()
  // the "comm tid " column text per thread, until its comm changes; "[cpu] " per CPU
  const heads = new Map<number, string>()
  const cpus: string[] = []
  for (const slot of orderedEvents(file.slots())) {
    const e = slot.evsel
    if (e === undefined) continue
    if (slot.type === PERF_RECORD_COMM || slot.type === PERF_RECORD_FORK) {
      const rec = file.decode(slot).record
      heads.clear()
      if (rec.type === PERF_RECORD_COMM) comms.set(rec.tid, rec.comm)
      else if (rec.type === PERF_RECORD_FORK) {
        const parent = comms.get(rec.ptid)
        if (parent === undefined) comms.delete(rec.tid)
        else comms.set(rec.tid, parent)
      }
      continue
    }
    if (slot.type !== PERF_RECORD_SAMPLE) continue
    const L = layouts.get(e)!
    const at = slot.offset
    if (L.fixedEnd > slot.size)
      throw new PerfDataError(
        'record SAMPLE',
        at,
        `${slot.size} bytes cannot hold the ${L.fixedEnd} bytes of its fixed fields`,
      )
    const tid = view.getUint32(at + L.tid + 4, true)
    let head = heads.get(tid)
    if (head === undefined) {
      head = `${(comms.get(tid) ?? `:${tid}`).padStart(16)} ${String(tid).padStart(5)} `
      heads.set(tid, head)
    }
    const cpu = view.getUint32(at + L.cpu, true)
    let line = head + (cpus[cpu] ??= `[${String(cpu).padStart(3, '0')}] `)
    line += timeText(view, at + L.time, slot.time!, ns)
    line += `${u64Text(view, at + L.period).padStart(10)} `
    line += names.get(e)!
    const printer = printerOf(e)
    if (printer !== null && L.raw) {
      const raw = rawAt(view, at + L.fixedEnd, at + slot.size, L)
      line += printer.print(bytes, raw + 4, view.getUint32(raw, true))
    }
    line += ` ${u64Hex(view, at + L.ip).padStart(16)}`
    yield line
  }
}
