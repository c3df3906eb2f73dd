/**
 * Accounting. The kernel's identities hold exactly, per CPU and in total:
 *
 * - `written = read + overrun + entries` where `entries` is what is still buffered;
 * - `attempted = written + dropped + commitOverrun` (records that never entered the ring);
 * - `bytes = bytesWritten - bytesRead - bytesOverrun`.
 *
 * The counters are Float64 words of each ring's counters area (`docs/design.md §3.4, §9`),
 * published by the writers together with their commits; they are read here after a load of
 * the ring's publish counter `C_PUB`.
 *
 * Locals: `i` = `rb.i32`, `f` = `rb.f64`; `ctlIdx` and `fxIdx` index a ring's control words
 * and counters.
 *
 * @packageDocumentation
 */
import { ALL_CPUS } from './all-cpus.js'
import * as L from './layout.js'
import { lappedHeadSlot } from './reader-page.js'
import type { RingBuffer } from './ring-buffer.js'

/** Counters of one ring, or their sum over all rings. */
export interface RingStats {
  /** Records still in the ring (committed, not read, not overwritten). Kernel: `entries`. */
  entries: number
  /** Records committed since creation or reset. */
  written: number
  /** Records lost to overwrite. Kernel: `overrun`. */
  overrun: number
  /** Reservations refused because nested writers wrapped the ring. Kernel: `commit_overrun`. */
  commitOverrun: number
  /** Reservations refused because the ring was full (produce-consume mode). Kernel: `dropped_events`. */
  dropped: number
  /** Records consumed by readers. Kernel: `read_events`. */
  read: number
  /** Bytes still in the ring, padding included. Kernel: `bytes`. */
  bytes: number
  /** Bytes committed since creation or reset, padding included. */
  bytesWritten: number
  /** Bytes consumed by readers. */
  bytesRead: number
  /** Bytes lost to overwrite. */
  bytesOverrun: number
  /** Records reported lost to readers (with the record after the loss). */
  lost: number
  /** Reservations discarded by the writer. */
  discarded: number
  /** Sub-buffers the writer entered (paged). */
  subbufsTouched: number
  /** Sub-buffers lost to overwrite (paged). */
  subbufsLost: number
  /** Sub-buffers swapped out to readers (paged). */
  subbufsRead: number
  /** Timestamp of the oldest record still in the ring, or 0 when empty. */
  oldestTimestamp: number
}

/** A zeroed {@link RingStats}. */
export function emptyStats(): RingStats {
  return {
    entries: 0,
    written: 0,
    overrun: 0,
    commitOverrun: 0,
    dropped: 0,
    read: 0,
    bytes: 0,
    bytesWritten: 0,
    bytesRead: 0,
    bytesOverrun: 0,
    lost: 0,
    discarded: 0,
    subbufsTouched: 0,
    subbufsLost: 0,
    subbufsRead: 0,
    oldestTimestamp: 0,
  }
}

/**
 * @internal Counters of ring `cpu` (checked), or their sum over every ring for `ALL_CPUS`;
 * `oldestTimestamp` is the smallest non-zero one.
 */
export function ringStats(rb: RingBuffer, cpu: number): RingStats {
  rb.checkLive()
  cpu = rb.checkCpu(cpu, true)
  if (cpu !== ALL_CPUS) return cpuStats(rb, cpu)
  const sum = emptyStats()
  for (let k = 0; k < rb.g.cpus; k++) {
    const s = cpuStats(rb, k)
    for (const key of Object.keys(sum) as (keyof RingStats)[]) {
      if (key === 'oldestTimestamp') {
        if (
          s.oldestTimestamp !== 0 &&
          (sum.oldestTimestamp === 0 || s.oldestTimestamp < sum.oldestTimestamp)
        )
          sum.oldestTimestamp = s.oldestTimestamp
      } else sum[key] += s[key]
    }
  }
  return sum
}

