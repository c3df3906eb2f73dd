/**
 * The perf.data writer (file mode, as perf 6.1's `perf record` lays it out): the 104-byte
 * header, one attrs entry per event (the attr at 128 bytes and its ids), the ids, the data
 * section — the records exactly as the consumer read them from the perf rings, moved as bytes,
 * never re-encoded — and the features (EVENT_DESC, HOSTNAME, OSRELEASE, VERSION, ARCH, NRCPUS,
 * CPUDESC, CMDLINE, TRACING_DATA when tracepoints are recorded, CLOCKID / CLOCK_DATA for
 * `use_clockid` events). In memory, or streamed to a file with one chunk of memory: the data
 * goes to its final offset as it comes, the header is written at `finish` (perf's
 * `perf_session__write_header`).
 *
 * @packageDocumentation
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { availableParallelism, cpus, hostname, machine, release } from 'node:os'
import {
  makeAttr,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
  PERF_RECORD_COMM,
  PERF_RECORD_EXIT,
  PERF_RECORD_FORK,
  PERF_RECORD_MISC_COMM_EXEC,
  PerfMmap,
  recordContext,
  sizeOfRecord,
  writeRecord,
} from '@onering/perf'
import type {
  PerfEventAttr,
  PerfEventAttrInit,
  PerfEvlist,
  PerfRecordContext,
  PerfRecordInput,
  PerfSampleId,
} from '@onering/perf'
import {
  checkArray,
  checkBool,
  checkBytes,
  checkInt,
  checkObject,
  checkString,
  checkU64,
} from './check.js'
import { checkFeatures, encodeFeatures } from './features.js'
import type { PerfDataFeaturesInit } from './features.js'
import { fileAttrBytes } from './file-attr.js'
import {
  PERF_FILE_ATTR_ENTRY_SIZE,
  PERF_FILE_HEADER_SIZE,
  PERF_RECORD_FINISHED_ROUND,
} from './file-format.js'
import { encodeFileHeader } from './file-header.js'
import { RecordSpool } from './record-spool.js'
import { TRAILER_BITS } from './evsel.js'

/** One event of the file: its attr, its name and the sample ids of its fds. */
export interface PerfDataWriterEvent {
  /** The attr the records were produced with (written at perf 6.1's size, 128). */
  readonly attr: PerfEventAttrInit
  /** The name perf shows (`cpu-clock`, `onering:span`). */
  readonly name: string
  /** The ids its records carry (ID / IDENTIFIER); may be empty for a file of one event. */
  readonly ids?: readonly bigint[]
}

/** Options of {@link PerfDataWriter}. */
export interface PerfDataWriterOptions {
  /** The events, in the order of the attrs section. */
  readonly events: readonly PerfDataWriterEvent[]
  /**
   * The features. Each one not given defaults from this machine (`os.hostname()`,
   * `os.release()`, `os.machine()`, the CPU model, the CPU counts, `process.argv`), VERSION to
   * `onering perf-data`; pass `null` for a feature to leave it out. EVENT_DESC is always
   * written from `events`; CLOCKID / CLOCK_DATA are sampled now for `use_clockid` events on
   * CLOCK_MONOTONIC unless given.
   */
  readonly features?: PerfDataWriterFeatures
  /** Stream the file to this path (created or truncated) instead of keeping it in memory. */
  readonly path?: string
  /** Bytes of data buffered before they are written out (file) or kept as one chunk (memory); default 4 MiB. */
  readonly chunkSize?: number
}

/** The features a writer takes (see {@link PerfDataWriterOptions.features}); `null` leaves one out. */
export type PerfDataWriterFeatures = {
  readonly [K in keyof Omit<PerfDataFeaturesInit, 'eventDesc'>]?: PerfDataFeaturesInit[K] | null
}

/** Optional sample_id trailer values of the records the writer synthesizes. */
export interface PerfSynthesizedId {
  /** The trailer's time (default 0: perf delivers it at once, before the timed records). */
  readonly time?: bigint
  /** The trailer's CPU (default 0). */
  readonly cpu?: number
}

const MiB = 1 << 20

