/**
 * Sub-buffer reads: ring_buffer_alloc_read_page / read_page / read_page_data /
 * free_read_page. Swap (zero copy) versus copy, `full`, RB_MISSED_EVENTS / RB_MISSED_STORED,
 * and the kernel's own pages reproduced byte for byte through the API.
 */
import { describe, expect, it } from 'vitest'
import { BusyError } from '@onering/core'
import {
  RB_FL_OVERWRITE,
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  SubbufReader,
  decodeRawStream,
  ring_buffer_alloc,
  ring_buffer_alloc_read_page,
  ring_buffer_bytes_cpu,
  ring_buffer_dropped_events_cpu,
  ring_buffer_overrun_cpu,
  ring_buffer_consume,
  ring_buffer_entries_cpu,
  ring_buffer_free_read_page,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_read_events_cpu,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_reset,
  ring_buffer_unmap,
  ring_buffer_write,
} from '../src/index.js'
import type { TraceBuffer } from '../src/index.js'
import {
  fixture,
  fixtureStats,
  manualClock,
  maskPadding,
  payload,
  readAllPages,
  readOnePage,
  u32,
  u64,
  walkPage,
} from './helpers.js'

function fill(tb: TraceBuffer, n: number, t0 = 1000): void {
  const clock = manualClock(tb, t0)
  for (let k = 0; k < n; k++) {
    clock.t = t0 + 10 * k
    ring_buffer_write(tb, 26, payload(26, k))
  }
}

function timestamps(page: Uint8Array): number[] {
  const r = new SubbufReader(page, page.length).load(0)
  const out: number[] = []
  for (let ev = r.next(); ev !== null; ev = r.next()) out.push(ev.timestamp)
  expect(r.corrupt).toBeNull()
  return out
}

/** The physical sub-buffer of `tb` (cpu 0) a view points into, or -1. */
function subbufIdOf(tb: TraceBuffer, view: Uint8Array): number {
  for (let id = 0; id < tb.rb.physicalSubbufs; id++)
    if (tb.rb.subbufBytes(0, id).byteOffset === view.byteOffset) return id
  return -1
}

/** The physical sub-buffer whose header time_stamp is `ts`. */
function subbufWithTs(tb: TraceBuffer, ts: number): number {
  for (let id = 0; id < tb.rb.physicalSubbufs; id++)
    if (u64(tb.rb.subbufBytes(0, id), 0) === ts) return id
  return -1
}