/** Counters of ring `cpu`: zeros while a reset of it is pending. */
function cpuStats(rb: RingBuffer, cpu: number): RingStats {
  const s = emptyStats()
  if (rb.resetPending(cpu)) return s
  // the writers store the counters before they bump C_PUB
  Atomics.load(rb.i32, rb.ctl(cpu) + L.C_PUB)
  const f = rb.f64
  const fxIdx = rb.fx(cpu)
  s.written = f[fxIdx + L.F_ENTRIES]!
  // the reader's own drops (a swap that gave up unread records) count as overrun too
  s.overrun = f[fxIdx + L.F_OVERRUN]! + f[fxIdx + L.F_READER_DROPPED]!
  s.commitOverrun = f[fxIdx + L.F_COMMIT_OVERRUN]!
  s.dropped = f[fxIdx + L.F_DROPPED]!
  s.read = f[fxIdx + L.F_READ]!
  s.bytesWritten = f[fxIdx + L.F_BYTES]!
  s.bytesRead = f[fxIdx + L.F_BYTES_READ]!
  s.bytesOverrun = f[fxIdx + L.F_BYTES_OVERRUN]!
  s.lost = f[fxIdx + L.F_LOST]!
  s.discarded = f[fxIdx + L.F_DISCARDED]!
  s.subbufsTouched = f[fxIdx + L.F_PAGES_TOUCHED]!
  s.subbufsLost = f[fxIdx + L.F_PAGES_LOST]!
  s.subbufsRead = f[fxIdx + L.F_PAGES_READ]!
  s.entries = Math.max(0, s.written - s.overrun - s.read)
  s.bytes = Math.max(0, s.bytesWritten - s.bytesOverrun - s.bytesRead)
  s.oldestTimestamp = s.entries > 0 ? oldestTimestamp(rb, cpu) : 0
  return s
}

/**
 * Base timestamp of the oldest sub-buffer of ring `cpu` with unread data (paged; 0 for the
 * contiguous layout), as the kernel's `ring_buffer_oldest_event_ts` reports it.
 */
function oldestTimestamp(rb: RingBuffer, cpu: number): number {
  if (rb.g.layout !== L.LAYOUT_PAGED) return 0
  const ctlIdx = rb.ctl(cpu)
  const i = rb.i32
  const reader = i[ctlIdx + L.C_READER_PAGE]!
  const commit =
    Atomics.load(i, (rb.subbufOffset(cpu, reader) + rb.client.commitOffset) >> 2) &
    L.COMMIT_LEN_MASK
  if (i[ctlIdx + L.C_READER_SEQ] !== -1 && i[ctlIdx + L.C_READER_READ]! < commit)
    return rb.f64[(rb.metaOffset(cpu, reader) >> 3) + L.PM_TS_F64]!
  // the writer may have overwritten the sub-buffers from the reader's head on: skip them as
  // the reader's next swap will
  const slot = lappedHeadSlot(rb, cpu, Atomics.load(i, ctlIdx + L.C_COMMIT_SEQ))
  const id = i[rb.slots(cpu) + slot]! & L.SLOT_ID_MASK
  return rb.f64[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
}

/**
 * @internal The base time the kernel's `ring_buffer_oldest_event_ts` reports for ring `cpu`
 * (checked): that of the reader sub-buffer while the writer is in it, else that of the head
 * sub-buffer (the oldest in the ring, the next one a reader swap takes). Whatever that
 * sub-buffer holds counts, as in the kernel: a stale time when it has not been written since a
 * reset or a lap, and also when the ring is empty. 0 for the contiguous layout.
 */
export function headSubbufTimestamp(rb: RingBuffer, cpu: number): number {
  rb.checkLive()
  cpu = rb.checkCpu(cpu)
  if (rb.g.layout !== L.LAYOUT_PAGED) return 0
  const ctlIdx = rb.ctl(cpu)
  const i = rb.i32
  const cs = Atomics.load(i, ctlIdx + L.C_COMMIT_SEQ)
  // the writer's sub-buffer was swapped out to the reader (the kernel's tail on the reader page)
  let id = i[ctlIdx + L.C_READER_PAGE]!
  // else the head as the reader's next swap finds it
  if (i[ctlIdx + L.C_READER_SEQ] !== cs)
    id = i[rb.slots(cpu) + lappedHeadSlot(rb, cpu, cs)]! & L.SLOT_ID_MASK
  return rb.f64[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
}
