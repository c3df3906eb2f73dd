/**
 * The event byte format the API writes: the kernel's sizing table, TIME_EXTEND, absolute
 * TIME_STAMPs, end-of-page padding and null padding, discards, the page header.
 */
import { describe, expect, it } from 'vitest'
import {
  RB_FL_OVERWRITE,
  RINGBUF_TYPE_PADDING,
  RINGBUF_TYPE_TIME_EXTEND,
  RINGBUF_TYPE_TIME_STAMP,
  SubbufReader,
  eventLength,
  fixAbsoluteTimestamp,
  ring_buffer_alloc,
  ring_buffer_bytes_cpu,
  ring_buffer_consume,
  ring_buffer_discard_commit,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_event_length,
  ring_buffer_lock_reserve,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_max_event_size,
  ring_buffer_nest_end,
  ring_buffer_nest_start,
  ring_buffer_set_time_stamp_abs,
  ring_buffer_time_stamp_abs,
  ring_buffer_unlock_commit,
  ring_buffer_write,
} from '../src/index.js'
import {
  TWO27,
  TWO59,
  manualClock,
  payload,
  readAllPages,
  readOnePage,
  u32,
  u64,
  walkPage,
} from './helpers.js'

/** The kernel's table (reference §2), written out independently of the package. */
function table(L: number): { bytes: number; typeLen: number; array0: number; length: number } {
  const r4 = (n: number): number => Math.ceil(n / 4) * 4
  if (L <= 4) return { bytes: 8, typeLen: 1, array0: 0, length: 4 }
  if (L <= 12) return { bytes: 16, typeLen: 3, array0: 0, length: 12 }
  if (L <= 112) return { bytes: 4 + r4(L), typeLen: r4(L) / 4, array0: 0, length: r4(L) }
  return { bytes: 8 + r4(L), typeLen: 0, array0: r4(L) + 4, length: r4(L) }
}

describe('event sizing (rb_calculate_event_length + rb_update_event)', () => {
  const lengths = [
    ...Array.from({ length: 131 }, (_, k) => k),
    200,
    255,
    256,
    1000,
    2047,
    4000,
    4071,
    4072,
  ]

  it.each(lengths)(
    'payload %i bytes: header, size and ring_buffer_event_length as the table',
    (L) => {
      const tb = ring_buffer_alloc(65536, 0)
      manualClock(tb)
      const ev = ring_buffer_lock_reserve(tb, L)
      expect(ev).not.toBeNull()
      ring_buffer_event_data(ev!).set(payload(L, L))
      const want = table(L)
      expect(ring_buffer_event_length(ev!)).toBe(want.length)
      expect(ring_buffer_event_data(ev!).length).toBe(want.length)
      ring_buffer_unlock_commit(tb)
      expect(ring_buffer_bytes_cpu(tb, 0)).toBe(want.bytes)
      expect(eventLength(L)).toBe(want.bytes)
      const page = readOnePage(tb)!
      const recs = walkPage(page)
      expect(recs).toHaveLength(1)
      expect(recs[0]).toMatchObject({ off: 0, type: want.typeLen, delta: 0, size: want.bytes })
      if (want.typeLen === 0) expect(recs[0]!.array0).toBe(want.array0)
      expect(u32(page, 8)).toBe(want.bytes)
      // the payload sits at array[0] for small events, array[1] for type_len 0
      const at = 16 + (want.typeLen === 0 ? 8 : 4)
      expect(page.subarray(at, at + L)).toEqual(payload(L, L))
    },
  )

  it('an 8-byte payload becomes a 16-byte event with type_len 3; ring_buffer_event_length is 12', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    expect(ring_buffer_write(tb, 8, payload(8))).toBe(0)
    const c = ring_buffer_consume(tb, 0)!
    expect(ring_buffer_event_length(c.event)).toBe(12)
    expect(ring_buffer_event_data(c.event).subarray(0, 8)).toEqual(payload(8))
  })

  it('the largest payload (data size − 8) fills a whole sub-buffer', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    expect(ring_buffer_max_event_size(tb)).toBe(4072)
    expect(ring_buffer_write(tb, 4072, payload(4072))).toBe(0)
    const page = readOnePage(tb)!
    expect(walkPage(page)).toEqual([{ off: 0, type: 0, delta: 0, size: 4080, array0: 4076 }])
    expect(() => ring_buffer_lock_reserve(tb, 4073)).toThrow(RangeError)
    expect(() => ring_buffer_write(tb, 4073, payload(4073))).toThrow(/^length/)
  })
})

