/**
 * The pages a resize keeps (`docs/design.md §10`): an image of one paged ring taken in the old
 * geometry and laid down again in the new one, with the kernel's `rb_update_pages` rules for
 * which sub-buffers come and go (`kernel/trace/ring_buffer.c`):
 * - a grow (`rb_insert_pages`) splices the new, empty sub-buffers in just before the head page,
 *   so the writer meets the ring's old empty (consumed, stale) sub-buffers first and the new
 *   ones after them; with the writer in the reader sub-buffer the head is the page after the
 *   tail page's slot, so the new ones come after that slot's sub-buffer; nothing is lost;
 * - a shrink (`rb_remove_pages`) unlinks the sub-buffers right after the tail page (after the
 *   reader page's successor when the writer is in the reader page); the entries of a removed
 *   one holding data are counted as overrun (`local_add(page_entries, &overrun)`), its commit
 *   leaves the ring's bytes (`local_sub(commit, &entries_bytes)`) and it counts as a lost page;
 * - the reader sub-buffer (with what the reader has read of it), the writer's sub-buffer and
 *   every counter (entries, overrun, commit overrun, dropped, read, bytes) survive;
 * - the spare sub-buffers keep their base times and bytes, a read page held across the resize
 *   first, then the free ones in pool order: the kernel's reader keeps its spare data page and
 *   its cached free read page (`cpu_buffer->free_page`) across a resize, stale bytes and all.
 *
 * Only a paged ring written by a per-CPU writer, whose sub-buffer size stays the same, keeps
 * its pages; `resize.ts` starts the others afresh.
 *
 * Invariants:
 * - an image is taken and laid down while the resizing handle holds every ring's locks;
 * - the sub-buffers holding unread data keep their sequence numbers (they are the newest of
 *   the ring, a run ending at the writer's), so the reader's head and the writer's tail stay
 *   valid; every other ring sub-buffer is empty or consumed.
 *
 * Locals: `i` = `rb.i32`, `c` = `rb.ctl(cpu)`, `x` = `rb.fx(cpu)`, `s` the writer's sequence
 * number (`C_COMMIT_SEQ`), `n` the old and `m` the new number of ring sub-buffers.
 *
 * @internal
 * @packageDocumentation
 */
import * as L from './layout.js'
import { lappedHeadSlot } from './reader-page.js'
import type { RingBuffer } from './ring-buffer.js'
import { C_WRITER_MARK } from './recovery-mark.js'

/** Control words a kept ring carries over as they were. */
const KEPT_WORDS: readonly number[] = [
  L.C_READER_READ,
  L.C_READER_SEQ,
  L.C_DISABLED,
  L.C_PUB,
  L.C_RESV,
  C_WRITER_MARK,
]

/** One paged ring in the old geometry, as the new one will hold it. */
export interface RingImage {
  /** The writer's sequence number (`C_COMMIT_SEQ`); it stays the same. */
  seq: number
  /** The reader's head after the resize (`C_HEAD_SEQ`). */
  head: number
  /** True when the writer is in the reader sub-buffer. */
  writerOnReader: boolean
  /** The control words of {@link KEPT_WORDS}, in that order. */
  words: number[]
  /** The anchor slot (`C_PAGES_ANCHOR`, the kernel's `cpu_buffer->pages`) in the new ring. */
  anchor: number
  /** The ring's Float64 counters (32), the removed sub-buffers' losses already added. */
  counters: Float64Array
  /** Slot words of the new ring in ring order, the writer's slot last; -1: a new sub-buffer. */
  slotWords: number[]
  /** Sub-buffer bytes: the reader sub-buffer, then the ring's in the order of `slotWords`. */
  pages: Uint8Array
  /** Their page meta records, in the same order. */
  metas: Uint8Array
  /**
   * The base times of the spare sub-buffers, those leased first (a read page the caller keeps:
   * the kernel's reader keeps its spare data page, stamp included, across a resize), then the
   * free ones in pool order; the new pool hands them out in this order.
   */
  spareStamps: number[]
  /** The bytes of the same spare sub-buffers, in the same order (stale bytes and all). */
  spareBytes: Uint8Array
}