function checkEvlist(evlist: unknown): void {
  const e = checkObject(evlist, 'evlist')
  if (!Array.isArray(e['entries']) || !Array.isArray(e['mmap']))
    throw new TypeError('evlist: expected an evlist from perf_evlist__new')
}

function checkTask(pid: number, ppid: number, tid: number, ptid: number, time: bigint): void {
  checkInt(pid, 'pid', 0, 0xffffffff)
  checkInt(ppid, 'ppid', 0, 0xffffffff)
  checkInt(tid, 'tid', 0, 0xffffffff)
  checkInt(ptid, 'ptid', 0, 0xffffffff)
  checkU64(time, 'time')
}

function defaultFeatures(events: readonly PerfEventAttr[]): PerfDataFeaturesInit {
  const list = cpus()
  const clock = events.find((a) => a.use_clockid)
  const mono = clock?.clockid === 1
  return {
    hostname: hostname(),
    osRelease: release(),
    version: 'onering perf-data',
    arch: machine(),
    nrCpus: { available: list.length, online: availableParallelism() },
    cpuDesc: list[0]?.model.trim() ?? 'unknown',
    cmdline: process.argv,
    ...(mono
      ? {
          clockResNs: 1n,
          clockData: {
            clockid: 1,
            clockNs: process.hrtime.bigint(),
            wallNs: BigInt(Date.now()) * 1_000_000n,
          },
        }
      : {}),
  }
}

/**
 * Writes one perf.data. Add records as the ring consumer hands them out ({@link drain},
 * {@link addRecord}, {@link addRecords}), a FINISHED_ROUND after each pass over the rings
 * ({@link finishedRound}; {@link drainEvlist} does both), thread names ({@link comm},
 * {@link fork}), then {@link finish}.
 *
 * ```ts
 * const w = PerfDataWriter.fromEvlist(evlist, { path: 'perf.data' })
 * w.comm(process.pid, process.pid, 'node')
 * w.drainEvlist(evlist)      // as often as the rings need
 * w.finish()
 * ```
 */
export class PerfDataWriter {
  /** The events, in attrs order. */
  readonly events: readonly PerfDataWriterEvent[]
  readonly #attrs: PerfEventAttr[]
  readonly #ctx: PerfRecordContext
  readonly #firstId: bigint
  readonly #features: PerfDataFeaturesInit
  readonly #fd: number | undefined
  readonly #dataOffset: number
  readonly #spool: RecordSpool
  #finished = false
  #bytes: Uint8Array | undefined
  readonly #round = new Uint8Array([PERF_RECORD_FINISHED_ROUND, 0, 0, 0, 0, 0, 8, 0])

  /**
   * The events of a libperf-style evlist: each selector's attr, its fds' ids, and `names[i]`
   * (default `event<i>`).
   */
  static fromEvlist(
    evlist: PerfEvlist,
    options: Omit<PerfDataWriterOptions, 'events'> & { readonly names?: readonly string[] } = {},
  ): PerfDataWriter {
    checkEvlist(evlist)
    const o = checkObject(options, 'options')
    const names = o['names']
    if (names !== undefined && !Array.isArray(names))
      throw new TypeError('options.names: expected an array of strings')
    const events = evlist.entries.map((e, i) => ({
      attr: e.attr,
      name: names?.[i] === undefined ? `event${i}` : checkString(names[i], `options.names[${i}]`),
      ids: e.fds.map((fd) => fd.id),
    }))
    return new PerfDataWriter({ ...options, events })
  }

