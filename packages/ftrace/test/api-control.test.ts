/**
 * Allocation, geometry and control: ring_buffer_alloc / __ring_buffer_alloc / free / size /
 * max_event_size / resize / subbuf_order_set / subbuf_order_get / subbuf_size_get /
 * change_overwrite, record_disable / enable / off / on / is_on / is_set_on and the per-CPU
 * variants, reset / reset_cpu / reset_online_cpus, the clock and timestamp functions, and
 * the header texts.
 */
import { describe, expect, it } from 'vitest'
import {
  EBUSY,
  ENOMEM,
  RB_FL_OVERWRITE,
  RING_BUFFER_ALL_CPUS,
  TraceBuffer,
  __ring_buffer_alloc,
  ring_buffer_alloc,
  ring_buffer_change_overwrite,
  ring_buffer_consume,
  ring_buffer_dropped_events_cpu,
  ring_buffer_empty,
  ring_buffer_entries,
  ring_buffer_entries_cpu,
  ring_buffer_free,
  ring_buffer_lock_reserve,
  ring_buffer_max_event_size,
  ring_buffer_normalize_time_stamp,
  ring_buffer_overrun_cpu,
  ring_buffer_print_entry_header,
  ring_buffer_print_page_header,
  ring_buffer_read_finish,
  ring_buffer_read_start,
  ring_buffer_record_disable,
  ring_buffer_record_disable_cpu,
  ring_buffer_record_enable,
  ring_buffer_record_enable_cpu,
  ring_buffer_record_is_on,
  ring_buffer_record_is_on_cpu,
  ring_buffer_record_is_set_on,
  ring_buffer_record_off,
  ring_buffer_record_on,
  ring_buffer_reset,
  ring_buffer_reset_cpu,
  ring_buffer_reset_online_cpus,
  ring_buffer_resize,
  ring_buffer_set_clock,
  ring_buffer_size,
  ring_buffer_subbuf_order_get,
  ring_buffer_subbuf_order_set,
  ring_buffer_subbuf_size_get,
  ring_buffer_time_stamp,
  ring_buffer_unlock_commit,
  ring_buffer_write,
  ring_buffer_alloc_read_page,
  ring_buffer_free_read_page,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
} from '../src/index.js'
import { fixture, manualClock, payload, readOnePage, u64, walkPage } from './helpers.js'

const text = (name: string): string => new TextDecoder().decode(fixture(name))

function fill(tb: TraceBuffer, n: number, t0 = 1000): number {
  const clock = manualClock(tb, t0)
  let ok = 0
  for (let k = 0; k < n; k++) {
    clock.t = t0 + 10 * k
    if (ring_buffer_write(tb, 26, payload(26, k)) === 0) ok++
  }
  return ok
}

describe('allocation and geometry', () => {
  it('size is bytes per CPU: max(2, ceil(size / 4080)) sub-buffers of 4080 data bytes', () => {
    for (const [size, pages] of [
      [1, 2],
      [4080, 2],
      [8192, 3],
      [12240, 3],
      [12241, 4],
      [1 << 20, 258],
    ] as const) {
      const tb = ring_buffer_alloc(size, 0)
      expect(ring_buffer_size(tb, 0)).toBe(pages * 4080)
      ring_buffer_free(tb)
    }
  })

  it('every CPU gets the same ring; __ring_buffer_alloc ignores the lock key', () => {
    const tb = __ring_buffer_alloc(8192, RB_FL_OVERWRITE, { key: 'lockdep' }, { cpus: 4 })
    expect(tb).toBeInstanceOf(TraceBuffer)
    expect([0, 1, 2, 3].map((c) => ring_buffer_size(tb, c))).toEqual([12240, 12240, 12240, 12240])
    // overwrite flag honoured
    expect(fill(tb, 1000)).toBe(1000)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(635)
  })

  it('the sub-buffer order: 4096 << order bytes; max event size = data − 8', () => {
    for (const order of [0, 1, 2, 8]) {
      const tb = ring_buffer_alloc(65536, 0, { order })
      expect(ring_buffer_subbuf_order_get(tb)).toBe(order)
      expect(ring_buffer_subbuf_size_get(tb)).toBe(4096 << order)
      expect(ring_buffer_max_event_size(tb)).toBe((4096 << order) - 16 - 8)
      expect(ring_buffer_print_page_header(tb)).toContain(`size:${(4096 << order) - 16};`)
    }
  })

  it('ring_buffer_free: every later call on the buffer fails; attach refuses it', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const sab = tb.sab
    ring_buffer_free(tb)
    expect(() => ring_buffer_write(tb, 4, payload(4))).toThrow(TypeError)
    expect(() => ring_buffer_entries(tb)).toThrow(/^buffer/)
    expect(() => TraceBuffer.attach(sab)).toThrow(TypeError)
  })

  it('TraceBuffer.attach gives a second handle on the same rings', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    const other = TraceBuffer.attach(tb.sab, { cpu: 1 })
    expect(other.cpu).toBe(1)
    manualClock(other, 77)
    expect(ring_buffer_write(other, 4, payload(4))).toBe(0)
    expect(ring_buffer_entries_cpu(tb, 1)).toBe(1)
    expect(ring_buffer_consume(tb, 1)!.ts).toBe(77)
  })
})

