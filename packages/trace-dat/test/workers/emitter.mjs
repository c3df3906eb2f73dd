// The test program's writer: attaches to the buffer on its own ring ("CPU"), emits spans,
// samples and trace_marker texts through @onering/ftrace's trace-event write path, and keeps its
// OWN log of what it wrote (name, cpu, tid, timestamp from its own clock, field values).
// In produce-consume mode a full ring is retried until the recorder drains it.
import { workerData, parentPort } from 'node:worker_threads'
import { EventEncoder } from '@onering/trace-events'
import {
  TraceBuffer,
  ring_buffer_set_clock,
  currentTid,
  trace_event_write,
  tracing_mark_write,
} from '@onering/ftrace'
import { SAMPLE, SPAN } from '../definitions.mjs'

const { sab, cpu, count, done } = workerData
let last = 0
// CLOCK_MONOTONIC ns, remembered so the log holds the exact timestamp of each event
const clock = () => (last = Number(process.hrtime.bigint()))
const tb = TraceBuffer.attach(sab, { cpu })
ring_buffer_set_clock(tb, clock)
const tid = currentTid()
const span = new EventEncoder(SPAN)
const sample = new EventEncoder(SAMPLE)
const log = []
const spanValues = [0, 0, 0, '', '']
const sampleValues = [0, 0]
for (let k = 0; k < count; k++) {
  switch (k % 3) {
    case 0: {
      spanValues[0] = k
      spanValues[1] = -k
      spanValues[2] = k * 1_000_003
      spanValues[3] = `req-${cpu}-${k}`
      spanValues[4] = `t${k % 100}`
      while (trace_event_write(tb, span, spanValues) !== 0);
      log.push({
        name: 'span',
        cpu,
        tid,
        ts: last,
        fields: `seq=${k} level=${-k} dur=${k * 1_000_003} name=req-${cpu}-${k} tag=t${k % 100}`,
      })
      break
    }
    case 1: {
      sampleValues[0] = -(2 ** 40) - k
      sampleValues[1] = k & 0xffff
      while (trace_event_write(tb, sample, sampleValues) !== 0);
      log.push({
        name: 'sample',
        cpu,
        tid,
        ts: last,
        fields: `value=${-(2 ** 40) - k} slot=${k & 0xffff}`,
      })
      break
    }
    default: {
      const text = `marker ${cpu}/${k}`
      while (tracing_mark_write(tb, text) < 0);
      log.push({ name: 'print', cpu, tid, ts: last, fields: `tracing_mark_write: ${text}` })
    }
  }
}
tb.close()
parentPort.postMessage({ tid, log })
if (done !== undefined) {
  const d = new Int32Array(done)
  Atomics.add(d, 0, 1)
  Atomics.notify(d, 0)
}
