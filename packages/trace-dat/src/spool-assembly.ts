/**
 * A trace.dat assembled from spool files another process wrote: the per-CPU page files a
 * {@link TraceDatRecorder} with `spoolDir` leaves behind (`cpu<N>.spool`, pages appended as
 * `ring_buffer_read_page` handed them out). A recording process may die (SIGKILL, the OOM
 * killer) before it could call `finish`; the pages it spooled are still whole, and the process
 * that started it writes the file from them.
 *
 * @packageDocumentation
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import * as os from 'node:os'
import { SubbufReader } from '@onering/ftrace'
import type { EventDefinition } from '@onering/trace-events'
import type { Compression } from './compression.js'
import { TraceDatError } from './errors.js'
import { unameText, WRITER_VERSION } from './file-options.js'
import { buildMetadata } from './metadata.js'
import type { PageSpool } from './page-spool.js'
import { writeV6 } from './trace-dat-v6.js'
import { writeV7 } from './trace-dat-v7.js'

/** What {@link assembleTraceDat} takes besides the spool files. */
export interface SpoolAssemblyOptions {
  /** The sub-buffer (page) size the pages were read with. */
  readonly pageSize: number
  /** Every event that may occur (`ftrace/print` is always known). */
  readonly definitions?: readonly EventDefinition[]
  /** Thread names by pid (`common_pid`); pids without one print as `<...>`. */
  readonly comms?: ReadonlyMap<number, string>
  /** The TRACECLOCK name. @defaultValue `mono` */
  readonly clock?: string
  /** Per CPU, the `per_cpu/cpuN/stats` text (CPUSTAT options), if the writer left one. */
  readonly cpuStats?: readonly string[]
  /** The UNAME option; by default this machine's. */
  readonly uname?: string
  /** trace.dat version. @defaultValue 7 */
  readonly version?: 6 | 7
  /** Version 7 only: the codec of the CPU data and metadata. */
  readonly compression?: Compression
}

/** What {@link assembleTraceDat} found in the pages. */
export interface SpoolAssembly {
  /** Size of the file written. */
  readonly size: number
  /** Events per CPU. */
  readonly events: readonly number[]
  /** Events the pages say were lost, per CPU (a page that lost an unknown count adds 1). */
  readonly missed: readonly number[]
  /** Bytes dropped per CPU because a spool file ended inside a page (a writer killed mid-append). */
  readonly truncated: readonly number[]
}

/** A spool file opened read-only, cut to whole pages. */
class ReadSpool implements PageSpool {
  readonly #fd: number
  readonly size: number
  readonly extra: number
  constructor(
    readonly path: string,
    pageSize: number,
  ) {
    this.#fd = openSync(path, 'r')
    const bytes = fstatSync(this.#fd).size
    this.size = bytes - (bytes % pageSize)
    this.extra = bytes - this.size
  }
  append(): void {
    throw new TypeError(`${this.path}: a spool read back is not appended to`)
  }
  forEachChunk(chunk: number, fn: (bytes: Uint8Array) => void): void {
    const buf = new Uint8Array(chunk)
    for (let done = 0; done < this.size;) {
      const want = Math.min(chunk, this.size - done)
      let got = 0
      while (got < want) {
        const n = readSync(this.#fd, buf, got, want - got, done + got)
        if (n <= 0) throw new TraceDatError(this.path, done + got, 'spool file ended early')
        got += n
      }
      fn(buf.subarray(0, want))
      done += want
    }
  }
  writeTo(fd: number, position: number): void {
    let at = position
    this.forEachChunk(1 << 20, (b) => {
      writeSync(fd, b, 0, b.length, at)
      at += b.length
    })
  }
  close(): void {
    closeSync(this.#fd)
  }
}

/**
 * Write a trace.dat at `path` from one spool file per CPU (`cpus[n]` is CPU n; a missing CPU
 * may be given as a path to an empty file). Event ids and pids are collected from the pages;
 * a spool cut inside a page (its writer killed mid-append) loses that last partial page only.
 *
 * @throws TraceDatError when an event id occurs without a definition, or a page is corrupt.
 */
export function assembleTraceDat(
  path: string,
  cpus: readonly string[],
  options: SpoolAssemblyOptions,
): SpoolAssembly {
  if (typeof path !== 'string') throw new TypeError('path: expected a file path')
  if (!Array.isArray(cpus) || cpus.some((c) => typeof c !== 'string'))
    throw new TypeError('cpus: expected an array of spool file paths')
  if (cpus.length === 0) throw new RangeError('cpus: at least one spool file is needed')
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options: expected an object')
  const pageSize = options.pageSize
  if (!Number.isInteger(pageSize) || pageSize < 64 || (pageSize & (pageSize - 1)) !== 0)
    throw new RangeError(`options.pageSize: ${String(pageSize)} is not a power of two ≥ 64`)
  const version = options.version ?? 7
  if (version !== 6 && version !== 7)
    throw new RangeError(`options.version: ${String(version)} is not 6 or 7`)
  if (options.compression !== undefined && version !== 7)
    throw new RangeError('options.compression: only version 7 files are compressed')
  const spools: ReadSpool[] = []
  try {
    for (const c of cpus as readonly string[]) spools.push(new ReadSpool(c, pageSize))
    const ids = new Map<number, string>()
    const pids = new Set<number>()
    const events = spools.map(() => 0)
    const missed = spools.map(() => 0)
    spools.forEach((s, cpu) => {
      const where = `cpu ${cpu} data`
      s.forEachChunk(pageSize * 64, (bytes) => {
        const r = new SubbufReader(bytes, pageSize)
        for (let at = 0; at + pageSize <= bytes.length; at += pageSize) {
          r.load(at)
          for (let ev = r.next(); ev !== null; ev = r.next()) {
            if (ev.missed !== 0) missed[cpu]! += ev.missed < 0 ? 1 : ev.missed
            const o = ev.offset
            if (ev.length < 8)
              throw new TraceDatError(where, at, 'an event shorter than the 8 common bytes')
            const id = bytes[o]! | (bytes[o + 1]! << 8)
            if (!ids.has(id)) ids.set(id, where)
            pids.add(
              bytes[o + 4]! | (bytes[o + 5]! << 8) | (bytes[o + 6]! << 16) | (bytes[o + 7]! << 24),
            )
            events[cpu]!++
          }
          if (r.corrupt) throw new TraceDatError(where, at, 'corrupt page in the spool file')
        }
      })
    })
    const meta = buildMetadata(
      pageSize,
      options.definitions ?? [],
      ids,
      pids,
      options.comms ?? new Map(),
    )
    const clock = options.clock ?? 'mono'
    const fileOptions = {
      clock,
      uname: options.uname ?? unameText(os),
      version: WRITER_VERSION,
      cpus: spools.length,
      ...(options.cpuStats === undefined ? {} : { cpuStats: options.cpuStats }),
    }
    const fd = openSync(path, 'w')
    let size: number
    try {
      size =
        version === 6
          ? writeV6(fd, meta, spools, fileOptions)
          : writeV7(fd, meta, [{ name: '', clock, spools }], fileOptions, options.compression)
    } finally {
      closeSync(fd)
    }
    return { size, events, missed, truncated: spools.map((s) => s.extra) }
  } finally {
    for (const s of spools) s.close()
  }
}
