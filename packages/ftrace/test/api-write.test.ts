/**
 * The write side: ring_buffer_lock_reserve / unlock_commit / discard_commit / write,
 * event_data / event_length / event_time_stamp, nest_start / nest_end, and how a full ring
 * behaves in both modes.
 */
import { describe, expect, it } from 'vitest'
import {
  EBUSY,
  RB_FL_OVERWRITE,
  RingBufferEvent,
  ring_buffer_alloc,
  ring_buffer_bytes_cpu,
  ring_buffer_commit_overrun_cpu,
  ring_buffer_consume,
  ring_buffer_discard_commit,
  ring_buffer_dropped_events_cpu,
  ring_buffer_empty,
  ring_buffer_entries,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_event_length,
  ring_buffer_event_time_stamp,
  ring_buffer_lock_reserve,
  ring_buffer_max_event_size,
  ring_buffer_nest_end,
  ring_buffer_nest_start,
  ring_buffer_overrun_cpu,
  ring_buffer_peek,
  ring_buffer_unlock_commit,
  ring_buffer_write,
} from '../src/index.js'
import { manualClock, payload, readOnePage, walkPage } from './helpers.js'

describe('ring_buffer_lock_reserve / ring_buffer_unlock_commit', () => {
  it('reserves an event whose payload is written in place; it is visible once committed', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 42_000)
    const ev = ring_buffer_lock_reserve(tb, 10)
    expect(ev).toBeInstanceOf(RingBufferEvent)
    expect(ring_buffer_event_time_stamp(tb, ev!)).toBe(42_000)
    ring_buffer_event_data(ev!).set(payload(10))
    // not committed yet: readers do not see it
    expect(ring_buffer_empty(tb)).toBe(true)
    expect(ring_buffer_entries(tb)).toBe(0)
    expect(ring_buffer_unlock_commit(tb)).toBe(0)
    expect(ring_buffer_empty(tb)).toBe(false)
    expect(ring_buffer_entries(tb)).toBe(1)
    clock.t = 43_000
    const c = ring_buffer_consume(tb, 0)!
    expect(c.ts).toBe(42_000)
    expect(ring_buffer_event_length(c.event)).toBe(12)
    expect(ring_buffer_event_data(c.event).subarray(0, 10)).toEqual(payload(10))
  })

  it('a payload of 0 bytes is stored as a 4-byte one (8-byte event)', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    const ev = ring_buffer_lock_reserve(tb, 0)!
    expect(ring_buffer_event_length(ev)).toBe(4)
    ring_buffer_unlock_commit(tb)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(8)
  })

  it('ring_buffer_write = reserve + copy + commit; it copies only `length` bytes of `data`', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    expect(ring_buffer_write(tb, 5, payload(9))).toBe(0)
    const c = ring_buffer_consume(tb, 0)!
    expect(ring_buffer_event_data(c.event).subarray(0, 5)).toEqual(payload(5))
    expect(ring_buffer_event_data(c.event)[5]).toBe(0)
  })

  it('ring_buffer_event_time_stamp gives the timestamp of the event being reserved', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 777)
    const ev = ring_buffer_lock_reserve(tb, 4)!
    clock.t = 999 // later clock reads do not change it
    expect(ring_buffer_event_time_stamp(tb, ev)).toBe(777)
    ring_buffer_unlock_commit(tb)
  })

  it('a clock that goes backwards never makes a negative delta', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 5000)
    ring_buffer_write(tb, 4, payload(4))
    clock.t = 4000
    ring_buffer_write(tb, 4, payload(4))
    expect(walkPage(readOnePage(tb)!).map((r) => r.delta)).toEqual([0, 0])
  })
})

