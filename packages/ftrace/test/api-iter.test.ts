/**
 * Non-consuming iterators: ring_buffer_read_start / read_finish / iter_peek / iter_advance /
 * iter_reset / iter_empty / iter_dropped.
 */
import { describe, expect, it } from 'vitest'
import {
  EBUSY,
  RB_FL_OVERWRITE,
  RingBufferIter,
  ring_buffer_alloc,
  ring_buffer_consume,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_event_length,
  ring_buffer_iter_advance,
  ring_buffer_iter_dropped,
  ring_buffer_iter_empty,
  ring_buffer_iter_peek,
  ring_buffer_iter_reset,
  ring_buffer_read_events_cpu,
  ring_buffer_read_finish,
  ring_buffer_read_start,
  ring_buffer_resize,
  ring_buffer_write,
} from '../src/index.js'
import type { TraceBuffer } from '../src/index.js'
import { TWO27, manualClock, payload } from './helpers.js'

function fill(tb: TraceBuffer, n: number, t0 = 1000, step = 10): void {
  const clock = manualClock(tb, t0)
  for (let k = 0; k < n; k++) {
    clock.t = t0 + step * k
    ring_buffer_write(tb, 26, payload(26, k))
  }
}

/** Walk the iterator to its end: [ts, first payload byte] of each event. */
function walk(iter: RingBufferIter): [number, number][] {
  const out: [number, number][] = []
  for (let p = ring_buffer_iter_peek(iter); p !== null; p = ring_buffer_iter_peek(iter)) {
    out.push([p.ts, ring_buffer_event_data(p.event)[0]!])
    ring_buffer_iter_advance(iter)
  }
  return out
}

describe('ring_buffer_read_start / iter_peek / iter_advance', () => {
  it('walks every event across sub-buffers without consuming', () => {
    const tb = ring_buffer_alloc(65536, 0)
    fill(tb, 500)
    const iter = ring_buffer_read_start(tb, 0)
    expect(iter).toBeInstanceOf(RingBufferIter)
    expect(walk(iter)).toEqual(Array.from({ length: 500 }, (_, k) => [1000 + 10 * k, k & 255]))
    expect(ring_buffer_iter_empty(iter)).toBe(true)
    expect(ring_buffer_iter_peek(iter)).toBeNull()
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(500)
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(0)
    ring_buffer_read_finish(iter)
  })

  it('iter_peek does not advance; iter_reset goes back to the oldest event', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 5)
    const iter = ring_buffer_read_start(tb, 0)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1000)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1000)
    ring_buffer_iter_advance(iter)
    ring_buffer_iter_advance(iter)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1020)
    ring_buffer_iter_reset(iter)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1000)
    ring_buffer_read_finish(iter)
  })

  it('reconstructs timestamps across TIME_EXTENDs and gives the kernel event length', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 50)
    const ts = [50, 60, 60 + 3 * TWO27, 61 + 3 * TWO27]
    for (const t of ts) {
      clock.t = t
      ring_buffer_write(tb, 8, payload(8))
    }
    const iter = ring_buffer_read_start(tb, 0)
    const got: number[] = []
    for (let p = ring_buffer_iter_peek(iter); p !== null; p = ring_buffer_iter_peek(iter)) {
      got.push(p.ts)
      expect(ring_buffer_event_length(p.event)).toBe(12)
      ring_buffer_iter_advance(iter)
    }
    expect(got).toEqual(ts)
    ring_buffer_read_finish(iter)
  })

  it('sees events written after it was opened', () => {
    const tb = ring_buffer_alloc(65536, 0)
    fill(tb, 3)
    const iter = ring_buffer_read_start(tb, 0)
    expect(walk(iter)).toHaveLength(3)
    expect(ring_buffer_iter_empty(iter)).toBe(true)
    const clock = manualClock(tb, 5000)
    for (let k = 0; k < 300; k++) {
      clock.t = 5000 + k
      ring_buffer_write(tb, 26, payload(26, 100 + k))
    }
    expect(ring_buffer_iter_empty(iter)).toBe(false)
    const rest = walk(iter)
    expect(rest).toHaveLength(300)
    expect(rest[0]).toEqual([5000, 100])
    ring_buffer_read_finish(iter)
  })

  it('starts after what was consumed, and resets itself when a consuming read happens', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 10)
    ring_buffer_consume(tb, 0)
    ring_buffer_consume(tb, 0)
    const iter = ring_buffer_read_start(tb, 0)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1020)
    ring_buffer_iter_advance(iter)
    ring_buffer_iter_advance(iter)
    ring_buffer_iter_advance(iter)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1050)
    ring_buffer_consume(tb, 0)
    // the iterator restarts at the oldest unconsumed event
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1030)
    ring_buffer_read_finish(iter)
  })

  it('hands out a private copy of the event: it survives the writer overwriting the ring', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 10)
    const iter = ring_buffer_read_start(tb, 0)
    const p = ring_buffer_iter_peek(iter)!
    const before = ring_buffer_event_data(p.event).slice()
    fill(tb, 2000, 100_000)
    expect(ring_buffer_event_data(p.event)).toEqual(before)
    ring_buffer_read_finish(iter)
  })
})

describe('ring_buffer_iter_dropped', () => {
  it('is true once after the writer overwrote the position of the iterator, then false', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 10)
    const iter = ring_buffer_read_start(tb, 0)
    expect(ring_buffer_iter_peek(iter)!.ts).toBe(1000)
    ring_buffer_iter_advance(iter)
    expect(ring_buffer_iter_dropped(iter)).toBe(false)
    // five sub-buffers' worth: the one the iterator is on is overwritten
    fill(tb, 635, 100_000, 1)
    const p = ring_buffer_iter_peek(iter)!
    expect(p.ts).toBeGreaterThanOrEqual(100_000)
    expect(ring_buffer_iter_dropped(iter)).toBe(true)
    expect(ring_buffer_iter_dropped(iter)).toBe(false)
    // and it walks what is left in order
    const rest = walk(iter)
    expect(rest.map(([t]) => t)).toEqual([...rest.map(([t]) => t)].sort((a, b) => a - b))
    expect(rest[0]![0]).toBe(p.ts)
    expect(rest.length).toBe(ring_buffer_entries_cpu(tb, 0))
    ring_buffer_read_finish(iter)
  })
})

describe('iterators and resize', () => {
  it('an open iterator makes ring_buffer_resize return -EBUSY', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const iter = ring_buffer_read_start(tb, 0)
    expect(ring_buffer_resize(tb, 8192, -1)).toBe(EBUSY)
    ring_buffer_read_finish(iter)
    expect(ring_buffer_resize(tb, 8192, -1)).toBe(0)
  })
})