/**
 * Take the image of paged ring `cpu` for a ring of `m` sub-buffers (at least 2) of the same
 * size: the sub-buffers a shrink removes are dropped here and counted as the kernel counts
 * them.
 */
export function takeRingImage(rb: RingBuffer, cpu: number, m: number): RingImage {
  const { i32: i, f64: f, g } = rb
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const n = g.subbufs
  const s = i[c + L.C_COMMIT_SEQ]!
  const tailSlot = i[c + L.C_COMMIT_SLOT]!
  const slots = rb.slots(cpu)
  // ring order after the tail page, the tail page last
  const order: number[] = []
  for (let j = 1; j <= n; j++) order.push(i[slots + ((tailSlot + j) % n)]!)
  const counters = f.slice(x, x + 32)
  const writerOnReader = i[c + L.C_READER_SEQ] === s
  let kept: number[]
  let anchor: number
  if (m < n) {
    // rb_remove_pages: the pages right after the tail page (after the page the reader page
    // links to when the writer is in the reader page); data on them is overrun. The kernel's
    // `pages` moves to the page after the removed run.
    const from = writerOnReader ? 1 : 0
    const removed = order.slice(from, from + n - m)
    kept = order.slice(0, from).concat(order.slice(from + n - m))
    anchor = from
    for (const w of removed) {
      if ((w & L.SLOT_CONSUMED) !== 0) continue
      const id = w & L.SLOT_ID_MASK
      const entries = i[(rb.metaOffset(cpu, id) >> 2) + L.PM_ENTRIES]!
      if (entries === 0) continue
      const commit =
        Atomics.load(i, (rb.subbufOffset(cpu, id) + rb.client.commitOffset) >> 2) &
        L.COMMIT_LEN_MASK
      counters[L.F_OVERRUN] = counters[L.F_OVERRUN]! + entries
      counters[L.F_BYTES_OVERRUN] = counters[L.F_BYTES_OVERRUN]! + commit
      counters[L.F_PAGES_LOST] = counters[L.F_PAGES_LOST]! + 1
    }
  } else {
    // rb_insert_pages: new empty pages right before the head page (its place `p` in `order`;
    // with the writer in the reader page, whose next page is the head, they go after the old
    // reader page, at the end: a new page then stands in the writer's slot); the kernel's
    // `pages` stays on its page
    let p = n
    if (!writerOnReader)
      p = Math.min((lappedHeadSlot(rb, cpu, s) - tailSlot - 1 + 2 * n) % n, n - 1)
    kept = order.slice(0, p).concat(new Array<number>(m - n).fill(-1), order.slice(p))
    const q = (i[c + L.C_PAGES_ANCHOR]! - tailSlot - 1 + 2 * n) % n
    anchor = q < p ? q : q + m - n
  }
  // the reader's head: past what the writer lapped, and inside the new ring
  let head = i[c + L.C_HEAD_SEQ]!
  if (((s - head) | 0) >= n) head = (s - n + 1) | 0
  if (((s - head) | 0) >= m) head = (s - m + 1) | 0
  const unit = g.unit
  const pages = new Uint8Array((m + 1) * unit)
  const metas = new Uint8Array((m + 1) * L.PAGE_META_BYTES)
  const copy = (id: number, at: number): void => {
    const so = rb.subbufOffset(cpu, id)
    pages.set(rb.u8.subarray(so, so + unit), at * unit)
    const mo = rb.metaOffset(cpu, id)
    metas.set(rb.u8.subarray(mo, mo + L.PAGE_META_BYTES), at * L.PAGE_META_BYTES)
  }
  copy(i[c + L.C_READER_PAGE]!, 0)
  kept.forEach((w, j) => {
    if (w >= 0) copy(w & L.SLOT_ID_MASK, j + 1)
    else new Int32Array(metas.buffer, (j + 1) * L.PAGE_META_BYTES, 4)[L.PM_FINAL] = -1
  })
  const stampOf = (id: number): number => f[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
  const pool: number[] = []
  for (let k = 0; k < g.spares; k++) pool.push(i[c + L.C_SPARE_IDS + k]!)
  const inRing = new Set(order.map((w) => w & L.SLOT_ID_MASK))
  const leased: number[] = []
  for (let id = 0; id < g.physical; id++)
    if (id !== i[c + L.C_READER_PAGE] && !inRing.has(id) && !pool.includes(id)) leased.push(id)
  const spareIds = leased.concat(pool.filter((id) => id >= 0))
  const spareBytes = new Uint8Array(spareIds.length * unit)
  spareIds.forEach((id, k) => {
    const so = rb.subbufOffset(cpu, id)
    spareBytes.set(rb.u8.subarray(so, so + unit), k * unit)
  })
  return {
    seq: s,
    head,
    spareStamps: spareIds.map(stampOf),
    spareBytes,
    writerOnReader,
    anchor,
    words: KEPT_WORDS.map((w) => i[c + w]!),
    counters,
    slotWords: kept,
    pages,
    metas,
  }
}

/**
 * Lay `img` down as ring `cpu` of the new geometry, over the fresh ring `initCpu` made. The
 * reader sub-buffer gets id 0 and the ring's slot j id j + 1 (the writer's slot is the last),
 * except when the writer is in the reader sub-buffer at sequence number 0, where ids 0 and 1
 * trade places (a writer that attaches reads `C_WRITER_PAGE` = 0 at sequence 0 as "never ran").
 */
export function putRingImage(rb: RingBuffer, cpu: number, img: RingImage): void {
  const { i32: i, f64: f, g } = rb
  const c = rb.ctl(cpu)
  const m = g.subbufs
  const s = img.seq
  const swap = img.writerOnReader && s === 0
  const idOf = (at: number): number => (swap && at < 2 ? 1 - at : at)
  const unit = g.unit
  for (let at = 0; at <= m; at++) {
    const id = idOf(at)
    rb.u8.set(img.pages.subarray(at * unit, (at + 1) * unit), rb.subbufOffset(cpu, id))
    rb.u8.set(
      img.metas.subarray(at * L.PAGE_META_BYTES, (at + 1) * L.PAGE_META_BYTES),
      rb.metaOffset(cpu, id),
    )
  }
  const slots = rb.slots(cpu)
  const first = (s - m + 1) | 0
  for (let j = 0; j < m; j++) {
    const w = img.slotWords[j]!
    const id = idOf(j + 1)
    // an empty or consumed sub-buffer takes the sequence number of its new place
    i[slots + j] =
      w < 0 || (w & L.SLOT_CONSUMED) !== 0
        ? L.slotWord(id, (first + j) | 0, true)
        : (w & ~L.SLOT_ID_MASK) | id
  }
  i[c + L.C_PAGES_ANCHOR] = img.anchor
  KEPT_WORDS.forEach((w, k) => (i[c + w] = img.words[k]!))
  i[c + L.C_TAIL_SEQ] = s
  i[c + L.C_COMMIT_SEQ] = s
  i[c + L.C_TAIL_SLOT] = m - 1
  i[c + L.C_COMMIT_SLOT] = m - 1
  i[c + L.C_HEAD_SEQ] = img.head
  i[c + L.C_HEAD_SLOT] = ((img.head - first) | 0) % m
  i[c + L.C_READER_PAGE] = idOf(0)
  i[c + L.C_WRITER_PAGE] = img.writerOnReader ? idOf(0) : idOf(m)
  for (let k = 0; k < Math.min(g.spares, img.spareStamps.length); k++) {
    const id = i[c + L.C_SPARE_IDS + k]!
    if (id < 0) continue
    f[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64] = img.spareStamps[k]!
    rb.u8.set(img.spareBytes.subarray(k * unit, (k + 1) * unit), rb.subbufOffset(cpu, id))
  }
  f.set(img.counters, rb.fx(cpu))
}
