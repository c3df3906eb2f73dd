/**
 * The buffer: one `SharedArrayBuffer` holding a header and per-CPU rings.
 *
 * @packageDocumentation
 */
import { BusyError, checkFunction, checkInt, checkPow2 } from './errors.js'
import { clientHash, lookupClient, registerClient } from './client.js'
import type { ClientGeometry, RingClient } from './client.js'
import { rawPagedClient } from './raw-client.js'
import type { ClockFn } from './clock.js'
import type { AttachOptions, RingBufferOptions, RingMode } from './options.js'
import { emptyStats } from './stats.js'
import type { RingStats } from './stats.js'
import * as L from './layout.js'
import type { Geometry } from './layout.js'

import { ALL_CPUS } from './all-cpus.js'
import { PagedWriter } from './paged-writer.js'
import type { RingWriter } from './paged-writer.js'
import { ContiguousWriter } from './contiguous-writer.js'
import { SharedPagedWriter } from './shared-writer.js'
import { RingReader } from './reader.js'
import { putSpare } from './paged-reader.js'
import type { SubbufLease } from './paged-reader.js'

export { ALL_CPUS }

const MIN_UNIT_SHIFT = 8
const MAX_SUBBUF_SHIFT = 20
const MAX_DATA_SHIFT = 30
const MAX_CPUS = 1024
const MAX_SUBBUFS = 8192

function clientGeometry(g: Geometry): ClientGeometry {
  return {
    layout: g.layout === L.LAYOUT_PAGED ? 'paged' : 'contiguous',
    unitBytes: g.unit,
    subbufs: g.subbufs,
    physicalSubbufs: g.physical,
  }
}