describe('time deltas', () => {
  it('the first event of a page has delta 0 and the page time_stamp is its timestamp', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 123_456_789)
    ring_buffer_write(tb, 4, payload(4))
    clock.t += 1000
    ring_buffer_write(tb, 4, payload(4))
    const page = readOnePage(tb)!
    expect(u64(page, 0)).toBe(123_456_789)
    expect(walkPage(page).map((r) => r.delta)).toEqual([0, 1000])
  })

  it('a delta of 2^27 − 1 fits the header; 2^27 and more get a TIME_EXTEND', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 1_000_000)
    const deltas = [TWO27 - 1, TWO27, TWO27 + 12345, 5 * TWO27 + 7, 2 ** 45 + 3]
    ring_buffer_write(tb, 4, payload(4))
    for (const d of deltas) {
      clock.t += d
      ring_buffer_write(tb, 4, payload(4))
    }
    const recs = walkPage(readOnePage(tb)!)
    expect(recs.map((r) => [r.type, r.delta, r.array0])).toEqual([
      [1, 0, 0],
      [1, TWO27 - 1, 0],
      [RINGBUF_TYPE_TIME_EXTEND, 0, 1],
      [1, 0, 0],
      [RINGBUF_TYPE_TIME_EXTEND, 12345, 1],
      [1, 0, 0],
      [RINGBUF_TYPE_TIME_EXTEND, 7, 5],
      [1, 0, 0],
      [RINGBUF_TYPE_TIME_EXTEND, 3, 2 ** 18],
      [1, 0, 0],
    ])
    expect(recs.filter((r) => r.type === RINGBUF_TYPE_TIME_EXTEND).every((r) => r.size === 8)).toBe(
      true,
    )
  })

  it('timestamps read back exactly across TIME_EXTENDs (peek/consume and SubbufReader)', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 1_000_000)
    const want: number[] = []
    for (const d of [0, 5, TWO27, 3, 7 * TWO27 + 99, 1]) {
      clock.t += d
      want.push(clock.t)
      ring_buffer_write(tb, 12, payload(12))
    }
    const page = readOnePage(tb)!
    const r = new SubbufReader(page, 4096).load(0)
    const got: number[] = []
    for (let ev = r.next(); ev !== null; ev = r.next()) got.push(ev.timestamp)
    expect(got).toEqual(want)
    expect(r.corrupt).toBeNull()
    const tb2 = ring_buffer_alloc(8192, 0)
    const c2 = manualClock(tb2, 0)
    for (const t of want) {
      c2.t = t
      ring_buffer_write(tb2, 12, payload(12))
    }
    const got2: number[] = []
    for (let c = ring_buffer_consume(tb2, 0); c !== null; c = ring_buffer_consume(tb2, 0))
      got2.push(c.ts)
    expect(got2).toEqual(want)
  })

  it('a TIME_EXTEND is never written as the first record of a page', () => {
    const tb = ring_buffer_alloc(16384, 0)
    const clock = manualClock(tb, 1_000_000)
    // 127 × 32-byte events fill 4064 bytes; the next one opens a new page after a long gap
    for (let k = 0; k < 127; k++) ring_buffer_write(tb, 28, payload(28))
    clock.t += 10 * TWO27
    ring_buffer_write(tb, 28, payload(28))
    const pages = readAllPages(tb)
    expect(pages).toHaveLength(2)
    expect(walkPage(pages[1]!)[0]).toMatchObject({ type: 7, delta: 0 })
    expect(u64(pages[1]!, 0)).toBe(1_000_000 + 10 * TWO27)
  })
})

