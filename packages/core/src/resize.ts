/**
 * Resize: a new ring size (and sub-buffer size) for every ring at once, the kernel's
 * `ring_buffer_resize` and sub-buffer order change (`docs/design.md §10`). A paged ring written
 * by a per-CPU writer whose sub-buffer size stays the same keeps its data and counters as the
 * kernel's `rb_update_pages` does (`resize-pages.ts`); every other ring starts afresh: a
 * sub-buffer size change (the kernel's `ring_buffer_subbuf_order_set` discards the data too),
 * a shared-sync ring, and the contiguous layout (perf has no resize of a mapped buffer).
 *
 * Invariants:
 * - the geometry words change only while this handle holds every writer and reader lock, and
 *   no iterator is open;
 * - `H_GEN` is bumped after the new geometry words are written: a handle that sees the new
 *   generation reads the new geometry (`refreshGeometry`);
 * - each ring's reset epoch (`C_RESET_DONE`) moves on by one, as after a reset: a sub-buffer
 *   leased before (a read page the kernel lets its caller keep across a resize) is stale, and
 *   `releaseSubbuf` ignores it instead of putting an id of the old geometry in the spare pool.
 *
 * @internal
 * @packageDocumentation
 */
import * as L from './layout.js'
import { planGeometry, refreshGeometry, sizeRing, writeGeometry } from './geometry.js'
import { lockEveryRing, unlockAll } from './locks.js'
import { initCpu } from './reset.js'
import { putRingImage, takeRingImage } from './resize-pages.js'
import type { RingImage } from './resize-pages.js'
import type { RingBuffer } from './ring-buffer.js'

/**
 * Change the ring size (bytes of data per CPU) and, for the paged layout, the sub-buffer size;
 * grow the `SharedArrayBuffer` in place when it is growable. Paged rings of a per-CPU-sync
 * buffer keep their data when the sub-buffer size stays (see the file comment); a sub-buffer
 * leased by `takeSubbuf` before is stale afterwards (its release is ignored, its bytes are no
 * longer its data), as the kernel's read page is memory of the caller's, not of the ring.
 *
 * @throws BusyError while any writer or reader holds a ring or an iterator is open.
 * @throws RangeError when the new geometry is invalid or does not fit the buffer.
 */
export function resize(rb: RingBuffer, size: number, subbufSize: number): void {
  rb.checkLive()
  const old = rb.g
  const paged = old.layout === L.LAYOUT_PAGED
  if (!paged && subbufSize !== old.unit && subbufSize !== size)
    throw new RangeError('subbufSize: only for the paged layout')
  const sizing = sizeRing(paged, size, subbufSize, rb.client, rb.sync === 'shared')
  const g = planGeometry(old.layout, old.cpus, sizing, old.spares, rb.client, rb.sync === 'shared')
  const cap = rb.sab.growable ? rb.sab.maxByteLength : rb.sab.byteLength
  if (g.total > cap)
    throw new RangeError(
      `size: the new geometry needs ${g.total} bytes but the buffer holds at most ${cap}`,
    )
  // take every lock so that nobody enters while the geometry changes
  const held = lockEveryRing(rb)
  try {
    const epochs: number[] = []
    const images: (RingImage | null)[] = []
    const keep = paged && rb.sync !== 'shared' && g.unit === old.unit
    for (let cpu = 0; cpu < old.cpus; cpu++) {
      epochs.push(Atomics.load(rb.i32, rb.ctl(cpu) + L.C_RESET_DONE))
      // a ring with a reset pending is emptied by it anyway
      images.push(keep && !rb.resetPending(cpu) ? takeRingImage(rb, cpu, g.subbufs) : null)
    }
    if (g.total > rb.sab.byteLength) rb.sab.grow(g.total)
    // clear the old control blocks, then lay the new geometry down
    rb.u8.fill(0, L.HEADER_BYTES, Math.min(rb.u8.byteLength, old.total))
    writeGeometry(rb.i32, g)
    Atomics.add(rb.i32, L.H_GEN, 1)
    refreshGeometry(rb)
    for (let cpu = 0; cpu < g.cpus; cpu++) {
      initCpu(rb, cpu, true)
      const img = images[cpu]
      if (img) putRingImage(rb, cpu, img)
      const epoch = ((epochs[cpu] ?? 0) + 1) | 0
      rb.i32[rb.ctl(cpu) + L.C_RESET_REQ] = epoch
      rb.i32[rb.ctl(cpu) + L.C_RESET_DONE] = epoch
    }
    // the locks now sit at new offsets: release them there; the old words are gone
    held.length = 0
    for (let cpu = 0; cpu < g.cpus; cpu++) {
      rb.i32[rb.ctl(cpu) + L.C_WRITER_LOCK] = 0
      rb.i32[rb.ctl(cpu) + L.C_READER_LOCK] = 0
    }
  } finally {
    unlockAll(rb, held)
  }
}
