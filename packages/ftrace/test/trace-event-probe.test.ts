/**
 * Trace events as tracepoints on the ftrace face: the commit hands the payload it encoded in the
 * ring to the event's tracepoint probes (with the record's timestamp and CPU), and
 * `trace_event_reg` makes another trace buffer record the event through a probe. The oracle is
 * the ftrace ring itself: what a probe receives must be the bytes and timestamp the ring holds.
 */
import { describe, expect, it } from 'vitest'
import { EventEncoder, EventIdAllocator, defineEvent, tracepointOf } from '@onering/trace-events'
import type { TracepointProbe } from '@onering/trace-events'
import {
  RB_FL_OVERWRITE,
  currentTid,
  ring_buffer_alloc,
  trace_event_buffer_commit,
  trace_event_buffer_reserve,
  trace_event_reg,
  trace_event_unreg,
  trace_event_write,
  tracing_mark_write,
} from '../src/index.js'
import type { TraceBuffer } from '../src/index.js'
import { manualClock } from './helpers.js'

const ids = new EventIdAllocator()
const span = defineEvent(
  {
    system: 'probe_test',
    name: 'span',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'dur', type: 'u64' },
      { name: 'name', type: 'string' },
    ],
  },
  ids,
)
const enc = new EventEncoder(span)

interface Seen {
  bytes: number[]
  time: number
  cpu: number
}

function recorder(): { probe: TracepointProbe; seen: Seen[] } {
  const seen: Seen[] = []
  return {
    seen,
    probe: (data, offset, length, time, cpu) => {
      seen.push({ bytes: [...data.subarray(offset, offset + length)], time, cpu })
    },
  }
}

/** Every event of `cpu`: its payload bytes and timestamp. */
function drain(tb: TraceBuffer, cpu = 0): { bytes: number[]; ts: number }[] {
  const out: { bytes: number[]; ts: number }[] = []
  for (let e = tb.consume(cpu); e !== null; e = tb.consume(cpu)) {
    const ev = e.event
    out.push({ bytes: [...ev.bytes.subarray(ev.dataOffset, ev.dataOffset + ev.length)], ts: e.ts })
  }
  return out
}

describe('the commit calls the tracepoint probes with the payload in the ring', () => {
  it('trace_event_write and reserve/commit: the probe gets the ring bytes, timestamp and CPU', () => {
    const tb = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE, { cpus: 2 })
    tb.setCpu(1)
    const clock = manualClock(tb, 777_000)
    const tp = tracepointOf(span)
    const { probe, seen } = recorder()
    tp.register(probe)
    try {
      expect(trace_event_write(tb, enc, [7, 1500, 'GET /'])).toBe(0)
      clock.t = 888_000
      const e = trace_event_buffer_reserve(tb, enc, 4)!
      e.setNumber(0, 8)
      e.setNumber(1, 2 ** 40)
      e.setString(2, 'abc')
      expect(trace_event_buffer_commit(tb)).toBe(0)
      tb.openWriter().flush()
      const ring = drain(tb, 1)
      expect(ring).toHaveLength(2)
      // the ring rounds a record's length up to 4 bytes: the probe gets the payload itself
      expect(seen.map((s) => s.bytes)).toEqual(
        ring.map((r, k) => r.bytes.slice(0, seen[k]!.bytes.length)),
      )
      expect(ring.map((r) => r.bytes.length)).toEqual(
        seen.map((s) => Math.ceil(s.bytes.length / 4) * 4),
      )
      expect(seen.map((s) => s.time)).toEqual(ring.map((r) => r.ts))
      expect(seen.map((s) => s.time)).toEqual([777_000, 888_000])
      expect(seen.map((s) => s.cpu)).toEqual([1, 1])
      // common_pid is this thread's id
      const pid = new DataView(new Uint8Array(seen[0]!.bytes).buffer).getInt32(4, true)
      expect(pid).toBe(currentTid())
    } finally {
      tp.unregister(probe)
    }
  })

  it('a buffer on another clock hands -1 as the time; no probe: nothing is called', () => {
    const tb = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE, { clock: 'counter' })
    const tp = tracepointOf(span)
    const { probe, seen } = recorder()
    expect(trace_event_write(tb, enc, [1, 2, 'x'])).toBe(0)
    expect(seen).toHaveLength(0)
    tp.register(probe)
    expect(trace_event_write(tb, enc, [1, 2, 'x'])).toBe(0)
    tp.unregister(probe)
    expect(trace_event_write(tb, enc, [1, 2, 'x'])).toBe(0)
    expect(seen.map((s) => s.time)).toEqual([-1])
    expect(tracing_mark_write(tb, 'marker')).toBe(6) // ftrace/print is no tracepoint here
    expect(seen).toHaveLength(1)
  })

  it('nested reserve/commit pairs emit each event once, innermost first', () => {
    const tb = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    const inner = defineEvent(
      { system: 'probe_test', name: 'inner', fields: [{ name: 'v', type: 'u16' }] },
      ids,
    )
    const innerEnc = new EventEncoder(inner)
    const a = recorder()
    const b = recorder()
    tracepointOf(span).register(a.probe)
    tracepointOf(inner).register(b.probe)
    try {
      const e = trace_event_buffer_reserve(tb, enc, 2)!
      e.setNumber(0, 1)
      e.setString(2, 'o')
      tb.nestStart()
      const i = trace_event_buffer_reserve(tb, innerEnc)!
      i.setNumber(0, 9)
      trace_event_buffer_commit(tb)
      tb.nestEnd()
      trace_event_buffer_commit(tb)
      expect(b.seen).toHaveLength(1)
      expect(a.seen).toHaveLength(1)
      expect(b.seen[0]!.bytes[8]).toBe(9)
      expect(a.seen[0]!.bytes[8]).toBe(1)
    } finally {
      tracepointOf(span).unregister(a.probe)
      tracepointOf(inner).unregister(b.probe)
    }
  })
})

