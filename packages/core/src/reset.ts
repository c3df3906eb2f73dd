/**
 * Per-CPU ring state from scratch: the initial layout of a ring (`initCpu`, also run by create
 * and resize) and the reset hand-off (`docs/design.md §10`). A reset is requested by bumping
 * `C_RESET_REQ`; whoever holds the writer lock applies it (the attached per-CPU writer at its
 * next reserve or flush, or the requester when no writer holds the ring) and then stores
 * `C_RESET_DONE = C_RESET_REQ`.
 *
 * Invariants:
 * - a ring is re-initialised only under its writer lock and its reader operation lock;
 * - while `C_RESET_REQ !== C_RESET_DONE` readers treat the ring as empty (`resetPending`).
 *
 * Locals: `g` = `rb.g`, `i` = `rb.i32`; `ctlIdx`, `fxIdx`, `slotIdx` index a ring's control
 * words, counters and slot words.
 *
 * @internal
 * @packageDocumentation
 */
import { ALL_CPUS } from './all-cpus.js'
import { BusyError } from './errors.js'
import * as L from './layout.js'
import { clientGeometry } from './geometry.js'
import { tryLock, unlock, withReaderOpLock } from './locks.js'
import { clearCommit } from './reader-page.js'
import type { RingBuffer } from './ring-buffer.js'

/** Control words a reset keeps: the locks, the disable counter, the wake, waiter and epoch words. */
function keptByReset(w: number): boolean {
  return (
    w === L.C_WRITER_LOCK ||
    w === L.C_READER_LOCK ||
    w === L.C_DISABLED ||
    w === L.C_WAKE ||
    w === L.C_WAITERS ||
    w === L.C_RESET_REQ ||
    w === L.C_RESET_DONE ||
    w === L.C_READ_EPOCH
  )
}

/**
 * (Re)initialise ring `cpu`: empty, counters zero (`docs/design.md §3.5`, §10). `fresh` (create,
 * resize) lays the sub-buffers out canonically (reader = physical 0, slot k = physical k + 1,
 * the anchor at slot 0) and the client area too; a reset leaves the client area to the client
 * (ftrace's mapped meta page survives it) and keeps the sub-buffers where they are, as the
 * kernel's `rb_reset_cpu` does: the reader sub-buffer stays the reader's, the ring keeps its
 * order, and the writer and the reader's head restart at the anchor slot (`C_PAGES_ANCHOR`, the
 * kernel's `cpu_buffer->pages`). Page bytes stay (stale data and time stamps, as in the kernel);
 * only the commit words are cleared.
 */
export function initCpu(rb: RingBuffer, cpu: number, fresh: boolean): void {
  const g = rb.g
  const i = rb.i32
  const ctlIdx = rb.ctl(cpu)
  const fxIdx = rb.fx(cpu)
  const base = rb.cpuOffset(cpu)
  const kept = g.layout === L.LAYOUT_PAGED && !fresh ? keptRing(rb, cpu) : null
  // a reset keeps each sub-buffer's base time, as the kernel's keeps each page's time_stamp
  // (ring_buffer_oldest_event_ts reads it, stale, from the head page after a reset)
  const stamps = kept === null ? null : pageStamps(rb, cpu)
  for (let w = 0; w < L.C_SPARE_IDS + L.MAX_SPARES; w++) if (!keptByReset(w)) i[ctlIdx + w] = 0
  for (let w = 0; w < 32; w++) rb.f64[fxIdx + w] = 0
  // the writer starts in the first sub-buffer (shared writers count only later switches)
  if (g.layout === L.LAYOUT_PAGED) rb.f64[fxIdx + L.F_PAGES_TOUCHED] = 1
  // slot words and page meta; the client area only when the geometry is new
  rb.u8.fill(0, base + g.slotsOff, base + (fresh ? g.dataOff : g.areaOff))
  if (g.layout === L.LAYOUT_PAGED) {
    layRing(rb, cpu, kept ?? canonicalRing(g.subbufs))
    for (let id = 0; id < g.physical; id++) {
      clearCommit(rb, cpu, id)
      i[(rb.metaOffset(cpu, id) >> 2) + L.PM_FINAL] = -1
      if (stamps !== null) rb.f64[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64] = stamps[id]!
    }
    i[ctlIdx + L.C_RESV] = rb.client.subbufHeaderBytes
  } else {
    rb.u8.fill(0, base + g.dataOff, base + g.dataOff + g.unit)
    // the engine's own words in the client area: the head and tail positions
    const area = rb.areaOffset(cpu)
    Atomics.store(rb.b64, (area + rb.client.headOffset) >> 3, 0n)
    Atomics.store(rb.b64, (area + rb.client.tailOffset) >> 3, 0n)
  }
  if (fresh) rb.client.cpuAreaInit?.(rb.dv, rb.areaOffset(cpu), clientGeometry(g), cpu)
  Atomics.add(i, ctlIdx + L.C_READ_EPOCH, 1)
}

