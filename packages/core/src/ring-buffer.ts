/**
 * The buffer: one `SharedArrayBuffer` holding a header and per-CPU rings (`docs/design.md §3`).
 * {@link RingBuffer} is the handle and the engine's one public class; each concept lives in its
 * own module as free functions that take the handle first, and the methods delegate to them:
 *
 * - `geometry.ts`: sizing rules, the header's geometry words, the handle's views;
 * - `lifecycle.ts`: create, attach, free;
 * - `locks.ts`: the per-CPU writer and reader lock words;
 * - `recording.ts`: mode, client flags, record disable/enable/off/on;
 * - `reset.ts`: ring initialisation and the reset hand-off;
 * - `resize.ts`: resize;
 * - `stats.ts`: the counters;
 * - `wait.ts`: wake-ups.
 *
 * The addressing methods and the geometry getters stay plain arithmetic on `g` here: writers
 * call them on their per-record paths. The concept modules import this class as a type only.
 *
 * @packageDocumentation
 */
import { checkClientShape, checkInt } from './errors.js'
import type { RingClient } from './client.js'
import { rawPagedClient } from './raw-client.js'
import type { ClockFn } from './clock.js'
import type { AttachOptions, RingBufferOptions, RingMode } from './options.js'
import { headSubbufTimestamp, ringStats } from './stats.js'
import type { RingStats } from './stats.js'
import * as L from './layout.js'
import { checkSubbufRange, mapViews, refreshGeometry, sizeRing } from './geometry.js'
import type { Geometry } from './geometry.js'
import { allocateBuffer, checkLive, freeBuffer, goLive, isFreed, openBuffer } from './lifecycle.js'
import type { BufferParts } from './lifecycle.js'
import { checkRings } from './ring-check.js'
import { newToken, tryLock, unlock, withReaderOpLock } from './locks.js'
import {
  getClientFlags,
  getMode,
  isOn,
  isSetOn,
  recordDisable,
  recordEnable,
  setClientFlags,
  setMode,
  setRecordOff,
} from './recording.js'
import { applyReset, reset, resetPending } from './reset.js'
import { resize } from './resize.js'
import { wakeEpoch, wakeWaiters } from './wait.js'

import { ALL_CPUS } from './all-cpus.js'
import type { RingWriter } from './writer-base.js'
import { RingReader } from './reader.js'
import { openWriter } from './open-writer.js'
import { recoverWriter } from './recovery.js'
import type { WriterRecovery } from './recovery.js'
import { recoverWriters } from './shared-recovery.js'
import type { WritersRecovery } from './shared-recovery.js'
import { putSpare } from './paged-reader.js'
import type { SubbufLease } from './paged-reader.js'

export { ALL_CPUS }

/**
 * A ring buffer in shared memory: per-CPU rings in either the paged layout (sub-buffers plus
 * a reader sub-buffer, as ftrace) or the contiguous layout (one data area with free-running
 * head and tail, as perf). Create it in one worker, post its {@link RingBuffer.sab} to others
 * and {@link RingBuffer.attach} there: all state lives in the shared memory.
 */
export class RingBuffer {
  /** The shared memory holding the whole buffer. */
  readonly sab: SharedArrayBuffer
  /** The record format. */
  readonly client: RingClient
  /** @internal */ i32!: Int32Array
  /** @internal */ f64!: Float64Array
  /** @internal */ b64!: BigInt64Array
  /** @internal */ dv!: DataView
  /** @internal */ u8!: Uint8Array
  /** @internal @hidden Current geometry (re-derived when `H_GEN` changes). */ g!: Geometry
  /** @internal */ gen = 0
  /** @internal */ readonly userClock: ClockFn | undefined
  /** @internal */ readonly clockKind: number
  /** @internal This handle's lock token: names this thread as its owner (locks.ts). */
  readonly token: number = newToken()