describe('reserve/commit on two buffers, interleaved', () => {
  it('committing the first buffer first keeps the second one open event', () => {
    const a = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    const b = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    const { probe, seen } = recorder()
    tracepointOf(span).register(probe)
    try {
      const ea = trace_event_buffer_reserve(a, enc, 2)!
      ea.setNumber(0, 1)
      ea.setString(2, 'a')
      const eb = new EventEncoder(span)
      const r = trace_event_buffer_reserve(b, eb, 2)!
      r.setNumber(0, 2)
      r.setString(2, 'b')
      trace_event_buffer_commit(a)
      trace_event_buffer_commit(b)
      expect(seen.map((x) => x.bytes[8])).toEqual([1, 2])
    } finally {
      tracepointOf(span).unregister(probe)
    }
  })
})

describe('trace_event_reg: a trace buffer records the event through a probe', () => {
  it('events committed to one buffer are copied into another, once each, same timestamps', () => {
    const a = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    const b = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    trace_event_reg(a, span) // its own commits must not come back to it
    trace_event_reg(b, span)
    expect(() => {
      trace_event_reg(b, span)
    }).toThrow(RangeError)
    for (let k = 0; k < 5; k++) expect(trace_event_write(a, enc, [k, k * 10, `n${k}`])).toBe(0)
    trace_event_unreg(b, span)
    expect(trace_event_write(a, enc, [99, 0, 'after'])).toBe(0)
    trace_event_unreg(a, span)
    expect(() => {
      trace_event_unreg(a, span)
    }).toThrow(RangeError)
    a.openWriter().flush()
    b.openWriter().flush()
    const ra = drain(a)
    const rb = drain(b)
    expect(ra).toHaveLength(6)
    expect(rb).toEqual(ra.slice(0, 5))
    expect(tracepointOf(span).enabled).toBe(false)
  })

  it('an emission encoded elsewhere (Tracepoint.emit) is written with its time', () => {
    const b = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    trace_event_reg(b, span)
    try {
      const scratch = new Uint8Array(64)
      enc.begin(scratch, new DataView(scratch.buffer), 0, 64, 1234)
      enc.setNumber(0, 3)
      enc.setString(2, 'scratch')
      const n = enc.end()
      tracepointOf(span).emit(scratch, 0, n, 123_456_789, 0)
      b.openWriter().flush()
      expect(drain(b)).toEqual([{ bytes: [...scratch.subarray(0, n)], ts: 123_456_789 }])
    } finally {
      trace_event_unreg(b, span)
    }
  })

  it('bad arguments are typed errors naming them', () => {
    expect(() => {
      trace_event_reg(null as unknown as TraceBuffer, span)
    }).toThrow(/^buffer:/)
    const b = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
    expect(() => {
      trace_event_reg(b, {} as typeof span)
    }).toThrow(/^definition:/)
  })
})
