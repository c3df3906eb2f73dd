/**
 * decodeRawStream / SubbufReader on every kernel fixture (Linux 6.18, test/fixtures/kernel):
 * payloads up to the string NUL, monotonic timestamps, the TIME_EXTEND after the 200 ms gap,
 * the missed count of the overwrite run, the mapped reader sub-buffer.
 */
import { describe, expect, it } from 'vitest'
import {
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  SubbufReader,
  decodeRawStream,
  decodeTraceBufferMeta,
} from '@onering/ftrace'
import type { SubbufEvent } from '@onering/ftrace'
import { fixture, fixtureStats, u32, walkPage } from './kernel-helpers.js'

interface Ev {
  page: number
  ts: number
  size: number
  eventOffset: number
  missed: number
  commonType: number
  text: string
}

/** The `buf` string of a `print` event (payload offset 16), up to its NUL. */
function text(bytes: Uint8Array, ev: SubbufEvent): string {
  const p = bytes.subarray(ev.offset + 16, ev.offset + ev.length)
  const nul = p.indexOf(0)
  expect(nul).toBeGreaterThanOrEqual(0)
  return new TextDecoder().decode(p.subarray(0, nul))
}

function decode(raw: Uint8Array): { pages: number; evs: Ev[] } {
  const evs: Ev[] = []
  const pages = decodeRawStream(raw, 4096, (ev, page) => {
    evs.push({
      page,
      ts: ev.timestamp,
      size: ev.size,
      eventOffset: ev.eventOffset,
      missed: ev.missed,
      commonType: raw[ev.offset]! | (raw[ev.offset + 1]! << 8),
      text: text(raw, ev),
    })
  })
  return { pages, evs }
}

function expectMonotonic(evs: Ev[]): void {
  for (let k = 1; k < evs.length; k++) expect(evs[k]!.ts).toBeGreaterThanOrEqual(evs[k - 1]!.ts)
}

describe('basic.cpu0.raw', () => {
  const raw = fixture('basic.cpu0.raw')
  const { pages, evs } = decode(raw)

  it('holds the 74 markers in order, all `print` events (the id of print_format)', () => {
    const id = Number(/^ID: (\d+)$/m.exec(new TextDecoder().decode(fixture('print_format')))![1])
    expect(id).toBe(5)
    expect(pages).toBe(2)
    expect(evs).toHaveLength(fixtureStats('basic.stats')['entries']!)
    const want = [
      ...Array.from({ length: 8 }, (_, k) => `basic ${k}\n`),
      'after-200ms-gap\n',
      ...Array.from(
        { length: 64 },
        (_, k) => `${String.fromCharCode(97 + ((k + 1) % 26)).repeat(k + 1)}\n`,
      ),
      `${'L'.repeat(2000)}\n`,
    ]
    expect(evs.map((e) => e.text)).toEqual(want)
    expect(evs.every((e) => e.commonType === id)).toBe(true)
    expect(evs.every((e) => e.missed === 0)).toBe(true)
    expectMonotonic(evs)
    // the 2000-byte marker did not fit the first sub-buffer
    expect(evs.at(-1)!.page).toBe(1)
    expect(evs.at(-2)!.page).toBe(0)
  })

  it('puts a TIME_EXTEND before the event after the 200 ms gap', () => {
    const recs = walkPage(raw.subarray(0, 4096))
    const ext = recs.filter((r) => r.type === 30)
    expect(ext).toHaveLength(1)
    const gap = evs[8]!
    expect(gap.text).toBe('after-200ms-gap\n')
    expect(gap.ts - evs[7]!.ts).toBeGreaterThanOrEqual(200_000_000)
    expect(gap.ts - evs[7]!.ts).toBe(ext[0]!.array0 * 2 ** 27 + ext[0]!.delta)
    // the reported event spans the TIME_EXTEND and the data event
    expect(gap.eventOffset).toBe(ext[0]!.off)
    expect(gap.size).toBe(8 + recs.find((r) => r.off === ext[0]!.off + 8)!.size)
    // the data event after it has delta 0
    expect(recs.find((r) => r.off === ext[0]!.off + 8)!.delta).toBe(0)
  })

  it('the stats bytes count the first sub-buffer whole (events + end padding) and the second', () => {
    expect(u32(raw, 8)).toBe(3888)
    expect(4080 + u32(raw, 4096 + 8)).toBe(fixtureStats('basic.stats')['bytes'])
  })
})

