/**
 * The stack samples of a perf.data (`onering record --cpu-profile`'s `cpu-clock` samples, or
 * any sample with a CALLCHAIN), their user addresses named through the process's perf map —
 * `perf-<pid>.map` next to the file, else `/tmp/perf-<pid>.map`, as perf looks it up — for
 * `onering script` (the callchain under each sample line, as `perf script` prints it) and
 * `onering report` (top functions by self and total samples per thread).
 *
 * @packageDocumentation
 */
import { dirname, join } from 'node:path'
import {
  PERF_CONTEXT_MAX,
  PERF_RECORD_COMM,
  PERF_RECORD_MMAP,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CALLCHAIN,
} from '@onering/perf'
import type { PerfDataReader } from '@onering/perf-data'
import { FRAME_BASE, PerfMapSymbols, perfMapTmpPath } from './perf-map.js'

/**
 * Whether a file holds JS stack samples of `onering record --cpu-profile`: an event with
 * callchains, and the `//anon` mapping of the synthetic frame addresses before the first
 * sample. (A `perf record -g` file is listed as before, as `perf script -G` prints it.)
 */
export function hasJsStacks(file: PerfDataReader): boolean {
  if (!file.evsels.some((e) => (e.attr.sample_type & PERF_SAMPLE_CALLCHAIN) !== 0)) return false
  for (const slot of file.slots()) {
    if (slot.type === PERF_RECORD_SAMPLE) return false
    if (slot.type !== PERF_RECORD_MMAP) continue
    const r = file.decode(slot).record
    if (r.type === PERF_RECORD_MMAP && r.filename === '//anon' && r.addr === BigInt(FRAME_BASE))
      return true
  }
  return false
}

/** One frame of a sample's stack. */
export interface StackFrame {
  /** The address. */
  readonly ip: number
  /** Its symbol (`[unknown]` when no map names it, as perf prints it). */
  readonly sym: string
}

/** Names addresses of the processes of one file. */
export class StackSymbolizer {
  readonly #dir: string
  readonly #maps = new Map<number, PerfMapSymbols | undefined>()

  /** For the file at `path` (its directory holds `perf-<pid>.map`). */
  constructor(path: string) {
    this.#dir = dirname(path)
  }

  /** The frames of a callchain of process `pid`, context markers left out. */
  frames(pid: number, callchain: readonly bigint[]): StackFrame[] {
    let map = this.#maps.get(pid)
    if (!this.#maps.has(pid)) {
      map = PerfMapSymbols.load([join(this.#dir, `perf-${pid}.map`), perfMapTmpPath(pid)])
      this.#maps.set(pid, map)
    }
    const out: StackFrame[] = []
    for (const x of callchain) {
      if (x >= PERF_CONTEXT_MAX) continue
      const ip = Number(x)
      out.push({ ip, sym: map?.find(ip) ?? '[unknown]' })
    }
    return out
  }
}

/** Per thread: samples, and per function the samples it is the leaf of (self) and on (total). */
export interface ThreadFunctions {
  readonly samples: number
  readonly self: Record<string, number>
  readonly total: Record<string, number>
}

/** The top functions of the stack samples of a file, per thread (`comm-tid`). */
export function stackProfile(file: PerfDataReader, path: string): Record<string, ThreadFunctions> {
  const sym = new StackSymbolizer(path)
  const comms = new Map<number, string>()
  const threads: Record<
    string,
    { samples: number; self: Record<string, number>; total: Record<string, number> }
  > = {}
  for (const r of file.events()) {
    const rec = r.record
    if (rec.type === PERF_RECORD_COMM) comms.set(rec.tid, rec.comm)
    if (rec.type !== PERF_RECORD_SAMPLE || rec.callchain === undefined) continue
    const tid = rec.tid ?? -1
    const frames = sym.frames(rec.pid ?? -1, rec.callchain)
    if (frames.length === 0) continue
    const key = `${comms.get(tid) ?? ''}-${tid}`
    const t = (threads[key] ??= { samples: 0, self: {}, total: {} })
    t.samples++
    t.self[frames[0]!.sym] = (t.self[frames[0]!.sym] ?? 0) + 1
    for (const name of new Set(frames.map((f) => f.sym))) t.total[name] = (t.total[name] ?? 0) + 1
  }
  return threads
}

/**
 * `lines` (the listing of {@link perfDataListing}, one line per sample) with each sample that
 * has a callchain printed as `perf script -F comm,tid,cpu,time,event,ip,sym,period` prints it:
 * the sample line (comm unpadded, no ip), then one `\t%16lx sym` line per frame, leaf first,
 * then an empty line.
 */
export function* callchainListing(
  file: PerfDataReader,
  path: string,
  lines: Iterable<string>,
): Generator<string> {
  const sym = new StackSymbolizer(path)
  const it = lines[Symbol.iterator]()
  for (const r of file.events()) {
    const rec = r.record
    if (rec.type !== PERF_RECORD_SAMPLE || r.evsel === undefined) continue
    const line = it.next()
    if (line.done === true) return
    if (rec.callchain === undefined) {
      yield line.value
      continue
    }
    yield line.value.trimStart().slice(0, -17)
    for (const f of sym.frames(rec.pid ?? -1, rec.callchain))
      yield `\t${f.ip.toString(16).padStart(16)} ${f.sym}`
    yield ''
  }
}
