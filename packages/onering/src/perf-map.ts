/**
 * perf's symbol map for code without an ELF file (the "JIT map" `perf-<pid>.map`, one line
 * `START SIZE name` per code range, hex without `0x`, as V8's `--perf-basic-prof` writes it),
 * for the synthetic code addresses `--cpu-profile` gives JS frames: each distinct frame
 * (function, script, line, column) is one {@link FRAME_SIZE}-byte range from
 * {@link FRAME_BASE}, named as V8, 0x and clinic name frames: `functionName url:line:col`,
 * `(anonymous) url:line:col`, `(program)`, `(garbage collector)`.
 *
 * perf 6.1 reads such a map only from `/tmp/perf-<pid>.map` (a PERF_RECORD_MMAP of `//anon`
 * maps its range there; `tools/perf/util/map.c`, `symbol.c`): {@link writePerfMaps} writes
 * `DIR/perf-<pid>.map` next to the perf.data and the copy perf looks for.
 *
 * @packageDocumentation
 */
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The first synthetic frame address (user space, far from the heap and from V8's code). */
export const FRAME_BASE = 0x7e00_0000_0000
/** Bytes of address space per frame. */
export const FRAME_SIZE = 0x10

/** A JS frame as V8's profile names it (line and column 0-based, -1 when unknown). */
export interface JsFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

/** The name of a frame in the map: `fn url:line:col` (1-based), `(anonymous)` for a nameless function. */
export function frameName(f: JsFrame): string {
  const fn = f.functionName === '' ? '(anonymous)' : f.functionName
  if (f.url === '') return fn
  return f.lineNumber < 0
    ? `${fn} ${f.url}`
    : `${fn} ${f.url}:${f.lineNumber + 1}:${f.columnNumber + 1}`
}

/** The frames of one process, each given an address on first sight. */
export class FrameTable {
  readonly #index = new Map<string, number>()
  /** Frame names by index; frame k is at `FRAME_BASE + k * FRAME_SIZE`. */
  readonly names: string[] = []

  /** The index of a frame (added when new). */
  indexOf(f: JsFrame): number {
    const key = `${f.functionName}\0${f.url}\0${f.lineNumber}\0${f.columnNumber}`
    let k = this.#index.get(key)
    if (k === undefined) {
      k = this.names.length
      this.#index.set(key, k)
      this.names.push(frameName(f))
    }
    return k
  }

  /** The address of frame `k`. */
  static address(k: number): number {
    return FRAME_BASE + k * FRAME_SIZE
  }

  /** Bytes of address space the frames take (the length of their MMAP). */
  get length(): number {
    return Math.max(1, this.names.length) * FRAME_SIZE
  }

  /** The map text: one `START SIZE name` line per frame. */
  text(): string {
    let s = ''
    for (let k = 0; k < this.names.length; k++)
      s += `${FrameTable.address(k).toString(16)} ${FRAME_SIZE.toString(16)} ${this.names[k]!}\n`
    return s
  }
}

/** The map perf reads for process `pid`: `/tmp/perf-<pid>.map` (fixed in perf 6.1's sources). */
export function perfMapTmpPath(pid: number): string {
  return `/tmp/perf-${pid}.map`
}

/**
 * Write `dir/perf-<pid>.map` and perf's `/tmp/perf-<pid>.map`. When the process itself wrote
 * the /tmp one after `startedMs` (`node --perf-basic-prof`), the frames are appended to it; a
 * file of an older process of the same pid is replaced. Returns the paths written; the /tmp
 * copy is skipped (not returned) when /tmp cannot be written.
 */
export function writePerfMaps(
  dir: string,
  pid: number,
  frames: FrameTable,
  startedMs: number,
): string[] {
  const own = join(dir, `perf-${pid}.map`)
  const text = frames.text()
  writeFileSync(own, text)
  const tmp = perfMapTmpPath(pid)
  try {
    let mtime = -1
    try {
      mtime = statSync(tmp).mtimeMs
    } catch {
      // none yet
    }
    if (mtime >= startedMs) appendFileSync(tmp, text)
    else writeFileSync(tmp, text)
    return [own, tmp]
  } catch {
    return [own]
  }
}

/** The symbols of a perf map file, for looking addresses up (as perf does for a JIT map). */
export class PerfMapSymbols {
  readonly #starts: number[] = []
  readonly #ends: number[] = []
  readonly #names: string[] = []

  /** Parse map text: `START SIZE name` lines (hex, `0x` optional); other lines are skipped. */
  constructor(text: string) {
    const rows: [number, number, string][] = []
    for (const line of text.split('\n')) {
      const m = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.*)$/.exec(line)
      if (m === null) continue
      const start = parseInt(m[1]!, 16)
      rows.push([start, start + parseInt(m[2]!, 16), m[3]!])
    }
    rows.sort((a, b) => a[0] - b[0])
    for (const [start, end, name] of rows) {
      this.#starts.push(start)
      this.#ends.push(end)
      this.#names.push(name)
    }
  }

  /** Symbols of the first of `paths` that can be read, or undefined. */
  static load(paths: readonly string[]): PerfMapSymbols | undefined {
    for (const p of paths) {
      try {
        return new PerfMapSymbols(readFileSync(p, 'utf8'))
      } catch {
        // try the next place
      }
    }
    return undefined
  }

  /** The name of the range holding `ip`, or undefined. */
  find(ip: number): string | undefined {
    let lo = 0
    let hi = this.#starts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.#starts[mid]! <= ip) lo = mid + 1
      else hi = mid - 1
    }
    return hi >= 0 && ip < this.#ends[hi]! ? this.#names[hi] : undefined
  }
}
