/**
 * libtraceevent reads the trace events onering writes (issue 9, point 6): a program emits
 * `onering/request` events through `trace_event_write` and `trace_marker` text through
 * `tracing_mark_write` on two CPUs and keeps its own log of what it wrote (values, CPU, clock,
 * thread id). The pages are read out with the libtracefs-style consumer loop (tracefs_cpu_open
 * → tracefs_cpu_read → kbuffer_load_subbuffer → kbuffer_read_event / kbuffer_next_event →
 * tep_print_event), and `kbuffer-check.c` prints every event of them with libtraceevent's own
 * kbuffer + `tep_print_event` as trace-cmd report's event line. Both must be exactly the line the
 * program's log says: comm-pid, [cpu], latency, time, event name and the field values.
 *
 * Needs `pkg-config` + libtraceevent-dev and a C compiler; skipped with a warning without them,
 * a failure when `CI` is set.
 */
import { readlinkSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EventEncoder,
  EventIdAllocator,
  FTRACE_PRINT,
  defineEvent,
  tep_alloc,
  tep_free,
  tep_parse_event,
  tep_parse_kallsyms,
  tep_parse_saved_cmdlines,
  tep_print_event,
  TEP_PRINT_COMM,
  TEP_PRINT_CPU,
  TEP_PRINT_INFO,
  TEP_PRINT_LATENCY,
  TEP_PRINT_NAME,
  TEP_PRINT_PID,
  TEP_PRINT_TIME,
  TraceSeq,
  trace_seq_destroy,
  trace_seq_init,
  trace_seq_reset,
} from '@onering/trace-events'
import type { TepHandle, TepRecord } from '@onering/trace-events'
import {
  kbuffer_alloc,
  kbuffer_event_size,
  kbuffer_free,
  kbuffer_load_subbuffer,
  kbuffer_next_event,
  kbuffer_read_event,
  KBUFFER_ENDIAN_LITTLE,
  KBUFFER_LSIZE_8,
  ring_buffer_alloc,
  ring_buffer_free,
  ring_buffer_set_clock,
  trace_event_write,
  tracefs_cpu_close,
  tracefs_cpu_flush,
  tracefs_cpu_open,
  tracefs_cpu_read,
  tracefs_cpu_read_size,
  tracefs_cpu_stop,
  tracing_mark_write,
  TRACING_MARK_WRITE_KALLSYMS,
} from '@onering/ftrace'
import type { TraceBuffer } from '@onering/ftrace'
import {
  buildKbufferChecker,
  kbufferMissing,
  reportMissingOracle,
  removeKbufferChecker,
  runKbufferChecker,
} from './kbuffer-oracle.js'

reportMissingOracle('tep_print_event on onering pages')

const REQUEST = defineEvent(
  {
    system: 'onering',
    name: 'request',
    fields: [
      { name: 'id', type: 'u32' },
      { name: 'status', type: 's32' },
      { name: 'bytes', type: 'u64' },
      { name: 'path', type: 'string' },
      { name: 'tag', type: 'char', array: 8 },
    ],
  },
  new EventIdAllocator(),
)

/** What the emitting program wrote, by its own account. */
interface Logged {
  cpu: number
  ts: number
  name: string
  /** the values as the program would print them: `key=value …` or the marker text */
  text: string
  marker: boolean
}

/** This thread's OS thread id, read by the test itself (`/proc/thread-self` → `<pid>/task/<tid>`). */
const tid = Number(/(\d+)$/.exec(readlinkSync('/proc/thread-self'))![1])
const COMM = 'node-tep-test'

function emit(buffer: TraceBuffer, n: number): Logged[] {
  const log: Logged[] = []
  let now = 5_000_000_123
  ring_buffer_set_clock(buffer, () => now)
  const enc = new EventEncoder(REQUEST)
  for (let k = 0; k < n; k++) {
    buffer.cpu = k % 3 === 0 ? 1 : 0
    now += 1000 + ((k * 7919) % 900_000)
    if (k % 5 === 4) {
      const text = `marker ${k} ünïcode`
      expect(tracing_mark_write(buffer, text)).toBeGreaterThan(0)
      log.push({
        cpu: buffer.cpu,
        ts: now,
        name: 'print',
        text: `tracing_mark_write: ${text}\n`,
        marker: true,
      })
      continue
    }
    const id = k * 13
    const status = k % 2 === 0 ? -k : k * 1000
    const bytes = k * 2 ** 33 + 7
    const path = `/api/v${k % 4}/items/${k}`
    const tag = `t${k % 100}`
    expect(trace_event_write(buffer, enc, [id, status, bytes, path, tag])).toBe(0)
    log.push({
      cpu: buffer.cpu,
      ts: now,
      name: 'request',
      text: `id=${id} status=${status} bytes=${bytes} path=${path} tag=${tag}`,
      marker: false,
    })
  }
  return log
}

