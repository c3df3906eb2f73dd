/**
 * The perf.data sink: the spooled trace events of a recorded process as perf sees ftrace's
 * events — tracepoints. Each trace event becomes a PERF_RECORD_SAMPLE of a
 * `PERF_TYPE_TRACEPOINT` attr whose `config` is the event's id, with the sample fields the
 * kernel fills for a tracepoint (IDENTIFIER, IP 0, TID, TIME on CLOCK_MONOTONIC as the trace.dat,
 * CPU = the ring, PERIOD 1) and RAW = the event's payload padded as the kernel pads it; thread
 * names as PERF_RECORD_COMM, the event formats as TRACING_DATA, the rings merged in time order
 * with a FINISHED_ROUND after each batch.
 *
 * @packageDocumentation
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { dirname } from 'node:path'
import { SubbufReader } from '@onering/ftrace'
import {
  PERF_RECORD_LOST,
  PERF_RECORD_MISC_USER,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_TYPE_TRACEPOINT,
} from '@onering/perf'
import type { PerfEventAttrInit } from '@onering/perf'
import { PerfDataWriter } from '@onering/perf-data'
import type { PerfDataWriterEvent } from '@onering/perf-data'
import {
  entryHeaderText,
  formatCmdlines,
  FTRACE_PRINT,
  pageHeaderText,
} from '@onering/trace-events'
import type { EventDefinition, TracingData } from '@onering/trace-events'
import {
  anonCodeMmap,
  cpuClockAttr,
  cpuClockSampleSize,
  putCpuClockSample,
} from './cpu-clock-event.js'
import { readCpuSamples } from './cpu-samples.js'
import type { FileSink, SinkResult, SpoolSet } from './file-sink.js'
import { writePerfMaps } from './perf-map.js'

/** The sample fields of every event: what the kernel fills for a tracepoint sample. */
export const PERF_SINK_SAMPLE_TYPE: number =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD |
  PERF_SAMPLE_RAW

/** Bytes of a sample before RAW: header, identifier, ip, pid/tid, time, cpu/res, period. */
const FIXED = 8 + 8 + 8 + 8 + 8 + 8 + 8
/** Pages read from a spool at once. */
const CHUNK_PAGES = 64
/** Samples between two FINISHED_ROUNDs (the batch handed to the writer). */
const BATCH = 4096
/** A PERF_RECORD_LOST: header, id, lost, and the sample_id trailer (pid/tid, time, cpu, identifier). */
const LOST_SIZE = 8 + 8 + 8 + 32

/** Write a PERF_RECORD_LOST of `lost` events of event `id` at `time` on `cpu` (perf counts them). */
function putLost(
  dv: DataView,
  at: number,
  id: number,
  lost: number,
  pid: number,
  time: number,
  cpu: number,
): void {
  dv.setUint32(at, PERF_RECORD_LOST, true)
  dv.setUint16(at + 4, 0, true)
  dv.setUint16(at + 6, LOST_SIZE, true)
  dv.setUint32(at + 8, id, true)
  dv.setUint32(at + 12, 0, true)
  dv.setUint32(at + 16, lost % 0x1_0000_0000, true)
  dv.setUint32(at + 20, Math.floor(lost / 0x1_0000_0000), true)
  dv.setUint32(at + 24, pid, true)
  dv.setUint32(at + 28, pid, true)
  dv.setUint32(at + 32, time % 0x1_0000_0000, true)
  dv.setUint32(at + 36, Math.floor(time / 0x1_0000_0000), true)
  dv.setUint32(at + 40, cpu, true)
  dv.setUint32(at + 44, 0, true)
  dv.setUint32(at + 48, id, true)
  dv.setUint32(at + 52, 0, true)
}

/** The events of one spool file, one at a time, in the ring's (time) order. */
class RingCursor {
  readonly #fd: number
  readonly #size: number
  readonly #pageSize: number
  readonly #buf: Uint8Array
  #reader: SubbufReader
  #pos = 0
  #loaded = 0
  #page = 0
  /** The current event's timestamp; `Infinity` once the spool is done. */
  time = Infinity
  /** The current event's payload offset in {@link bytes}. */
  offset = 0
  /** The current event's payload length (4-aligned, as the ring stores it). */
  length = 0
  /** Events the pages said were lost. */
  missed = 0
  /** Lost events reported before the current event and not yet written as a LOST record. */
  pendingLost = 0

