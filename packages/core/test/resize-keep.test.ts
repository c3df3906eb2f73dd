/**
 * A paged resize keeps the data and counters as the kernel's `ring_buffer_resize` does
 * (`rb_update_pages` in kernel/trace/ring_buffer.c): `rb_insert_pages` splices the new pages
 * in before the head page; `rb_remove_pages` unlinks the pages right after the tail page and,
 * for each one holding entries, adds them to `overrun`, subtracts its commit from
 * `entries_bytes` and counts a lost page. Live facts (tools/conformance-live, `--program`):
 * `clock counter; overwrite 1; size 16; write 4050; resize 4; stats` → the kernel has 1 entry
 * (the three pages after the tail were empty); `write 4050; write 10; read 4096; resize 8` →
 * the kernel returns 0 (the read page is the caller's, not the ring's).
 *
 * Geometry: 256-byte sub-buffers hold 240 bytes of records; a 100-byte payload makes a
 * 112-byte record, two to a sub-buffer; size 960 gives 4 ring sub-buffers, 480 gives 2.
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../src/index.js'
import * as L from '../src/layout.js'
import { drainCpu, payloadOf } from './helpers.js'

function ring(overwrite: boolean): RingBuffer {
  return RingBuffer.create({
    size: 960,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode: overwrite ? 'overwrite' : 'produce-consume',
    maxByteLength: 1 << 20,
  })
}

function write(rb: RingBuffer, ids: number[]): void {
  const w = rb.writer(0)
  for (const k of ids) expect(w.write(payloadOf(k, 100))).toBe(true)
  w.close()
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, k) => from + k)

function payloads(rb: RingBuffer): number[][] {
  return drainCpu(rb.reader(), 0).map((x) => x.payload)
}

describe('resize keeps the data (rb_update_pages)', () => {
  it('a grow keeps every record and adds empty sub-buffers the writer fills next', () => {
    const rb = ring(false)
    write(rb, range(0, 6))
    rb.resize(1920) // 8 sub-buffers
    expect(rb.subbufs).toBe(8)
    const s = rb.stats(0)
    expect([s.entries, s.overrun, s.read, s.written]).toEqual([6, 0, 0, 6])
    // produce-consume: 16 records fit now; 10 more make it full, the 17th is dropped
    const w = rb.writer(0)
    for (let k = 6; k < 16; k++) expect(w.write(payloadOf(k, 100))).toBe(true)
    expect(w.write(payloadOf(16, 100))).toBe(false)
    w.close()
    expect(rb.stats(0).dropped).toBe(1)
    expect(payloads(rb)).toEqual(range(0, 16).map((k) => Array.from(payloadOf(k, 100))))
  })

  it('a shrink removes the empty sub-buffers after the writer first (the live fact: 1 entry kept)', () => {
    const rb = ring(true)
    write(rb, [0])
    rb.resize(480)
    expect(rb.subbufs).toBe(2)
    const s = rb.stats(0)
    expect([s.entries, s.overrun, s.subbufsLost]).toEqual([1, 0, 0])
    // the ring laid down again passes attach's check of every shared word
    const other = RingBuffer.attach(rb.sab)
    expect(payloads(other)).toEqual([Array.from(payloadOf(0, 100))])
  })

  it('a shrink of a full ring loses the oldest sub-buffers, counted as overrun and lost bytes', () => {
    for (const overwrite of [true, false]) {
      const rb = ring(overwrite)
      write(rb, range(0, 8)) // 4 full sub-buffers; the writer is in the last
      const bytes = rb.stats(0).bytes
      rb.resize(480)
      const s = rb.stats(0)
      // the two sub-buffers after the writer's held records 0..3
      expect([s.entries, s.overrun, s.subbufsLost]).toEqual([4, 4, 2])
      // each removed sub-buffer's commit (240: two records and the end padding) leaves `bytes`
      expect(bytes).toBe(3 * 240 + 224)
      expect(s.bytes).toBe(bytes - 2 * 240)
      expect(payloads(rb)).toEqual(range(4, 8).map((k) => Array.from(payloadOf(k, 100))))
      expect(rb.stats(0).read).toBe(4)
    }
  })

  it('the reader sub-buffer and the read position in it survive', () => {
    const rb = ring(false)
    write(rb, range(0, 6))
    const r = rb.reader()
    const first = r.consume(0)
    expect(first).not.toBeNull()
    r.release(0)
    // the ring after the writer's (seq 2): one empty, the reader's old one, seq 1 (unread)
    rb.resize(480)
    expect(rb.stats(0).overrun).toBe(0)
    expect(rb.stats(0).entries).toBe(5)
    expect(payloads(rb)).toEqual(range(1, 6).map((k) => Array.from(payloadOf(k, 100))))
    // the writer goes on after its sub-buffer: 2 sub-buffers hold 4 records again
    write(rb, range(6, 10))
    expect(payloads(rb)).toEqual(range(6, 10).map((k) => Array.from(payloadOf(k, 100))))
  })

  it('keeps a writer that is in the reader sub-buffer there (rb_remove_pages skips the reader page)', () => {
    for (const size of [480, 1920]) {
      const rb = ring(false)
      write(rb, [0])
      const r = rb.reader()
      expect(r.consume(0)).not.toBeNull() // the reader took sequence 0, the writer's sub-buffer
      r.release(0)
      rb.resize(size)
      const s = rb.stats(0)
      expect([s.entries, s.read, s.overrun]).toEqual([0, 1, 0])
      // the writer fills its sub-buffer (one more record), then the ring's
      const n = rb.subbufs
      write(rb, range(1, 2 * n + 2))
      expect(payloads(rb)).toEqual(range(1, 2 * n + 2).map((k) => Array.from(payloadOf(k, 100))))
      expect(rb.stats(0).dropped).toBe(0)
    }
  })

  it('succeeds while a sub-buffer is leased; the lease is stale, its release ignored', () => {
    const rb = ring(false)
    write(rb, range(0, 6))
    const lease = rb.reader().takeSubbuf(0)!
    expect(lease).not.toBeNull()
    rb.resize(1920)
    expect(rb.stats(0).entries).toBe(4)
    rb.releaseSubbuf(lease)
    expect(payloads(rb)).toEqual(range(2, 6).map((k) => Array.from(payloadOf(k, 100))))
    // the spare pool is whole
    write(rb, range(6, 8))
    const again = rb.reader().takeSubbuf(0)!
    expect(again).not.toBeNull()
    rb.releaseSubbuf(again)
  })

  it('a sub-buffer size change still starts empty (ring_buffer_subbuf_order_set discards too)', () => {
    const rb = ring(false)
    write(rb, range(0, 6))
    rb.resize(960, 512)
    expect(rb.stats(0).entries).toBe(0)
    expect(rb.stats(0).written).toBe(0)
  })
})

describe('resize keeps the free spare sub-buffers’ bytes (the kernel’s cached free page)', () => {
  // The kernel's `ring_buffer_free_read_page` keeps a freed read page as `cpu_buffer->free_page`
  // and `ring_buffer_alloc_read_page` hands it out again, stale bytes and all, whatever resize
  // came between; a full-page read swaps it in as the reader page, so the writer later leaves
  // those bytes in its alignment slack and padding. Live (tools/conformance-live, seed 91750307,
  // shrunk to 45 steps: `…; read 4096; write 35; read 4096; close; resize 8; stats; read 4096;
  // …`): the kernel's page 7 showed a text byte 0x6d where onering, its spares zeroed by the
  // resize, had 0x00.
  const spareBytes = (rb: RingBuffer): number[][] => {
    const out: number[][] = []
    for (let k = 0; k < rb.g.spares; k++) {
      const id = rb.i32[rb.ctl(0) + L.C_SPARE_IDS + k]!
      if (id >= 0) out.push(Array.from(rb.subbufBytes(0, id)))
    }
    return out
  }

  for (const [what, size] of [
    ['grow', 1920],
    ['shrink', 480],
  ] as const)
    it(`a ${what} keeps them in pool order`, () => {
      const rb = ring(true)
      write(rb, range(0, 6))
      const r = rb.reader()
      const lease = r.takeSubbuf(0)!
      expect(lease.dataBytes).toBe(224)
      rb.releaseSubbuf(lease)
      const before = spareBytes(rb)
      expect(before.some((b) => b.some((x) => x !== 0))).toBe(true)
      rb.resize(size)
      expect(spareBytes(rb)).toEqual(before)
    })
})