/** The base time in the page meta of each physical sub-buffer of paged ring `cpu`. */
function pageStamps(rb: RingBuffer, cpu: number): Float64Array {
  const out = new Float64Array(rb.g.physical)
  for (let id = 0; id < out.length; id++)
    out[id] = rb.f64[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
  return out
}

/** Where a paged ring's sub-buffers are: the reader's id, each slot's id, the anchor slot. */
interface RingPlace {
  reader: number
  ids: Int32Array
  anchor: number
}

/** The first layout: reader = physical 0, slot k = physical k + 1, the anchor at slot 0. */
function canonicalRing(n: number): RingPlace {
  const ids = new Int32Array(n)
  for (let k = 0; k < n; k++) ids[k] = k + 1
  return { reader: 0, ids, anchor: 0 }
}

/**
 * The sub-buffers of paged ring `cpu` as a reset keeps them, or null when the words do not
 * name each ring sub-buffer once (a corrupt buffer: the reset lays the ring out afresh).
 */
function keptRing(rb: RingBuffer, cpu: number): RingPlace | null {
  const { i32: i, g } = rb
  const c = rb.ctl(cpu)
  const n = g.subbufs
  const seen = new Uint8Array(g.physical)
  const take = (id: number): boolean => {
    if (id < 0 || id >= g.physical || seen[id] === 1) return false
    seen[id] = 1
    return true
  }
  const reader = i[c + L.C_READER_PAGE]!
  const anchor = i[c + L.C_PAGES_ANCHOR]!
  if (!take(reader) || anchor < 0 || anchor >= n) return null
  const ids = new Int32Array(n)
  const slots = rb.slots(cpu)
  for (let k = 0; k < n; k++) {
    ids[k] = i[slots + k]! & L.SLOT_ID_MASK
    if (!take(ids[k]!)) return null
  }
  return { reader, ids, anchor }
}

/**
 * Lay an empty paged ring down over the cleared words: `place.reader` is the reader's, the
 * writer and the reader's head start at sequence 0 in the anchor slot, the slots after it hold
 * the earlier (consumed) sequence numbers 1 - n .. -1, and the spare pool takes every id the
 * reader and the ring do not hold (a lease from before is stale: its release is ignored).
 */
function layRing(rb: RingBuffer, cpu: number, place: RingPlace): void {
  const { i32: i, g } = rb
  const c = rb.ctl(cpu)
  const n = g.subbufs
  const slots = rb.slots(cpu)
  const { reader, ids, anchor: a } = place
  for (let j = 0; j < n; j++) {
    const k = (a + j) % n
    i[slots + k] = j === 0 ? L.slotWord(ids[k]!, 0, false) : L.slotWord(ids[k]!, j - n, true)
  }
  const writer = ids[a]!
  i[rb.pageBySlot(cpu) + a] = writer
  i[(rb.metaOffset(cpu, writer) >> 2) + L.PM_SLOT] = a
  i[c + L.C_PAGES_ANCHOR] = a
  i[c + L.C_TAIL_SLOT] = a
  i[c + L.C_COMMIT_SLOT] = a
  i[c + L.C_HEAD_SLOT] = a
  i[c + L.C_WRITER_PAGE] = writer
  i[c + L.C_SHARED_PAGE] = writer
  i[c + L.C_READER_PAGE] = reader
  i[c + L.C_READER_SEQ] = -1
  const held = new Uint8Array(g.physical)
  held[reader] = 1
  for (let k = 0; k < n; k++) held[ids[k]!] = 1
  let spare = 0
  for (let id = 0; id < g.physical; id++) if (held[id] === 0) i[c + L.C_SPARE_IDS + spare++] = id
  while (spare < L.MAX_SPARES) i[c + L.C_SPARE_IDS + spare++] = -1
}

/**
 * Request a reset of ring `cpu` (or of every ring) and apply it at once when no per-CPU writer
 * holds the ring.
 *
 * @throws BusyError in shared sync while writers are attached.
 */
export function reset(rb: RingBuffer, cpu: number): void {
  rb.checkLive()
  cpu = rb.checkCpu(cpu, true)
  if (cpu === ALL_CPUS) {
    for (let k = 0; k < rb.g.cpus; k++) reset(rb, k)
    return
  }
  const ctlIdx = rb.ctl(cpu)
  // a shared ring's writer lock counts attached writers, none of which applies a reset
  if (rb.sync === 'shared' && Atomics.load(rb.i32, ctlIdx + L.C_WRITER_LOCK) !== 0)
    throw new BusyError(
      `cpu: ${cpu} has writers attached; shared rings reset only while no writer is attached`,
    )
  Atomics.add(rb.i32, ctlIdx + L.C_RESET_REQ, 1)
  tryApplyReset(rb, cpu)
}

/** Apply a pending reset of ring `cpu` if no per-CPU writer holds it. */
function tryApplyReset(rb: RingBuffer, cpu: number): void {
  const idx = rb.ctl(cpu) + L.C_WRITER_LOCK
  const token = tryLock(rb, idx)
  if (token === 0) return
  try {
    applyReset(rb, cpu)
  } finally {
    unlock(rb, idx, token)
  }
}

/** Apply a pending reset of ring `cpu`. Call with its writer lock held (writer or requester). */
export function applyReset(rb: RingBuffer, cpu: number): void {
  const ctlIdx = rb.ctl(cpu)
  const req = Atomics.load(rb.i32, ctlIdx + L.C_RESET_REQ)
  if (req === Atomics.load(rb.i32, ctlIdx + L.C_RESET_DONE)) return
  withReaderOpLock(rb, cpu, () => {
    initCpu(rb, cpu, false)
  })
  Atomics.store(rb.i32, ctlIdx + L.C_RESET_DONE, req)
  Atomics.add(rb.i32, ctlIdx + L.C_PUB, 1)
}

/** True while a reset of ring `cpu` is requested but not applied. */
export function resetPending(rb: RingBuffer, cpu: number): boolean {
  const ctlIdx = rb.ctl(cpu)
  return (
    Atomics.load(rb.i32, ctlIdx + L.C_RESET_REQ) !== Atomics.load(rb.i32, ctlIdx + L.C_RESET_DONE)
  )
}