describe('ring_buffer_resize', () => {
  it('sets every CPU to max(2, ceil(size / data)) sub-buffers, keeping the data as rb_update_pages', () => {
    // Linux keeps the data across ring_buffer_resize: rb_insert_pages splices new pages in
    // before the head page, rb_remove_pages unlinks the pages after the tail page and counts
    // their entries as overrun (tools/conformance-live: `clock counter; overwrite 1; size 16;
    // write 4050; resize 4; stats` -> the kernel has 1 entry)
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2, maxByteLength: 1 << 22 })
    fill(tb, 100)
    expect(ring_buffer_resize(tb, 100_000, RING_BUFFER_ALL_CPUS)).toBe(0)
    expect(ring_buffer_size(tb, 0)).toBe(25 * 4080)
    expect(ring_buffer_size(tb, 1)).toBe(25 * 4080)
    expect(ring_buffer_entries(tb)).toBe(100)
    // 127 events of 32 bytes to a sub-buffer; produce-consume: the ring fills up
    expect(fill(tb, 4000)).toBe(25 * 127 - 100)
    expect(ring_buffer_resize(tb, 1, RING_BUFFER_ALL_CPUS)).toBe(0)
    expect(ring_buffer_size(tb, 0)).toBe(2 * 4080)
    // the 23 sub-buffers after the writer's (the oldest) are gone, counted as overrun
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(2 * 127)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(23 * 127)
    expect(fill(tb, 10)).toBe(0)
    ring_buffer_reset(tb)
    expect(fill(tb, 3000)).toBe(2 * 127)
  })

  it('succeeds while a read page holds a sub-buffer; the page keeps its bytes', () => {
    // tools/conformance-live: `write 4050; write 10; read 4096; resize 8` -> the kernel
    // returns 0: the read page of ring_buffer_alloc_read_page is the caller's, not the ring's
    const tb = ring_buffer_alloc(16384, 0, { maxByteLength: 1 << 22 })
    manualClock(tb, 1000)
    // a 4080-byte event fills the first sub-buffer; the second goes to the next one
    expect(ring_buffer_write(tb, 4070, payload(4070))).toBe(0)
    expect(ring_buffer_write(tb, 10, payload(10))).toBe(0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    const before = ring_buffer_read_page_data(page).slice()
    expect(walkPage(before).map((r) => r.size)).toEqual([4080])
    expect(ring_buffer_resize(tb, 8192, RING_BUFFER_ALL_CPUS)).toBe(0)
    expect(ring_buffer_read_page_data(page)).toEqual(before)
    // the ring kept the second event; the page reads it next
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(1)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    expect(walkPage(ring_buffer_read_page_data(page)).map((r) => r.size)).toEqual([16])
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
    ring_buffer_free_read_page(tb, 0, page)
  })

  it('-ENOMEM when the shared memory cannot grow that far', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_resize(tb, 1 << 20, RING_BUFFER_ALL_CPUS)).toBe(ENOMEM)
    expect(ring_buffer_size(tb, 0)).toBe(3 * 4080)
    expect(ring_buffer_resize(tb, 4080, RING_BUFFER_ALL_CPUS)).toBe(0)
  })

  it('-EBUSY while an iterator is open or another handle writes', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const iter = ring_buffer_read_start(tb, 0)
    expect(ring_buffer_resize(tb, 4080, RING_BUFFER_ALL_CPUS)).toBe(EBUSY)
    // stays usable
    expect(fill(tb, 3)).toBe(3)
    ring_buffer_read_finish(iter)
    expect(ring_buffer_resize(tb, 4080, RING_BUFFER_ALL_CPUS)).toBe(0)
    // a writer handle in another worker (here: another handle) holds its ring
    const tb2 = ring_buffer_alloc(8192, 0)
    const writer2 = TraceBuffer.attach(tb2.sab)
    expect(ring_buffer_write(writer2, 4, payload(4))).toBe(0)
    expect(ring_buffer_resize(tb2, 4080, RING_BUFFER_ALL_CPUS)).toBe(EBUSY)
    writer2.close()
    expect(ring_buffer_resize(tb2, 4080, RING_BUFFER_ALL_CPUS)).toBe(0)
  })

  it('only RING_BUFFER_ALL_CPUS is supported', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    expect(() => ring_buffer_resize(tb, 8192, 1)).toThrow(/^cpu/)
  })

  it('a read page kept across a reset and a resize can still be used and freed', () => {
    // Linux: the page of ring_buffer_alloc_read_page belongs to its caller; a resize does not
    // touch it, and ring_buffer_free_read_page takes it back (as the CPU's spare page, or
    // frees it) whatever the buffer went through. Live evidence (tools/conformance-live):
    // `overwrite 1; size 16; write 10; read; reset; resize 8` then closing trace_pipe_raw.
    // onering threw RangeError('lease.id: 6 is out of range [0, 4]') on the free.
    const tb = ring_buffer_alloc(16384, RB_FL_OVERWRITE, { maxByteLength: 1 << 22 })
    expect(ring_buffer_write(tb, 10, payload(10))).toBe(0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    ring_buffer_reset(tb)
    expect(ring_buffer_resize(tb, 8192, RING_BUFFER_ALL_CPUS)).toBe(0)
    // the page reads again in the new geometry, then goes back
    expect(ring_buffer_write(tb, 12, payload(12))).toBe(0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
    ring_buffer_free_read_page(tb, 0, page)
    // the spare pool is whole: a page can be taken and given back again, twice
    for (let k = 0; k < 2; k++) {
      expect(ring_buffer_write(tb, 4000, payload(4000))).toBe(0)
      const p = ring_buffer_alloc_read_page(tb, 0)
      let pages = 0
      while (pages < 4 && ring_buffer_read_page(tb, p, 4096, 0, 0) === 0) pages++
      expect(pages).toBeGreaterThan(0)
      expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
      ring_buffer_free_read_page(tb, 0, p)
    }
  })
})

