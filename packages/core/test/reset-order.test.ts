/**
 * Where a reset leaves the sub-buffers, and where a grow puts the new ones (`rb_insert_pages`
 * splices them in just before the head page): the kernel's `rb_reset_cpu` (kernel/trace/ring_buffer.c)
 * keeps the reader page and the ring's order and restarts head = tail = commit at
 * `cpu_buffer->pages`, which `rb_allocate_pages` sets to the first page, `rb_get_reader_page`
 * moves to the page before the one it swaps in (`reader->list.prev`) and `rb_remove_pages`
 * moves to the page after the removed run. The engine's `C_PAGES_ANCHOR` is that pointer.
 *
 * Every expectation is a live answer of Linux 6.18.44 (CPU 1, a private instance), from
 * `tools/conformance-live/bin/mmap_live INSTANCE 1 < PROGRAM`: the `reader.id` of the meta page
 * after each `get_reader`. The kernel numbers the sub-buffers at the map: the reader 0, then the
 * ring from the head page 1, 2, … ({@link kernelIds} numbers the engine's physical sub-buffers
 * the same way at the same point). A new instance's rings are allocated at the default size and
 * shrunk by the first write of `buffer_size_kb` ({@link instance} does the same), so the anchor
 * starts on the page after the writer's.
 *
 * Geometry: 256-byte sub-buffers hold 240 bytes of records; a 100-byte payload makes a 112-byte
 * record (the kernel's `write 100`), a 200-byte one a record no second one joins (`write 4000`).
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../src/index.js'
import * as L from '../src/layout.js'
import { payloadOf } from './helpers.js'

/** A ring of `n` sub-buffers with a tracefs instance's history: made at 40, shrunk to `n`. */
function instance(n: number): RingBuffer {
  const rb = RingBuffer.create({
    size: 240 * 40,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode: 'overwrite',
    maxByteLength: 1 << 20,
  })
  rb.resize(240 * n)
  expect(rb.subbufs).toBe(n)
  return rb
}

/** The kernel's numbering at a map (`rb_setup_ids_meta_page`): physical id → kernel id. */
function kernelIds(rb: RingBuffer): Map<number, number> {
  const i = rb.i32
  const c = rb.ctl(0)
  const n = rb.subbufs
  const ids = new Map([[i[c + L.C_READER_PAGE]!, 0]])
  const head = i[c + L.C_HEAD_SLOT]!
  for (let j = 0; j < n; j++) ids.set(i[rb.slots(0) + ((head + j) % n)]! & L.SLOT_ID_MASK, j + 1)
  return ids
}

/** `write LEN` of the kernel program: 100 → a small record, 4000 → a sub-buffer's worth. */
function write(rb: RingBuffer, ...lens: (100 | 4000)[]): void {
  const w = rb.writer(0)
  for (const len of lens) expect(w.write(payloadOf(len, len === 100 ? 100 : 200))).toBe(true)
  w.close()
}

/**
 * `get_reader`: the next sub-buffer becomes the reader's (one record a sub-buffer in these
 * programs); returns the kernel id of the reader sub-buffer.
 */
function getReader(rb: RingBuffer, ids: Map<number, number>): number | undefined {
  rb.reader().consume(0)
  return ids.get(rb.i32[rb.ctl(0) + L.C_READER_PAGE]!)
}

/**
 * `size KB; map; reset; write 100; get_reader` after the program so far: resize to `n`
 * sub-buffers, number them as the map does, reset, write a small record and take it.
 */
function resizeResetRead(rb: RingBuffer, n: number): number | undefined {
  rb.resize(240 * n)
  const ids = kernelIds(rb)
  rb.reset(0)
  write(rb, 100)
  return getReader(rb, ids)
}