  private constructor(parts: BufferParts) {
    this.sab = parts.sab
    this.client = parts.client
    this.userClock = parts.clock
    mapViews(this)
    this.clockKind = this.i32[L.H_CLOCK]!
    refreshGeometry(this)
  }

  /**
   * Create a buffer.
   *
   * @throws RangeError or TypeError naming the offending option.
   */
  static create(options: RingBufferOptions = {}): RingBuffer {
    const rb = new RingBuffer(allocateBuffer(options))
    goLive(rb)
    return rb
  }
  /**
   * Attach to a buffer created elsewhere, from its `SharedArrayBuffer` alone.
   *
   * @throws TypeError when `sab` is not a buffer, was freed, or its header is corrupt, or
   *   when the client it was created with is neither registered nor given.
   */
  static attach(sab: SharedArrayBuffer, options: AttachOptions = {}): RingBuffer {
    const rb = new RingBuffer(openBuffer(sab, options))
    checkRings(rb)
    return rb
  }

  /** Number of ring sub-buffers the kernel's sizing rule gives for `size` bytes per CPU. */
  static subbufsFor(size: number, subbufSize: number, client: RingClient = rawPagedClient): number {
    checkClientShape('client', client)
    return sizeRing(true, size, subbufSize, client, false).subbufs
  }

  /** @internal Throw unless the buffer is live; pick up a resize made through another handle. */
  checkLive(): void {
    checkLive(this)
  }

  /** @internal */
  checkCpu(cpu: unknown, allowAll = false): number {
    if (allowAll && cpu === ALL_CPUS) return ALL_CPUS
    return checkInt('cpu', cpu, 0, this.g.cpus - 1)
  }

  // ---- addressing ------------------------------------------------------------------
  /** @internal Byte offset of a CPU block. */
  cpuOffset(cpu: number): number {
    return this.g.cpuBase + cpu * this.g.cpuStride
  }
  /** @internal Int32 index of a CPU's control words. */
  ctl(cpu: number): number {
    return this.cpuOffset(cpu) >> 2
  }
  /** @internal Float64 index of a CPU's counters. */
  fx(cpu: number): number {
    return (this.cpuOffset(cpu) + L.F_BASE_BYTES) >> 3
  }
  /** @internal Int32 index of a CPU's slot words. */
  slots(cpu: number): number {
    return (this.cpuOffset(cpu) + this.g.slotsOff) >> 2
  }
  /** @internal Int32 index of the shared writers' page-by-slot table (writer-owned, never swapped). */
  pageBySlot(cpu: number): number {
    return this.slots(cpu) + this.g.subbufs
  }
  /** @internal Byte offset of a page's meta record. */
  metaOffset(cpu: number, id: number): number {
    return this.cpuOffset(cpu) + this.g.metaOff + id * L.PAGE_META_BYTES
  }
  /**
   * Byte offset of a CPU's client area (ftrace meta page, perf control page).
   *
   * @throws TypeError or RangeError naming `cpu` when it is not a ring of this buffer.
   */
  areaOffset(cpu: number): number {
    // two compares on the hot path; the full check (and its message) only for a bad value
    if (typeof cpu !== 'number' || !(cpu >= 0 && cpu < this.g.cpus) || (cpu | 0) !== cpu)
      this.checkCpu(cpu)
    return this.cpuOffset(cpu) + this.g.areaOff
  }
  /**
   * Byte offset of physical sub-buffer `id` of a CPU (paged), or of the data area (contiguous).
   *
   * @throws TypeError or RangeError naming `cpu` or `id` when it is outside the buffer.
   */
  subbufOffset(cpu: number, id = 0): number {
    if (typeof cpu !== 'number' || !(cpu >= 0 && cpu < this.g.cpus) || (cpu | 0) !== cpu)
      this.checkCpu(cpu)
    if (typeof id !== 'number' || !(id >= 0 && id < this.g.physical) || (id | 0) !== id)
      checkInt('id', id, 0, this.g.physical - 1)
    return this.cpuOffset(cpu) + this.g.dataOff + id * this.g.unit
  }

