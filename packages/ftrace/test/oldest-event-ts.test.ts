/**
 * `ring_buffer_oldest_event_ts` against the kernel (Linux 6.18.44). The kernel returns the
 * `time_stamp` of the reader page when the tail is on it, else of the head page, whatever that
 * page's header holds: also when the ring is empty, and even while the reader page still holds
 * unread events. Each case replays a program of `tools/conformance-live/ftrace_live` (run in a
 * private instance, CPU 0, `clock counter`, so `per_cpu/cpu0/stats` prints the raw stamp) with
 * the kernel's time of each write (read from its pages) and expects what the kernel's `stats`
 * printed as `oldest event ts`.
 */
import { describe, expect, it } from 'vitest'
import {
  RB_FL_OVERWRITE,
  ring_buffer_alloc,
  ring_buffer_alloc_read_page,
  ring_buffer_entries_cpu,
  ring_buffer_oldest_event_ts,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_record_off,
  ring_buffer_record_on,
  ring_buffer_reset,
  ring_buffer_resize,
  ring_buffer_write,
  RING_BUFFER_ALL_CPUS,
} from '../src/index.js'
import type { BufferDataReadPage, TraceBuffer } from '../src/index.js'
import { manualClock } from './helpers.js'
import type { ManualClock } from './helpers.js'

/** A `trace_marker` write of `len` bytes is a `print` event of 16 + len + 2 payload bytes. */
function marker(tb: TraceBuffer, clock: ManualClock, len: number, t: number): void {
  clock.t = t
  expect(ring_buffer_write(tb, 16 + len + 2, new Uint8Array(16 + len + 2))).toBe(0)
}

/** One `read(2)` of `trace_pipe_raw` (one sub-buffer); the page's time stamp, or -1 (EAGAIN). */
function readPage(tb: TraceBuffer, page: BufferDataReadPage): number {
  if (ring_buffer_read_page(tb, page, 4096, 0, 0) < 0) return -1
  const b = ring_buffer_read_page_data(page)
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true))
}

