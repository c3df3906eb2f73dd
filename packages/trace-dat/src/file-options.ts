/**
 * The options a trace.dat writer puts in every file: TRACECLOCK, UNAME, VERSION, CPUCOUNT
 * (and, in version 7, BUFFER and the section pointers, written by the v7 writer). No DATE: it
 * would shift every timestamp.
 *
 * @packageDocumentation
 */
import { ByteWriter } from './byte-writer.js'
import { TRACECMD_OPTION, traceClockText } from './options.js'

/** What the common options say. */
export interface FileOptions {
  /** The buffer's trace clock under its kernel name (`mono`, `counter`, …). */
  readonly clock: string
  /** `sysname nodename release machine`. */
  readonly uname: string
  /** The writer's version string. */
  readonly version: string
  /** Number of CPUs (rings). */
  readonly cpus: number
  /** Per CPU, the `per_cpu/cpuN/stats` text (CPUSTAT options); none when empty. */
  readonly cpuStats?: readonly string[]
}

/** The writer version this package records in the VERSION option. */
export const WRITER_VERSION = 'onering trace-dat 0.1.0'

function stringOption(w: ByteWriter, id: number, text: string): void {
  const b = new TextEncoder().encode(text)
  w.u16(id)
    .u32(b.length + 1)
    .raw(b)
    .zeros(1)
}

/** Append TRACECLOCK, UNAME, VERSION and CPUCOUNT as {u16 id, u32 size, payload} entries. */
export function writeCommonOptions(w: ByteWriter, o: FileOptions): void {
  stringOption(w, TRACECMD_OPTION.TRACECLOCK, traceClockText(o.clock))
  stringOption(w, TRACECMD_OPTION.UNAME, o.uname)
  stringOption(w, TRACECMD_OPTION.VERSION, o.version)
  for (const text of o.cpuStats ?? []) stringOption(w, TRACECMD_OPTION.CPUSTAT, text)
  w.u16(TRACECMD_OPTION.CPUCOUNT).u32(4).u32(o.cpus)
}

/** `sec.usec` as the kernel's stats file prints a timestamp (`%5llu.%06lu`). */
function statsTime(ns: number): string {
  const sec = Math.floor(ns / 1e9)
  const usec = Math.floor((ns - sec * 1e9) / 1000)
  return `${String(sec).padStart(5)}.${String(usec).padStart(6, '0')}`
}

/** The counters of one ring, as `ring_buffer` counters report them. */
export interface RingCounters {
  readonly entries: number
  readonly overrun: number
  readonly commitOverrun: number
  readonly bytes: number
  readonly oldestEventTs: number
  readonly droppedEvents: number
  readonly readEvents: number
}

const COUNTER_NAMES = [
  'entries',
  'overrun',
  'commitOverrun',
  'bytes',
  'oldestEventTs',
  'droppedEvents',
  'readEvents',
] as const satisfies readonly (keyof RingCounters)[]

/**
 * The text of `per_cpu/cpuN/stats` (kernel `tracing_stats_read`) for a ring's counters, preceded
 * by the `CPU: N` line trace-cmd puts in front of each CPUSTAT; `now` is the clock now.
 *
 * @throws RangeError / TypeError naming the argument (`cpu`, `c.entries`, `now`, …) that is not
 * a count, a time or a boolean.
 */
export function cpuStatText(cpu: number, c: RingCounters, now: number, nsClock: boolean): string {
  if (typeof cpu !== 'number') throw new TypeError('cpu: expected a CPU number')
  if (!Number.isSafeInteger(cpu) || cpu < 0)
    throw new RangeError(`cpu: ${String(cpu)} is not a CPU number`)
  if (typeof c !== 'object' || c === null) throw new TypeError('c: expected the ring counters')
  for (const k of COUNTER_NAMES) {
    const v = c[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`c.${k}: ${String(v)} is not a count`)
  }
  if (typeof now !== 'number') throw new TypeError('now: expected a time (a number)')
  if (!Number.isSafeInteger(now) || now < 0)
    throw new RangeError(`now: ${String(now)} is not a time`)
  if (typeof nsClock !== 'boolean') throw new TypeError('nsClock: expected a boolean')
  const t = (v: number): string => (nsClock ? statsTime(v) : String(v))
  return (
    `CPU: ${cpu}\n` +
    `entries: ${c.entries}\n` +
    `overrun: ${c.overrun}\n` +
    `commit overrun: ${c.commitOverrun}\n` +
    `bytes: ${c.bytes}\n` +
    `oldest event ts: ${t(c.oldestEventTs)}\n` +
    `now ts: ${t(now)}\n` +
    `dropped events: ${c.droppedEvents}\n` +
    `read events: ${c.readEvents}\n`
  )
}

/** `Linux vm 6.18.44 x86_64` for this machine (`uname -snrm`). */
export function unameText(os: {
  type(): string
  hostname(): string
  release(): string
  machine(): string
}): string {
  return `${os.type()} ${os.hostname()} ${os.release()} ${os.machine()}`
}