  // ---- geometry --------------------------------------------------------------------
  /** The geometry, re-derived first when a resize happened through another handle. */
  private geo(): Geometry {
    refreshGeometry(this)
    return this.g
  }
  /** Number of per-CPU rings. */
  get cpus(): number {
    return this.geo().cpus
  }
  /** `'paged'` or `'contiguous'`. */
  get layout(): 'paged' | 'contiguous' {
    return this.geo().layout === L.LAYOUT_PAGED ? 'paged' : 'contiguous'
  }
  /** Sub-buffer size (paged) or data area size (contiguous), in bytes. */
  get subbufSize(): number {
    return this.geo().unit
  }
  /** Ring sub-buffers per CPU, the reader and spare sub-buffers not counted (paged); 1 (contiguous). */
  get subbufs(): number {
    return this.geo().subbufs
  }
  /** Physical sub-buffers per CPU: ring + reader + spares (paged); 1 (contiguous). */
  get physicalSubbufs(): number {
    return this.geo().physical
  }
  /** Bytes of record data a sub-buffer holds (paged), or the data area size (contiguous). */
  get dataCapacity(): number {
    return this.geo().unit - this.client.subbufHeaderBytes
  }
  /** Ring size in data bytes per CPU, the kernel's `ring_buffer_size`. */
  get size(): number {
    return this.geo().layout === L.LAYOUT_PAGED ? this.dataCapacity * this.g.subbufs : this.g.unit
  }
  /** Largest payload a reservation may ask for. */
  get maxPayload(): number {
    return this.client.maxPayload(this.dataCapacity, this.clientFlags << 8)
  }
  /** `'shared'` when several writers may reserve in one ring. */
  get sync(): 'per-cpu' | 'shared' {
    return (this.i32[L.H_FLAGS]! & L.MODE_SHARED) !== 0 ? 'shared' : 'per-cpu'
  }
  /** Commits between two publishes of a per-CPU writer. */
  get publishBatch(): number {
    return this.i32[L.H_PUBLISH_BATCH]!
  }

  // ---- writers and readers -----------------------------------------------------------
  /**
   * Open the writer of ring `cpu`. In per-CPU sync a ring has one writer at a time: close it
   * (or let the worker that holds it call `close`) before another worker opens one. In shared
   * sync any number of writers may be open on one ring.
   *
   * @param options.force - take a per-CPU ring over even though a writer holds it (use after
   *   the worker that held it died; never while it still writes)
   * @throws BusyError when another writer holds a per-CPU ring.
   */
  writer(cpu: number, options: { force?: boolean } = {}): RingWriter {
    return openWriter(this, cpu, options)
  }

  /**
   * Recover ring `cpu` after the worker that held its writer died (per-CPU sync;
   * docs/design.md §4.3): every record whose `commit()` returned is published and counted,
   * a reservation left open is counted as dropped (and reported lost in-band where the client
   * writes loss records), and the ring is freed for a new writer. Call it only after the
   * writer's thread exited, e.g. from `worker.on('exit')`: a writer that still runs cannot be
   * told from a dead one.
   *
   * @throws RangeError for a bad CPU; TypeError on a shared ring or a freed buffer.
   * @throws BusyError when the ring's writer is open in this thread (close it instead), or a
   *   writer attached to the ring meanwhile.
   */
  recoverWriter(cpu: number): WriterRecovery {
    return recoverWriter(this, cpu)
  }

