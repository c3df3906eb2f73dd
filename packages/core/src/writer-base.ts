/**
 * The writer frontend: the API contract every writer kind shares, written once. It checks the
 * arguments and the buffer's state, takes the timestamp, refuses a 17th nested reservation,
 * keeps the reservation stack, counts commits and discards, applies the batching rule, and
 * owns `write`, `drop`, `flush`, `close` and the hand-off of a reset. The writer kinds
 * (`paged-writer.ts`, `shared-writer.ts`, `contiguous-writer.ts`) differ only where their
 * reservation really differs: the fast path `reserveSlot`, the rare `reserveSlow` (sub-buffer
 * switch, or making room), what a commit and a discard do to their slot, and
 * `publishPositions`. This is the frontend/backend split of LTTng's lib ring buffer
 * (`lib_ring_buffer_reserve`/`_commit` for every client config).
 *
 * Call chains (docs/design.md §4, §6): `reserve` → `reserveSlot` → `reserveSlow`;
 * `commit` → `commitSlot` → `publish` → `publishPositions` → `endPublish`.
 *
 * Invariants:
 * - only the outermost commit (or discard) publishes: a nested record becomes visible with the
 *   reservation it is nested in (ftrace's commit page, perf's `nest`);
 * - a writer publishes every `publishBatch` outermost commits or discards, and on `flush`;
 * - a reset is applied only with no reservation open.
 *
 * @packageDocumentation
 */
import type { RingClient } from './client.js'
import { recordTimestamp } from './clock.js'
import type { ClockFn } from './clock.js'
import { checkBytes, checkInt, checkReserveArgs } from './errors.js'
import * as L from './layout.js'
import { F_WRITER_COUNTED, F_WRITER_MARK, countLiveWriter } from './recovery-mark.js'
import type { RingBuffer } from './ring-buffer.js'
import { MAX_NESTING, ReservationStack } from './reservation-stack.js'

export { MAX_NESTING }

/** What every writer offers. */
export interface RingWriter {
  /** The ring this writer writes. */
  readonly cpu: number
  /** The whole buffer as bytes: write a reserved payload at the offset `reserve` returned. */
  readonly bytes: Uint8Array
  /** The whole buffer as a DataView, for the same purpose. */
  readonly view: DataView
  /** Open reservations (nesting depth). */
  readonly depth: number
  /** Timestamp of the innermost open reservation. */
  readonly timestamp: number
  /**
   * Always false: a reserved payload is one contiguous range of {@link RingWriter.bytes} in
   * every layout (a contiguous reservation across the end of the data area is handed out in
   * the ring's spill area and copied to the ring's start on commit). Kept for callers that
   * still test it.
   */
  readonly wrapped: boolean
  /**
   * Reserve `length` payload bytes. Returns the absolute byte offset of the payload in
   * {@link RingWriter.bytes}, or -1 when the record was not accepted (recording disabled,
   * ring full in produce-consume mode, nested writers wrapped the ring); every refusal except
   * disabled recording is counted. Follow with {@link RingWriter.commit} or {@link RingWriter.discard}.
   *
   * @param length - payload bytes, 0..`maxPayload`
   * @param timestamp - an explicit timestamp instead of the buffer's clock
   * @param tag - a client-defined context passed to the client's `writeRecord`/`writeLoss`
   *   (perf: the event index); 0 by default
   * @throws RangeError when `length` or `timestamp` is invalid.
   */
  reserve(length: number, timestamp?: number, tag?: number): number
  /**
   * Copy `src` into a reserved payload at `offset` (the same as `bytes.set(src, offset)` for a
   * payload `reserve` returned). In the contiguous layout, bytes past the data area and the open
   * reservation's spill wrap to the ring's start.
   *
   * @throws RangeError when `offset` is not inside the ring's data.
   */
  put(offset: number, src: Uint8Array): void
  /**
   * Count `count` records that were never reserved (e.g. the caller paused recording, as
   * perf's PAUSE_OUTPUT) as dropped; where the client writes loss records, the next record
   * carries one reporting them.
   *
   * @throws RangeError when `count` is not a non-negative integer.
   */
  drop(count?: number): void
  /** Commit the innermost open reservation. */
  commit(): void
  /** Drop the innermost open reservation (rewound if it was the last thing written, else padding). */
  discard(): void
  /** Reserve, copy `data`, commit. Returns false when the record was not accepted. */
  write(data: Uint8Array, timestamp?: number): boolean
  /** Publish all commits now. */
  flush(): void
  /** Flush and give the ring up. */
  close(): void
}

