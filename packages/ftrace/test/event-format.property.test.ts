/**
 * Property: for any sequence of (payload length, time gap), the pages the API produces are
 * byte for byte what an independent model of the kernel's rules produces (sizing table,
 * TIME_EXTEND, absolute TIME_STAMPs, first-event delta 0, page overflow), and consuming
 * reads give back every timestamp, length and payload.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ring_buffer_alloc,
  ring_buffer_consume,
  ring_buffer_dropped_events_cpu,
  ring_buffer_event_data,
  ring_buffer_event_length,
  ring_buffer_set_time_stamp_abs,
  ring_buffer_write,
} from '../src/index.js'
import { TWO27, TWO59, manualClock, payload, readAllPages } from './helpers.js'

const SUBBUF = 4096
const CAP = SUBBUF - 16

interface Ev {
  L: number
  ts: number
  data: Uint8Array
}

/** Bytes, type_len and array[0] of a data event: the reference table, not the package's code. */
function sizing(L: number): { bytes: number; typeLen: number; array0: number; length: number } {
  const r4 = Math.ceil(L / 4) * 4
  if (L <= 4) return { bytes: 8, typeLen: 1, array0: 0, length: 4 }
  if (L <= 12) return { bytes: 16, typeLen: 3, array0: 0, length: 12 }
  if (L <= 112) return { bytes: 4 + r4, typeLen: r4 / 4, array0: 0, length: r4 }
  return { bytes: 8 + r4, typeLen: 0, array0: r4 + 4, length: r4 }
}

/** The pages the kernel would hand out with read_page (commit = real_end, zero filled). */
function modelPages(events: Ev[], abs: boolean): Uint8Array[] {
  const pages: Uint8Array[] = []
  let page: Uint8Array | null = null
  let dv: DataView | null = null
  let used = 0
  let last = 0
  const close = (): void => {
    if (dv !== null) dv.setUint32(8, used, true)
  }
  for (const ev of events) {
    const s = sizing(ev.L)
    let delta = page === null || used === 0 ? 0 : ev.ts - last
    let prefix = abs || delta >= TWO27 ? 8 : 0
    if (page === null || used + s.bytes + prefix > CAP) {
      close()
      page = new Uint8Array(SUBBUF)
      dv = new DataView(page.buffer)
      pages.push(page)
      dv.setUint32(0, ev.ts % 2 ** 32, true)
      dv.setUint32(4, Math.floor(ev.ts / 2 ** 32), true)
      used = 0
      delta = 0
      prefix = abs ? 8 : 0
    }
    let at = 16 + used
    if (prefix === 8) {
      const v = abs ? ev.ts % TWO59 : delta
      dv!.setUint32(at, ((abs ? 31 : 30) | ((v % TWO27) << 5)) >>> 0, true)
      dv!.setUint32(at + 4, Math.floor(v / TWO27), true)
      at += 8
      delta = 0
    }
    dv!.setUint32(at, (s.typeLen | (delta << 5)) >>> 0, true)
    if (s.typeLen === 0) {
      dv!.setUint32(at + 4, s.array0, true)
      page.set(ev.data, at + 8)
    } else page.set(ev.data, at + 4)
    used += prefix + s.bytes
    last = ev.ts
  }
  close()
  return pages
}

const lengthArb = fc.oneof(
  fc.integer({ min: 0, max: 16 }),
  fc.integer({ min: 100, max: 130 }),
  fc.integer({ min: 0, max: 700 }),
  fc.integer({ min: 3900, max: 4064 }),
)
const gapArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: TWO27 - 3, max: TWO27 + 3 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
)

describe('event encoding matches an independent model of the kernel', () => {
  it('pages and consumed events, relative and absolute timestamps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lengthArb, gapArb), { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        (spec, abs) => {
          let ts = 1_000_000_000
          const events: Ev[] = spec.map(([L, gap], k) => {
            ts += gap
            return { L, ts, data: payload(L, k * 7 + 3) }
          })
          const fill = (): ReturnType<typeof ring_buffer_alloc> => {
            const tb = ring_buffer_alloc(400_000, 0)
            if (abs) ring_buffer_set_time_stamp_abs(tb, true)
            const clock = manualClock(tb, 0)
            for (const ev of events) {
              clock.t = ev.ts
              expect(ring_buffer_write(tb, ev.L, ev.data)).toBe(0)
            }
            expect(ring_buffer_dropped_events_cpu(tb, 0)).toBe(0)
            return tb
          }
          // pages, byte for byte
          const got = readAllPages(fill())
          const want = modelPages(events, abs)
          expect(got.length).toBe(want.length)
          for (let p = 0; p < want.length; p++)
            expect(Buffer.from(got[p]!).equals(Buffer.from(want[p]!))).toBe(true)
          // consuming reads
          const tb = fill()
          for (const ev of events) {
            const c = ring_buffer_consume(tb, 0)
            expect(c).not.toBeNull()
            expect(c!.ts).toBe(ev.ts)
            expect(c!.lost_events).toBe(0)
            expect(ring_buffer_event_length(c!.event)).toBe(sizing(ev.L).length)
            expect(ring_buffer_event_data(c!.event).subarray(0, ev.L)).toEqual(ev.data)
          }
          expect(ring_buffer_consume(tb, 0)).toBeNull()
        },
      ),
      { numRuns: 300 },
    )
  })
})