function log2(n: number): number {
  return 31 - Math.clz32(n)
}

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
  /** @internal This handle's lock token (non-zero, distinct per handle with high probability). */
  readonly token: number = (Math.random() * 0x7ffffffe + 1) | 0

  private constructor(sab: SharedArrayBuffer, client: RingClient, clock: ClockFn | undefined) {
    this.sab = sab
    this.client = client
    this.userClock = clock
    this.views()
    this.clockKind = this.i32[L.H_CLOCK]!
    this.refreshGeometry()
  }

  /**
   * Create a buffer.
   *
   * @throws RangeError or TypeError naming the offending option.
   */
  static create(options: RingBufferOptions = {}): RingBuffer {
    if (typeof options !== 'object') throw new TypeError('options: expected an object')
    const client = options.client ?? rawPagedClient
    if (typeof client !== 'object' || typeof client.recordSize !== 'function')
      throw new TypeError('client: expected a RingClient')
    const paged = client.layout === 'paged'
    if (!paged && client.layout !== 'contiguous')
      throw new TypeError(`client.layout: expected 'paged' or 'contiguous'`)
    const cpus = checkInt('cpus', options.cpus ?? 1, 1, MAX_CPUS)
    const mode = options.mode ?? 'overwrite'
    if (mode !== 'overwrite' && mode !== 'produce-consume')
      throw new RangeError(`mode: expected 'overwrite' or 'produce-consume', got ${String(mode)}`)
    const sync = options.sync ?? 'per-cpu'
    if (sync !== 'per-cpu' && sync !== 'shared')
      throw new RangeError(`sync: expected 'per-cpu' or 'shared', got ${String(sync)}`)
    if (sync === 'shared' && !paged) throw new RangeError(`sync: 'shared' needs the paged layout`)
    const batch = checkInt('publishBatch', options.publishBatch ?? 32, 1, 1 << 20)
    const backward = options.backward ?? false
    if (typeof backward !== 'boolean') throw new TypeError('backward: expected a boolean')
    if (backward && paged) throw new RangeError('backward: only for the contiguous layout')
    const tailPolicy = options.tailPolicy ?? (backward ? 'ignore' : 'push')
    if (tailPolicy !== 'push' && tailPolicy !== 'ignore')
      throw new RangeError(`tailPolicy: expected 'push' or 'ignore', got ${String(tailPolicy)}`)
    if (tailPolicy === 'ignore' && paged)
      throw new RangeError('tailPolicy: only for the contiguous layout')
    if (backward && tailPolicy === 'push')
      throw new RangeError("tailPolicy: backward rings overwrite only with 'ignore'")
    let clockKind = L.CLOCK_MONOTONIC
    let clockFn: ClockFn | undefined
    const clock = options.clock ?? 'monotonic'
    if (clock === 'counter') clockKind = L.CLOCK_COUNTER
    else if (typeof clock === 'function') {
      clockKind = L.CLOCK_USER
      clockFn = clock
    } else if (clock !== 'monotonic')
      throw new RangeError(`clock: expected 'monotonic', 'counter' or a function`)
    let unitShift: number
    let subbufs = 1
    let spares = 0
    if (paged) {
      const subbufSize = checkPow2(
        'subbufSize',
        options.subbufSize ?? 4096,
        1 << MIN_UNIT_SHIFT,
        1 << MAX_SUBBUF_SHIFT,
      )
      if (subbufSize <= client.subbufHeaderBytes + 16)
        throw new RangeError(`subbufSize: ${subbufSize} leaves no room after the client header`)
      unitShift = log2(subbufSize)
      // shared sync keeps the reservation offset in 20 bits, with 0xfffff reserved
      if (sync === 'shared' && subbufSize >= 1 << MAX_SUBBUF_SHIFT)
        throw new RangeError(
          `subbufSize: shared sync needs sub-buffers below ${1 << MAX_SUBBUF_SHIFT} bytes`,
        )
      subbufs = RingBuffer.subbufsFor(options.size ?? 65536, subbufSize, client)
      spares = checkInt('spareSubbufs', options.spareSubbufs ?? 1, 1, L.MAX_SPARES)
    } else {
      if (options.subbufSize !== undefined)
        throw new RangeError('subbufSize: only for the paged layout')
      unitShift = log2(
        checkPow2('size', options.size ?? 65536, 1 << MIN_UNIT_SHIFT, 2 ** MAX_DATA_SHIFT),
      )
    }
    const layout = paged ? L.LAYOUT_PAGED : L.LAYOUT_CONTIGUOUS
    const g0 = L.computeGeometry(layout, cpus, unitShift, subbufs, spares, 0)
    const area = client.cpuAreaBytes(clientGeometry(g0))
    checkInt('client.cpuAreaBytes()', area, 0, 1 << 30)
    if (area % 8 !== 0)
      throw new RangeError(`client.cpuAreaBytes(): ${area} is not a multiple of 8`)
    const g = L.computeGeometry(layout, cpus, unitShift, subbufs, spares, area)
    if (g.total > 2 ** 31 - 1)
      throw new RangeError(`size: the buffer would need ${g.total} bytes (max 2^31-1)`)
    const maxLen = options.maxByteLength ?? g.total
    checkInt('maxByteLength', maxLen, g.total, 2 ** 31 - 1)
    const sab =
      maxLen > g.total
        ? new SharedArrayBuffer(g.total, { maxByteLength: maxLen })
        : new SharedArrayBuffer(g.total)
    registerClient(client)
    const i32 = new Int32Array(sab, 0, L.HEADER_BYTES / 4)
    i32[L.H_MAGIC] = L.MAGIC
    i32[L.H_VERSION] = L.VERSION
    i32[L.H_LAYOUT] = layout
    i32[L.H_CPUS] = cpus
    i32[L.H_FLAGS] =
      (mode === 'overwrite' ? L.MODE_OVERWRITE : 0) |
      (sync === 'shared' ? L.MODE_SHARED : 0) |
      (backward ? L.MODE_BACKWARD : 0) |
      (tailPolicy === 'ignore' ? L.MODE_IGNORE_TAIL : 0)
    i32[L.H_CLOCK] = clockKind
    i32[L.H_CLIENT] = clientHash(client.id)
    i32[L.H_PUBLISH_BATCH] = batch
    RingBuffer.writeGeometry(i32, g)
    const rb = new RingBuffer(sab, client, clockFn)
    for (let cpu = 0; cpu < cpus; cpu++) rb.initCpu(cpu)
    Atomics.store(i32, L.H_STATE, L.STATE_LIVE)
    return rb
  }

  /**
   * Attach to a buffer created elsewhere, from its `SharedArrayBuffer` alone.
   *
   * @throws TypeError when `sab` is not a buffer, was freed, or its header is corrupt, or
   *   when the client it was created with is neither registered nor given.
   */
  static attach(sab: SharedArrayBuffer, options: AttachOptions = {}): RingBuffer {
    if (!(sab instanceof SharedArrayBuffer))
      throw new TypeError('sab: expected a SharedArrayBuffer')
    if (sab.byteLength < L.HEADER_BYTES) throw new TypeError('sab: too small to hold a ring buffer')
    const i32 = new Int32Array(sab, 0, L.HEADER_BYTES / 4)
    if (i32[L.H_MAGIC] !== L.MAGIC) throw new TypeError('sab: not an onering buffer (bad magic)')
    if (i32[L.H_VERSION] !== L.VERSION)
      throw new TypeError(`sab: unsupported layout version ${i32[L.H_VERSION]}`)
    const state = Atomics.load(i32, L.H_STATE)
    if (state === L.STATE_FREED) throw new TypeError('sab: the buffer was freed')
    if (state !== L.STATE_LIVE) throw new TypeError('sab: the buffer is not initialised')
    if (i32[L.H_CHECK] !== L.headerChecksum(i32))
      throw new TypeError('sab: corrupted header (checksum mismatch)')
    if (i32[L.H_TOTAL_BYTES]! > sab.byteLength)
      throw new TypeError('sab: corrupted header (size exceeds the buffer)')
    const hash = i32[L.H_CLIENT]!
    let client = options.client
    if (client !== undefined) {
      if (clientHash(client.id) !== hash)
        throw new TypeError(`client: ${client.id} is not the client this buffer was created with`)
    } else {
      client = lookupClient(hash)
      if (client === undefined)
        throw new TypeError(
          'client: the buffer uses a client that is not registered here; pass it in options.client',
        )
    }
    let clock: ClockFn | undefined
    if (i32[L.H_CLOCK] === L.CLOCK_USER) {
      if (options.clock === undefined)
        throw new TypeError('clock: the buffer uses a clock function; pass it in options.clock')
      checkFunction('clock', options.clock)
      clock = options.clock
    }
    return new RingBuffer(sab, client, clock)
  }

  /** Number of ring sub-buffers the kernel's sizing rule gives for `size` bytes per CPU. */
  static subbufsFor(size: number, subbufSize: number, client: RingClient = rawPagedClient): number {
    checkInt('size', size, 1, 2 ** 31 - 1)
    const data = subbufSize - client.subbufHeaderBytes
    const n = Math.max(2, Math.ceil(size / data))
    if (n > MAX_SUBBUFS)
      throw new RangeError(`size: ${size} needs ${n} sub-buffers (max ${MAX_SUBBUFS})`)
    return n
  }

  private static writeGeometry(i32: Int32Array, g: Geometry): void {
    i32[L.H_UNIT_SHIFT] = g.unitShift
    i32[L.H_SUBBUFS] = g.subbufs
    i32[L.H_SPARES] = g.spares
    i32[L.H_CLIENT_AREA] = g.clientArea
    i32[L.H_CPU_STRIDE] = g.cpuStride
    i32[L.H_CPU_BASE] = g.cpuBase
    i32[L.H_TOTAL_BYTES] = g.total
    i32[L.H_CHECK] = L.headerChecksum(i32)
  }

  private views(): void {
    const len = this.sab.byteLength & ~7
    this.i32 = new Int32Array(this.sab, 0, len / 4)
    this.f64 = new Float64Array(this.sab, 0, len / 8)
    this.b64 = new BigInt64Array(this.sab, 0, len / 8)
    this.dv = new DataView(this.sab, 0, len)
    this.u8 = new Uint8Array(this.sab, 0, len)
  }

  /** @internal Re-derive the geometry after a resize in any worker. Returns true when it changed. */
  refreshGeometry(): boolean {
    const gen = Atomics.load(this.i32, L.H_GEN)
    if (this.g !== undefined && gen === this.gen) return false
    if (this.sab.byteLength !== this.u8.byteLength) this.views()
    const i = this.i32
    this.g = L.computeGeometry(
      i[L.H_LAYOUT]!,
      i[L.H_CPUS]!,
      i[L.H_UNIT_SHIFT]!,
      i[L.H_SUBBUFS]!,
      i[L.H_SPARES]!,
      i[L.H_CLIENT_AREA]!,
    )
    this.gen = gen
    return true
  }

  /** @internal */
  checkLive(): void {
    if (Atomics.load(this.i32, L.H_STATE) !== L.STATE_LIVE)
      throw new TypeError('buffer: the buffer was freed')
    this.refreshGeometry()
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
  /** Byte offset of a CPU's client area (ftrace meta page, perf control page). */
  areaOffset(cpu: number): number {
    return this.cpuOffset(cpu) + this.g.areaOff
  }
  /** Byte offset of physical sub-buffer `id` of a CPU (paged), or of the data area (contiguous). */
  subbufOffset(cpu: number, id = 0): number {
    return this.cpuOffset(cpu) + this.g.dataOff + id * this.g.unit
  }

  // ---- geometry --------------------------------------------------------------------
  /** The geometry, re-derived first when a resize happened through another handle. */
  private geo(): Geometry {
    this.refreshGeometry()
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
    this.checkLive()
    const c = this.checkCpu(cpu)
    const idx = this.ctl(c) + L.C_WRITER_LOCK
    if (this.sync === 'shared') {
      Atomics.add(this.i32, idx, 1)
      return new SharedPagedWriter(this, c)
    }
    let token = this.tryLock(idx)
    if (token === 0) {
      if (options.force !== true)
        throw new BusyError(`cpu: ring ${c} already has a writer (per-cpu sync)`)
      token = (Math.random() * 0x7ffffffe + 1) | 0
      Atomics.store(this.i32, idx, token)
    }
    try {
      return this.g.layout === L.LAYOUT_PAGED
        ? new PagedWriter(this, c, token)
        : new ContiguousWriter(this, c, token)
    } catch (e) {
      this.unlock(idx, token)
      throw e
    }
  }

  /** A reader of this buffer (any number may exist, in any worker). */
  reader(): RingReader {
    this.checkLive()
    return new RingReader(this)
  }

  /**
   * Give a sub-buffer handed out by {@link RingReader.takeSubbuf} back to its ring's spare
   * pool. Any worker may call it; a lease from before a reset of the ring is ignored.
   *
   * @throws RangeError when the sub-buffer is not leased.
   */
  releaseSubbuf(lease: SubbufLease): void {
    this.checkLive()
    const c = this.checkCpu(lease.cpu)
    checkInt('lease.id', lease.id, 0, this.g.physical - 1)
    if (Atomics.load(this.i32, this.ctl(c) + L.C_RESET_DONE) !== lease.epoch) return
    putSpare(this, c, lease.id)
  }

  /**
   * @internal Check that `[offset, offset + length)` lies inside one sub-buffer of ring `cpu`.
   * @throws RangeError otherwise.
   */
  checkSubbufRange(cpu: number, offset: number, length: number): void {
    const rel = offset - this.subbufOffset(cpu, 0)
    const unit = this.g.unit
    if (
      !Number.isInteger(offset) ||
      rel < 0 ||
      rel >= this.g.physical * unit ||
      (rel % unit) + length > unit
    )
      throw new RangeError(
        `offset: ${offset} (+${length} bytes) is not inside a sub-buffer of ring ${cpu}`,
      )
  }

  /** A view of one physical sub-buffer (paged) or the data area (contiguous); no copy. */
  subbufBytes(cpu: number, id = 0): Uint8Array {
    const c = this.checkCpu(cpu)
    checkInt('id', id, 0, this.g.physical - 1)
    const off = this.subbufOffset(c, id)
    return this.u8.subarray(off, off + this.g.unit)
  }

  // ---- mode and client flags ---------------------------------------------------------
  /** The current mode. Writers pick a change up at their next sub-buffer switch or publish. */
  get mode(): RingMode {
    return (Atomics.load(this.i32, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
      ? 'overwrite'
      : 'produce-consume'
  }
  set mode(mode: RingMode) {
    if (mode !== 'overwrite' && mode !== 'produce-consume')
      throw new RangeError(`mode: expected 'overwrite' or 'produce-consume', got ${String(mode)}`)
    this.checkLive()
    for (;;) {
      const old = Atomics.load(this.i32, L.H_FLAGS)
      const v = mode === 'overwrite' ? old | L.MODE_OVERWRITE : old & ~L.MODE_OVERWRITE
      if (Atomics.compareExchange(this.i32, L.H_FLAGS, old, v) === old) break
    }
  }
  /** A word the client owns (e.g. ftrace's absolute-timestamp mode); passed to it in bits 8..31. */
  get clientFlags(): number {
    return Atomics.load(this.i32, L.H_CLIENT_FLAGS)
  }
  set clientFlags(v: number) {
    checkInt('clientFlags', v, 0, 0xffffff)
    Atomics.store(this.i32, L.H_CLIENT_FLAGS, v)
  }

  // ---- recording control -------------------------------------------------------------
  /**
   * Disable recording (a nesting counter; balance with {@link RingBuffer.recordEnable}).
   * Writers that already hold a reservation finish it; per-CPU writers stop at their next
   * reserve, or at the latest after the records of one publish batch.
   */
  recordDisable(cpu: number = ALL_CPUS): void {
    this.checkLive()
    const c = this.checkCpu(cpu, true)
    if (c === ALL_CPUS) Atomics.add(this.i32, L.H_RECORD, 1)
    else Atomics.add(this.i32, this.ctl(c) + L.C_DISABLED, 1)
  }
  /**
   * Undo one {@link RingBuffer.recordDisable}.
   * @throws RangeError when recording was not disabled.
   */
  recordEnable(cpu: number = ALL_CPUS): void {
    this.checkLive()
    const c = this.checkCpu(cpu, true)
    const idx = c === ALL_CPUS ? L.H_RECORD : this.ctl(c) + L.C_DISABLED
    for (;;) {
      const old = Atomics.load(this.i32, idx)
      if ((old & (L.RECORD_OFF - 1)) === 0) throw new RangeError('cpu: recording is not disabled')
      if (Atomics.compareExchange(this.i32, idx, old, old - 1) === old) return
    }
  }
  /** Switch recording off (a latch, independent of the disable counter). */
  recordOff(): void {
    this.checkLive()
    Atomics.or(this.i32, L.H_RECORD, L.RECORD_OFF)
  }
  /** Switch recording back on. */
  recordOn(): void {
    this.checkLive()
    Atomics.and(this.i32, L.H_RECORD, ~L.RECORD_OFF)
  }
  /** True when recording is neither disabled nor off (for one CPU: also not disabled there). */
  isOn(cpu: number = ALL_CPUS): boolean {
    const c = this.checkCpu(cpu, true)
    if (Atomics.load(this.i32, L.H_RECORD) !== 0) return false
    return c === ALL_CPUS || Atomics.load(this.i32, this.ctl(c) + L.C_DISABLED) === 0
  }
  /**
   * True when the off latch is not set (the global disable counter is ignored); for one CPU,
   * also not disabled there (the kernel's `ring_buffer_record_is_on_cpu`).
   */
  isSetOn(cpu: number = ALL_CPUS): boolean {
    const c = this.checkCpu(cpu, true)
    if ((Atomics.load(this.i32, L.H_RECORD) & L.RECORD_OFF) !== 0) return false
    return c === ALL_CPUS || Atomics.load(this.i32, this.ctl(c) + L.C_DISABLED) === 0
  }

  // ---- per-CPU state -----------------------------------------------------------------
  /** @internal (Re)initialise one CPU's ring: empty, counters zero, canonical page ids. */
  initCpu(cpu: number, fresh = true): void {
    const g = this.g
    const c = this.ctl(cpu)
    const i = this.i32
    const base = this.cpuOffset(cpu)
    // control words except the locks and the disable counter
    for (let w = 0; w < L.C_SPARE_IDS + L.MAX_SPARES; w++) {
      if (
        w === L.C_WRITER_LOCK ||
        w === L.C_READER_LOCK ||
        w === L.C_DISABLED ||
        w === L.C_WAKE ||
        w === L.C_WAITERS ||
        w === L.C_RESET_REQ ||
        w === L.C_RESET_DONE ||
        w === L.C_READ_EPOCH
      )
        continue
      i[c + w] = 0
    }
    const fx = this.fx(cpu)
    for (let w = 0; w < 32; w++) this.f64[fx + w] = 0
    // the writer starts in the first sub-buffer (shared writers count only later switches)
    if (g.layout === L.LAYOUT_PAGED) this.f64[fx + L.F_PAGES_TOUCHED] = 1
    // slot words and page meta; the client area only when the geometry is new (a reset leaves
    // the client's area to the client: ftrace's mapped meta page survives it)
    this.u8.fill(0, base + g.slotsOff, base + (fresh ? g.dataOff : g.areaOff))
    if (g.layout === L.LAYOUT_PAGED) {
      const s = this.slots(cpu)
      // reader sub-buffer = physical 0; slot k holds physical k+1. The writer starts in seq 0.
      i[s] = L.slotWord(1, 0, false)
      i[this.pageBySlot(cpu)] = 1
      for (let k = 1; k < g.subbufs; k++) i[s + k] = L.slotWord(k + 1, k - g.subbufs, true)
      i[c + L.C_READER_PAGE] = 0
      i[c + L.C_READER_SEQ] = -1
      for (let k = 0; k < L.MAX_SPARES; k++)
        i[c + L.C_SPARE_IDS + k] = k < g.spares ? g.subbufs + 1 + k : -1
      i[c + L.C_SHARED_PAGE] = 1
      const commit = this.client.commitOffset
      for (let id = 0; id < g.physical; id++) {
        this.dv.setUint32(this.subbufOffset(cpu, id) + commit, 0, true)
        i[(this.metaOffset(cpu, id) >> 2) + L.PM_FINAL] = -1
      }
      i[c + L.C_RESV] = this.client.subbufHeaderBytes
    } else {
      this.u8.fill(0, base + g.dataOff, base + g.dataOff + g.unit)
      // the engine's own words in the client area: the head and tail positions
      const area = this.areaOffset(cpu)
      Atomics.store(this.b64, (area + this.client.headOffset) >> 3, 0n)
      Atomics.store(this.b64, (area + this.client.tailOffset) >> 3, 0n)
    }
    if (fresh) this.client.cpuAreaInit?.(this.dv, this.areaOffset(cpu), clientGeometry(g), cpu)
    Atomics.add(i, c + L.C_READ_EPOCH, 1)
  }

  /** @internal Try to take a per-CPU lock word; returns the token or 0. */
  tryLock(idx: number): number {
    const token = this.token
    return Atomics.compareExchange(this.i32, idx, 0, token) === 0 ? token : 0
  }
  /** @internal */
  unlock(idx: number, token: number): void {
    Atomics.compareExchange(this.i32, idx, token, 0)
  }

  /**
   * Empty one ring (or all) and zero its counters. When a per-CPU writer is attached, the
   * writer applies the reset at its next reserve or flush and readers see the ring empty
   * until then; otherwise it is applied at once.
   *
   * @throws BusyError in shared mode while writers are attached.
   */
  reset(cpu: number = ALL_CPUS): void {
    this.checkLive()
    const c = this.checkCpu(cpu, true)
    if (c === ALL_CPUS) {
      for (let k = 0; k < this.g.cpus; k++) this.reset(k)
      return
    }
    const ctl = this.ctl(c)
    const shared = this.sync === 'shared'
    if (shared && Atomics.load(this.i32, ctl + L.C_WRITER_LOCK) !== 0)
      throw new BusyError(
        `cpu: ${c} has writers attached; shared rings reset only while no writer is attached`,
      )
    Atomics.add(this.i32, ctl + L.C_RESET_REQ, 1)
    this.tryApplyReset(c)
  }

  /** @internal Apply a pending reset if no per-CPU writer holds the ring. */
  tryApplyReset(cpu: number): void {
    const ctl = this.ctl(cpu)
    const token = this.tryLock(ctl + L.C_WRITER_LOCK)
    if (token === 0) return
    try {
      this.applyReset(cpu)
    } finally {
      this.unlock(ctl + L.C_WRITER_LOCK, token)
    }
  }

  /** @internal Called with the writer lock held (by the writer or by tryApplyReset). */
  applyReset(cpu: number): void {
    const ctl = this.ctl(cpu)
    const req = Atomics.load(this.i32, ctl + L.C_RESET_REQ)
    if (req === Atomics.load(this.i32, ctl + L.C_RESET_DONE)) return
    this.withReaderOpLock(cpu, () => {
      this.initCpu(cpu, false)
    })
    Atomics.store(this.i32, ctl + L.C_RESET_DONE, req)
    Atomics.add(this.i32, ctl + L.C_PUB, 1)
  }

  /** @internal True while a reset of `cpu` is requested but not applied. */
  resetPending(cpu: number): boolean {
    const ctl = this.ctl(cpu)
    return (
      Atomics.load(this.i32, ctl + L.C_RESET_REQ) !== Atomics.load(this.i32, ctl + L.C_RESET_DONE)
    )
  }

  /** @internal Run `fn` holding the per-CPU reader operation lock (short critical sections only). */
  withReaderOpLock<T>(cpu: number, fn: () => T): T {
    const idx = this.ctl(cpu) + L.C_READER_LOCK
    let token = this.tryLock(idx)
    for (let spins = 0; token === 0; spins++) {
      if (spins > 1000) Atomics.wait(this.i32, idx, Atomics.load(this.i32, idx), 1)
      token = this.tryLock(idx)
    }
    try {
      return fn()
    } finally {
      // no notify: a contended locker re-checks at least every millisecond
      this.unlock(idx, token)
    }
  }

  /**
   * Change the ring size (bytes of data per CPU) and, for the paged layout, the sub-buffer
   * size. All rings are emptied and their counters zeroed. The buffer grows in place when it
   * was created with a larger `maxByteLength`.
   *
   * @throws BusyError while any writer or reader holds a ring.
   * @throws RangeError when the new geometry is invalid or does not fit the buffer.
   */
  resize(size: number, subbufSize: number = this.g.unit): void {
    this.checkLive()
    const paged = this.g.layout === L.LAYOUT_PAGED
    let unitShift: number
    let subbufs = 1
    if (paged) {
      checkPow2('subbufSize', subbufSize, 1 << MIN_UNIT_SHIFT, 1 << MAX_SUBBUF_SHIFT)
      if (subbufSize <= this.client.subbufHeaderBytes + 16)
        throw new RangeError(`subbufSize: ${subbufSize} leaves no room after the client header`)
      unitShift = log2(subbufSize)
      if (this.sync === 'shared' && subbufSize >= 1 << MAX_SUBBUF_SHIFT)
        throw new RangeError(
          `subbufSize: shared sync needs sub-buffers below ${1 << MAX_SUBBUF_SHIFT} bytes`,
        )
      subbufs = RingBuffer.subbufsFor(size, subbufSize, this.client)
    } else {
      if (subbufSize !== this.g.unit && subbufSize !== size)
        throw new RangeError('subbufSize: only for the paged layout')
      unitShift = log2(checkPow2('size', size, 1 << MIN_UNIT_SHIFT, 2 ** MAX_DATA_SHIFT))
    }
    const g0 = L.computeGeometry(this.g.layout, this.g.cpus, unitShift, subbufs, this.g.spares, 0)
    const area = this.client.cpuAreaBytes(clientGeometry(g0))
    const g = L.computeGeometry(this.g.layout, this.g.cpus, unitShift, subbufs, this.g.spares, area)
    const cap = this.sab.growable ? this.sab.maxByteLength : this.sab.byteLength
    if (g.total > cap)
      throw new RangeError(
        `size: the new geometry needs ${g.total} bytes but the buffer holds at most ${cap}`,
      )
    // take every lock so that nobody enters while the geometry changes
    const held: [number, number][] = []
    try {
      for (let cpu = 0; cpu < this.g.cpus; cpu++) {
        for (const w of [L.C_WRITER_LOCK, L.C_READER_LOCK]) {
          const idx = this.ctl(cpu) + w
          const t = this.tryLock(idx)
          if (t === 0)
            throw new BusyError(
              `cpu: ring ${cpu} is held by a ${w === L.C_WRITER_LOCK ? 'writer' : 'reader'}`,
            )
          held.push([idx, t])
        }
        const c = this.ctl(cpu)
        if (Atomics.load(this.i32, c + L.C_ITERS) > 0)
          throw new BusyError(`cpu: ring ${cpu} has an open iterator`)
        for (let k = 0; k < this.g.spares; k++)
          if (Atomics.load(this.i32, c + L.C_SPARE_IDS + k) < 0)
            throw new BusyError(`cpu: ring ${cpu} has a leased sub-buffer`)
      }
      if (g.total > this.sab.byteLength) this.sab.grow(g.total)
      // clear the old control blocks, then lay the new geometry down
      this.u8.fill(0, L.HEADER_BYTES, Math.min(this.u8.byteLength, this.g.total))
      RingBuffer.writeGeometry(this.i32, g)
      Atomics.add(this.i32, L.H_GEN, 1)
      this.refreshGeometry()
      for (let cpu = 0; cpu < g.cpus; cpu++) this.initCpu(cpu)
      // the locks now sit at new offsets: re-take them there, release below
      held.length = 0
      for (let cpu = 0; cpu < g.cpus; cpu++) {
        this.i32[this.ctl(cpu) + L.C_WRITER_LOCK] = 0
        this.i32[this.ctl(cpu) + L.C_READER_LOCK] = 0
      }
    } finally {
      for (const [idx, t] of held) this.unlock(idx, t)
    }
  }

  // ---- accounting --------------------------------------------------------------------
  /**
   * Counters of one ring, or their sum over all rings.
   */
  stats(cpu: number = ALL_CPUS): RingStats {
    this.checkLive()
    const c = this.checkCpu(cpu, true)
    if (c === ALL_CPUS) {
      const t = emptyStats()
      for (let k = 0; k < this.g.cpus; k++) {
        const s = this.stats(k)
        for (const key of Object.keys(t) as (keyof RingStats)[]) {
          if (key === 'oldestTimestamp') {
            if (
              s.oldestTimestamp !== 0 &&
              (t.oldestTimestamp === 0 || s.oldestTimestamp < t.oldestTimestamp)
            )
              t.oldestTimestamp = s.oldestTimestamp
          } else t[key] += s[key]
        }
      }
      return t
    }
    const s = emptyStats()
    if (this.resetPending(c)) return s
    Atomics.load(this.i32, this.ctl(c) + L.C_PUB)
    const f = this.f64
    const x = this.fx(c)
    s.written = f[x + L.F_ENTRIES]!
    s.overrun = f[x + L.F_OVERRUN]!
    s.commitOverrun = f[x + L.F_COMMIT_OVERRUN]!
    s.dropped = f[x + L.F_DROPPED]!
    s.read = f[x + L.F_READ]!
    s.bytesWritten = f[x + L.F_BYTES]!
    s.bytesRead = f[x + L.F_BYTES_READ]!
    s.bytesOverrun = f[x + L.F_BYTES_OVERRUN]!
    s.lost = f[x + L.F_LOST]!
    s.discarded = f[x + L.F_DISCARDED]!
    s.subbufsTouched = f[x + L.F_PAGES_TOUCHED]!
    s.subbufsLost = f[x + L.F_PAGES_LOST]!
    s.subbufsRead = f[x + L.F_PAGES_READ]!
    s.entries = Math.max(0, s.written - s.overrun - s.read)
    s.bytes = Math.max(0, s.bytesWritten - s.bytesOverrun - s.bytesRead)
    s.oldestTimestamp = s.entries > 0 ? this.oldestTimestamp(c) : 0
    return s
  }

  /** @internal Base timestamp of the oldest sub-buffer with unread data (paged), as the kernel reports it. */
  oldestTimestamp(cpu: number): number {
    if (this.g.layout !== L.LAYOUT_PAGED) return 0
    const c = this.ctl(cpu)
    const i = this.i32
    const reader = i[c + L.C_READER_PAGE]!
    const commit =
      Atomics.load(i, (this.subbufOffset(cpu, reader) + this.client.commitOffset) >> 2) &
      L.COMMIT_LEN_MASK
    if (i[c + L.C_READER_SEQ] !== -1 && i[c + L.C_READER_READ]! < commit)
      return this.f64[(this.metaOffset(cpu, reader) >> 3) + L.PM_TS_F64]!
    // the writer may have overwritten the sub-buffers from the reader's head on: skip them as
    // the reader's next swap will (the ring holds sequence numbers cs - n + 1 .. cs)
    const n = this.g.subbufs
    const h = i[c + L.C_HEAD_SEQ]!
    const lap = (Atomics.load(i, c + L.C_COMMIT_SEQ) - n + 1 - h) | 0
    const slot = lap > 0 ? (i[c + L.C_HEAD_SLOT]! + (lap % n)) % n : i[c + L.C_HEAD_SLOT]!
    const id = i[this.slots(cpu) + slot]! & L.SLOT_ID_MASK
    return this.f64[(this.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
  }

  /**
   * Wake every waiter of ring `cpu` (or of every ring): their `wait` / `waitAsync` return
   * true at once, whatever their watermark (the kernel's `ring_buffer_wake_waiters`).
   */
  wakeWaiters(cpu: number = ALL_CPUS): void {
    this.checkLive()
    const c = this.checkCpu(cpu, true)
    const i = this.i32
    if (c === ALL_CPUS) {
      Atomics.add(i, L.H_WAKE_ALL, 1)
      Atomics.add(i, L.H_WAKE, 1)
      Atomics.notify(i, L.H_WAKE)
      for (let k = 0; k < this.g.cpus; k++) {
        Atomics.add(i, this.ctl(k) + L.C_WAKE, 1)
        Atomics.notify(i, this.ctl(k) + L.C_WAKE)
      }
      return
    }
    Atomics.add(i, this.ctl(c) + L.C_WAKE_ALL, 1)
    Atomics.add(i, this.ctl(c) + L.C_WAKE, 1)
    Atomics.notify(i, this.ctl(c) + L.C_WAKE)
    Atomics.add(i, L.H_WAKE, 1)
    Atomics.notify(i, L.H_WAKE)
  }

  /** @internal Sum of the wake-all epochs that concern a waiter of `cpu`. */
  wakeEpoch(cpu: number): number {
    const g = Atomics.load(this.i32, L.H_WAKE_ALL)
    return cpu === ALL_CPUS ? g : g + Atomics.load(this.i32, this.ctl(cpu) + L.C_WAKE_ALL)
  }

  // ---- lifetime ----------------------------------------------------------------------
  /**
   * Mark the buffer freed. Every handle in every worker then refuses to operate on it
   * (TypeError), and {@link RingBuffer.attach} refuses it.
   */
  free(): void {
    Atomics.store(this.i32, L.H_STATE, L.STATE_FREED)
    for (let cpu = 0; cpu < this.g.cpus; cpu++) {
      Atomics.add(this.i32, this.ctl(cpu) + L.C_WAKE, 1)
      Atomics.notify(this.i32, this.ctl(cpu) + L.C_WAKE)
    }
  }
  /** True once {@link RingBuffer.free} was called in any worker. */
  get freed(): boolean {
    return Atomics.load(this.i32, L.H_STATE) === L.STATE_FREED
  }
}
