/**
 * The test program for our own files: it opens onering perf events (a software event and two
 * tracepoints whose RAW payload is a trace event of `@onering/trace-events`) on two CPU rings,
 * emits samples, and logs what it wrote — event, CPU, thread, time, ip, period and field values.
 * The expected `perf script` lines are made from this log only; the file is written by
 * `PerfDataWriter` from the rings as the consumer reads them.
 */
import {
  perf_event_output,
  perf_evlist__add,
  perf_evlist__close,
  perf_evlist__mmap,
  perf_evlist__new,
  perf_evlist__open,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_TYPE_SOFTWARE,
  PERF_TYPE_TRACEPOINT,
} from '@onering/perf'
import type { PerfEventAttrInit } from '@onering/perf'
import {
  defineEvent,
  entryHeaderText,
  EventEncoder,
  EventIdAllocator,
  pageHeaderText,
  tracepointOf,
} from '@onering/trace-events'
import type { TracingData } from '@onering/trace-events'
import { PerfDataWriter } from '../src/index.js'
import type { PerfDataWriterOptions } from '../src/index.js'

const ids = new EventIdAllocator()
const SPAN = defineEvent(
  {
    system: 'onering',
    name: 'span',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'name', type: 'string' },
    ],
  },
  ids,
)
const GAUGE = defineEvent(
  {
    system: 'app',
    name: 'gauge',
    fields: [
      { name: 'value', type: 's64' },
      { name: 'slot', type: 'u16' },
    ],
  },
  ids,
)

/** The tracing-data block naming both tracepoints (perf's "0.6" layout). */
export const TRACING_DATA: TracingData = {
  version: '0.6',
  bigEndian: false,
  longSize: 8,
  pageSize: 4096,
  headerPage: pageHeaderText(),
  headerEvent: entryHeaderText(),
  ftraceFormats: [],
  systems: [
    { name: 'onering', formats: [SPAN.formatText] },
    { name: 'app', formats: [GAUGE.formatText] },
  ],
  kallsyms: '',
  printkFormats: '',
  cmdlines: '',
}

/** One sample as the program logged it. */
export interface Emitted {
  readonly event: string
  readonly cpu: number
  readonly tid: number
  readonly time: bigint
  readonly ip: bigint
  readonly period: bigint
  /** `name=value` pairs in field order, as the default print fmt prints them. */
  readonly fields: readonly [string, string | number][]
}

const COMMON =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD
const base: PerfEventAttrInit = {
  sample_type: COMMON,
  sample_period: 1,
  sample_id_all: true,
  exclude_kernel: true,
  exclude_hv: true,
  exclude_guest: true,
  use_clockid: true,
  clockid: 1,
}

/** The thread name the program gives itself in the file. */
export const COMM = 'pd-emit'

/**
 * Emit `rounds` × `perRound` samples of each kind into two CPU rings, draining them into a
 * writer after each round (file order per ring; perf sorts across rings by time).
 */
export function emit(
  rounds: number,
  perRound: number,
  options: Omit<PerfDataWriterOptions, 'events'> = {},
): { writer: PerfDataWriter; log: Emitted[] } {
  const evlist = perf_evlist__new()
  const clock = perf_evlist__add(evlist, { ...base, type: PERF_TYPE_SOFTWARE, config: 0n })
  const span = perf_evlist__add(evlist, {
    ...base,
    type: PERF_TYPE_TRACEPOINT,
    config: BigInt(SPAN.id),
    sample_type: COMMON | PERF_SAMPLE_RAW,
  })
  const gauge = perf_evlist__add(evlist, {
    ...base,
    type: PERF_TYPE_TRACEPOINT,
    config: BigInt(GAUGE.id),
    sample_type: COMMON | PERF_SAMPLE_RAW,
  })
  // a PERF_TYPE_TRACEPOINT event opens on a tracepoint of this thread (its samples are written
  // here with perf_event_output, as a probe would write them)
  tracepointOf(SPAN)
  tracepointOf(GAUGE)
  perf_evlist__open(evlist, [0, 1])
  perf_evlist__mmap(evlist, 64)
  const writer = PerfDataWriter.fromEvlist(evlist, {
    ...options,
    names: ['cpu-clock', 'onering:span', 'app:gauge'],
    features: { tracingData: TRACING_DATA, hostname: 'onering-test', ...options.features },
  })
  const pid = process.pid
  writer.comm(pid, pid, COMM)
  const log: Emitted[] = []
  const spanEnc = new EventEncoder(SPAN)
  const gaugeEnc = new EventEncoder(GAUGE)
  const buf = new Uint8Array(256)
  const view = new DataView(buf.buffer)
  let seq = 0
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < perRound; i++) {
      const cpu = (i * 7 + round) % 2
      const k = seq++
      // a span: RAW = the trace event's payload
      const name = `span ${round}.${i}`
      spanEnc.begin(buf, view, 0, buf.length, pid)
      spanEnc.setNumber(0, k)
      spanEnc.setString(1, name)
      let len = spanEnc.end()
      let time = process.hrtime.bigint()
      let ip = 0x400000n + BigInt(k)
      perf_event_output(span.fds[cpu]!, { ip, time, pid, tid: pid, raw: buf.slice(0, len) })
      log.push({
        event: 'onering:span',
        cpu,
        tid: pid,
        time,
        ip,
        period: 1n,
        fields: [
          ['seq', k],
          ['name', name],
        ],
      })
      // a gauge on the other ring
      const value = (k % 5) - 2
      gaugeEnc.begin(buf, view, 0, buf.length, pid)
      gaugeEnc.setNumber(0, value * 1000)
      gaugeEnc.setNumber(1, k & 0xffff)
      len = gaugeEnc.end()
      time = process.hrtime.bigint()
      ip = 0x500000n + BigInt(k)
      perf_event_output(gauge.fds[1 - cpu]!, { ip, time, pid, tid: pid, raw: buf.slice(0, len) })
      log.push({
        event: 'app:gauge',
        cpu: 1 - cpu,
        tid: pid,
        time,
        ip,
        period: 1n,
        fields: [
          ['value', value * 1000],
          ['slot', k & 0xffff],
        ],
      })
      // a cpu-clock sample
      time = process.hrtime.bigint()
      ip = 0x600000n + BigInt(k)
      const period = 250000n + BigInt(k)
      perf_event_output(clock.fds[cpu]!, { ip, time, pid, tid: pid, period })
      log.push({ event: 'cpu-clock', cpu, tid: pid, time, ip, period, fields: [] })
    }
    writer.drainEvlist(evlist)
  }
  perf_evlist__close(evlist)
  return { writer, log }
}

/**
 * The line `perf script -G -F comm,tid,cpu,time,event,ip,period,trace` prints for a logged
 * sample (perf 6.1's `process_event` formats; names right-aligned to the longest, 12).
 */
export function expectedLine(e: Emitted): string {
  const secs = e.time / 1_000_000_000n
  const usecs = (e.time % 1_000_000_000n) / 1000n
  const trace = e.fields.map(([k, v]) => `${k}=${v}`).join(' ')
  return (
    `${COMM.padStart(16)} ${String(e.tid).padStart(5)} [${String(e.cpu).padStart(3, '0')}] ` +
    `${String(secs).padStart(5)}.${String(usecs).padStart(6, '0')}: ${String(e.period).padStart(10)} ` +
    `${e.event.padStart(12)}: ${trace} ${e.ip.toString(16).padStart(16)}`
  )
}

/** The log in time order (the order perf delivers samples in). */
export function byTime(log: readonly Emitted[]): Emitted[] {
  return [...log].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
}