/**
 * @internal The frontend of every writer kind (see the module comment). A subclass sets its
 * own state up in its constructor after `super`, and keeps its `reserveSlot` monomorphic: the
 * one call site in {@link WriterBase.reserve} then sees one class per writer kind.
 */
export abstract class WriterBase implements RingWriter {
  readonly cpu: number
  readonly bytes: Uint8Array
  readonly view: DataView
  /** Always false: no writer kind hands out a payload that wraps. */
  readonly wrapped: boolean = false
  protected readonly rb: RingBuffer
  protected readonly client: RingClient
  protected readonly i32: Int32Array
  protected readonly f64: Float64Array
  /** Int32 index of this ring's control words (`C_*`). */
  protected readonly ctlIdx: number
  /** Float64 index of this ring's counters (`F_*`). */
  protected readonly fxIdx: number
  /**
   * Float64 index of this ring's writer mark (`recovery-mark.ts`): the per-CPU kinds store
   * their committed position there at every outermost reserve, commit and discard.
   */
  protected readonly markIdx: number
  /** Largest payload `reserve` accepts. */
  protected readonly maxLen: number
  /** The per-CPU writer lock's token; 0 for a shared writer, which counts itself in the lock word. */
  private readonly token: number
  /** Clamp a timestamp to the previous record's: per-CPU rings keep their records in time order. */
  private readonly ordered: boolean
  private readonly clockKind: number
  private readonly userClock: ClockFn | undefined
  private readonly batch: number
  protected depth_ = 0
  /** Timestamp of the last record reserved (restored when a discard rewinds it). */
  protected lastTs = 0
  /** Outermost commits and discards since the last publish. */
  protected sincePublish = 0
  protected closed = false
  /** The open reservations; `depth_` of its entries are in use. */
  protected readonly stack: ReservationStack = new ReservationStack()
  /**
   * Records committed, bytes written (records and padding) and records discarded: totals for
   * the per-CPU kinds, deltas since the last counter flush for the shared one.
   */
  protected entries = 0
  protected bytesWritten = 0
  protected discarded = 0
  /** `C_RESET_REQ` as of the last reset this writer applied. */
  protected resetSeen: number
  /**
   * Timestamp of the reservation `reserveSlot` is making. A field, not an argument: a double
   * passed to a call V8 did not inline is boxed (an allocation per record).
   */
  protected slotTs = 0
  /**
   * Records and bytes lost to overwriting, and records dropped: totals of the per-CPU kinds
   * (a shared writer adds these to the ring's counters at once).
   */
  protected overrun = 0
  protected bytesOverrun = 0
  protected dropped = 0

  protected constructor(rb: RingBuffer, cpu: number, token: number, ordered: boolean) {
    this.rb = rb
    this.cpu = cpu
    this.token = token
    this.ordered = ordered
    // the buffer's views and client, as every writer kind uses them
    this.client = rb.client
    this.i32 = rb.i32
    this.f64 = rb.f64
    this.bytes = rb.u8
    this.view = rb.dv
    // this ring's words
    this.ctlIdx = rb.ctl(cpu)
    this.fxIdx = rb.fx(cpu)
    this.markIdx = this.fxIdx + F_WRITER_MARK
    // the header's settings
    this.clockKind = rb.clockKind
    this.userClock = rb.userClock
    this.batch = rb.publishBatch
    this.maxLen = rb.maxPayload
    this.resetSeen = Atomics.load(this.i32, this.ctlIdx + L.C_RESET_REQ)
    if (token !== 0) countLiveWriter(token, 1)
  }

  get depth(): number {
    return this.depth_
  }

  get timestamp(): number {
    return this.depth_ > 0 ? this.stack.ts[this.depth_ - 1]! : this.lastTs
  }

