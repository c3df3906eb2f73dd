/**
 * Opening a recorded file for `onering script` and `onering report`: trace.dat (ours and
 * trace-cmd's, compressed ones included) through `@onering/trace-dat`, perf.data (ours and
 * perf's, file mode) through `@onering/perf-data`, told apart by their magic; each event as a
 * plain object, and the listing the real tool prints.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs'
import {
  PERF_RECORD_COMM,
  PERF_RECORD_FORK,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
} from '@onering/perf'
import { PerfDataReader, perfDataListing } from '@onering/perf-data'
import {
  eventFields,
  readTraceDat,
  traceDatEvents,
  traceDatListing,
  zstdCompression,
} from '@onering/trace-dat'
import type { TraceDatFile } from '@onering/trace-dat'
import type { FieldValue } from '@onering/trace-events'
import { UsageError } from './cli/usage-error.js'

/** One event as `onering script --json` prints it. */
export interface PlainEvent {
  /** The CPU (for onering files: the ring, one per thread). */
  readonly cpu: number
  /** Timestamp, nanoseconds of the file's clock. */
  readonly time: number
  /** trace.dat: `common_pid` (it has no thread-group ids: the same as `tid`); perf.data: the sample's pid. */
  readonly pid: number
  /** The OS thread id (trace.dat: `common_pid`; perf.data: the sample's tid). */
  readonly tid: number
  /** Thread name (trace.dat: the file's cmdlines; perf.data: its COMM and FORK records). */
  readonly comm: string
  /**
   * The event name as the file's tool prints it: `trace-cmd report` for trace.dat (`print`,
   * `sched_switch`, `http_server_end`), `perf script` for perf.data (`node:http_server_end`,
   * `sched:sched_switch`, `cpu-clock`).
   */
  readonly event: string
  /** The event's system (`ftrace`, `sched`, `node`, …). */
  readonly system: string
  /**
   * The event's own fields, decoded (64-bit values as numbers when exact, else decimal
   * strings); the common fields are left out, as trace-cmd and perf print them.
   */
  readonly fields: Record<string, number | string | (number | string)[]>
  /** Events lost just before this one on its CPU (trace-cmd's `[LOST n EVENTS]`; -1: unknown count). */
  readonly missed: number
}

const PERF_MAGIC = 'PERFILE2'

/**
 * Events the file's CPUSTAT options (the rings' `per_cpu/cpuN/stats`) say were lost:
 * overwritten (`overrun`), refused when a ring was full (`dropped events`) or by a nested
 * writer (`commit overrun`); 0 for a file without them.
 */
export function statsLost(file: TraceDatFile): number {
  let lost = 0
  for (const text of file.options.cpuStats)
    for (const m of text.matchAll(/^(?:overrun|commit overrun|dropped events): (\d+)$/gm))
      lost += Number(m[1])
  return lost
}

/** A file `onering script` and `onering report` read. */
export type TraceFile =
  | { readonly kind: 'trace.dat'; readonly file: TraceDatFile }
  | { readonly kind: 'perf.data'; readonly file: PerfDataReader }

/** Events the file says were lost (trace.dat: its CPUSTAT options; perf.data: its LOST records). */
export function fileLost(f: TraceFile): number {
  if (f.kind === 'trace.dat') return statsLost(f.file)
  let lost = 0
  for (const r of f.file.records())
    if (r.record.type === PERF_RECORD_LOST) lost += Number(r.record.lost)
  return lost
}

/** The listing of the file's own tool: `trace-cmd report`, or `perf script` with {@link PERF_SCRIPT_LISTING_ARGS}. */
export function fileListing(f: TraceFile, options: { ns: boolean }): Iterable<string> {
  return f.kind === 'trace.dat'
    ? traceDatListing(f.file, options)
    : perfDataListing(f.file, { ns: options.ns })
}

/** Read a trace.dat or a perf.data; a UsageError for a file that is missing or of another kind. */
export async function openTraceFile(path: string): Promise<TraceFile> {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new UsageError(
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      1,
    )
  }
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') === PERF_MAGIC)
    return { kind: 'perf.data', file: new PerfDataReader(bytes) }
  if (!(bytes[0] === 0x17 && bytes[1] === 0x08 && bytes[2] === 0x44))
    throw new UsageError(`${path}: neither a trace.dat nor a perf.data (no magic of either)`, 1)
  try {
    return { kind: 'trace.dat', file: readTraceDat(bytes) }
  } catch (err) {
    if (!/compress/i.test((err as Error).message)) throw err
    return {
      kind: 'trace.dat',
      file: readTraceDat(bytes, { compression: await zstdCompression() }),
    }
  }
}

function plain(v: FieldValue): number | string | (number | string)[] {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString()
  if (v instanceof Uint8Array) return [...v]
  if (Array.isArray(v))
    return (v as readonly (number | bigint)[]).map((x) =>
      typeof x === 'bigint' ? (plain(x) as number | string) : x,
    )
  return v as number | string
}

/** The events of a file, time-ordered, as plain objects. */
export function plainEvents(f: TraceFile): Generator<PlainEvent> {
  return f.kind === 'trace.dat' ? traceDatPlain(f.file) : perfDataPlain(f.file)
}

function* traceDatPlain(file: TraceDatFile): Generator<PlainEvent> {
  for (const ev of traceDatEvents(file)) {
    const fields: Record<string, number | string | (number | string)[]> = {}
    for (const [k, v] of Object.entries(eventFields(ev)))
      if (!k.startsWith('common_')) fields[k] = plain(v)
    yield {
      cpu: ev.cpu,
      time: ev.timestamp,
      pid: ev.pid,
      tid: ev.pid,
      comm: ev.comm,
      event: ev.format?.name ?? `id_${ev.id}`,
      system: ev.format?.system ?? '',
      fields,
      missed: ev.missed,
    }
  }
}

/**
 * The samples of a perf.data in perf's delivery order; thread names as perf's `machine` keeps
 * them (COMM names a thread, FORK copies the parent's); a LOST record's count goes to the next
 * sample's `missed`.
 */
function* perfDataPlain(file: PerfDataReader): Generator<PlainEvent> {
  const comms = new Map<number, string>()
  let missed = 0
  for (const r of file.events()) {
    const rec = r.record
    if (rec.type === PERF_RECORD_COMM) comms.set(rec.tid, rec.comm)
    else if (rec.type === PERF_RECORD_FORK) {
      const parent = comms.get(rec.ptid)
      if (parent === undefined) comms.delete(rec.tid)
      else comms.set(rec.tid, parent)
    } else if (rec.type === PERF_RECORD_LOST) missed += Number(rec.lost)
    if (rec.type !== PERF_RECORD_SAMPLE || r.evsel === undefined) continue
    const fields: Record<string, number | string | (number | string)[]> = {}
    const tf = file.traceFields(r)
    if (tf !== undefined)
      for (const [k, v] of Object.entries(tf.fields))
        if (!k.startsWith('common_')) fields[k] = plain(v)
    const tid = rec.tid ?? -1
    yield {
      cpu: rec.cpu ?? -1,
      time: rec.time === undefined ? 0 : Number(rec.time),
      pid: rec.pid ?? -1,
      tid,
      comm: comms.get(tid) ?? `:${tid}`,
      event: r.evsel.name,
      system: tf?.format.system ?? '',
      fields,
      missed,
    }
    missed = 0
  }
}
