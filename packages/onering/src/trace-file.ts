/**
 * Opening a recorded file for `onering script` and `onering report`: trace.dat (ours and
 * trace-cmd's, compressed ones included) through `@onering/trace-dat`, each event as a plain
 * object. perf.data is recognized by its magic and reported as not readable yet.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs'
import { eventFields, readTraceDat, traceDatEvents, zstdCompression } from '@onering/trace-dat'
import type { TraceDatFile } from '@onering/trace-dat'
import type { FieldValue } from '@onering/trace-events'
import { UsageError } from './cli/usage-error.js'

/** One event as `onering script --json` prints it. */
export interface PlainEvent {
  /** The CPU (for onering files: the ring, one per thread). */
  readonly cpu: number
  /** Timestamp, nanoseconds of the file's clock. */
  readonly time: number
  /** `common_pid` (trace.dat has no thread-group ids: the same as `tid`). */
  readonly pid: number
  /** `common_pid`: the OS thread id. */
  readonly tid: number
  /** Thread name from the file's cmdlines. */
  readonly comm: string
  /** The event name as `trace-cmd report` prints it (`print`, `sched_switch`, `http_server_end`). */
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

/** Read a trace.dat; a UsageError for a file that is missing or of another kind. */
export async function openTraceFile(path: string): Promise<TraceDatFile> {
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
    throw new UsageError(
      `${path}: perf.data is read once the @onering/perf-data package is available`,
      1,
    )
  if (!(bytes[0] === 0x17 && bytes[1] === 0x08 && bytes[2] === 0x44))
    throw new UsageError(`${path}: not a trace.dat (no tracing magic)`, 1)
  try {
    return readTraceDat(bytes)
  } catch (err) {
    if (!/compress/i.test((err as Error).message)) throw err
    return readTraceDat(bytes, { compression: await zstdCompression() })
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
export function* plainEvents(file: TraceDatFile): Generator<PlainEvent> {
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