describe('a reset restarts at the kernel page list anchor (rb_reset_cpu)', () => {
  it('after the creation shrink the anchor is the page after the writer’s', () => {
    // clock counter; overwrite 1; size 8; map; write 100; reset; write 100; get_reader
    // → reader.id 2
    const rb = instance(3)
    const ids = kernelIds(rb)
    write(rb, 100)
    rb.reset(0)
    write(rb, 100)
    expect(getReader(rb, ids)).toBe(2)
  })

  it('a reader swap moves the anchor to the page before the one it took', () => {
    // clock counter; overwrite 1; size 8; map; write 100; get_reader; reset; write 100;
    // get_reader → reader.id 1, then 3
    const rb = instance(3)
    const ids = kernelIds(rb)
    write(rb, 100)
    expect(getReader(rb, ids)).toBe(1)
    rb.reset(0)
    expect(rb.i32[rb.ctl(0) + L.C_READER_PAGE]).toBe([...ids].find(([, k]) => k === 1)![0])
    write(rb, 100)
    expect(getReader(rb, ids)).toBe(3)
  })

  it('the reader page and the ring order survive the reset', () => {
    // clock counter; overwrite 1; size 16; map; write 4000; write 4000; write 100; get_reader;
    // get_reader; reset; write 4000; write 100; get_reader; get_reader; get_reader
    // → reader.id 1, 2, then 0, 1, 1 (the old reader page 0 took page 1's place in the ring)
    const rb = instance(5)
    const ids = kernelIds(rb)
    write(rb, 4000, 4000, 100)
    expect([getReader(rb, ids), getReader(rb, ids)]).toEqual([1, 2])
    rb.reset(0)
    write(rb, 4000, 100)
    expect([getReader(rb, ids), getReader(rb, ids), getReader(rb, ids)]).toEqual([0, 1, 1])
  })

  it('a shrink with the writer in the reader page removes after the page the reader links to', () => {
    // clock counter; overwrite 1; size 16; map; write 100; get_reader; unmap; size 8; map;
    // reset; write 100; get_reader → reader.id 1, then (numbered at the second map) 2
    const rb = instance(5)
    const first = kernelIds(rb)
    write(rb, 100)
    expect(getReader(rb, first)).toBe(1)
    expect(resizeResetRead(rb, 3)).toBe(2)
  })

  it('a sub-buffer size change lays the ring out afresh (ring_buffer_subbuf_order_set)', () => {
    // the kernel allocates new pages and sets pages = new_pages.next, head = pages
    const rb = instance(3)
    const c = rb.ctl(0)
    expect(rb.i32[c + L.C_PAGES_ANCHOR]).toBe(0) // the creation shrink: the page after the tail
    write(rb, 100)
    rb.reader().consume(0)
    expect(rb.i32[c + L.C_PAGES_ANCHOR]).toBe(1) // the slot before the writer's (slot 2)
    rb.resize(480 * 3, 512)
    const c2 = rb.ctl(0)
    expect([rb.i32[c2 + L.C_PAGES_ANCHOR], rb.i32[c2 + L.C_READER_PAGE]]).toEqual([0, 0])
    rb.reset(0)
    expect([rb.i32[c2 + L.C_PAGES_ANCHOR], rb.i32[c2 + L.C_READER_PAGE]]).toEqual([0, 0])
  })
})

describe('a grow splices the new sub-buffers in just before the head page (rb_insert_pages)', () => {
  // The kernel numbers the ring from the head page at the map, so the order the writer meets
  // the pages in shows only through where the anchor (`cpu_buffer->pages`) is, relative to the
  // head, when a reset restarts there. The resize goes before the map (a mapped ring refuses it).
  it('the new pages come after the empty pages that follow the writer’s', () => {
    // clock counter; overwrite 1; size 8; write 100; size 16; map; reset; write 100;
    // get_reader → reader.id 2 (the anchor, the page after the writer's, is still second)
    const rb = instance(3)
    write(rb, 100)
    expect(resizeResetRead(rb, 5)).toBe(2)
  })

  it('with the writer in the reader page they come after the tail page’s slot', () => {
    // clock counter; overwrite 1; size 8; write 100; read; size 16; map; reset; write 100;
    // get_reader → reader.id 2
    const rb = instance(3)
    write(rb, 100)
    rb.reader().consume(0)
    expect(resizeResetRead(rb, 5)).toBe(2)
  })

  it('with unread data before the writer’s page they go in front of the oldest', () => {
    // clock counter; overwrite 1; size 16; write 4000; write 100; read; write 4000; write 4000;
    // size 24; map; reset; write 100; get_reader → reader.id 4
    const rb = instance(5)
    write(rb, 4000, 100)
    rb.reader().consume(0)
    write(rb, 4000, 4000)
    expect(resizeResetRead(rb, 7)).toBe(4)
  })
})