  /**
   * @throws TypeError for options that are not an object or events that are not an array;
   *   RangeError for no events, an attr perf 6.1 cannot hold, events whose `sample_id`
   *   layouts differ (perf could not tell their records apart), several events without
   *   ID/IDENTIFIER, or a bad chunk size; the attr's PerfError for a bad attr.
   */
  constructor(options: PerfDataWriterOptions) {
    checkObject(options, 'options')
    const list: readonly PerfDataWriterEvent[] = options.events
    checkArray(list, 'options.events', 'events')
    if (options.path !== undefined) checkString(options.path, 'options.path')
    if (list.length === 0) throw new RangeError('options.events: at least one event')
    const chunkSize =
      options.chunkSize === undefined
        ? 4 * MiB
        : checkInt(options.chunkSize, 'options.chunkSize', 4096, 1 << 30)
    this.events = list
    this.#attrs = list.map((e, i) => {
      checkObject(e, `options.events[${i}]`)
      checkObject(e.attr, `options.events[${i}].attr`)
      checkString(e.name, `options.events[${i}].name`)
      if (e.ids !== undefined) {
        checkArray(e.ids, `options.events[${i}].ids`, 'bigints')
        ;(e.ids as readonly unknown[]).forEach((id: unknown, k: number) =>
          checkU64(id, `options.events[${i}].ids[${k}]`),
        )
      }
      fileAttrBytes(e.attr, `options.events[${i}].attr`)
      return makeAttr(e.attr)
    })
    const first = this.#attrs[0]!
    this.#ctx = recordContext(first)
    for (const [i, a] of this.#attrs.entries()) {
      if (
        a.sample_id_all !== first.sample_id_all ||
        (a.sample_type & TRAILER_BITS) !== (first.sample_type & TRAILER_BITS)
      )
        throw new RangeError(
          `options.events[${i}].attr: its sample_id layout differs from events[0]'s`,
        )
      if (this.#attrs.length > 1 && (a.sample_type & ((1 << 16) | (1 << 6))) === 0)
        throw new RangeError(
          `options.events[${i}].attr: several events need PERF_SAMPLE_IDENTIFIER or PERF_SAMPLE_ID`,
        )
    }
    this.#firstId = list[0]!.ids?.[0] ?? 0n
    const given =
      options.features === undefined ? {} : checkObject(options.features, 'options.features')
    const defaults = defaultFeatures(this.#attrs)
    const merged = new Map<string, unknown>(Object.entries(defaults))
    for (const [k, v] of Object.entries(given)) {
      if (v === null) merged.delete(k)
      else if (v !== undefined) merged.set(k, v)
    }
    if (merged.has('eventDesc'))
      throw new TypeError('options.features.eventDesc: written from options.events')
    const features = Object.fromEntries(merged)
    checkFeatures(features, 'options.features')
    this.#features = features
    const nIds = list.reduce((n, e) => n + (e.ids?.length ?? 0), 0)
    this.#dataOffset = PERF_FILE_HEADER_SIZE + list.length * PERF_FILE_ATTR_ENTRY_SIZE + 8 * nIds
    this.#fd = options.path === undefined ? undefined : openSync(options.path, 'w')
    this.#spool = new RecordSpool(this.#fd, this.#dataOffset, chunkSize)
  }

  /** Bytes of the data section written so far. */
  get dataSize(): number {
    return this.#spool.size
  }

  #open(): void {
    if (this.#finished) throw new Error('PerfDataWriter: finish() was called')
  }

  /**
   * Add one whole record (header included), as a ring consumer handed it out.
   *
   * @throws RangeError if `bytes` is not one record: shorter than 8 bytes, or a `header.size`
   *   that is not its length or not a multiple of 8.
   */
  addRecord(bytes: Uint8Array): void {
    checkBytes(bytes, 'bytes')
    this.#open()
    const n = bytes.length
    if (n < 8 || (bytes[6]! | (bytes[7]! << 8)) !== n || (n & 7) !== 0)
      throw new RangeError(
        `bytes: not one record (${n} bytes, header.size ${n >= 8 ? bytes[6]! | (bytes[7]! << 8) : '?'})`,
      )
    this.#spool.append(bytes, 0, n)
  }

  /**
   * Add the records held back to back in `bytes[offset, offset + length)` (a range a consumer
   * copied out of a ring), checked by walking their headers, then moved as one block.
   *
   * @throws RangeError if the range is outside `bytes` or does not split into whole records.
   */
  addRecords(bytes: Uint8Array, offset = 0, length?: number): void {
    checkBytes(bytes, 'bytes')
    checkInt(offset, 'offset', 0, Number.MAX_SAFE_INTEGER)
    if ((length as unknown) === null) throw new TypeError('length: expected a number')
    length ??= Math.max(0, bytes.length - offset)
    checkInt(length, 'length', 0, Number.MAX_SAFE_INTEGER)
    if (offset + length > bytes.length)
      throw new RangeError(
        `bytes: [offset, offset + length) = [${offset}, ${offset + length}) is not inside the ${bytes.length}-byte buffer`,
      )
    this.#open()
    const end = offset + length
    let at = offset
    while (at < end) {
      const size = end - at >= 8 ? bytes[at + 6]! | (bytes[at + 7]! << 8) : 0
      if (size < 8 || (size & 7) !== 0 || size > end - at)
        throw new RangeError(
          `bytes: the record at ${at} has size ${size}, which does not fit [${offset}, ${end})`,
        )
      at += size
    }
    this.#spool.append(bytes, offset, length)
  }

  /**
   * Move every record a perf ring consumer can read now into the data section (libperf's
   * `perf_mmap__read_init` / `read_event` / `consume` / `read_done` loop), as the bytes the
   * consumer hands out.
   *
   * @returns the number of records moved.
   */
  drain(map: PerfMmap): number {
    this.#open()
    if (!(map instanceof PerfMmap)) throw new TypeError('map: expected a PerfMmap')
    if (perf_mmap__read_init(map) < 0) return 0
    let n = 0
    for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
      const b = ev.bytes
      this.#spool.append(b, 0, b.length)
      perf_mmap__consume(map)
      n++
    }
    perf_mmap__read_done(map)
    return n
  }

  /**
   * One pass over every forward ring of an evlist ({@link drain} each), then a
   * FINISHED_ROUND, as `perf record` does after each pass.
   *
   * @returns the number of records moved.
   */
  drainEvlist(evlist: PerfEvlist): number {
    checkEvlist(evlist)
    let n = 0
    for (const m of evlist.mmap) n += this.drain(m.map)
    this.finishedRound()
    return n
  }

  /** Add a PERF_RECORD_FINISHED_ROUND: perf may sort by time everything added before it. */
  finishedRound(): void {
    this.#open()
    this.#spool.append(this.#round, 0, 8)
  }

  #synth(record: PerfRecordInput, pid: number, tid: number, id: PerfSynthesizedId): void {
    checkObject(id, 'options')
    if (id.time !== undefined) checkU64(id.time, 'options.time')
    if (id.cpu !== undefined) checkInt(id.cpu, 'options.cpu', 0, 0xffffffff)
    const sid: PerfSampleId = {
      pid,
      tid,
      time: id.time ?? 0n,
      id: this.#firstId,
      stream_id: this.#firstId,
      cpu: id.cpu ?? 0,
      res: 0,
      identifier: this.#firstId,
    }
    const r = { ...record, sample_id: sid } as PerfRecordInput
    const out = new Uint8Array(sizeOfRecord(r, this.#ctx))
    writeRecord(new DataView(out.buffer), 0, r, this.#ctx)
    this.#spool.append(out, 0, out.length)
  }

  /**
   * Add a PERF_RECORD_COMM naming thread `tid` of process `pid` (what `perf script` prints as
   * the comm), with the first event's `sample_id` trailer (time 0 unless given: perf applies
   * it before every timed record).
   */
  comm(
    pid: number,
    tid: number,
    comm: string,
    options: PerfSynthesizedId & { readonly exec?: boolean } = {},
  ): void {
    checkInt(pid, 'pid', 0, 0xffffffff)
    checkInt(tid, 'tid', 0, 0xffffffff)
    checkString(comm, 'comm')
    checkBool(checkObject(options, 'options')['exec'], 'options.exec')
    this.#open()
    this.#synth(
      {
        type: PERF_RECORD_COMM,
        pid,
        tid,
        comm,
        misc: options.exec === true ? PERF_RECORD_MISC_COMM_EXEC : 0,
      },
      pid,
      tid,
      options,
    )
  }

  /** Add a PERF_RECORD_FORK: thread `tid` of `pid` created by `ptid` of `ppid` at `time`. */
  fork(
    pid: number,
    ppid: number,
    tid: number,
    ptid: number,
    time: bigint,
    options: PerfSynthesizedId = {},
  ): void {
    this.#task(PERF_RECORD_FORK, pid, ppid, tid, ptid, time, options)
  }

  /** Add a PERF_RECORD_EXIT of thread `tid` at `time`. */
  exit(
    pid: number,
    ppid: number,
    tid: number,
    ptid: number,
    time: bigint,
    options: PerfSynthesizedId = {},
  ): void {
    this.#task(PERF_RECORD_EXIT, pid, ppid, tid, ptid, time, options)
  }

  /** A PERF_RECORD_FORK or PERF_RECORD_EXIT (the same body), its sample_id stamped `time`. */
  #task(
    type: typeof PERF_RECORD_FORK | typeof PERF_RECORD_EXIT,
    pid: number,
    ppid: number,
    tid: number,
    ptid: number,
    time: bigint,
    options: PerfSynthesizedId,
  ): void {
    checkTask(pid, ppid, tid, ptid, time)
    checkObject(options, 'options')
    this.#open()
    this.#synth({ type, pid, ppid, tid, ptid, time }, pid, tid, { time, ...options })
  }

  /**
   * Write the header, the attrs and ids, and the features; close the file.
   *
   * @returns the file's size in bytes.
   */
  finish(): number {
    this.#open()
    this.#finished = true
    const chunks = this.#spool.flush()
    const dataSize = this.#spool.size
    const attrsOffset = PERF_FILE_HEADER_SIZE
    const idsOffset = attrsOffset + this.events.length * PERF_FILE_ATTR_ENTRY_SIZE
    const meta = new Uint8Array(this.#dataOffset)
    const dv = new DataView(meta.buffer)
    let idAt = idsOffset
    this.events.forEach((e, i) => {
      const at = attrsOffset + i * PERF_FILE_ATTR_ENTRY_SIZE
      meta.set(fileAttrBytes(e.attr, `events[${i}].attr`), at)
      const ids = e.ids ?? []
      dv.setBigUint64(at + 128, ids.length === 0 ? 0n : BigInt(idAt), true)
      dv.setBigUint64(at + 136, BigInt(8 * ids.length), true)
      for (const id of ids) {
        dv.setBigUint64(idAt, id, true)
        idAt += 8
      }
    })
    const features = encodeFeatures({
      ...this.#features,
      eventDesc: this.events.map((e) => ({ attr: e.attr, name: e.name, ids: e.ids ?? [] })),
    })
    const tableAt = this.#dataOffset + dataSize
    const table = new Uint8Array(16 * features.length)
    const tv = new DataView(table.buffer)
    let at = tableAt + table.length
    features.forEach((f, i) => {
      tv.setBigUint64(16 * i, BigInt(at), true)
      tv.setBigUint64(16 * i + 8, BigInt(f.body.length), true)
      at += f.body.length
    })
    meta.set(
      encodeFileHeader({
        attrSize: PERF_FILE_ATTR_ENTRY_SIZE,
        attrs: { offset: attrsOffset, size: this.events.length * PERF_FILE_ATTR_ENTRY_SIZE },
        data: { offset: this.#dataOffset, size: dataSize },
        features: features.map((f) => f.bit),
      }),
    )
    const tail = [table, ...features.map((f) => f.body)]
    if (this.#fd === undefined) {
      const out = new Uint8Array(at)
      out.set(meta)
      let p = this.#dataOffset
      for (const c of [...chunks, ...tail]) {
        out.set(c, p)
        p += c.length
      }
      this.#bytes = out
    } else {
      try {
        writeSync(this.#fd, meta, 0, meta.length, 0)
        let p = tableAt
        for (const c of tail) {
          writeSync(this.#fd, c, 0, c.length, p)
          p += c.length
        }
      } finally {
        closeSync(this.#fd)
      }
    }
    return at
  }

  /**
   * The file, after {@link finish}, of a writer without `path`.
   *
   * @throws Error before `finish` or for a writer that streamed to a file.
   */
  bytes(): Uint8Array {
    if (this.#bytes === undefined)
      throw new Error(
        this.#fd === undefined
          ? 'PerfDataWriter: call finish() first'
          : 'PerfDataWriter: the file was written to its path',
      )
    return this.#bytes
  }
}