  reserve(length: number, timestamp?: number, tag = 0): number {
    if (
      typeof length !== 'number' ||
      !(length >= 0 && length <= this.maxLen && (length | 0) === length)
    )
      this.badLength(length)
    // the checks inline, the call (which throws the typed error) only on bad arguments: a call
    // to the checks on every record with a timestamp allocated in some processes (24 bytes a
    // record), as V8 inlined it into the caller of reserve or not
    if (
      (timestamp !== undefined || tag !== 0) &&
      !(
        typeof tag === 'number' &&
        (tag | 0) === tag &&
        tag >= 0 &&
        (timestamp === undefined ||
          (typeof timestamp === 'number' &&
            timestamp >= 0 &&
            timestamp <= Number.MAX_SAFE_INTEGER &&
            Math.floor(timestamp) === timestamp))
      )
    )
      checkReserveArgs(timestamp, tag)
    if (this.closed) throw new TypeError('writer: closed')
    const i = this.i32
    if ((i[L.H_RECORD]! | i[this.ctlIdx + L.C_DISABLED]! | (i[L.H_STATE]! ^ L.STATE_LIVE)) !== 0) {
      // plain loads, as at publish: a free() in another worker is seen here or at a later call
      if (i[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
      return -1
    }
    // a reset is applied only with no reservation open: it empties the ring under them
    if (i[this.ctlIdx + L.C_RESET_REQ] !== this.resetSeen && this.depth_ === 0) this.takeReset()
    let t = recordTimestamp(this.clockKind, this.lastTs, this.userClock, timestamp)
    if (t < this.lastTs && this.ordered) t = this.lastTs
    if (this.depth_ === MAX_NESTING) {
      this.countDropped(1)
      return -1
    }
    this.slotTs = t
    return this.reserveSlot(length, tag)
  }

  private badLength(length: number): never {
    if (typeof length !== 'number')
      throw new TypeError(`length: expected a number, got ${typeof length}`)
    throw new RangeError(`length: ${length} is not an integer in [0, ${this.maxLen}]`)
  }

  /**
   * Push a reservation of `size` bytes at `start` with timestamp `t` (its other columns are
   * the kind's to fill); `t` becomes the last timestamp. Returns its stack index.
   */
  protected push(start: number, size: number, t: number): number {
    const d = this.depth_++
    const st = this.stack
    st.start[d] = start
    st.size[d] = size
    st.ts[d] = t
    st.prevTs[d] = this.lastTs
    this.lastTs = t
    return d
  }

  drop(count = 1): void {
    checkInt('count', count, 0, 0xffffffff)
    if (this.i32[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
    this.countDropped(count)
  }

  commit(): void {
    if (this.depth_ === 0) throw new TypeError('commit: no open reservation')
    const d = --this.depth_
    this.entries++
    this.bytesWritten += this.stack.size[d]!
    this.commitSlot(d)
    // only the outermost commit publishes: a nested record becomes visible with its outer one
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  discard(): void {
    if (this.depth_ === 0) throw new TypeError('discard: no open reservation')
    const d = --this.depth_
    this.discarded++
    this.discardSlot(d)
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  write(data: Uint8Array, timestamp?: number): boolean {
    const n = checkBytes('data', data).length
    const off = this.reserve(n, timestamp)
    if (off < 0) return false
    if (n <= 8) {
      // a loop beats `set` for a few bytes
      const b = this.bytes
      for (let k = 0; k < n; k++) b[off + k] = data[k]!
    } else this.bytes.set(data, off)
    this.commit()
    return true
  }

  flush(): void {
    if (this.closed) throw new TypeError('writer: closed')
    if (this.depth_ === 0) {
      if (Atomics.load(this.i32, this.ctlIdx + L.C_RESET_REQ) !== this.resetSeen) this.takeReset()
      this.publish()
    }
  }

  close(): void {
    if (this.closed) return
    if (this.depth_ !== 0) throw new TypeError('close: reservations are still open')
    this.flush()
    this.closed = true
    this.detach()
  }

  /** Give the ring up at `close`: a per-CPU writer releases the writer lock (a shared one its lease). */
  protected detach(): void {
    countLiveWriter(this.token, -1)
    this.rb.unlock(this.ctlIdx + L.C_WRITER_LOCK, this.token)
  }

  /** Apply the requested reset (no reservation open): publish, reset the ring, reload. */
  private takeReset(): void {
    // a shared writer never applies one: rb.reset refuses while shared writers are attached
    if (this.token !== 0) {
      this.publish()
      this.rb.applyReset(this.cpu)
    }
    this.load()
  }

  /**
   * Make every commit so far visible (no reservation open, or a shared writer's counters):
   * the kind's stores, then the common tail.
   */
  protected publish(): void {
    if (this.publishPositions()) this.endPublish(false)
    this.sincePublish = 0
  }

  /**
   * The tail of every publish, after the stores that publish the records: `Atomics.add` of
   * `C_PUB` (`stats()`, waiters and spinning waiters acquire it: it publishes the counters),
   * then the writer's half of the wake-up handshake, then the freed check.
   *
   * @param uncounted - records became visible that the published counters do not count yet
   *   (a shared writer's commit-word publish); false for a publish of counters
   */
  protected endPublish(uncounted: boolean): void {
    Atomics.add(this.i32, this.ctlIdx + L.C_PUB, 1)
    this.notifyWaiters(uncounted)
    // a plain load: a free() in another worker is seen at a later publish at the latest
    if (this.i32[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
  }

  /**
   * The writer's half of the wake-up handshake (docs/design.md §8): one `Atomics.load` of each
   * waiter count, after the publishing writes in the sequentially consistent order. A waiter
   * of this ring is woken only when its armed watermark is reached; a global waiter always.
   */
  protected notifyWaiters(uncounted: boolean): void {
    const i = this.i32
    const wake = this.ctlIdx + L.C_WAKE
    if (Atomics.load(i, this.ctlIdx + L.C_WAITERS) !== 0 && this.watermarkReached(uncounted)) {
      Atomics.add(i, wake, 1)
      Atomics.notify(i, wake)
    }
    if (Atomics.load(i, L.H_GLOBAL_WAITERS) !== 0) {
      Atomics.add(i, L.H_WAKE, 1)
      Atomics.notify(i, L.H_WAKE)
    }
  }

  /** Per-CPU kinds: pick the totals up from the ring's counters (attach, reset). */
  protected loadTotals(): void {
    const f = this.f64
    const fx = this.fxIdx
    this.entries = f[fx + L.F_ENTRIES]!
    this.bytesWritten = f[fx + L.F_BYTES]!
    this.overrun = f[fx + L.F_OVERRUN]!
    this.bytesOverrun = f[fx + L.F_BYTES_OVERRUN]!
    this.dropped = f[fx + L.F_DROPPED]!
    this.discarded = f[fx + L.F_DISCARDED]!
    this.lastTs = f[fx + L.F_LAST_TS]!
  }

  /**
   * Per-CPU kinds, P2 of a publish: store the totals (plain stores; the kind's atomic store
   * that follows publishes them, and `endPublish`'s `C_PUB` add publishes them to `stats()`),
   * with `counted`, the doubled position they count up to (`F_WRITER_COUNTED`), in the same
   * straight-line block.
   */
  protected storeTotals(counted: number): void {
    const f = this.f64
    const fx = this.fxIdx
    f[fx + F_WRITER_COUNTED] = counted
    f[fx + L.F_ENTRIES] = this.entries
    f[fx + L.F_BYTES] = this.bytesWritten
    f[fx + L.F_OVERRUN] = this.overrun
    f[fx + L.F_BYTES_OVERRUN] = this.bytesOverrun
    f[fx + L.F_DROPPED] = this.dropped
    f[fx + L.F_DISCARDED] = this.discarded
    f[fx + L.F_LAST_TS] = this.lastTs
  }

  /** Copy `src` into a reserved payload at `offset` (see {@link RingWriter.put}). */
  abstract put(offset: number, src: Uint8Array): void
  /**
   * The fast path of `reserve`, after the common checks: size the record with timestamp
   * `slotTs`, take the space (calling `reserveSlow` when it does not fit), write the header(s),
   * `push` the reservation. Returns the payload offset or -1 (a refusal it counted).
   */
  protected abstract reserveSlot(length: number, tag: number): number
  /** After `commit` counted the record at stack index `d`: the kind's part of a commit. */
  protected abstract commitSlot(d: number): void
  /**
   * After `discard` counted the record at stack index `d`: rewind it if it is the last thing
   * written (the kernel's `rb_try_to_discard`), else pad it and count its bytes as written.
   */
  protected abstract discardSlot(d: number): void
  /** Count `n` refused or never reserved records as dropped, visible to `stats()` at once. */
  protected abstract countDropped(n: number): void
  /**
   * The kind's publishing stores (docs/design.md §7). Returns false when there was nothing to
   * publish (the common tail is then skipped).
   */
  protected abstract publishPositions(): boolean
  /**
   * With waiters on this ring: has their armed watermark (`F_WAKE_*`, the lowest of the armed
   * targets) been reached? `uncounted` as at {@link WriterBase.endPublish}.
   */
  protected abstract watermarkReached(uncounted: boolean): boolean
  /** Pick up the ring's state from shared memory (attach, or after a reset); sets `resetSeen`. */
  protected abstract load(): void
}