describe('ring_buffer_subbuf_order_set', () => {
  it('changes the sub-buffer size keeping about the byte size, and discards the data', () => {
    const tb = ring_buffer_alloc(65536, 0, { maxByteLength: 1 << 22 })
    fill(tb, 100)
    expect(ring_buffer_subbuf_order_set(tb, 2)).toBe(0)
    expect(ring_buffer_subbuf_order_get(tb)).toBe(2)
    expect(ring_buffer_subbuf_size_get(tb)).toBe(16384)
    expect(ring_buffer_size(tb, 0)).toBe(Math.ceil((17 * 4080) / 16368) * 16368)
    expect(ring_buffer_entries(tb)).toBe(0)
    expect(ring_buffer_max_event_size(tb)).toBe(16384 - 24)
    // events larger than a page now fit
    manualClock(tb)
    expect(ring_buffer_write(tb, 10_000, payload(10_000))).toBe(0)
    const page = readOnePage(tb)!
    expect(page.length).toBe(16384)
    expect(walkPage(page)).toEqual([{ off: 0, type: 0, delta: 0, size: 10_008, array0: 10_004 }])
    expect(ring_buffer_subbuf_order_set(tb, 0)).toBe(0)
    expect(ring_buffer_subbuf_size_get(tb)).toBe(4096)
  })
})

describe('ring_buffer_change_overwrite', () => {
  it('switches between overwrite and producer/consumer mode', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    expect(fill(tb, 1000)).toBe(1000)
    ring_buffer_reset(tb)
    ring_buffer_change_overwrite(tb, 0)
    expect(fill(tb, 1000)).toBe(381)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(619)
    ring_buffer_change_overwrite(tb, 1)
    expect(fill(tb, 100)).toBe(100)
  })
})