  /**
   * Recover every writer the thread `threadId` left when it died (docs/design.md §4.3): the
   * per-CPU rings whose writer it held (as {@link RingBuffer.recoverWriter}), and its shared
   * writers — each torn reservation is padded and counted as dropped, a sub-buffer switch it
   * was in is finished, and what is complete is published, so readers and the other writers
   * go on. Call it after the thread exited, e.g. from `worker.on('exit')`, with the
   * `worker.threadId` read while the worker ran (it reads −1 after the exit).
   *
   * @throws TypeError when `threadId` is this thread's, the buffer was freed, or a lease entry
   *   of the thread is corrupt.
   * @throws BusyError when a ring waits for another dead thread (recover that one first).
   */
  recoverWriters(options: { threadId: number }): WritersRecovery {
    return recoverWriters(this, options)
  }

  /** A reader of this buffer (any number may exist, in any worker). */
  reader(): RingReader {
    this.checkLive()
    return new RingReader(this)
  }

  /**
   * Give a sub-buffer handed out by {@link RingReader.takeSubbuf} back to its ring's spare
   * pool. Any worker may call it; a lease from before a reset or resize of the ring is ignored.
   *
   * @throws RangeError when the sub-buffer is not leased.
   */
  releaseSubbuf(lease: SubbufLease): void {
    if (typeof lease !== 'object' || lease === null)
      throw new TypeError('lease: expected a lease from takeSubbuf')
    this.checkLive()
    const c = this.checkCpu(lease.cpu)
    checkInt('lease.id', lease.id, 0, 0x7fffffff)
    // an epoch that is no reset count would leave the sub-buffer leased for good
    if (typeof lease.epoch !== 'number' || (lease.epoch | 0) !== lease.epoch)
      throw new TypeError(
        `lease.epoch: expected the epoch takeSubbuf gave, got ${String(lease.epoch)}`,
      )
    // stale (a reset or resize came since): its id may not even exist in this geometry
    if (Atomics.load(this.i32, this.ctl(c) + L.C_RESET_DONE) !== lease.epoch) return
    checkInt('lease.id', lease.id, 0, this.g.physical - 1)
    putSpare(this, c, lease.id)
  }

  /** @internal Check that `[offset, offset + length)` lies inside one sub-buffer of ring `cpu`. */
  checkSubbufRange(cpu: number, offset: number, length: number): void {
    checkSubbufRange(this, cpu, offset, length)
  }

  /** A view of one physical sub-buffer (paged) or the data area (contiguous); no copy. */
  subbufBytes(cpu: number, id = 0): Uint8Array {
    this.checkLive()
    const c = this.checkCpu(cpu)
    checkInt('id', id, 0, this.g.physical - 1)
    const off = this.subbufOffset(c, id)
    return this.u8.subarray(off, off + this.g.unit)
  }

  // ---- recording control (recording.ts) ------------------------------------------
  /** The current mode. Writers pick a change up at their next sub-buffer switch or publish. */
  get mode(): RingMode {
    return getMode(this)
  }
  set mode(mode: RingMode) {
    setMode(this, mode)
  }
  /** A word the client owns (e.g. ftrace's absolute-timestamp mode); passed to it in bits 8..31. */
  get clientFlags(): number {
    return getClientFlags(this)
  }
  set clientFlags(v: number) {
    setClientFlags(this, v)
  }
  /**
   * Disable recording (a nesting counter; balance with {@link RingBuffer.recordEnable}).
   * Writers that already hold a reservation finish it; per-CPU writers stop at their next
   * reserve, or at the latest after the records of one publish batch.
   */
  recordDisable(cpu: number = ALL_CPUS): void {
    recordDisable(this, cpu)
  }
  /**
   * Undo one {@link RingBuffer.recordDisable}.
   * @throws RangeError when recording was not disabled.
   */
  recordEnable(cpu: number = ALL_CPUS): void {
    recordEnable(this, cpu)
  }
  /** Switch recording off (a latch, independent of the disable counter). */
  recordOff(): void {
    setRecordOff(this, true)
  }
  /** Switch recording back on. */
  recordOn(): void {
    setRecordOff(this, false)
  }
  /** True when recording is neither disabled nor off (for one CPU: also not disabled there). */
  isOn(cpu: number = ALL_CPUS): boolean {
    return isOn(this, cpu)
  }
  /**
   * True when the off latch is not set (the global disable counter is ignored); for one CPU,
   * also not disabled there (the kernel's `ring_buffer_record_is_on_cpu`).
   */
  isSetOn(cpu: number = ALL_CPUS): boolean {
    return isSetOn(this, cpu)
  }

