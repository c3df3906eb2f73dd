/**
 * Malformed pages given to SubbufReader / decodeRawStream: a typed error or `corrupt`, never
 * a loop, a deep recursion or an out-of-bounds read. Termination is asserted by counting:
 * a page never yields more than commit / 4 events, and every event lies inside the page.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SubbufReader, decodeRawStream } from '../src/index.js'
import type { SubbufEvent } from '../src/index.js'
import { TWO27 } from './helpers.js'

const PAGE = 4096

/** A page with `words` (u32, little-endian) as data and the given commit word. */
function page(commit: number, words: number[], size = PAGE): Uint8Array {
  const p = new Uint8Array(size)
  const dv = new DataView(p.buffer)
  dv.setUint32(8, commit >>> 0, true)
  words.forEach((w, k) => {
    if (16 + 4 * k + 4 <= size) dv.setUint32(16 + 4 * k, w >>> 0, true)
  })
  return p
}

const hdr = (type: number, delta = 0): number => (type | (delta << 5)) >>> 0

interface Outcome {
  events: SubbufEvent[]
  corrupt: string | null
  dataBytes: number
}

/**
 * Read one page placed inside a larger buffer with poison bytes around it (so a read outside
 * the page would see them or throw), checking every event stays inside the page.
 */
function readPage(p: Uint8Array, subbufSize = p.length): Outcome {
  const backing = new Uint8Array(p.length + 64).fill(0xee)
  backing.set(p, 32)
  const view = backing.subarray(32, 32 + p.length)
  const r = new SubbufReader(view, subbufSize).load(0)
  const events: SubbufEvent[] = []
  const limit = r.dataBytes / 4
  for (let ev = r.next(); ev !== null; ev = r.next()) {
    events.push({ ...ev })
    expect(events.length).toBeLessThanOrEqual(limit)
    expect(ev.offset).toBeGreaterThanOrEqual(16)
    expect(ev.offset + ev.length).toBeLessThanOrEqual(16 + r.dataBytes)
    expect(ev.eventOffset).toBeGreaterThanOrEqual(0)
    expect(ev.eventOffset + ev.size).toBeLessThanOrEqual(r.dataBytes)
    expect(ev.size).toBeGreaterThanOrEqual(8)
  }
  // once at the end, it stays there
  expect(r.next()).toBeNull()
  return { events, corrupt: r.corrupt, dataBytes: r.dataBytes }
}