describe('overwrite.cpu0.raw', () => {
  const raw = fixture('overwrite.cpu0.raw')
  const { evs } = decode(raw)
  const stats = fixtureStats('overwrite.stats')

  it('reports the 4699 overwritten markers once, with the first surviving event', () => {
    expect(evs).toHaveLength(stats['entries']!)
    expect(evs[0]!.missed).toBe(4699)
    expect(evs[0]!.missed).toBe(stats['overrun'])
    expect(evs.slice(1).every((e) => e.missed === 0)).toBe(true)
    expect(evs.map((e) => e.text)).toEqual(
      Array.from({ length: 301 }, (_, k) => `ow ${String(4699 + k).padStart(5, '0')}\n`),
    )
    expectMonotonic(evs)
  })

  it('page 0: commit 0xffffffffc0000fe0, the count stored after the 4064 data bytes', () => {
    expect(u32(raw, 8)).toBe((0xfe0 | RB_MISSED_EVENTS | RB_MISSED_STORED) >>> 0)
    expect(u32(raw, 12)).toBe(0xffffffff)
    const r = new SubbufReader(raw, 4096).load(0)
    expect(r.dataBytes).toBe(4064)
    expect(r.missedFlags).toBe(RB_MISSED_EVENTS | RB_MISSED_STORED)
    expect(r.missedEvents).toBe(4699)
    expect(u32(raw, 16 + 4064)).toBe(4699)
  })
})

describe('discard.cpu0.raw', () => {
  const raw = fixture('discard.cpu0.raw')
  const { pages, evs } = decode(raw)

  it('keeps the first 381 markers, without missed flags', () => {
    expect(pages).toBe(3)
    expect(evs).toHaveLength(fixtureStats('discard.stats')['entries']!)
    expect(evs.map((e) => e.text)).toEqual(
      Array.from({ length: 381 }, (_, k) => `pc ${String(k).padStart(5, '0')}\n`),
    )
    expect(evs.every((e) => e.missed === 0)).toBe(true)
    expectMonotonic(evs)
    // the last page kept its end padding (copied while the writer was on it)
    expect(walkPage(raw.subarray(8192)).at(-1)).toMatchObject({ type: 29, delta: 1, size: 16 })
  })
})

describe('mmap.all / mmap.reader / mmap.meta', () => {
  // mmap.meta and mmap.reader come from one capture (reader id 1), mmap.all from another
  // (its own meta page says reader id 0); each is self-consistent
  const all = fixture('mmap.all')
  const allMeta = decodeTraceBufferMeta(all)

  function markers(
    bytes: Uint8Array,
    offset: number,
  ): { texts: string[]; ts: number[]; r: SubbufReader } {
    const r = new SubbufReader(bytes, 4096).load(offset)
    const texts: string[] = []
    const ts: number[] = []
    for (let ev = r.next(); ev !== null; ev = r.next()) {
      texts.push(text(bytes, ev))
      ts.push(ev.timestamp)
    }
    expect(r.corrupt).toBeNull()
    for (let k = 1; k < ts.length; k++) expect(ts[k]).toBeGreaterThanOrEqual(ts[k - 1]!)
    return { texts, ts, r }
  }
  const want = Array.from({ length: 20 }, (_, k) => `mmap ${k}\n`)

  it('mmap.reader holds the 20 markers, reader.read (600) bytes of them', () => {
    const meta = decodeTraceBufferMeta(fixture('mmap.meta'))
    const { texts, r } = markers(fixture('mmap.reader'), 0)
    expect(texts).toEqual(want)
    expect(r.dataBytes).toBe(meta.reader.read)
  })

  it('mmap.all: the sub-buffer reader.id of its meta page holds the same markers', () => {
    expect(allMeta).toMatchObject({
      meta_page_size: 4096,
      meta_struct_len: 80,
      subbuf_size: 4096,
      nr_subbufs: 18,
      entries: 20,
      read: 20,
      overrun: 0,
    })
    expect(all.length).toBe(allMeta.meta_page_size + allMeta.nr_subbufs * allMeta.subbuf_size)
    const { texts, r } = markers(
      all,
      allMeta.meta_page_size + allMeta.reader.id * allMeta.subbuf_size,
    )
    expect(texts).toEqual(want)
    expect(r.dataBytes).toBe(allMeta.reader.read)
    // meta-page padding past meta_struct_len is zero
    expect(
      all.subarray(allMeta.meta_struct_len, allMeta.meta_page_size).every((b) => b === 0),
    ).toBe(true)
  })

  it('every other sub-buffer of the mapping decodes cleanly, without events (commit 0)', () => {
    for (let id = 0; id < allMeta.nr_subbufs; id++) {
      if (id === allMeta.reader.id) continue
      const { texts } = markers(all, allMeta.meta_page_size + id * 4096)
      expect(texts).toEqual([])
    }
  })

  it('decodeRawStream refuses the meta page as a sub-buffer (typed error, page index)', () => {
    expect(() => decodeRawStream(all, 4096, () => undefined)).toThrow(/^bytes: page 0 is corrupt/)
  })
})
