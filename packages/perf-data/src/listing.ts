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

function time(t: bigint, ns: boolean): string {
  const secs = t / 1_000_000_000n
  const frac = t % 1_000_000_000n
  const s = secs.toString().padStart(5)
  return ns
    ? `${s}.${frac.toString().padStart(9, '0')}: `
    : `${s}.${(frac / 1000n).toString().padStart(6, '0')}: `
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
  const comms = new Map<number, string>()
  for (const r of file.events()) {
    const rec = r.record
    if (rec.type === PERF_RECORD_COMM) comms.set(rec.tid, rec.comm)
    else if (rec.type === PERF_RECORD_FORK) {
      const parent = comms.get(rec.ptid)
      if (parent === undefined) comms.delete(rec.tid)
      else comms.set(rec.tid, parent)
    } else if (rec.type === PERF_RECORD_SAMPLE) {
      const s = rec
      const e = r.evsel!
      const tid = s.tid!
      let line = `${(comms.get(tid) ?? `:${tid}`).padStart(16)} ${String(tid).padStart(5)} [${String(s.cpu!).padStart(3, '0')}] `
      line += time(s.time!, ns)
      line += `${s.period!.toString().padStart(10)} `
      line += names.get(e)!
      const printer = printerOf(e)
      if (printer !== null && s.raw !== undefined) line += printer.print(s.raw, 0, s.raw.length)
      line += ` ${s.ip!.toString(16).padStart(16)}`
      yield line
    }
  }
}