describe('ring_buffer_read_page', () => {
  it('swaps a complete, unread sub-buffer out of the ring (zero copy), commit = real_end', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 200)
    const held = subbufWithTs(tb, 1000)
    expect(held).toBeGreaterThanOrEqual(0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    const data = ring_buffer_read_page_data(page)
    // the caller now owns the very sub-buffer the events were written in
    expect(subbufIdOf(tb, data)).toBe(held)
    expect(u64(data, 0)).toBe(1000)
    expect(u64(data, 8)).toBe(127 * 32)
    expect(data.subarray(16 + 127 * 32).every((b) => b === 0)).toBe(true)
    expect(timestamps(data)).toEqual(Array.from({ length: 127 }, (_, k) => 1000 + 10 * k))
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(127)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(73)
    // the next read continues with the rest, a copy of the writer's sub-buffer
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    expect(timestamps(ring_buffer_read_page_data(page))).toEqual(
      Array.from({ length: 73 }, (_, k) => 1000 + 10 * (127 + k)),
    )
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(-1)
    ring_buffer_free_read_page(tb, 0, page)
  })

  it('copies whole events when the writer is on the sub-buffer; later reads continue after them', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 500)
    for (let k = 0; k < 10; k++) {
      clock.t = 500 + 7 * k
      ring_buffer_write(tb, 4, payload(4, k))
    }
    const p1 = readOnePage(tb)!
    expect(u64(p1, 8)).toBe(80)
    expect(timestamps(p1)).toEqual(Array.from({ length: 10 }, (_, k) => 500 + 7 * k))
    for (let k = 10; k < 15; k++) {
      clock.t = 500 + 7 * k
      ring_buffer_write(tb, 4, payload(4, k))
    }
    const p2 = readOnePage(tb)!
    // the copy's time_stamp is the reader's running timestamp: the last event read
    expect(u64(p2, 0)).toBe(500 + 7 * 9)
    expect(u64(p2, 8)).toBe(40)
    expect(timestamps(p2)).toEqual(Array.from({ length: 5 }, (_, k) => 500 + 7 * (10 + k)))
    expect(readOnePage(tb)).toBeNull()
  })

  it('copies the rest of a partly consumed sub-buffer', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 200)
    for (let k = 0; k < 3; k++) ring_buffer_consume(tb, 0)
    const p = readOnePage(tb)!
    expect(u64(p, 0)).toBe(1020)
    expect(timestamps(p)).toEqual(Array.from({ length: 124 }, (_, k) => 1000 + 10 * (3 + k)))
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(127)
  })

  it('with `full` it only hands out a complete sub-buffer the writer has left', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 100)
    expect(readOnePage(tb, 0, 1)).toBeNull()
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(100)
    fill(tb, 100) // 200 in all: the first sub-buffer is complete
    const p = readOnePage(tb, 0, 1)!
    expect(walkPage(p)).toHaveLength(127)
    expect(readOnePage(tb, 0, 1)).toBeNull()
    // a partly consumed sub-buffer is not complete either
    fill(tb, 200)
    ring_buffer_consume(tb, 0)
    expect(readOnePage(tb, 0, 1)).toBeNull()
  })

  it('flags lost events: RB_MISSED_EVENTS | RB_MISSED_STORED, the count after the data, commit sign-extended', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 1000)
    const p = readOnePage(tb)!
    expect(u32(p, 8)).toBe((4064 | RB_MISSED_EVENTS | RB_MISSED_STORED) >>> 0)
    expect(u32(p, 12)).toBe(0xffffffff)
    expect(u64(p, 16 + 4064)).toBe(635)
    expect(p.subarray(16 + 4072).every((b) => b === 0)).toBe(true)
    const r = new SubbufReader(p, 4096).load(0)
    expect(r.missedEvents).toBe(635)
    expect(r.next()!.missed).toBe(635)
    expect(r.next()!.missed).toBe(0)
    // reported once: the next page has no flags, consume reports nothing
    const p2 = readOnePage(tb)!
    expect(u64(p2, 8)).toBe(4064)
    expect(ring_buffer_consume(tb, 0)!.lost_events).toBe(0)
  })

  it('sets RB_MISSED_EVENTS alone when there is no room to store the count', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    manualClock(tb)
    // 255 × 16-byte events fill the 4080 data bytes exactly
    for (let k = 0; k < 255 * 6; k++) ring_buffer_write(tb, 12, payload(12, k))
    const p = readOnePage(tb)!
    expect(u32(p, 8)).toBe((4080 | RB_MISSED_EVENTS) >>> 0)
    expect(u32(p, 12)).toBe(0xffffffff)
    const r = new SubbufReader(p, 4096).load(0)
    expect(r.next()!.missed).toBe(-1)
  })

  it('copies while the ring is mapped, leaving every ring sub-buffer in place', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 300)
    const map = ring_buffer_map(tb, 0)
    const held = subbufWithTs(tb, 1000)
    const before = tb.rb.subbufBytes(0, held).slice()
    const metaBefore = map.meta
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(0)
    const data = ring_buffer_read_page_data(page)
    expect(subbufIdOf(tb, data)).not.toBe(held)
    expect(tb.rb.subbufBytes(0, held)).toEqual(before)
    expect(timestamps(data)).toEqual(Array.from({ length: 127 }, (_, k) => 1000 + 10 * k))
    expect(map.meta.reader).toEqual(metaBefore.reader)
    ring_buffer_free_read_page(tb, 0, page)
    expect(ring_buffer_unmap(tb, 0)).toBe(0)
    // unmapped again: zero copy
    const page2 = ring_buffer_alloc_read_page(tb, 0)
    const next = subbufWithTs(tb, 1000 + 1270)
    expect(next).toBeGreaterThanOrEqual(0)
    expect(ring_buffer_read_page(tb, page2, 4096, 0, 0)).toBe(0)
    expect(u64(ring_buffer_read_page_data(page2), 0)).toBe(1000 + 1270)
    expect(subbufIdOf(tb, ring_buffer_read_page_data(page2))).toBe(next)
  })

  it('returns -1 on an empty buffer, after a reset, and for a length smaller than a sub-buffer', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(-1)
    fill(tb, 10)
    // partial reads (len < sub-buffer) are not supported (documented)
    expect(ring_buffer_read_page(tb, page, 4095, 0, 0)).toBe(-1)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(10)
    ring_buffer_reset(tb)
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(-1)
    // a page that never held data reads as zeros
    expect(ring_buffer_read_page_data(page)).toEqual(new Uint8Array(4096))
  })

  it('a read page is reused by the next read and given back with free_read_page', () => {
    const tb = ring_buffer_alloc(65536, 0)
    fill(tb, 2000)
    const a = ring_buffer_alloc_read_page(tb, 0)
    for (let k = 0; k < 5; k++) expect(ring_buffer_read_page(tb, a, 4096, 0, 0)).toBe(0)
    // every spare sub-buffer is held by `a`: a second page can hold data once `a` is freed
    const b = ring_buffer_alloc_read_page(tb, 0)
    expect(() => ring_buffer_read_page(tb, b, 4096, 0, 0)).toThrow(BusyError)
    ring_buffer_free_read_page(tb, 0, a)
    expect(ring_buffer_read_page(tb, b, 4096, 0, 0)).toBe(0)
    expect(timestamps(ring_buffer_read_page_data(b))[0]).toBe(1000 + 10 * 127 * 5)
    ring_buffer_free_read_page(tb, 0, b)
  })

  it('a map_get_reader consumer and read_page share one read position', () => {
    const tb = ring_buffer_alloc(8192, 0)
    fill(tb, 200)
    ring_buffer_map(tb, 0)
    ring_buffer_map_get_reader(tb, 0)
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(127)
    const p = readOnePage(tb)!
    expect(timestamps(p)[0]).toBe(1000 + 1270)
  })
})