  constructor(path: string, pageSize: number) {
    this.#fd = openSync(path, 'r')
    const size = fstatSync(this.#fd).size
    this.#size = size - (size % pageSize)
    this.#pageSize = pageSize
    this.#buf = new Uint8Array(pageSize * CHUNK_PAGES)
    this.#reader = new SubbufReader(this.#buf, pageSize)
    this.advance()
  }

  /** The bytes the current event's payload is in. */
  get bytes(): Uint8Array {
    return this.#buf
  }

  #fill(): boolean {
    if (this.#pos >= this.#size) return false
    const want = Math.min(this.#buf.length, this.#size - this.#pos)
    let got = 0
    while (got < want) {
      const n = readSync(this.#fd, this.#buf, got, want - got, this.#pos + got)
      if (n <= 0) return false
      got += n
    }
    this.#pos += want
    this.#loaded = want
    this.#page = 0
    this.#reader.load(0)
    return true
  }

  /** Move to the next event (sets {@link time} to `Infinity` at the end). */
  advance(): void {
    for (;;) {
      const ev = this.#loaded === 0 ? null : this.#reader.next()
      if (ev !== null) {
        if (ev.missed !== 0) {
          const n = ev.missed < 0 ? 1 : ev.missed
          this.missed += n
          this.pendingLost += n
        }
        if (ev.length < 8) continue
        this.time = ev.timestamp
        this.offset = ev.offset
        this.length = ev.length
        return
      }
      this.#page += this.#pageSize
      if (this.#loaded !== 0 && this.#page + this.#pageSize <= this.#loaded) {
        this.#reader.load(this.#page)
        continue
      }
      if (!this.#fill()) {
        this.time = Infinity
        return
      }
    }
  }

  close(): void {
    closeSync(this.#fd)
  }
}

/** perf's TRACING_DATA for the events of a recording (the `node` system, the app's, `ftrace:print`). */
export function perfTracingData(
  definitions: readonly EventDefinition[],
  pageSize: number,
  comms: ReadonlyMap<number, string>,
): TracingData {
  const systems = new Map<string, string[]>()
  for (const d of definitions) {
    if (d.system === 'ftrace') continue
    const list = systems.get(d.system) ?? []
    list.push(d.formatText)
    systems.set(d.system, list)
  }
  return {
    version: '0.6',
    bigEndian: false,
    longSize: 8,
    pageSize,
    headerPage: pageHeaderText(pageSize),
    headerEvent: entryHeaderText(),
    ftraceFormats: [FTRACE_PRINT.formatText],
    systems: [...systems].map(([name, formats]) => ({ name, formats })),
    // perf resolves ips through its own symbols, not these: ftrace:print's ip prints as an address
    kallsyms: '',
    printkFormats: '',
    cmdlines: formatCmdlines(comms),
  }
}

/** perf.data (perf 6.1 file mode): every spooled trace event as a tracepoint sample. */
export const perfDataSink: FileSink = {
  format: 'perf.data',
  fileName: (pid, main) => (main ? 'perf.data' : `perf-${pid}.data`),
  write(spools: SpoolSet, path: string): SinkResult {
    const proc = spools.process
    const defs = new Map<number, EventDefinition>([[FTRACE_PRINT.id, FTRACE_PRINT]])
    for (const d of spools.definitions) defs.set(d.id, d)
    const mono = proc.clock !== 'counter'
    const idOf = new Map<number, number>()
    const events: PerfDataWriterEvent[] = []
    for (const d of defs.values()) {
      const id = events.length + 1
      idOf.set(d.id, id)
      const attr: PerfEventAttrInit = {
        type: PERF_TYPE_TRACEPOINT,
        config: BigInt(d.id),
        sample_type: PERF_SINK_SAMPLE_TYPE,
        sample_period: 1,
        sample_id_all: true,
        exclude_kernel: true,
        exclude_hv: true,
        exclude_guest: true,
        ...(mono ? { use_clockid: true, clockid: 1 } : {}),
      }
      events.push({ attr, name: `${d.system}:${d.name}`, ids: [BigInt(id)] })
    }
    // --cpu-profile: the threads' JS stack samples as a cpu-clock event
    const periodNs = (proc.cpuProfileUs ?? 0) * 1000
    const prof = periodNs > 0 ? readCpuSamples(spools.dir) : undefined
    const nProf = prof?.times.length ?? 0
    const cpuClockId = events.length + 1
    if (nProf > 0)
      events.push({
        attr: cpuClockAttr(periodNs, mono),
        name: 'cpu-clock',
        ids: [BigInt(cpuClockId)],
      })
    const writer = new PerfDataWriter({
      events,
      path,
      features: {
        tracingData: perfTracingData([...defs.values()], proc.pageSize, spools.comms),
        cmdline: proc.argv,
        nrCpus: { available: proc.rings, online: proc.rings },
      },
    })
    for (const [tid, name] of [...spools.comms].sort((a, b) => a[0] - b[0]))
      writer.comm(proc.pid, tid, name)
    if (prof !== undefined && nProf > 0) {
      writer.addRecord(anonCodeMmap(proc.pid, prof.frames, events[0]!.attr, 1))
      writePerfMaps(dirname(path), proc.pid, prof.frames, proc.startedMs ?? 0)
    }
    let pi = 0
    const cursors: RingCursor[] = []
    let count = 0
    let missed = 0
    try {
      for (const p of spools.cpus) cursors.push(new RingCursor(p, proc.pageSize))
      let out = new Uint8Array(1 << 20)
      let dv = new DataView(out.buffer)
      let at = 0
      let inBatch = 0
      let lastTime = 0
      const flush = (): void => {
        if (at > 0) writer.addRecords(out, 0, at)
        writer.finishedRound()
        at = 0
        inBatch = 0
      }
      for (;;) {
        let best = -1
        let bestTime = Infinity
        for (let c = 0; c < cursors.length; c++) {
          const t = cursors[c]!.time
          if (t < bestTime) {
            bestTime = t
            best = c
          }
        }
        if (pi < nProf && prof!.times[pi]! <= bestTime) {
          // the next JS stack sample comes before the next trace event
          const stack = prof!.stacks[pi]!
          const size = cpuClockSampleSize(stack.length)
          if (at + size > out.length) {
            writer.addRecords(out, 0, at)
            at = 0
          }
          const tid = prof!.tids[pi]!
          at += putCpuClockSample(dv, at, {
            id: cpuClockId,
            pid: proc.pid,
            tid,
            time: prof!.times[pi]!,
            cpu: prof!.ringOf.get(tid) ?? 0,
            periodNs,
            stack,
          })
          lastTime = prof!.times[pi]!
          pi++
          count++
          if (++inBatch === BATCH) flush()
          continue
        }
        if (best < 0) break
        lastTime = bestTime
        const cur = cursors[best]!
        const src = cur.bytes
        const o = cur.offset
        const len = cur.length
        const eventId = src[o]! | (src[o + 1]! << 8)
        const tid = src[o + 4]! | (src[o + 5]! << 8) | (src[o + 6]! << 16) | (src[o + 7]! << 24)
        const id = idOf.get(eventId)
        if (id !== undefined) {
          // RAW as the kernel pads it: u32 size + payload, to the next multiple of 8
          const rawSize = ((len + 4 + 7) & ~7) - 4
          const lostSize = cur.pendingLost > 0 ? LOST_SIZE : 0
          const size = lostSize + FIXED + 4 + rawSize
          if (at + size > out.length) {
            writer.addRecords(out, 0, at)
            at = 0
            if (size > out.length) {
              out = new Uint8Array(size)
              dv = new DataView(out.buffer)
            }
          }
          if (lostSize !== 0) {
            // the events a page said were lost before this one (trace-cmd's [LOST n EVENTS])
            putLost(dv, at, id, cur.pendingLost, proc.pid, cur.time, best)
            cur.pendingLost = 0
            at += lostSize
          }
          const sampleSize = size - lostSize
          dv.setUint32(at, PERF_RECORD_SAMPLE, true)
          dv.setUint16(at + 4, PERF_RECORD_MISC_USER, true)
          dv.setUint16(at + 6, sampleSize, true)
          dv.setUint32(at + 8, id, true) // IDENTIFIER (u64, small)
          dv.setUint32(at + 12, 0, true)
          dv.setUint32(at + 16, 0, true) // IP: a tracepoint of no code address
          dv.setUint32(at + 20, 0, true)
          dv.setUint32(at + 24, proc.pid, true)
          dv.setUint32(at + 28, tid >>> 0, true)
          dv.setUint32(at + 32, cur.time % 0x1_0000_0000, true) // TIME (< 2^53)
          dv.setUint32(at + 36, Math.floor(cur.time / 0x1_0000_0000), true)
          dv.setUint32(at + 40, best, true) // CPU: the ring
          dv.setUint32(at + 44, 0, true)
          dv.setUint32(at + 48, 1, true) // PERIOD
          dv.setUint32(at + 52, 0, true)
          dv.setUint32(at + 56, rawSize, true)
          out.set(src.subarray(o, o + len), at + 60)
          out.fill(0, at + 60 + len, at + sampleSize)
          at += sampleSize
          count++
          if (++inBatch === BATCH) flush()
        } else missed++
        cur.advance()
      }
      // what the rings' counters say was lost beyond the pages' counts (overwritten, dropped)
      const rings = spools.status?.rings
      cursors.forEach((c, cpu) => {
        missed += c.missed
        const k = rings?.[cpu]
        const extra = k === undefined ? 0 : k.overrun + k.commitOverrun + k.droppedEvents - c.missed
        if (extra > 0 && at + LOST_SIZE <= out.length) {
          missed += extra
          putLost(dv, at, 1, extra, proc.pid, Math.max(lastTime, spools.status?.now ?? 0), cpu)
          at += LOST_SIZE
        }
      })
      flush()
    } finally {
      for (const c of cursors) c.close()
    }
    const size = writer.finish()
    return { path, size, events: count, lost: Math.max(missed, spools.status?.lost ?? 0) }
  },
}
