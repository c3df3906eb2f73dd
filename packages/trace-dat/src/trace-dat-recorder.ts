/**
 * Writing an onering ftrace buffer as a trace.dat: every ring is a CPU. The pages move from
 * the ring to the file as `ring_buffer_read_page` hands them out (no event is re-encoded), each
 * CPU's pages wait in a {@link PageSpool} (memory, or a file per CPU for a long recording), and
 * the file is assembled at the end, when the formats of every event that occurred and the
 * names of every pid are known.
 *
 * @packageDocumentation
 */
import { closeSync, openSync } from 'node:fs'
import * as os from 'node:os'
import {
  SubbufReader,
  TraceBuffer,
  ring_buffer_alloc_read_page,
  ring_buffer_free_read_page,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_time_stamp,
} from '@onering/ftrace'
import type { EventDefinition } from '@onering/trace-events'
import type { Compression } from './compression.js'
import { checkOptionsObject, shown } from '@onering/trace-events/internal'
import { TraceDatError, checkOptional } from './errors.js'
import { cpuStatText, unameText, WRITER_VERSION } from './file-options.js'
import { buildMetadata } from './metadata.js'
import { FileSpool, MemorySpool } from './page-spool.js'
import type { PageSpool } from './page-spool.js'
import { writeV6 } from './trace-dat-v6.js'
import { writeV7 } from './trace-dat-v7.js'

/** Options of a {@link TraceDatRecorder}. */
export interface TraceDatRecorderOptions {
  /** Every event that may occur in the buffer (`ftrace/print` is always known). */
  readonly definitions?: readonly EventDefinition[]
  /**
   * Spool each CPU's pages to a file in this directory (bounded memory for long recordings);
   * without it pages are kept in memory until {@link TraceDatRecorder.finish}.
   */
  readonly spoolDir?: string
  /** Thread names by pid (`common_pid`); others are named from `/proc/self/task/<tid>/comm`. */
  readonly comms?: ReadonlyMap<number, string>
  /** The clock name for TRACECLOCK; by default the buffer's (`mono`, or `counter`). */
  readonly clock?: string
  /** The UNAME option; by default this machine's `sysname nodename release machine`. */
  readonly uname?: string
  /**
   * Additional named buffers (the kernel's tracefs instances), written as BUFFER options with
   * their own data; their sub-buffer size must be the main buffer's. Version 6 keeps one clock
   * for the file and gives every instance the file's CPU count, so there an instance may have
   * no more rings than the main buffer (its missing CPUs are written empty).
   */
  readonly instances?: readonly { readonly name: string; readonly buffer: TraceBuffer }[]
}

/** Options of {@link TraceDatRecorder.finish}. */
export interface TraceDatWriteOptions {
  /** trace.dat version: 6, or 7. @defaultValue 7 */
  readonly version?: 6 | 7
  /**
   * Version 7 only: compress the metadata sections and the CPU data with this codec
   * (`await zstdCompression()`, what trace-cmd writes by default).
   */
  readonly compression?: Compression
}

const RECORDER_OPTIONS = ['definitions', 'spoolDir', 'comms', 'clock', 'uname', 'instances']
const WRITE_OPTIONS = ['version', 'compression']

/** A recorder's options: known keys of the documented types. */
function checkRecorderOptions(options: TraceDatRecorderOptions, known: readonly string[]): void {
  checkOptionsObject('options', options, known)
  if (options.definitions !== undefined && !Array.isArray(options.definitions))
    throw new TypeError(
      `options.definitions: expected an array of EventDefinitions, got ${shown(options.definitions)}`,
    )
  checkOptional('options.spoolDir', options.spoolDir, 'string')
  checkOptional('options.clock', options.clock, 'string')
  checkOptional('options.uname', options.uname, 'string')
  if (options.comms !== undefined && !(options.comms instanceof Map))
    throw new TypeError(`options.comms: expected a Map of pid to name, got ${shown(options.comms)}`)
  if (options.instances !== undefined && !Array.isArray(options.instances))
    throw new TypeError(`options.instances: expected an array, got ${shown(options.instances)}`)
}

