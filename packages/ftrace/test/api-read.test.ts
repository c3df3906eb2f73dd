/**
 * Consuming reads and the counters: ring_buffer_peek / consume (timestamps, lost_events
 * reported once), ring_buffer_empty(_cpu), and entries / overruns / read_events / bytes /
 * oldest_event_ts / nr_dirty_pages / dropped_events / commit_overrun, per CPU and in total.
 */
import { describe, expect, it } from 'vitest'
import {
  RB_FL_OVERWRITE,
  ring_buffer_alloc,
  ring_buffer_bytes_cpu,
  ring_buffer_commit_overrun_cpu,
  ring_buffer_consume,
  ring_buffer_dropped_events_cpu,
  ring_buffer_empty,
  ring_buffer_empty_cpu,
  ring_buffer_entries,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_nr_dirty_pages,
  ring_buffer_oldest_event_ts,
  ring_buffer_overrun_cpu,
  ring_buffer_overruns,
  ring_buffer_peek,
  ring_buffer_read_events_cpu,
  ring_buffer_write,
} from '../src/index.js'
import { manualClock, payload } from './helpers.js'

/** Write `n` 26-byte events (32-byte events, 127 per sub-buffer), ts = t0 + 10·k, first byte k & 255. */
function fill(tb: ReturnType<typeof ring_buffer_alloc>, n: number, t0 = 1000): void {
  const clock = manualClock(tb, t0)
  for (let k = 0; k < n; k++) {
    clock.t = t0 + 10 * k
    ring_buffer_write(tb, 26, payload(26, k))
  }
}

describe('ring_buffer_peek / ring_buffer_consume', () => {
  it('peek returns the next event without consuming it; consume moves on', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 3)
    const p1 = ring_buffer_peek(tb, 0)!
    expect([p1.ts, p1.lost_events, ring_buffer_event_data(p1.event)[0]]).toEqual([1000, 0, 0])
    expect(ring_buffer_peek(tb, 0)!.ts).toBe(1000)
    expect(ring_buffer_entries(tb)).toBe(3)
    expect(ring_buffer_consume(tb, 0)!.ts).toBe(1000)
    expect(ring_buffer_peek(tb, 0)!.ts).toBe(1010)
    expect(ring_buffer_consume(tb, 0)!.ts).toBe(1010)
    expect(ring_buffer_consume(tb, 0)!.ts).toBe(1020)
    expect(ring_buffer_consume(tb, 0)).toBeNull()
    expect(ring_buffer_peek(tb, 0)).toBeNull()
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(3)
    expect(ring_buffer_entries(tb)).toBe(0)
  })

  it('reads across sub-buffers in order with exact timestamps', () => {
    const tb = ring_buffer_alloc(65536, 0)
    fill(tb, 1000)
    for (let k = 0; k < 1000; k++) {
      const c = ring_buffer_consume(tb, 0)!
      expect(c.ts).toBe(1000 + 10 * k)
      expect(ring_buffer_event_data(c.event)[0]).toBe(k & 255)
    }
    expect(ring_buffer_consume(tb, 0)).toBeNull()
  })

  it('reports lost events once, with the first event after the loss; peek reports without clearing', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 1000)
    expect(ring_buffer_peek(tb, 0)!.lost_events).toBe(635)
    expect(ring_buffer_peek(tb, 0)!.lost_events).toBe(635)
    const first = ring_buffer_consume(tb, 0)!
    expect(first.lost_events).toBe(635)
    expect(first.ts).toBe(1000 + 10 * 635)
    expect(ring_buffer_consume(tb, 0)!.lost_events).toBe(0)
    // a second loss is reported again, once
    fill(tb, 1000, 100_000)
    let reported = 0
    let reports = 0
    for (let c = ring_buffer_consume(tb, 0); c !== null; c = ring_buffer_consume(tb, 0)) {
      if (c.lost_events !== 0) reports++
      reported += c.lost_events
    }
    expect(reports).toBe(1)
    expect(reported).toBe(ring_buffer_overrun_cpu(tb, 0) - 635)
  })

  it('reads each CPU separately; the handle writes to buffer.cpu', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 3 })
    const clock = manualClock(tb, 10)
    tb.setCpu(2)
    ring_buffer_write(tb, 4, payload(4, 2))
    tb.setCpu(0)
    clock.t = 20
    ring_buffer_write(tb, 4, payload(4, 0))
    expect(ring_buffer_empty(tb)).toBe(false)
    expect([0, 1, 2].map((c) => ring_buffer_empty_cpu(tb, c))).toEqual([false, true, false])
    expect([0, 1, 2].map((c) => ring_buffer_entries_cpu(tb, c))).toEqual([1, 0, 1])
    expect(ring_buffer_entries(tb)).toBe(2)
    expect(ring_buffer_consume(tb, 1)).toBeNull()
    const c2 = ring_buffer_consume(tb, 2)!
    expect([c2.ts, ring_buffer_event_data(c2.event)[0]]).toEqual([10, 2])
    const c0 = ring_buffer_consume(tb, 0)!
    expect([c0.ts, ring_buffer_event_data(c0.event)[0]]).toEqual([20, 0])
    expect(ring_buffer_empty(tb)).toBe(true)
  })

  it('empty checks do not consume', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 2)
    expect(ring_buffer_empty(tb)).toBe(false)
    expect(ring_buffer_empty_cpu(tb, 0)).toBe(false)
    expect(ring_buffer_entries(tb)).toBe(2)
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(0)
  })
})

