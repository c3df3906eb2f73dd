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
 * (Re)initialise ring `cpu`: empty, counters zero, canonical page ids (`docs/design.md §3.5`).
 * `fresh` (create, resize) also lays out the client area; a reset leaves it to the client
 * (ftrace's mapped meta page survives it).
 */
export function initCpu(rb: RingBuffer, cpu: number, fresh: boolean): void {
  const g = rb.g
  const i = rb.i32
  const ctlIdx = rb.ctl(cpu)
  const fxIdx = rb.fx(cpu)
  const base = rb.cpuOffset(cpu)
  for (let w = 0; w < L.C_SPARE_IDS + L.MAX_SPARES; w++) if (!keptByReset(w)) i[ctlIdx + w] = 0
  for (let w = 0; w < 32; w++) rb.f64[fxIdx + w] = 0
  // the writer starts in the first sub-buffer (shared writers count only later switches)
  if (g.layout === L.LAYOUT_PAGED) rb.f64[fxIdx + L.F_PAGES_TOUCHED] = 1
  // slot words and page meta; the client area only when the geometry is new
  rb.u8.fill(0, base + g.slotsOff, base + (fresh ? g.dataOff : g.areaOff))
  if (g.layout === L.LAYOUT_PAGED) {
    const slotIdx = rb.slots(cpu)
    // reader sub-buffer = physical 0; slot k holds physical k+1. The writer starts in seq 0.
    i[slotIdx] = L.slotWord(1, 0, false)
    i[rb.pageBySlot(cpu)] = 1
    for (let k = 1; k < g.subbufs; k++) i[slotIdx + k] = L.slotWord(k + 1, k - g.subbufs, true)
    i[ctlIdx + L.C_READER_PAGE] = 0
    i[ctlIdx + L.C_READER_SEQ] = -1
    for (let k = 0; k < L.MAX_SPARES; k++)
      i[ctlIdx + L.C_SPARE_IDS + k] = k < g.spares ? g.subbufs + 1 + k : -1
    i[ctlIdx + L.C_SHARED_PAGE] = 1
    for (let id = 0; id < g.physical; id++) {
      clearCommit(rb, cpu, id)
      i[(rb.metaOffset(cpu, id) >> 2) + L.PM_FINAL] = -1
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
