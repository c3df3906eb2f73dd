/**
 * File sinks: what turns the spools a recorded process left into a file of one format. Each
 * format is one {@link FileSink}; `onering record --format` picks them by name. trace.dat is
 * written by `@onering/trace-dat` from the pages as they are; perf.data by `./perf-data-sink.ts`
 * (the same pages' payloads as PERF_RECORD_SAMPLE raw data of tracepoint events).
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { assembleTraceDat, cpuStatText } from '@onering/trace-dat'
import { defineEvent, EventIdAllocator, FIRST_USER_EVENT_ID } from '@onering/trace-events'
import type { EventDefinition } from '@onering/trace-events'
import type { UserFieldSpec } from './handoff.js'
import { NODE_EVENTS } from './node-events.js'
import { perfDataSink } from './perf-data-sink.js'
import { SPOOL_FILES } from './session-config.js'
import type { SpoolProcess, SpoolStatus } from './session-config.js'

/** What a recorded process left in its spool directory, read back. */
export interface SpoolSet {
  /** The spool directory. */
  readonly dir: string
  /** The process. */
  readonly process: SpoolProcess
  /** The spool file of each ring (ring n = CPU n of the file). */
  readonly cpus: readonly string[]
  /** Every event that may occur: the `node` events and the app's. */
  readonly definitions: readonly EventDefinition[]
  /** Thread names by tid. */
  readonly comms: ReadonlyMap<number, string>
  /** The consumer's last status, if it wrote one. */
  readonly status: SpoolStatus | undefined
}

/** What a sink wrote. */
export interface SinkResult {
  /** The file. */
  readonly path: string
  /** Its size. */
  readonly size: number
  /** Events in it. */
  readonly events: number
  /** Events lost (the pages' missed counts, or the consumer's counters when higher). */
  readonly lost: number
}

/** A file format `onering record` writes. */
export interface FileSink {
  /** The `--format` name. */
  readonly format: string
  /** The file name for process `pid` (`main`: the command's own process). */
  fileName(pid: number, main: boolean): string
  /** Write the file of one process. */
  write(spools: SpoolSet, path: string): SinkResult
}

function lines<T>(path: string): T[] {
  if (!existsSync(path)) return []
  const out: T[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue
    try {
      out.push(JSON.parse(line) as T)
    } catch {
      // a line cut by a kill mid-append: the others stand
    }
  }
  return out
}

/** Read the spool directory of one process. */
export function readSpoolSet(spoolDir: string): SpoolSet {
  const proc = JSON.parse(readFileSync(join(spoolDir, SPOOL_FILES.process), 'utf8')) as SpoolProcess
  const cpus: string[] = []
  for (let r = 0; r < proc.rings; r++) {
    const p = join(spoolDir, `cpu${r}.spool`)
    if (!existsSync(p)) writeFileSync(p, '')
    cpus.push(p)
  }
  const comms = new Map<number, string>()
  for (const t of lines<{ tid: number; name: string }>(join(spoolDir, SPOOL_FILES.threads)))
    comms.set(t.tid, t.name)
  const definitions: EventDefinition[] = [...NODE_EVENTS]
  const seen = new Set<number>()
  for (const e of lines<{ id: number; system: string; name: string; fields: UserFieldSpec[] }>(
    join(spoolDir, SPOOL_FILES.events),
  )) {
    if (seen.has(e.id)) continue
    seen.add(e.id)
    definitions.push(
      defineEvent(
        { system: e.system, name: e.name, id: e.id, fields: e.fields },
        new EventIdAllocator(FIRST_USER_EVENT_ID),
      ),
    )
  }
  const statusPath = join(spoolDir, SPOOL_FILES.status)
  let status: SpoolStatus | undefined
  try {
    status = JSON.parse(readFileSync(statusPath, 'utf8')) as SpoolStatus
  } catch {
    status = undefined
  }
  return { dir: spoolDir, process: proc, cpus, definitions, comms, status }
}

/** trace-cmd's trace.dat (version 7, uncompressed), pages verbatim from the spools. */
export const traceDatSink: FileSink = {
  format: 'trace.dat',
  fileName: (pid, main) => (main ? 'trace.dat' : `trace-${pid}.dat`),
  write(spools, path) {
    const st = spools.status
    const nsClock = spools.process.clock !== 'counter'
    const r = assembleTraceDat(path, spools.cpus, {
      pageSize: spools.process.pageSize,
      definitions: spools.definitions,
      comms: spools.comms,
      clock: spools.process.clock,
      // the rings' counters (dropped and overwritten events) as trace-cmd's CPUSTAT options
      ...(st?.rings === undefined
        ? {}
        : { cpuStats: st.rings.map((c, cpu) => cpuStatText(cpu, c, st.now ?? 0, nsClock)) }),
    })
    const events = r.events.reduce((a, b) => a + b, 0)
    const missed = r.missed.reduce((a, b) => a + b, 0)
    return { path, size: r.size, events, lost: Math.max(missed, spools.status?.lost ?? 0) }
  },
}

/** The sinks by `--format` name. */
export const FILE_SINKS: ReadonlyMap<string, FileSink> = new Map([
  ['trace.dat', traceDatSink],
  ['perf.data', perfDataSink],
])
