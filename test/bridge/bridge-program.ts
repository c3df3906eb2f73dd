/**
 * The bridge test program (issue 10, point 7): writer workers emit trace events of several
 * definitions through the ftrace face into one trace buffer while each has PERF_TYPE_TRACEPOINT
 * perf events open on them, and each logs what it wrote. {@link runBridgeProgram} runs it;
 * {@link perfSideRecords} is the perf side as a perf.data writer needs it (attrs, ids and the
 * records as read from the rings).
 */
import { Worker } from 'node:worker_threads'
import { ring_buffer_alloc } from '@onering/ftrace'
import type { TraceBuffer } from '@onering/ftrace'
import {
  PerfMmap,
  decodeAttr,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '@onering/perf'
import type { PerfEventAttr } from '@onering/perf'

/** One event as the program logged it. */
export interface Logged {
  name: string
  cpu: number
  tid: number
  /** The timestamp the writer's clock (CLOCK_MONOTONIC ns) gave the event. */
  ts: number
  values: Record<string, number | string>
  /** The fields as the print fmt prints them. */
  fields: string
}

/** One writer's perf side, as posted. */
interface PostedPerf {
  sab: SharedArrayBuffer
  byteOffset: number
  length: number
  events: { name: string; id: bigint; attr: Uint8Array; count: bigint; lost: number }[]
}

/** What one writer worker did. */
export interface WriterResult {
  cpu: number
  tid: number
  log: Logged[]
  perf: PostedPerf
}

/** A run of the program: the trace buffer (the ftrace side) and each writer's result. */
export interface BridgeRun {
  buffer: TraceBuffer
  writers: WriterResult[]
  /** Thread names by tid, for the trace.dat cmdlines and perf's COMM records. */
  comms: Map<number, string>
}

/**
 * Run `writers` writer workers (rings 0 … writers − 1), each emitting `count` events (span,
 * sample, rpc:call in turn) with `perfPages` data pages of perf ring.
 */
export async function runBridgeProgram(
  writers: number,
  count: number,
  perfPages = 64,
): Promise<BridgeRun> {
  const buffer = ring_buffer_alloc(1 << 20, 0, { cpus: writers })
  const cpus = Array.from({ length: writers }, (_, k) => k)
  const results = await Promise.all(
    cpus.map(
      (cpu) =>
        new Promise<WriterResult>((resolve, reject) => {
          const w = new Worker(new URL('./writer.mjs', import.meta.url), {
            workerData: { sab: buffer.sab, cpu, count, perfPages },
          })
          w.once('message', (m: Omit<WriterResult, 'cpu'>) => {
            resolve({ cpu, ...m })
          })
          w.once('error', reject)
        }),
    ),
  )
  const comms = new Map<number, string>([[process.pid, 'node']])
  results.forEach((r, k) => comms.set(r.tid, `writer-${k}`))
  return { buffer, writers: results, comms }
}

/** One perf event of the perf side. */
export interface PerfSideEvent {
  /** The trace event's name (`span`, `sample`, `call`). */
  name: string
  /** The perf event id (IDENTIFIER / ID / STREAM_ID of its samples). */
  id: bigint
  /** Its attr. */
  attr: PerfEventAttr
  /** Hits counted, samples lost. */
  count: bigint
  lost: number
}

/** The perf side of a run. */
export interface PerfSide {
  events: PerfSideEvent[]
  /** Every record of every writer's ring, in ring order, as the consumer read it (copied). */
  records: { cpu: number; tid: number; bytes: Uint8Array }[]
}

/**
 * The perf side of a run as a perf.data writer takes it: the events with their attrs and ids
 * (the attr section), and every record read from the rings with libperf's consumer loop, byte
 * for byte (the data section). The hook for `@onering/perf-data`: write these into a perf.data
 * (with COMM records from `run.comms` and the definitions' formats as HEADER_TRACING_DATA) and
 * `perf script` must print the program's log.
 */
export function perfSideRecords(run: BridgeRun): PerfSide {
  const events: PerfSideEvent[] = []
  const records: PerfSide['records'] = []
  for (const w of run.writers) {
    for (const e of w.perf.events)
      events.push({
        name: e.name,
        id: e.id,
        attr: decodeAttr(e.attr),
        count: e.count,
        lost: e.lost,
      })
    const map = new PerfMmap(new Uint8Array(w.perf.sab, w.perf.byteOffset, w.perf.length))
    if (perf_mmap__read_init(map) < 0) continue
    for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
      records.push({ cpu: w.cpu, tid: w.tid, bytes: ev.bytes.slice() })
      perf_mmap__consume(map)
    }
    perf_mmap__read_done(map)
  }
  return { events, records }
}