  // ---- locks (locks.ts) ---------------------------------------------------------------
  /** @internal Try to take a per-CPU lock word; returns the token or 0. */
  tryLock(idx: number): number {
    return tryLock(this, idx)
  }
  /** @internal */
  unlock(idx: number, token: number): void {
    unlock(this, idx, token)
  }
  /** @internal Run `fn` holding the per-CPU reader operation lock (short critical sections only). */
  withReaderOpLock<T>(cpu: number, fn: () => T): T {
    return withReaderOpLock(this, cpu, fn)
  }

  // ---- reset and resize (reset.ts, resize.ts) -----------------------------------------
  /**
   * Empty one ring (or all) and zero its counters. When a per-CPU writer is attached, the
   * writer applies the reset at its next reserve or flush and readers see the ring empty
   * until then; otherwise it is applied at once.
   *
   * @throws BusyError in shared mode while writers are attached.
   */
  reset(cpu: number = ALL_CPUS): void {
    reset(this, cpu)
  }
  /** @internal Apply a pending reset; called with the writer lock held. */
  applyReset(cpu: number): void {
    applyReset(this, cpu)
  }
  /** @internal True while a reset of `cpu` is requested but not applied. */
  resetPending(cpu: number): boolean {
    return resetPending(this, cpu)
  }
  /**
   * Change the ring size (bytes of data per CPU) and, for the paged layout, the sub-buffer
   * size. A paged per-CPU-sync ring keeps its data and counters when the sub-buffer size stays,
   * as the kernel's `rb_update_pages`; other rings start empty. Leases taken before are stale
   * after it. The buffer grows in place when it was created with a larger `maxByteLength`.
   * As the kernel's `ring_buffer_resize`, the paged
   * layout rounds `size` up to whole sub-buffers, at least two (`resize(3)` gives two); the
   * contiguous layout takes a power of two.
   *
   * @throws BusyError while any writer or reader holds a ring or an iterator is open.
   * @throws RangeError when the new geometry is invalid or does not fit the buffer.
   */
  resize(size: number, subbufSize: number = this.g.unit): void {
    resize(this, size, subbufSize)
  }

  // ---- accounting (stats.ts) and wake-ups (wait.ts) -----------------------------------
  /** Counters of one ring, or their sum over all rings. */
  stats(cpu: number = ALL_CPUS): RingStats {
    return ringStats(this, cpu)
  }
  /** @internal */
  headSubbufTimestamp(cpu: number): number {
    return headSubbufTimestamp(this, cpu)
  }
  /**
   * Wake every waiter of ring `cpu` (or of every ring): their `wait` / `waitAsync` return
   * true at once, whatever their watermark (the kernel's `ring_buffer_wake_waiters`).
   */
  wakeWaiters(cpu: number = ALL_CPUS): void {
    wakeWaiters(this, cpu)
  }
  /** @internal Sum of the wake-all epochs that concern a waiter of `cpu`. */
  wakeEpoch(cpu: number): number {
    return wakeEpoch(this, cpu)
  }

  // ---- lifetime (lifecycle.ts) ----------------------------------------------------------
  /**
   * Mark the buffer freed. Every handle in every worker then refuses to operate on it
   * (TypeError), and {@link RingBuffer.attach} refuses it.
   */
  free(): void {
    freeBuffer(this)
  }
  /** True once {@link RingBuffer.free} was called in any worker. */
  get freed(): boolean {
    return isFreed(this)
  }
}