describe('counters', () => {
  it('entries = written − (overrun + read), per CPU and in total', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE, { cpus: 2 })
    fill(tb, 1000)
    tb.setCpu(1)
    fill(tb, 10)
    for (let k = 0; k < 5; k++) ring_buffer_consume(tb, 0)
    for (let k = 0; k < 3; k++) ring_buffer_consume(tb, 1)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(635)
    expect(ring_buffer_overrun_cpu(tb, 1)).toBe(0)
    expect(ring_buffer_overruns(tb)).toBe(635)
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(5)
    expect(ring_buffer_read_events_cpu(tb, 1)).toBe(3)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(1000 - 635 - 5)
    expect(ring_buffer_entries_cpu(tb, 1)).toBe(10 - 3)
    expect(ring_buffer_entries(tb)).toBe(1000 - 635 - 5 + 7)
  })

  it('bytes = bytes written − bytes read, end padding included', () => {
    const tb = ring_buffer_alloc(16384, 0)
    fill(tb, 128)
    // 127 events, the 16-byte end padding, one event on the next sub-buffer
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(127 * 32 + 16 + 32)
    ring_buffer_consume(tb, 0)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(126 * 32 + 16 + 32)
    for (let c = ring_buffer_consume(tb, 0); c !== null; c = ring_buffer_consume(tb, 0));
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(0)
  })

  it('bytes lost to overwrite are not counted', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 1000)
    // two full sub-buffers (events + padding) and 111 events on the third
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(2 * 4080 + 111 * 32)
  })

  it('dropped_events counts refusals in produce/consume mode only', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 400)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(19)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(0)
    expect(ring_buffer_commit_overrun_cpu(tb, 0)).toBe(0)
    // after reading a sub-buffer there is room again
    for (let k = 0; k < 127; k++) ring_buffer_consume(tb, 0)
    expect(ring_buffer_write(tb, 26, payload(26))).toBe(0)
  })

  it('oldest_event_ts: the time stamp of the oldest sub-buffer still in the ring', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(0)
    fill(tb, 200)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(1000)
    const tb2 = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb2, 1000)
    // sub-buffers 0..4 were overwritten; sub-buffer 5 starts with event 635
    expect(ring_buffer_oldest_event_ts(tb2, 0)).toBe(1000 + 10 * 635)
  })

  it('nr_dirty_pages: sub-buffers written and left by the writer, not read or lost', () => {
    const tb = ring_buffer_alloc(16384, RB_FL_OVERWRITE) // 5 ring sub-buffers
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(0)
    fill(tb, 100)
    // the sub-buffer the writer is on does not count
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(0)
    fill(tb, 127)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(1)
    fill(tb, 254)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(3)
    // reading swaps one sub-buffer out of the ring
    ring_buffer_consume(tb, 0)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(2)
    // overwrite: never more than the ring minus the writer's sub-buffer
    fill(tb, 5000)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(4)
  })
})