describe('the kernel fixtures reproduced through ring_buffer_write + ring_buffer_read_page', () => {
  interface KEv {
    ts: number
    bytes: Uint8Array
  }
  function events(name: string): { raw: Uint8Array; evs: KEv[] } {
    const raw = fixture(name)
    const evs: KEv[] = []
    decodeRawStream(raw, 4096, (ev) =>
      evs.push({ ts: ev.timestamp, bytes: raw.slice(ev.offset, ev.offset + ev.length) }),
    )
    return { raw, evs }
  }
  function compare(tb: TraceBuffer, raw: Uint8Array): void {
    const pages = readAllPages(tb)
    expect(pages).toHaveLength(raw.length / 4096)
    for (let p = 0; p < pages.length; p++) {
      const theirs = raw.subarray(p * 4096, (p + 1) * 4096)
      expect(Buffer.from(maskPadding(pages[p]!)).equals(Buffer.from(maskPadding(theirs)))).toBe(
        true,
      )
    }
  }

  it('basic.cpu0.raw: 74 markers, a TIME_EXTEND after a 200 ms gap, a 2000-byte marker', () => {
    const { raw, evs } = events('basic.cpu0.raw')
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 0)
    for (const ev of evs) {
      clock.t = ev.ts
      expect(ring_buffer_write(tb, ev.bytes.length, ev.bytes)).toBe(0)
    }
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(fixtureStats('basic.stats')['entries'])
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(fixtureStats('basic.stats')['bytes'])
    compare(tb, raw)
  })

  it('overwrite.cpu0.raw: 5000 markers into 8 KiB, 4699 lost and flagged in the first page', () => {
    const { raw, evs } = events('overwrite.cpu0.raw')
    const stats = fixtureStats('overwrite.stats')
    const lost = stats['overrun']!
    expect(evs).toHaveLength(stats['entries']!)
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 0)
    // the overwritten markers: same sizes, any earlier time
    for (let k = 0; k < lost; k++) {
      clock.t = evs[0]!.ts - (lost - k) * 1000
      ring_buffer_write(tb, evs[0]!.bytes.length, evs[0]!.bytes)
    }
    for (const ev of evs) {
      clock.t = ev.ts
      ring_buffer_write(tb, ev.bytes.length, ev.bytes)
    }
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(stats['entries'])
    expect(ring_buffer_overrun_cpu(tb, 0)).toBe(stats['overrun'])
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(stats['bytes'])
    compare(tb, raw)
  })

  it('discard.cpu0.raw: producer/consumer mode keeps the first 381 and drops the rest, no flags', () => {
    const { raw, evs } = events('discard.cpu0.raw')
    const stats = fixtureStats('discard.stats')
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 0)
    let dropped = 0
    for (const ev of evs) {
      clock.t = ev.ts
      expect(ring_buffer_write(tb, ev.bytes.length, ev.bytes)).toBe(0)
    }
    for (let k = 0; k < stats['dropped events']!; k++)
      if (ring_buffer_write(tb, evs[0]!.bytes.length, evs[0]!.bytes) !== 0) dropped++
    expect(dropped).toBe(stats['dropped events'])
    expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(stats['dropped events'])
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(stats['entries'])
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(stats['bytes'])
    compare(tb, raw)
  })
})