describe('nesting (ring_buffer_nest_start / ring_buffer_nest_end)', () => {
  it('refuses a second reservation in the same context (recursion) unless nest_start allows it', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 100)
    const outer = ring_buffer_lock_reserve(tb, 4)!
    ring_buffer_event_data(outer).set([1, 1, 1, 1])
    expect(ring_buffer_lock_reserve(tb, 4)).toBeNull()
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_nest_start(tb)
    clock.t = 200
    const inner = ring_buffer_lock_reserve(tb, 4)!
    expect(inner).not.toBeNull()
    ring_buffer_event_data(inner).set([2, 2, 2, 2])
    // one extra level only
    expect(ring_buffer_lock_reserve(tb, 4)).toBeNull()
    ring_buffer_unlock_commit(tb)
    // the inner event becomes visible only with the outermost commit
    expect(ring_buffer_entries(tb)).toBe(0)
    ring_buffer_nest_end(tb)
    ring_buffer_unlock_commit(tb)
    expect(ring_buffer_entries(tb)).toBe(2)
    // reservation order is page order: the outer event first, with the earlier timestamp
    const a = ring_buffer_consume(tb, 0)!
    expect([a.ts, [...ring_buffer_event_data(a.event)]]).toEqual([100, [1, 1, 1, 1]])
    const b = ring_buffer_consume(tb, 0)!
    expect([b.ts, [...ring_buffer_event_data(b.event)]]).toEqual([200, [2, 2, 2, 2]])
    // nothing was counted as dropped
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(0)
  })

  it('nest_end without nest_start is an error', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(() => {
      ring_buffer_nest_end(tb)
    }).toThrow(RangeError)
  })
})

describe('ring_buffer_discard_commit', () => {
  it('drops the event: not counted in entries, readers never see it', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    ring_buffer_write(tb, 4, payload(4, 10))
    const ev = ring_buffer_lock_reserve(tb, 4)!
    ring_buffer_event_data(ev).set(payload(4, 20))
    ring_buffer_discard_commit(tb, ev)
    ring_buffer_write(tb, 4, payload(4, 30))
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(2)
    const seen: number[] = []
    for (let c = ring_buffer_consume(tb, 0); c !== null; c = ring_buffer_consume(tb, 0))
      seen.push(ring_buffer_event_data(c.event)[0]!)
    expect(seen).toEqual([10, 30])
  })
})

describe('a full ring', () => {
  it('produce/consume mode drops new events and counts them in dropped_events', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    // 3 ring sub-buffers of 127 32-byte events
    let ok = 0
    for (let k = 0; k < 1000; k++) if (ring_buffer_write(tb, 26, payload(26, k)) === 0) ok++
    expect(ok).toBe(381)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(381)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(619)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(0)
    expect(ring_buffer_lock_reserve(tb, 26)).toBeNull()
    // the oldest events are all still there
    expect(ring_buffer_event_data(ring_buffer_peek(tb, 0)!.event)[0]).toBe(0)
  })

  it('overwrite mode drops the oldest sub-buffer and counts its events in overrun', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    manualClock(tb)
    for (let k = 0; k < 1000; k++) expect(ring_buffer_write(tb, 26, payload(26, k))).toBe(0)
    // whole sub-buffers of 127 are lost: 5 × 127
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(635)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(365)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(0)
    const first = ring_buffer_consume(tb, 0)!
    expect(first.lost_events).toBe(635)
    expect(ring_buffer_event_data(first.event)[0]).toBe(635 & 255)
  })

  it('a nested writer that wraps onto the open reservation fails with commit_overrun', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    manualClock(tb)
    const outer = ring_buffer_lock_reserve(tb, 4)!
    expect(outer).not.toBeNull()
    ring_buffer_nest_start(tb)
    let failed = 0
    for (let k = 0; k < 1000 && failed === 0; k++)
      if (ring_buffer_write(tb, 100, payload(100)) !== 0) failed++
    expect(failed).toBe(1)
    ring_buffer_nest_end(tb)
    ring_buffer_unlock_commit(tb)
    // counters of a writer inside a reservation are published with its outermost commit
    expect(ring_buffer_commit_overrun_cpu(tb, 0)).toBe(1)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(0)
  })

  it('the largest event still fits after the ring wrapped', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    manualClock(tb)
    const max = ring_buffer_max_event_size(tb)
    for (let k = 0; k < 10; k++) expect(ring_buffer_write(tb, max, payload(max, k))).toBe(0)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(3)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(7)
  })
})
