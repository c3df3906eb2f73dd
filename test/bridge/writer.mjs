// The bridge test program's writer worker: attaches to the trace buffer on its own ring ("CPU"),
// opens one PERF_TYPE_TRACEPOINT perf event per event definition on this thread (all writing
// into the first one's ring: SET_OUTPUT), emits `count` events of the three definitions through
// the ftrace face (trace_event_write), and keeps its OWN log of what it wrote: name, cpu, tid,
// the timestamp its clock gave the event, the field values. It posts the log, its perf ring's
// memory and the perf events' ids and attrs.
import { parentPort, workerData } from 'node:worker_threads'
import { EventEncoder, tracepointOf } from '@onering/trace-events'
import { TraceBuffer, currentTid, ring_buffer_set_clock, trace_event_write } from '@onering/ftrace'
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_SET_OUTPUT,
  PROT_READ,
  PROT_WRITE,
  encodeAttr,
  ioctl,
  mmap,
  perf_event_open,
} from '@onering/perf'
import { tracepointAttr } from '../support/perf-tracepoint-attr.mjs'
import { DEFINITIONS, RPC, SAMPLE, SPAN } from './definitions.mjs'

const { sab, cpu, count, perfPages } = workerData
let last = 0
// CLOCK_MONOTONIC ns (the buffer's `mono` trace clock), remembered for the log
const clock = () => (last = Number(process.hrtime.bigint()))
const tb = TraceBuffer.attach(sab, { cpu })
ring_buffer_set_clock(tb, clock)
const tid = currentTid()

// the perf side, as `perf record -e bridge:span -e bridge:sample -e rpc:call` opens it
const events = DEFINITIONS.map((d) => {
  tracepointOf(d)
  return perf_event_open(
    tracepointAttr(d.id, { sample_id_all: true, disabled: true, wakeup_events: 1 }),
    0,
    -1,
  )
})
const map = mmap(events[0], (1 + perfPages) * 4096, PROT_READ | PROT_WRITE)
for (const e of events.slice(1)) ioctl(e, PERF_EVENT_IOC_SET_OUTPUT, events[0])
for (const e of events) ioctl(e, PERF_EVENT_IOC_ENABLE)

const enc = {
  span: new EventEncoder(SPAN),
  sample: new EventEncoder(SAMPLE),
  call: new EventEncoder(RPC),
}
const log = []
const spanValues = [0, 0, 0, '', '']
const sampleValues = [0, 0]
const rpcValues = [0, 0, '']
const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH']
for (let k = 0; k < count; k++) {
  switch (k % 3) {
    case 0: {
      const v = {
        seq: k,
        level: -k,
        dur: k * 1_000_003,
        name: `req-${cpu}-${k}`,
        tag: `t${k % 100}`,
      }
      spanValues[0] = v.seq
      spanValues[1] = v.level
      spanValues[2] = v.dur
      spanValues[3] = v.name
      spanValues[4] = v.tag
      while (trace_event_write(tb, enc.span, spanValues) !== 0);
      log.push({
        name: 'span',
        cpu,
        tid,
        ts: last,
        values: v,
        fields: `seq=${v.seq} level=${v.level} dur=${v.dur} name=${v.name} tag=${v.tag}`,
      })
      break
    }
    case 1: {
      const v = { value: -(2 ** 40) - k, slot: k & 0xffff }
      sampleValues[0] = v.value
      sampleValues[1] = v.slot
      while (trace_event_write(tb, enc.sample, sampleValues) !== 0);
      log.push({
        name: 'sample',
        cpu,
        tid,
        ts: last,
        values: v,
        fields: `value=${v.value} slot=${v.slot}`,
      })
      break
    }
    default: {
      const v = { status: 200 + (k % 5), bytes: k * 17, method: `${METHODS[k % 4]} /item/${k}` }
      rpcValues[0] = v.status
      rpcValues[1] = v.bytes
      rpcValues[2] = v.method
      while (trace_event_write(tb, enc.call, rpcValues) !== 0);
      log.push({
        name: 'call',
        cpu,
        tid,
        ts: last,
        values: v,
        fields: `status=${v.status} bytes=${v.bytes} method=${v.method}`,
      })
    }
  }
}
for (const e of events) ioctl(e, PERF_EVENT_IOC_DISABLE)
tb.close()
parentPort.postMessage({
  tid,
  log,
  perf: {
    sab: map.sab,
    byteOffset: map.bytes.byteOffset,
    length: map.bytes.length,
    events: events.map((e, k) => ({
      name: DEFINITIONS[k].name,
      id: e.id,
      attr: encodeAttr(e.attr),
      count: e.count,
      lost: e.lost_samples,
    })),
  },
})