/** trace-cmd report's event line for a logged event, written from the log alone. */
function expectedLine(e: Logged): string {
  const us = Math.floor((e.ts + 500) / 1000)
  const time = `${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, '0')}`
  const lat = e.marker ? '...1.' : '.....'
  return `${COMM.padStart(16)}-${String(tid).padEnd(5)} [${String(e.cpu).padStart(3, '0')}] ${lat} ${time}: ${e.name}: ${e.text}`
}

const FORMATS = [
  { system: 'ftrace', text: FTRACE_PRINT.formatText },
  { system: 'onering', text: REQUEST.formatText },
]

/** The consumer loop of a libtracefs/libtraceevent program, ported line by line. */
function consume(
  buffer: TraceBuffer,
  tep: TepHandle,
  cpu: number,
): { lines: string[]; pages: Uint8Array[] } {
  const lines: string[] = []
  const pages: Uint8Array[] = []
  const tcpu = tracefs_cpu_open(buffer, cpu, true)
  const buf = new Uint8Array(tracefs_cpu_read_size(tcpu))
  const kbuf = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE)
  const seq = new TraceSeq()
  trace_seq_init(seq)
  const ts = { value: 0 }
  tracefs_cpu_stop(tcpu)
  for (;;) {
    let r = tracefs_cpu_read(tcpu, buf, true)
    if (r <= 0) r = tracefs_cpu_flush(tcpu, buf)
    if (r <= 0) break
    pages.push(buf.slice(0, r))
    kbuffer_load_subbuffer(kbuf, buf)
    for (
      let data = kbuffer_read_event(kbuf, ts);
      data !== null;
      data = kbuffer_next_event(kbuf, ts)
    ) {
      const record: TepRecord = { ts: ts.value, cpu, size: kbuffer_event_size(kbuf), data }
      trace_seq_reset(seq)
      tep_print_event(
        tep,
        seq,
        record,
        '%16s-%-5d [%03d] %s %6.1000d: %s: %s',
        TEP_PRINT_COMM,
        TEP_PRINT_PID,
        TEP_PRINT_CPU,
        TEP_PRINT_LATENCY,
        TEP_PRINT_TIME,
        TEP_PRINT_NAME,
        TEP_PRINT_INFO,
      )
      lines.push(seq.buffer)
    }
  }
  trace_seq_destroy(seq)
  kbuffer_free(kbuf)
  tracefs_cpu_close(tcpu)
  return { lines, pages }
}

function concat(pages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pages.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of pages) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe.skipIf(kbufferMissing !== null)('tep_print_event on onering pages (libtraceevent)', () => {
  beforeAll(buildKbufferChecker)
  afterAll(removeKbufferChecker)

  it('libtraceevent prints every event as the emitting program logged it; so does the ported loop', () => {
    const buffer = ring_buffer_alloc(1 << 16, 0, { cpus: 2 })
    const log = emit(buffer, 400)
    const tep = tep_alloc()
    tep_parse_kallsyms(tep, TRACING_MARK_WRITE_KALLSYMS)
    tep_parse_saved_cmdlines(tep, `${tid} ${COMM}\n`)
    for (const f of FORMATS) expect(tep_parse_event(tep, f.text, undefined, f.system)).toBe(0)
    for (const cpu of [0, 1]) {
      const expected = log.filter((e) => e.cpu === cpu).map(expectedLine)
      expect(expected.length).toBeGreaterThan(50)
      const ours = consume(buffer, tep, cpu)
      expect(ours.pages.length).toBeGreaterThan(1)
      const out = runKbufferChecker(`tep-pages-cpu${cpu}`, concat(ours.pages), 4096, {
        formats: FORMATS,
        cmdlines: `${tid} ${COMM}\n`,
        kallsyms: TRACING_MARK_WRITE_KALLSYMS,
        cpu,
      })
      const theirs = out
        .split('\n')
        .filter((l) => l.startsWith('T '))
        .map((l) => Buffer.from(l.split(' ')[2]!, 'hex').toString('utf8'))
      expect(theirs).toEqual(expected)
      expect(ours.lines).toEqual(expected)
    }
    tep_free(tep)
    ring_buffer_free(buffer)
  })
})