describe('recording control', () => {
  it('record_disable / record_enable nest like a counter; refused writes are not counted', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    ring_buffer_record_disable(tb)
    ring_buffer_record_disable(tb)
    expect(ring_buffer_record_is_on(tb)).toBe(false)
    expect(ring_buffer_record_is_set_on(tb)).toBe(true)
    expect(ring_buffer_lock_reserve(tb, 4)).toBeNull()
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_record_enable(tb)
    expect(ring_buffer_record_is_on(tb)).toBe(false)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_record_enable(tb)
    expect(ring_buffer_record_is_on(tb)).toBe(true)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    expect(ring_buffer_entries(tb)).toBe(1)
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(0)
    // unbalanced enable
    expect(() => {
      ring_buffer_record_enable(tb)
    }).toThrow(RangeError)
  })

  it('record_off / record_on is a latch independent of the counter', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    ring_buffer_record_off(tb)
    ring_buffer_record_off(tb)
    expect(ring_buffer_record_is_on(tb)).toBe(false)
    expect(ring_buffer_record_is_set_on(tb)).toBe(false)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_record_disable(tb)
    ring_buffer_record_on(tb)
    expect(ring_buffer_record_is_set_on(tb)).toBe(true)
    expect(ring_buffer_record_is_on(tb)).toBe(false)
    ring_buffer_record_enable(tb)
    expect(ring_buffer_record_is_on(tb)).toBe(true)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
  })

  it('per-CPU disable; record_is_on_cpu = latch on and CPU enabled (the global counter is not looked at)', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    manualClock(tb)
    ring_buffer_record_disable_cpu(tb, 1)
    expect(ring_buffer_record_is_on_cpu(tb, 0)).toBe(true)
    expect(ring_buffer_record_is_on_cpu(tb, 1)).toBe(false)
    expect(ring_buffer_record_is_on(tb)).toBe(true)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    tb.setCpu(1)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_record_enable_cpu(tb, 1)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    expect([ring_buffer_entries_cpu(tb, 0), ring_buffer_entries_cpu(tb, 1)]).toEqual([1, 1])
    // the kernel's ring_buffer_record_is_on_cpu checks the off latch and the CPU only
    ring_buffer_record_disable(tb)
    expect(ring_buffer_record_is_on_cpu(tb, 1)).toBe(true)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(EBUSY)
    ring_buffer_record_enable(tb)
    ring_buffer_record_off(tb)
    expect(ring_buffer_record_is_on_cpu(tb, 1)).toBe(false)
    ring_buffer_record_on(tb)
    expect(() => {
      ring_buffer_record_enable_cpu(tb, 0)
    }).toThrow(RangeError)
  })
})

describe('reset', () => {
  it('reset_cpu empties one ring and zeroes its counters; reset and reset_online_cpus all of them', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE, { cpus: 2 })
    fill(tb, 1000)
    tb.setCpu(1)
    fill(tb, 10)
    ring_buffer_reset_cpu(tb, 0)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(0)
    expect(ring_buffer_entries_cpu(tb, 1)).toBe(10)
    expect(ring_buffer_consume(tb, 0)).toBeNull()
    expect(readOnePage(tb, 0)).toBeNull()
    // writing works again from an empty ring, first event at page offset 0
    tb.setCpu(0)
    const clock = manualClock(tb, 9_000_000)
    ring_buffer_write(tb, 4, payload(4))
    clock.t += 5
    ring_buffer_write(tb, 4, payload(4))
    const page = readOnePage(tb, 0)!
    expect(u64(page, 0)).toBe(9_000_000)
    expect(walkPage(page).map((r) => r.delta)).toEqual([0, 5])
    ring_buffer_reset(tb)
    expect(ring_buffer_empty(tb)).toBe(true)
    expect(ring_buffer_entries(tb)).toBe(0)
    fill(tb, 5)
    ring_buffer_reset_online_cpus(tb)
    expect(ring_buffer_entries(tb)).toBe(0)
  })

  it('reset while a reservation is open keeps the event out of the emptied ring', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    ring_buffer_write(tb, 4, payload(4))
    ring_buffer_lock_reserve(tb, 4)
    ring_buffer_reset(tb)
    expect(ring_buffer_entries(tb)).toBe(0)
    ring_buffer_unlock_commit(tb)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    expect(ring_buffer_entries(tb)).toBe(1)
  })
})

describe('time', () => {
  it('ring_buffer_set_clock: events and ring_buffer_time_stamp use it', () => {
    const tb = ring_buffer_alloc(8192, 0)
    let t = 5
    ring_buffer_set_clock(tb, () => (t += 5))
    expect(ring_buffer_time_stamp(tb)).toBe(10)
    ring_buffer_write(tb, 4, payload(4))
    expect(ring_buffer_consume(tb, 0)!.ts).toBe(15)
  })

  it('the default clock is monotonic nanoseconds', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const a = ring_buffer_time_stamp(tb)
    ring_buffer_write(tb, 4, payload(4))
    const b = ring_buffer_time_stamp(tb)
    const ts = ring_buffer_consume(tb, 0)!.ts
    expect(Number.isInteger(a)).toBe(true)
    expect(a).toBeLessThanOrEqual(ts)
    expect(ts).toBeLessThanOrEqual(b)
  })

  it('ring_buffer_normalize_time_stamp does nothing', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_normalize_time_stamp(tb, 0, 123_456)).toBe(123_456)
  })
})

describe('self-description', () => {
  it('print_entry_header / print_page_header are the kernel tracefs texts', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_print_entry_header()).toBe(text('header_event'))
    expect(ring_buffer_print_page_header(tb)).toBe(text('header_page'))
  })
})
