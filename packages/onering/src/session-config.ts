/**
 * What `onering record` tells the traced processes, through one environment variable (it
 * reaches every Node process the command starts, as `NODE_OPTIONS` does), and the layout of
 * the recording directory they share.
 *
 * @packageDocumentation
 */
import { join } from 'node:path'
import type { RingCounters } from '@onering/trace-dat'
import type { EventGroup } from './node-events.js'

/** The environment variable holding the {@link SessionConfig} as JSON. */
export const CONFIG_ENV = 'ONERING_RECORD'

/** The recording settings of every process of one `onering record`. */
export interface SessionConfig {
  /** The output directory (absolute). */
  readonly dir: string
  /** Bytes of ring per thread. */
  readonly bufferSize: number
  /** Flight recorder: keep the newest `bufferSize` bytes per thread, written at a dump. */
  readonly overwrite: boolean
  /** Stop spooling once this many bytes are spooled per process (0: no cap). */
  readonly maxSize: number
  /** Event groups recorded. */
  readonly events: readonly EventGroup[]
  /** `mono` or `counter`. */
  readonly clock: 'mono' | 'counter'
  /** Flight recorder: signals that dump (`--dump-on`). */
  readonly dumpOn: readonly string[]
  /** Rings (threads served at once) per process. */
  readonly rings: number
  /** Interval of event-loop samples and of the consumer's drains, ms. */
  readonly intervalMs: number
  /** The consumer thread's script (`dist/consumer.cjs`). */
  readonly consumer: string
  /** `--cpu-profile`: JS stack samples every this many microseconds (0 or absent: off). */
  readonly cpuProfileUs?: number
}

/** The spool file of chunk `seq` of thread `tid`'s CPU profile (`--cpu-profile`). */
export function cpuProfileChunkName(tid: number, seq: number): string {
  return `cpuprofile-${tid}-${seq}.json`
}

/** The thread id and sequence number of a CPU profile chunk's file name, or undefined. */
export function parseCpuProfileChunkName(name: string): { tid: number; seq: number } | undefined {
  const m = /^cpuprofile-(\d+)-(\d+)\.json$/.exec(name)
  return m === null ? undefined : { tid: Number(m[1]), seq: Number(m[2]) }
}

/** The spool directory of process `pid` in `dir`. */
export function spoolDirOf(dir: string, pid: number): string {
  return join(dir, `.spool-${pid}`)
}

/** Files in a spool directory. */
export const SPOOL_FILES = {
  /** One JSON line per thread that took a ring: `{ tid, ring, name, threadId }`. */
  threads: 'threads.jsonl',
  /** One JSON line per user event definition: `{ id, system, name, fields }`. */
  events: 'events.jsonl',
  /** The process's counters, rewritten at every drain (`SpoolStatus`). */
  status: 'status.json',
  /** `{ pid, ppid, pageSize, rings, clock, argv }`, written when recording starts. */
  process: 'process.json',
} as const

/** What the consumer thread writes to `status.json`. */
export interface SpoolStatus {
  /** Events written into the rings (ftrace `entries` + read). */
  readonly events: number
  /** Events lost: overwritten (flight recorder) or dropped (ring full). */
  readonly lost: number
  /** Threads that found no free ring. */
  readonly threadsUnrecorded: number
  /** Bytes spooled. */
  readonly bytes: number
  /** True once the final drain ran. */
  readonly final: boolean
  /** True when `--max-size` stopped the spooling. */
  readonly capped: boolean
  /** Per ring, the ring buffer's counters (written as the file's CPUSTAT options). */
  readonly rings?: readonly RingCounters[]
  /** The buffer's clock when the counters were read. */
  readonly now?: number
}

/** The `process.json` of a spool directory. */
export interface SpoolProcess {
  readonly pid: number
  readonly ppid: number
  readonly pageSize: number
  readonly rings: number
  readonly clock: 'mono' | 'counter'
  readonly argv: readonly string[]
  /** `--cpu-profile` interval, microseconds (absent: not profiled). */
  readonly cpuProfileUs?: number
  /** When recording started (`Date.now()`). */
  readonly startedMs?: number
}