describe('absolute timestamp mode (ring_buffer_set_time_stamp_abs)', () => {
  it('puts an 8-byte TIME_STAMP with the 59-bit timestamp before every event, data delta 0', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 5_000_000)
    ring_buffer_set_time_stamp_abs(tb, true)
    expect(ring_buffer_time_stamp_abs(tb)).toBe(true)
    expect(ring_buffer_max_event_size(tb)).toBe(4064)
    const ts = [5_000_000, 5_000_010, 5_000_010 + 3 * TWO27, 2 ** 52 + 17]
    for (const t of ts) {
      clock.t = t
      ring_buffer_write(tb, 4, payload(4))
    }
    const page = readOnePage(tb)!
    const recs = walkPage(page)
    expect(recs.map((r) => r.type)).toEqual([31, 1, 31, 1, 31, 1, 31, 1])
    for (let k = 0; k < ts.length; k++) {
      const stamp = recs[2 * k]!
      expect(stamp.type).toBe(RINGBUF_TYPE_TIME_STAMP)
      expect(stamp.array0 * TWO27 + stamp.delta).toBe(ts[k]! % TWO59)
      expect(recs[2 * k + 1]!.delta).toBe(0)
    }
    const r = new SubbufReader(page, 4096).load(0)
    const got: number[] = []
    for (let ev = r.next(); ev !== null; ev = r.next()) got.push(ev.timestamp)
    expect(got).toEqual(ts)
    // the larger reservation still has to fit: max payload is 8 bytes smaller
    expect(() => ring_buffer_lock_reserve(tb, 4065)).toThrow(RangeError)
    ring_buffer_set_time_stamp_abs(tb, false)
    expect(ring_buffer_time_stamp_abs(tb)).toBe(false)
    expect(ring_buffer_max_event_size(tb)).toBe(4072)
  })

  it('restores the top five bits from the previous timestamp, adding 2^59 on wrap (rb_fix_abs_ts)', () => {
    // values a double holds exactly
    expect(fixAbsoluteTimestamp(2 ** 58, TWO59)).toBe(TWO59 + 2 ** 58)
    expect(fixAbsoluteTimestamp(2 ** 57, TWO59 + 2 ** 58)).toBe(2 * TWO59 + 2 ** 57)
    expect(fixAbsoluteTimestamp(1000, 999)).toBe(1000)
    expect(fixAbsoluteTimestamp(5, 0)).toBe(5)
    // a hand-built page whose time_stamp carries top bits
    const page = new Uint8Array(4096)
    const dv = new DataView(page.buffer)
    const base = TWO59 + 2 ** 58
    dv.setUint32(0, 0, true)
    dv.setUint32(4, base / 2 ** 32, true)
    dv.setUint32(8, 32, true)
    // TIME_STAMP 2^58 + 2^57 (no wrap), event, TIME_STAMP 2^57 (wraps), event
    const stamp = (off: number, v: number): void => {
      dv.setUint32(16 + off, (RINGBUF_TYPE_TIME_STAMP | ((v % TWO27) << 5)) >>> 0, true)
      dv.setUint32(16 + off + 4, Math.floor(v / TWO27), true)
    }
    stamp(0, 2 ** 58 + 2 ** 57)
    dv.setUint32(16 + 8, 1, true)
    stamp(16, 2 ** 57)
    dv.setUint32(16 + 24, 1, true)
    const r = new SubbufReader(page, 4096).load(0)
    expect(r.next()!.timestamp).toBe(TWO59 + 2 ** 58 + 2 ** 57)
    expect(r.next()!.timestamp).toBe(2 * TWO59 + 2 ** 57)
    expect(r.next()).toBeNull()
  })
})

describe('end of a sub-buffer (rb_reset_tail)', () => {
  it('pads the rest with a committed PADDING of time_delta 1 when 8 bytes or more remain', () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    const map = ring_buffer_map(tb, 0)
    // 127 events of 32 bytes = 4064 bytes; the 128th does not fit the 16 left
    for (let k = 0; k < 128; k++) ring_buffer_write(tb, 28, payload(28, k))
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(127 * 32 + 16 + 32)
    ring_buffer_map_get_reader(tb, 0)
    const page = map.readerSubbuf()
    expect(u32(page, 8)).toBe(4080)
    const recs = walkPage(page)
    expect(recs).toHaveLength(128)
    expect(recs[127]).toEqual({
      off: 4064,
      type: RINGBUF_TYPE_PADDING,
      delta: 1,
      size: 16,
      array0: 12,
    })
    // read_page hands the page out with commit = real_end: the padding is not part of it
    const tb2 = ring_buffer_alloc(16384, 0)
    manualClock(tb2)
    for (let k = 0; k < 128; k++) ring_buffer_write(tb2, 28, payload(28, k))
    const out = readOnePage(tb2)!
    expect(u32(out, 8)).toBe(4064)
    expect(out.subarray(16 + 4064).every((b) => b === 0)).toBe(true)
  })

  it('writes an uncommitted null padding (type 29, delta 0) when fewer than 8 bytes remain', () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    const map = ring_buffer_map(tb, 0)
    // 203 × 20 + 16 = 4076: 4 bytes are left, too few for the next 8-byte event
    for (let k = 0; k < 203; k++) ring_buffer_write(tb, 16, payload(16, k))
    ring_buffer_write(tb, 12, payload(12))
    ring_buffer_write(tb, 4, payload(4))
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(4076 + 8)
    ring_buffer_map_get_reader(tb, 0)
    const page = map.readerSubbuf()
    expect(u32(page, 8)).toBe(4076)
    expect(u32(page, 16 + 4076)).toBe(RINGBUF_TYPE_PADDING)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(1)
  })
})