describe('ring_buffer_oldest_event_ts: the kernel page header it reads', () => {
  it('an empty ring after reads keeps the stamp; unread reader events do not count', () => {
    // clock counter; overwrite 0; size 8; stats; write 100; stats; read 4096; stats;
    // write 100; write 4000; stats; read 4096; read 4096; read 4096; stats
    // kernel stats, in order: "oldest event ts: 0", 4882671, 4882671 (entries 0),
    // 4882676 (entries 2: one in the reader page, stamped 4882671), 4882676 (entries 0);
    // pages read: stamps 4882671, 4882671, 4882676, then -EAGAIN
    const tb = ring_buffer_alloc(8 * 1024, 0)
    const clock = manualClock(tb, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(0)
    marker(tb, clock, 100, 4882671)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(4882671)
    expect(readPage(tb, page)).toBe(4882671)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
    // the tail is on the reader page: its stamp
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(4882671)
    marker(tb, clock, 100, 4882674)
    marker(tb, clock, 4000, 4882676)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(2)
    // the tail left the reader page: the head page's stamp, not the reader page's unread event
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(4882676)
    expect([readPage(tb, page), readPage(tb, page), readPage(tb, page)]).toEqual([
      4882671, 4882676, -1,
    ])
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(4882676)
  })

  it('overwrite laps and a drained ring', () => {
    // clock counter; overwrite 1; size 8; write 4000 ×5; stats; then (read 4096; stats) ×4
    // kernel stats: 4882686 (entries 3, overrun 2), 4882688, 4882690, 4882690 (entries 0),
    // 4882690 (the fourth read: -EAGAIN); pages read: 4882686, 4882688, 4882690.
    // The first two writes were overwritten: their times are not known (any earlier time).
    const tb = ring_buffer_alloc(8 * 1024, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    for (const t of [4882682, 4882684, 4882686, 4882688, 4882690]) marker(tb, clock, 4000, t)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(4882686)
    const seen = []
    for (let k = 0; k < 4; k++) seen.push([readPage(tb, page), ring_buffer_oldest_event_ts(tb, 0)])
    expect(seen).toEqual([
      [4882686, 4882688],
      [4882688, 4882690],
      [4882690, 4882690],
      [-1, 4882690],
    ])
  })

  it("a reset keeps the stamps: the head restarts at the kernel's `pages` page", () => {
    // clock counter; overwrite 1; size 28; write 4047 ×4; read 4096 ×4; reset; stats
    // kernel: pages read stamped 5077896, 5077898, 5077900, 5077902; after the reset
    // "entries: 0 … oldest event ts: 5077896" (rb_reset_cpu clears commits, not time stamps)
    const tb = ring_buffer_alloc(28 * 1024, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    for (const t of [5077896, 5077898, 5077900, 5077902]) marker(tb, clock, 4047, t)
    const stamps = [0, 1, 2, 3].map(() => readPage(tb, page))
    expect(stamps).toEqual([5077896, 5077898, 5077900, 5077902])
    ring_buffer_reset(tb)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5077896)
  })

  it("a resize puts the new pages before the head page, the reader page's next", () => {
    // clock counter; overwrite 0; size 4; write 94; read 4096; stats; resize 28; stats;
    // write 4054; stats; on 0; reset; stats; on 1; write 10; stats; read; read
    // kernel stats: 5087097 (entries 0), 5087097, 5087101 (the 4054-byte write went to the
    // head page, not to a new page), after the reset 5087101 (the head restarts at that page),
    // then 5087105; pages read: 5087097, 5087105, then -EAGAIN
    const tb = ring_buffer_alloc(4 * 1024, 0, { maxByteLength: 1 << 20 })
    const clock = manualClock(tb, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    marker(tb, clock, 94, 5087097)
    expect(readPage(tb, page)).toBe(5087097)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5087097)
    expect(ring_buffer_resize(tb, 28 * 1024, RING_BUFFER_ALL_CPUS)).toBe(0)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5087097)
    marker(tb, clock, 4054, 5087101)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5087101)
    ring_buffer_record_off(tb)
    ring_buffer_reset(tb)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5087101)
    ring_buffer_record_on(tb)
    marker(tb, clock, 10, 5087105)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5087105)
    expect([readPage(tb, page), readPage(tb, page)]).toEqual([5087105, -1])
  })

  it('the read page kept across a resize keeps its stamp and goes back into the ring', () => {
    // clock counter; overwrite 1; size 64; write 4054; read 4096; resize 28; write 92;
    // write 4054; write 95; read 4096; on 0; read 4096; read 4096; reset; stats
    // kernel: pages read stamped 5188742, 5188747, 5188749, 5188751; after the reset
    // "oldest event ts: 5188742": trace_pipe_raw's spare data page (the copy of the first page,
    // stamped 5188742) became the reader's at the second read, went back into the ring, and
    // is the page the reset restarts at
    const tb = ring_buffer_alloc(64 * 1024, RB_FL_OVERWRITE, { maxByteLength: 1 << 20 })
    const clock = manualClock(tb, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    marker(tb, clock, 4054, 5188742)
    expect(readPage(tb, page)).toBe(5188742)
    expect(ring_buffer_resize(tb, 28 * 1024, RING_BUFFER_ALL_CPUS)).toBe(0)
    marker(tb, clock, 92, 5188747)
    marker(tb, clock, 4054, 5188749)
    marker(tb, clock, 95, 5188751)
    expect(readPage(tb, page)).toBe(5188747)
    ring_buffer_record_off(tb)
    expect([readPage(tb, page), readPage(tb, page)]).toEqual([5188749, 5188751])
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5188751)
    ring_buffer_reset(tb)
    expect(ring_buffer_oldest_event_ts(tb, 0)).toBe(5188742)
  })
})