describe('malformed pages', () => {
  it('commit beyond the page: corrupt, no events; decodeRawStream throws a TypeError naming the page', () => {
    for (const commit of [4081, 4096, 0xfffff, (1 << 27) - 1]) {
      const p = page(commit, [hdr(1), 7])
      const o = readPage(p)
      expect(o.corrupt).toMatch(/commit/)
      expect(o.events).toEqual([])
      const two = new Uint8Array(2 * PAGE)
      two.set(page(8, [hdr(1), 7]), 0)
      two.set(p, PAGE)
      expect(() => decodeRawStream(two, PAGE, () => undefined)).toThrow(TypeError)
      expect(() => decodeRawStream(two, PAGE, () => undefined)).toThrow(/^bytes: page 1 is corrupt/)
    }
  })

  it('a truncated event: the commit ends inside the event or inside its header', () => {
    // a 16-byte event (type_len 3) with only 12 bytes committed
    expect(readPage(page(12, [hdr(3), 1, 2, 3])).corrupt).not.toBeNull()
    // an 8-byte event, then 2 bytes of a header
    const o = readPage(page(10, [hdr(1), 1, hdr(1)]))
    expect(o.events).toHaveLength(1)
    expect(o.corrupt).not.toBeNull()
    // a TIME_EXTEND cut in half
    expect(readPage(page(4, [hdr(30, 5), 1])).corrupt).not.toBeNull()
    // a type_len 0 event whose length word is not committed
    expect(readPage(page(4, [hdr(0), 64])).corrupt).not.toBeNull()
  })

  it('a length past the end of the data', () => {
    for (const len of [4080, 4096, 0x7fffffff, 0xffffffff]) {
      const o = readPage(page(64, [hdr(1), 0, hdr(0), len]))
      expect(o.events).toHaveLength(1)
      expect(o.corrupt).not.toBeNull()
      // padding too
      expect(readPage(page(64, [hdr(29, 1), len])).corrupt).not.toBeNull()
    }
  })

  it('type_len 0 with a length of 0 (or too small / unaligned to hold its own word)', () => {
    for (const len of [0, 1, 4, 5, 7, 9, 10])
      expect(readPage(page(64, [hdr(0), len, 0, 0])).corrupt).not.toBeNull()
    // the smallest valid one: array[0] = 8 (4-byte payload)
    const ok = readPage(page(12, [hdr(0), 8, 0xabcd]))
    expect(ok.corrupt).toBeNull()
    expect(ok.events.map((e) => [e.length, e.size])).toEqual([[4, 12]])
  })

  it('an endless padding chain: padding of length 0 stops at once', () => {
    const words: number[] = []
    for (let k = 0; k < 1020; k++) words.push(hdr(29, 1), 0)
    const o = readPage(page(4080, words))
    expect(o.events).toEqual([])
    expect(o.corrupt).not.toBeNull()
  })

  it('a page of minimal paddings, of time extends, of null padding: terminates with no event', () => {
    const pads: number[] = []
    for (let k = 0; k < 510; k++) pads.push(hdr(29, 1), 4)
    expect(readPage(page(4080, pads))).toMatchObject({ events: [], corrupt: null })
    const ext: number[] = []
    for (let k = 0; k < 510; k++) ext.push(hdr(30, 1), 1)
    expect(readPage(page(4080, ext))).toMatchObject({ events: [], corrupt: null })
    expect(readPage(page(4080, [hdr(29, 0)]))).toMatchObject({ events: [], corrupt: null })
    expect(readPage(page(0, []))).toMatchObject({ events: [], corrupt: null })
    // zeros under a commit are type_len 0 events of length 0: malformed
    expect(readPage(page(4080, [])).corrupt).not.toBeNull()
  })

  it('a 1 MiB sub-buffer of TIME_EXTENDs then one event: no recursion depth problem', () => {
    const size = 1 << 20
    const n = (size - 16 - 8) / 8
    const words: number[] = []
    for (let k = 0; k < n; k++) words.push(hdr(30, 1), 0)
    words.push(hdr(1), 42)
    const o = readPage(page(size - 16, words, size))
    expect(o.corrupt).toBeNull()
    expect(o.events).toHaveLength(1)
    expect(o.events[0]!.size).toBe(8 * n + 8)
    expect(o.events[0]!.eventOffset).toBe(0)
    expect(o.events[0]!.timestamp).toBe(n)
  })

  it('a TIME_STAMP with garbage never yields non-finite timestamps', () => {
    const o = readPage(page(16, [hdr(31, TWO27 - 1), 0xffffffff, hdr(1), 1]))
    expect(o.events).toHaveLength(1)
    expect(Number.isFinite(o.events[0]!.timestamp)).toBe(true)
  })

  it('the stored missed count is only read inside the page', () => {
    // MISSED|STORED with the data filling the page: no room for the count
    const o = new SubbufReader(page((4080 | (3 << 30)) >>> 0, []), PAGE).load(0)
    expect(o.missedEvents).toBe(-1)
    const o2 = new SubbufReader(page((4073 | (3 << 30)) >>> 0, []), PAGE).load(0)
    expect(o2.missedEvents).toBe(-1)
    const o3 = new SubbufReader(page((4072 | (3 << 30)) >>> 0, []), PAGE).load(0)
    expect(o3.missedEvents).toBe(0)
  })

  it('load() refuses a sub-buffer that does not fit the bytes', () => {
    const r = new SubbufReader(new Uint8Array(PAGE * 2), PAGE)
    expect(() => r.load(PAGE + 1)).toThrow(/^offset/)
    expect(() => r.load(-4)).toThrow(RangeError)
    expect(() => r.load(1.5)).toThrow(RangeError)
  })
})

describe('random pages (fast-check)', () => {
  const interesting = fc.oneof(
    fc.integer({ min: 0, max: 31 }).map((t) => hdr(t)),
    fc
      .tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: TWO27 - 1 }))
      .map(([t, d]) => hdr(t, d)),
    fc.integer({ min: 0, max: 80 }),
    fc.constantFrom(0, 4, 8, 12, 4076, 4080, 0xffffffff, 0x80000000),
    fc.integer({ min: 0, max: 0xffffffff }),
  )

  it('structured garbage: terminates, stays in bounds, typed error only', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 4200 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.array(interesting, { maxLength: 1100 }),
        fc.constantFrom(256, 512, 4096),
        (commit, words, size) => {
          const p = page(commit, words, size)
          readPage(p)
          try {
            const n = decodeRawStream(p, size, () => undefined)
            expect(n).toBe(1)
          } catch (e) {
            expect(e).toBeInstanceOf(TypeError)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('random bytes: terminates, stays in bounds, typed error only', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.integer({ min: 0, max: 300 }),
        (bytes, commit) => {
          const p = bytes.slice()
          // half the time a plausible commit, so that the events get parsed
          if (commit <= 240) new DataView(p.buffer).setUint32(8, commit, true)
          readPage(p)
          try {
            decodeRawStream(p, 256, () => undefined)
          } catch (e) {
            expect(e).toBeInstanceOf(TypeError)
          }
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('many random pages in one stream: at most commit/4 events per page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 512, maxLength: 512 }), {
          minLength: 1,
          maxLength: 20,
        }),
        (pages) => {
          const all = new Uint8Array(pages.length * 512)
          pages.forEach((p, k) => {
            all.set(p, k * 512)
            new DataView(all.buffer).setUint32(k * 512 + 8, p[0]! + p[1]! * 2, true)
          })
          const perPage = new Map<number, number>()
          try {
            decodeRawStream(all, 512, (_ev, page) =>
              perPage.set(page, (perPage.get(page) ?? 0) + 1),
            )
          } catch (e) {
            expect(e).toBeInstanceOf(TypeError)
          }
          for (const [p, n] of perPage)
            expect(n).toBeLessThanOrEqual(
              (new DataView(all.buffer).getUint32(p * 512 + 8, true) & 0xfffff) / 4,
            )
        },
      ),
      { numRuns: 500 },
    )
  })
})