describe('discarded events (ring_buffer_discard_commit)', () => {
  it('rewinds the write index when the event was the last thing written; the next event gets a TIME_STAMP', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 1000)
    ring_buffer_write(tb, 4, payload(4))
    clock.t = 2000
    const ev = ring_buffer_lock_reserve(tb, 40)!
    ring_buffer_discard_commit(tb, ev)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(8)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(1)
    clock.t = 3000
    ring_buffer_write(tb, 4, payload(4))
    const page = readOnePage(tb)!
    const recs = walkPage(page)
    expect(recs.map((r) => r.type)).toEqual([1, RINGBUF_TYPE_TIME_STAMP, 1])
    expect(recs[1]!.delta + recs[1]!.array0 * TWO27).toBe(3000)
    const r = new SubbufReader(page, 4096).load(0)
    expect([r.next()!.timestamp, r.next()!.timestamp]).toEqual([1000, 3000])
  })

  it('turns an event followed by others into padding keeping its delta (1 when it was 0)', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const clock = manualClock(tb, 1000)
    ring_buffer_write(tb, 4, payload(4))
    clock.t = 1500
    const outer = ring_buffer_lock_reserve(tb, 20)!
    ring_buffer_nest_start(tb)
    clock.t = 1600
    ring_buffer_write(tb, 8, payload(8))
    ring_buffer_nest_end(tb)
    ring_buffer_discard_commit(tb, outer)
    // a first-on-page event (delta 0) discarded under a nested one: delta becomes 1
    const tb2 = ring_buffer_alloc(8192, 0)
    manualClock(tb2, 1000)
    const first = ring_buffer_lock_reserve(tb2, 4)!
    ring_buffer_nest_start(tb2)
    ring_buffer_write(tb2, 4, payload(4))
    ring_buffer_nest_end(tb2)
    ring_buffer_discard_commit(tb2, first)

    expect(ring_buffer_entries_cpu(tb, 0)).toBe(2)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(8 + 24 + 16)
    const recs = walkPage(readOnePage(tb)!)
    expect(recs.map((r) => [r.type, r.delta, r.size])).toEqual([
      [1, 0, 8],
      [RINGBUF_TYPE_PADDING, 500, 24],
      [3, 100, 16],
    ])
    expect(recs[1]!.array0).toBe(20)
    expect(walkPage(readOnePage(tb2)!).map((r) => [r.type, r.delta, r.size])).toEqual([
      [RINGBUF_TYPE_PADDING, 1, 8],
      [1, 0, 8],
    ])
  })

  it('keeps a TIME_EXTEND in front of a discarded event and pads only the event', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 1000)
    ring_buffer_write(tb, 4, payload(4))
    clock.t += 3 * TWO27 + 5
    const outer = ring_buffer_lock_reserve(tb, 4)!
    ring_buffer_nest_start(tb)
    ring_buffer_write(tb, 4, payload(4))
    ring_buffer_nest_end(tb)
    ring_buffer_discard_commit(tb, outer)
    const recs = walkPage(readOnePage(tb)!)
    expect(recs.map((r) => [r.type, r.delta, r.size])).toEqual([
      [1, 0, 8],
      [RINGBUF_TYPE_TIME_EXTEND, 5, 8],
      [RINGBUF_TYPE_PADDING, 1, 8],
      [1, 0, 8],
    ])
  })
})