/**
 * Moves an ftrace buffer's pages into a trace.dat. Call {@link TraceDatRecorder.drain} while
 * writers run (it takes every complete page), then {@link TraceDatRecorder.finish} (it takes
 * the rest, partial pages included, and writes the file).
 */
export class TraceDatRecorder {
  /** The buffer read. */
  readonly buffer: TraceBuffer
  readonly #sources: { name: string; buffer: TraceBuffer; spools: PageSpool[] }[]
  readonly #ids = new Map<number, string>()
  readonly #pids = new Set<number>()
  readonly #options: TraceDatRecorderOptions
  #closed = false

  /**
   * @param buffer the ftrace buffer: one trace.dat CPU per ring.
   * @throws TypeError for a non-TraceBuffer.
   */
  constructor(buffer: TraceBuffer, options: TraceDatRecorderOptions = {}) {
    if (!(buffer instanceof TraceBuffer)) throw new TypeError('buffer: expected a TraceBuffer')
    buffer.rb.checkLive()
    checkRecorderOptions(options, RECORDER_OPTIONS)
    this.buffer = buffer
    this.#options = options
    const dir = options.spoolDir
    const names = new Set<string>()
    const sources = [{ name: '', buffer }, ...(options.instances ?? [])]
    sources.forEach(({ name, buffer: b }, k) => {
      if (!(b instanceof TraceBuffer))
        throw new TypeError(`instances[${k - 1}].buffer: expected a TraceBuffer`)
      if (
        k > 0 &&
        (typeof name !== 'string' || name === '' || name.includes('\0') || names.has(name))
      )
        throw new RangeError(`instances[${k - 1}].name: ${name} is empty, repeated or holds a NUL`)
      if (b.rb.subbufSize !== buffer.rb.subbufSize)
        throw new RangeError(
          `instances[${k - 1}].buffer: sub-buffers of ${b.rb.subbufSize} bytes, not the main buffer's ${buffer.rb.subbufSize}`,
        )
      names.add(name)
    })
    this.#sources = sources.map(({ name, buffer: b }, k) => ({
      name,
      buffer: b,
      spools: Array.from({ length: b.rb.cpus }, (_, cpu) =>
        dir === undefined ? new MemorySpool() : new FileSpool(dir, k === 0 ? cpu : `${k}-${cpu}`),
      ),
    }))
  }

  /** Bytes of pages spooled so far, per CPU of the main buffer. */
  get spooledBytes(): readonly number[] {
    return this.#sources[0]!.spools.map((s) => s.size)
  }

  /**
   * Move pages from every ring to its spool: complete pages only (`full`, the default, for a
   * running recording), or everything including the page being written. Returns the number of
   * pages moved.
   */
  drain(full = true): number {
    if (typeof full !== 'boolean')
      throw new TypeError(`full: expected a boolean, got ${shown(full)}`)
    if (this.#closed) throw new TypeError('recorder: already finished')
    let moved = 0
    for (const { buffer: b, spools } of this.#sources) {
      const size = b.rb.subbufSize
      for (let cpu = 0; cpu < b.rb.cpus; cpu++) {
        const page = ring_buffer_alloc_read_page(b, cpu)
        let reader: SubbufReader | undefined
        try {
          while (ring_buffer_read_page(b, page, size, cpu, full ? 1 : 0) === 0) {
            const bytes = ring_buffer_read_page_data(page)
            // one reader over the whole memory the pages lie in (the ring's), loaded at each page
            if (reader?.bytes.buffer !== bytes.buffer)
              reader = new SubbufReader(new Uint8Array(bytes.buffer), size)
            this.#scan(reader.load(bytes.byteOffset), cpu)
            spools[cpu]!.append(bytes)
            moved++
          }
        } finally {
          ring_buffer_free_read_page(b, cpu, page)
        }
      }
    }
    return moved
  }

  /**
   * Note the event ids and pids of the page loaded in `r` (the maps are touched only when an
   * event's id or pid differs from the one before it, as runs of one writer's events do not).
   */
  #scan(r: SubbufReader, cpu: number): void {
    const bytes = r.bytes
    let lastId = -2
    let lastPid = -1
    for (let ev = r.next(); ev !== null; ev = r.next()) {
      const o = ev.offset
      if (ev.length < 8) {
        this.#ids.set(-1, `cpu ${cpu} data`)
        continue
      }
      const id = bytes[o]! | (bytes[o + 1]! << 8)
      if (id !== lastId) {
        lastId = id
        if (!this.#ids.has(id)) this.#ids.set(id, `cpu ${cpu} data`)
      }
      const pid =
        bytes[o + 4]! | (bytes[o + 5]! << 8) | (bytes[o + 6]! << 16) | (bytes[o + 7]! << 24)
      if (pid !== lastPid) {
        lastPid = pid
        this.#pids.add(pid)
      }
    }
  }

  /**
   * Take the remaining pages and write the trace.dat to `path`. Returns the file size. The
   * spools are released (spool files removed) whatever happens.
   *
   * @throws TraceDatError when an event id occurs without a definition (naming the CPU).
   */
  finish(path: string, options: TraceDatWriteOptions = {}): number {
    if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${shown(path)}`)
    checkOptionsObject('options', options, WRITE_OPTIONS)
    const version = options.version ?? 7
    if (version !== 6 && version !== 7)
      throw new RangeError(`version: ${shown(version)} is not 6 or 7`)
    if (options.compression !== undefined && version !== 7)
      throw new RangeError('compression: only version 7 files are compressed')
    if (version === 6)
      this.#sources.forEach((src, k) => {
        if (src.buffer.rb.cpus > this.buffer.rb.cpus)
          throw new RangeError(
            `instances[${k - 1}].buffer: ${src.buffer.rb.cpus} CPUs; a version 6 file gives an instance at most the main buffer's ${this.buffer.rb.cpus}`,
          )
      })
    try {
      this.drain(false)
      this.#closed = true
      if (this.#ids.has(-1))
        throw new TraceDatError(
          this.#ids.get(-1)!,
          0,
          'an event shorter than the 8 bytes of the common fields is not a trace event',
        )
      const b = this.buffer
      const meta = buildMetadata(
        b.rb.subbufSize,
        this.#options.definitions ?? [],
        this.#ids,
        this.#pids,
        this.#options.comms ?? new Map(),
      )
      const clock = this.#options.clock ?? b.clockName
      const now = ring_buffer_time_stamp(b)
      const cpuStats = Array.from({ length: b.rb.cpus }, (_, cpu) =>
        cpuStatText(cpu, b.counters(cpu), now, clock !== 'counter'),
      )
      const fileOptions = {
        clock,
        cpuStats,
        uname: this.#options.uname ?? unameText(os),
        version: WRITER_VERSION,
        cpus: b.rb.cpus,
      }
      const fd = openSync(path, 'w')
      try {
        return version === 6
          ? writeV6(fd, meta, this.#sources[0]!.spools, fileOptions, this.#sources.slice(1))
          : writeV7(
              fd,
              meta,
              this.#sources.map((s) => ({
                name: s.name,
                clock: s.name === '' ? clock : s.buffer.clockName,
                spools: s.spools,
              })),
              fileOptions,
              options.compression,
            )
      } finally {
        closeSync(fd)
      }
    } finally {
      this.#closed = true
      for (const src of this.#sources) for (const s of src.spools) s.close()
    }
  }
}

/**
 * Dump a buffer as a trace.dat at once (a flight recorder after the fact): every page of every
 * ring, partial ones included. Returns the file size.
 */
export function writeTraceDat(
  buffer: TraceBuffer,
  path: string,
  options: TraceDatRecorderOptions & TraceDatWriteOptions = {},
): number {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${shown(path)}`)
  checkRecorderOptions(options, [...RECORDER_OPTIONS, ...WRITE_OPTIONS])
  const { version, compression, ...recorder } = options
  const write = {
    ...(version === undefined ? {} : { version }),
    ...(compression === undefined ? {} : { compression }),
  }
  return new TraceDatRecorder(buffer, recorder).finish(path, write)
}
