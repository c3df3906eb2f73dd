/**
 * The test program: writer workers (one ring each) plus the main thread, each logging what it
 * wrote. Expected trace-cmd output is made from these logs only.
 */
import { Worker } from 'node:worker_threads'
import { ring_buffer_set_clock, tracing_mark_write } from '@onering/ftrace'
import type { TraceBuffer } from '@onering/ftrace'

/** One event as the program logged it. */
export interface Logged {
  name: string
  cpu: number
  tid: number
  ts: number
  fields: string
}

/** Start one emitter worker per entry of `cpus`; resolves with each worker's tid and log. */
export function startWorkers(
  tb: TraceBuffer,
  cpus: readonly number[],
  count: number,
  done?: SharedArrayBuffer,
): Promise<{ tid: number; log: Logged[] }[]> {
  return Promise.all(
    cpus.map(
      (cpu) =>
        new Promise<{ tid: number; log: Logged[] }>((resolve, reject) => {
          const w = new Worker(new URL('./workers/emitter.mjs', import.meta.url), {
            workerData: { sab: tb.sab, cpu, count, done },
          })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
}

/** The main thread writes `n` markers on ring `cpu` with its own clock, and logs them. */
export function mainMarkers(tb: TraceBuffer, cpu: number, n: number): Logged[] {
  let last = 0
  ring_buffer_set_clock(tb, () => (last = Number(process.hrtime.bigint())))
  tb.setCpu(cpu)
  const log: Logged[] = []
  for (let k = 0; k < n; k++) {
    const text = `main ${k}`
    while (tracing_mark_write(tb, text) < 0);
    log.push({
      name: 'print',
      cpu,
      tid: process.pid,
      ts: last,
      fields: `tracing_mark_write: ${text}`,
    })
  }
  tb.close()
  return log
}

/** `sec.nsec` as `trace-cmd report -t` prints a nanosecond timestamp. */
export function nsTime(ts: number): string {
  return `${Math.floor(ts / 1e9)}.${String(ts % 1e9).padStart(9, '0')}`
}

/** The report line (whitespace collapsed) trace-cmd prints for a logged event. */
export function reportLine(e: Logged, comm: string, time: string = nsTime(e.ts)): string {
  return `${comm}-${e.tid} [${String(e.cpu).padStart(3, '0')}] ${time}: ${e.name}: ${e.fields}`
}

/** Order by time, then CPU, keeping each CPU's own order (trace-cmd's merge). */
export function byTime(events: Logged[]): Logged[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ts - b.e.ts || a.e.cpu - b.e.cpu || a.i - b.i)
    .map((x) => x.e)
}
