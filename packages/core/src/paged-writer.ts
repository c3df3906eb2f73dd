/**
 * The per-CPU writer of the paged layout: one writer per ring, no compare-and-swap on the
 * write path, commits published in batches.
 *
 * Invariants (see docs/design.md):
 * - records are laid down in reservation order; a nested reservation is placed after the
 *   open one and becomes visible only when the outermost reservation commits;
 * - the writer owns its current sub-buffer and the sub-buffers between the published commit
 *   frontier and it; it claims the next ring slot with one CAS on the slot word, which is
 *   the only word it shares with the reader's swap;
 * - a publish stores the commit words of finished sub-buffers and of the current one, the
 *   counters, and last the commit frontier (`C_COMMIT_SEQ`), all with release semantics.
 *
 * @packageDocumentation
 */
import { RecordFlag } from './client.js'
import type { RingClient } from './client.js'
import { recordTimestamp } from './clock.js'
import type { ClockFn } from './clock.js'
import { checkBytes } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'

/** Deepest nesting of open reservations on one writer. */
export const MAX_NESTING = 16

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
   * True when the payload of the last reservation wraps past the end of the data area
   * (contiguous layout): write it with {@link RingWriter.put}. Always false for the paged layout.
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
   * Copy `src` into a reserved payload at `offset`. In the contiguous layout a payload may
   * wrap past the end of the data area; `put` wraps it (`bytes.set` would not).
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

/** @internal */
export class PagedWriter implements RingWriter {
  readonly cpu: number
  readonly wrapped: boolean = false
  readonly bytes: Uint8Array
  readonly view: DataView
  private readonly rb: RingBuffer
  private readonly client: RingClient
  private readonly i32: Int32Array
  private readonly f64: Float64Array
  private readonly token: number
  private readonly clockKind: number
  private readonly userClock: ClockFn | undefined
  private readonly n: number
  private readonly hdr: number
  private readonly capacity: number
  private readonly commitOff: number
  private readonly ctlIdx: number
  private readonly fxIdx: number
  private readonly slotIdx: number
  private readonly disIdx: number
  private readonly batch: number
  private readonly maxLen: number
  // position
  private seq = 0
  private slot = 0
  private pageId = 0
  private pageOff = 0
  private dataOff = 0
  /** Int32 index of the current sub-buffer's page meta, and of its commit word. */
  private metaIdx = 0
  private commitIdx = 0
  private write_ = 0
  /** Data end of the current sub-buffer once a failed switch closed it with padding, else -1. */
  private closedReal = -1
  private commitSeq = 0
  /** The commit frontier as last stored in C_COMMIT_SEQ. */
  private publishedSeq = 0
  private commitSlot = 0
  /** page ids, final commit bytes and entries of the sub-buffers from the commit frontier on, by slot */
  private readonly pendId: Int32Array
  private readonly pendEnd: Int32Array
  private readonly pendReal: Int32Array
  private readonly pendEntries: Int32Array
  // reservation stack
  private depth_ = 0
  private readonly stOff = new Int32Array(MAX_NESTING)
  private readonly stSize = new Int32Array(MAX_NESTING)
  private readonly stSeq = new Int32Array(MAX_NESTING)
  private readonly stSlot = new Int32Array(MAX_NESTING)
  private readonly stPrevTs = new Float64Array(MAX_NESTING)
  private readonly stTs = new Float64Array(MAX_NESTING)
  private lastTs = 0
  private fullTs = 0
  private resetSeen = 0
  private sincePublish = 0
  /**
   * True when a counter other than entries/bytes/last timestamp changed since the last full
   * publish (overrun, drops, discards, sub-buffers touched or lost): the next publish stores
   * them all. Otherwise a publish that does not move the frontier takes the lean path.
   */
  private rareDirty = true
  private closed = false
  // counters (published)
  private entries = 0
  private bytesW = 0
  private overrun = 0
  private bytesOverrun = 0
  private dropped = 0
  private commitOverrun = 0
  private discarded = 0
  private touched = 0
  private pagesLost = 0

  /** @internal */
  constructor(rb: RingBuffer, cpu: number, token: number) {
    this.rb = rb
    this.cpu = cpu
    this.token = token
    this.client = rb.client
    this.i32 = rb.i32
    this.f64 = rb.f64
    this.bytes = rb.u8
    this.view = rb.dv
    this.clockKind = rb.clockKind
    this.userClock = rb.userClock
    const g = rb.g
    this.n = g.subbufs
    this.hdr = rb.client.subbufHeaderBytes
    this.capacity = g.unit - this.hdr
    this.commitOff = rb.client.commitOffset
    this.ctlIdx = rb.ctl(cpu)
    this.fxIdx = rb.fx(cpu)
    this.slotIdx = rb.slots(cpu)
    this.disIdx = this.ctlIdx + L.C_DISABLED
    this.batch = rb.publishBatch
    this.maxLen = rb.maxPayload
    this.pendId = new Int32Array(this.n)
    this.pendEnd = new Int32Array(this.n)
    this.pendReal = new Int32Array(this.n)
    this.pendEntries = new Int32Array(this.n)
    rb.applyReset(cpu)
    this.load()
  }

  /** Pick up the ring's state from shared memory (attach, or after a reset). */
  private load(): void {
    const i = this.i32
    const c = this.ctlIdx
    const f = this.f64
    const x = this.fxIdx
    this.resetSeen = Atomics.load(i, c + L.C_RESET_REQ)
    this.seq = Atomics.load(i, c + L.C_COMMIT_SEQ)
    this.slot = i[c + L.C_COMMIT_SLOT]!
    this.commitSeq = this.seq
    // differs from seq: the first publish after attaching stores every frontier word
    this.publishedSeq = (this.seq - 1) | 0
    this.commitSlot = this.slot
    const slotWord = i[this.slotIdx + this.slot]!
    // the writer's sub-buffer may have been swapped out to the reader: C_WRITER_PAGE is authoritative
    this.pageId =
      this.seq === 0 && i[c + L.C_WRITER_PAGE] === 0
        ? slotWord & L.SLOT_ID_MASK
        : i[c + L.C_WRITER_PAGE]!
    this.setPage(this.pageId)
    this.write_ = Atomics.load(i, (this.pageOff + this.commitOff) >> 2) & L.COMMIT_LEN_MASK
    const meta = this.rb.metaOffset(this.cpu, this.pageId) >> 2
    this.pendId[this.slot] = this.pageId
    this.pendEntries[this.slot] = i[meta + L.PM_ENTRIES]!
    const real = i[meta + L.PM_REAL_END]!
    this.closedReal = real < this.write_ ? real : -1
    this.entries = f[x + L.F_ENTRIES]!
    this.bytesW = f[x + L.F_BYTES]!
    this.overrun = f[x + L.F_OVERRUN]!
    this.bytesOverrun = f[x + L.F_BYTES_OVERRUN]!
    this.dropped = f[x + L.F_DROPPED]!
    this.commitOverrun = f[x + L.F_COMMIT_OVERRUN]!
    this.discarded = f[x + L.F_DISCARDED]!
    this.touched = f[x + L.F_PAGES_TOUCHED]!
    this.pagesLost = f[x + L.F_PAGES_LOST]!
    this.lastTs = f[x + L.F_LAST_TS]!
    this.fullTs = 0
    this.sincePublish = 0
    this.rareDirty = true
    if (this.touched === 0) this.touched = 1
  }

  private setPage(id: number): void {
    this.pageId = id
    this.pageOff = this.rb.subbufOffset(this.cpu, id)
    this.dataOff = this.pageOff + this.hdr
    this.metaIdx = this.rb.metaOffset(this.cpu, id) >> 2
    this.commitIdx = (this.pageOff + this.commitOff) >> 2
  }

  get depth(): number {
    return this.depth_
  }

  get timestamp(): number {
    return this.depth_ > 0 ? this.stTs[this.depth_ - 1]! : this.lastTs
  }

  reserve(length: number, timestamp?: number, tag = 0): number {
    if (!(length >= 0 && length <= this.maxLen && (length | 0) === length)) this.badLength(length)
    if (this.closed) throw new TypeError('writer: closed')
    const i = this.i32
    if ((i[L.H_RECORD]! | i[this.disIdx]! | (i[L.H_STATE]! ^ L.STATE_LIVE)) !== 0) {
      // plain loads, as in publish: a free() in another worker is seen here or at a later call
      if (i[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
      return -1
    }
    if (i[this.ctlIdx + L.C_RESET_REQ] !== this.resetSeen && this.depth_ === 0) this.takeReset()
    let t = recordTimestamp(this.clockKind, this.lastTs, this.userClock, timestamp)
    if (t < this.lastTs) t = this.lastTs
    if (this.depth_ === MAX_NESTING) {
      this.dropped++
      this.rareDirty = true
      return -1
    }
    const flags = this.fullTs | (i[L.H_CLIENT_FLAGS]! << 8)
    let w = this.write_
    let delta = w === 0 ? 0 : t - this.lastTs
    let size = this.client.recordSize(
      length,
      delta,
      w === 0 ? flags & ~RecordFlag.FullTimestamp : flags,
    )
    if (w + size > this.capacity) {
      if (!this.advance()) {
        // a refusal is rare: publish at once so that stats count it
        if (this.depth_ === 0) this.publish()
        return -1
      }
      w = 0
      delta = 0
      size = this.client.recordSize(length, 0, flags & ~RecordFlag.FullTimestamp)
    }
    const off = this.dataOff + w
    if (w === 0) this.beginPage(t)
    const payload = this.client.writeRecord(
      this.view,
      off,
      length,
      size,
      delta,
      t,
      w === 0 ? flags & ~RecordFlag.FullTimestamp : flags,
      tag,
    )
    const d = this.depth_++
    this.stOff[d] = off
    this.stSize[d] = size
    this.stSeq[d] = this.seq
    this.stSlot[d] = this.slot
    this.stPrevTs[d] = this.lastTs
    this.stTs[d] = t
    this.write_ = w + size
    this.lastTs = t
    this.fullTs = 0
    return payload
  }

  private badLength(length: number): never {
    if (typeof length !== 'number')
      throw new TypeError(`length: expected a number, got ${typeof length}`)
    throw new RangeError(`length: ${length} is not an integer in [0, ${this.maxLen}]`)
  }

  private beginPage(t: number): void {
    this.client.subbufBegin?.(this.view, this.pageOff, t)
    this.f64[(this.metaIdx >> 1) + L.PM_TS_F64] = t
  }

  put(offset: number, src: Uint8Array): void {
    this.rb.checkSubbufRange(this.cpu, offset, src.length)
    this.bytes.set(src, offset)
  }

  drop(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0))
      throw new RangeError(`count: ${count} is not a record count`)
    this.dropped += count
    this.rareDirty = true
    if (this.depth_ === 0) this.publish()
  }

  commit(): void {
    if (this.depth_ === 0) throw new TypeError('commit: no open reservation')
    const d = --this.depth_
    this.entries++
    this.bytesW += this.stSize[d]!
    this.pendEntries[this.stSlot[d]!]!++
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  discard(): void {
    if (this.depth_ === 0) throw new TypeError('discard: no open reservation')
    const d = --this.depth_
    const off = this.stOff[d]!
    const size = this.stSize[d]!
    this.discarded++
    this.rareDirty = true
    // the last record rewinds, unless a failed switch closed the sub-buffer meanwhile
    if (
      this.stSeq[d] === this.seq &&
      off + size === this.dataOff + this.write_ &&
      this.closedReal < 0
    ) {
      this.write_ -= size
      this.lastTs = this.stPrevTs[d]!
      this.fullTs = RecordFlag.FullTimestamp
    } else {
      this.client.discard(this.view, off, size)
      this.bytesW += size
    }
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  write(data: Uint8Array, timestamp?: number): boolean {
    const n = checkBytes('data', data).length
    const off = this.reserve(n, timestamp)
    if (off < 0) return false
    if (n <= 8) {
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
    this.rb.unlock(this.ctlIdx + L.C_WRITER_LOCK, this.token)
  }

  private takeReset(): void {
    this.publish()
    this.rb.applyReset(this.cpu)
    this.load()
  }

  /**
   * Move to the next sub-buffer. Returns false, counting the refusal, when the next slot
   * still holds unread data in produce-consume mode or holds the outermost open reservation.
   */
  private advance(): boolean {
    // every outcome changes a rare counter (commitOverrun, dropped, overrun, touched)
    this.rareDirty = true
    const n = this.n
    const nextSeq = (this.seq + 1) | 0
    const nextSlot = this.slot + 1 === n ? 0 : this.slot + 1
    if (this.depth_ > 0 && ((nextSeq - this.stSeq[0]!) | 0) >= n) {
      this.commitOverrun++
      this.closePage()
      return false
    }
    // The next slot may still hold an unpublished sub-buffer (nested writers moved on without
    // a publish): it is complete (no open reservation is in it, see above), so publish it
    // before its slot's pending state is reused.
    if (((nextSeq - n - this.commitSeq) | 0) >= 0) this.publishPending()
    const i = this.i32
    const overwrite = (Atomics.load(i, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    const idx = this.slotIdx + nextSlot
    const want = (nextSeq & L.SLOT_TAG_MASK) << L.SLOT_TAG_SHIFT
    let id: number
    for (;;) {
      const v = Atomics.load(i, idx)
      id = v & L.SLOT_ID_MASK
      const unread = (v & L.SLOT_CONSUMED) === 0
      if (unread && !overwrite) {
        this.dropped++
        this.closePage()
        return false
      }
      if (Atomics.compareExchange(i, idx, v, id | want) !== v) continue
      if (unread) {
        const meta = this.rb.metaOffset(this.cpu, id) >> 2
        this.overrun += i[meta + L.PM_ENTRIES]!
        this.bytesOverrun +=
          Atomics.load(i, (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2) &
          L.COMMIT_LEN_MASK
        this.pagesLost++
      }
      break
    }
    // finish the old sub-buffer: end padding, remember its data end
    this.closePage()
    this.pendEnd[this.slot] = this.write_
    this.pendReal[this.slot] = this.closedReal
    this.closedReal = -1
    // enter the new one
    this.seq = nextSeq
    this.slot = nextSlot
    this.setPage(id)
    this.write_ = 0
    this.pendId[nextSlot] = id
    this.pendEntries[nextSlot] = 0
    this.pendEnd[nextSlot] = 0
    this.touched++
    const meta = this.rb.metaOffset(this.cpu, id) >> 2
    i[meta + L.PM_ENTRIES] = 0
    i[meta + L.PM_REAL_END] = 0
    if (this.depth_ === 0) this.publish()
    return true
  }

  /**
   * Pad the rest of the current sub-buffer and close it, once (the kernel's `rb_reset_tail`:
   * also after a failed switch, so later small records do not slip into the remainder).
   */
  private closePage(): void {
    if (this.closedReal >= 0) return
    this.closedReal = this.write_
    const padded = this.client.endPadding(
      this.view,
      this.dataOff + this.write_,
      this.capacity - this.write_,
    )
    this.bytesW += padded
    this.write_ += padded
  }

  /** Store the meta and final commit word of the oldest finished, unpublished sub-buffer. */
  private publishPending(): void {
    const i = this.i32
    const s = this.commitSlot
    const id = this.pendId[s]!
    const meta = this.rb.metaOffset(this.cpu, id) >> 2
    i[meta + L.PM_ENTRIES] = this.pendEntries[s]!
    i[meta + L.PM_REAL_END] = this.pendReal[s]!
    Atomics.store(i, (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2, this.pendEnd[s]!)
    this.commitSeq = (this.commitSeq + 1) | 0
    this.commitSlot = s + 1 === this.n ? 0 : s + 1
  }

  /**
   * Make every commit so far visible. Only called with no reservation open.
   *
   * The lean path, taken when the frontier did not move and only entries, bytes and the last
   * timestamp changed (every commit of a `publishBatch: 1` writer inside one sub-buffer):
   * plain stores of the page meta and those three counters, then the same atomic sequence as
   * the full path: `Atomics.store` of the commit word (readers acquire it), `Atomics.add` of
   * `C_PUB` (`stats()` and waiters acquire it), `Atomics.load` of both waiter counts (the
   * writer half of the wake-up handshake, after the publishing writes). The counters it skips
   * hold the values of the last full publish, which are still current.
   */
  private publish(): void {
    const i = this.i32
    const c = this.ctlIdx
    const f = this.f64
    const x = this.fxIdx
    if (this.seq === this.publishedSeq && this.commitSeq === this.seq && !this.rareDirty) {
      const m = this.metaIdx
      i[m + L.PM_ENTRIES] = this.pendEntries[this.slot]!
      i[m + L.PM_REAL_END] = this.closedReal >= 0 ? this.closedReal : this.write_
      f[x + L.F_ENTRIES] = this.entries
      f[x + L.F_BYTES] = this.bytesW
      f[x + L.F_LAST_TS] = this.lastTs
      Atomics.store(i, this.commitIdx, this.write_)
    } else this.publishFull()
    Atomics.add(i, c + L.C_PUB, 1)
    this.sincePublish = 0
    if (Atomics.load(i, c + L.C_WAITERS) !== 0) this.maybeWake()
    if (Atomics.load(i, L.H_GLOBAL_WAITERS) !== 0) {
      Atomics.add(i, L.H_WAKE, 1)
      Atomics.notify(i, L.H_WAKE)
    }
    // a plain load: a free() in another worker is seen at a later publish at the latest
    if (i[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
  }

  /** The stores of a publish that moves the frontier or changed a rare counter. */
  private publishFull(): void {
    const i = this.i32
    while (this.commitSeq !== this.seq) this.publishPending()
    const meta = this.metaIdx
    i[meta + L.PM_ENTRIES] = this.pendEntries[this.slot]!
    i[meta + L.PM_REAL_END] = this.closedReal >= 0 ? this.closedReal : this.write_
    const f = this.f64
    const x = this.fxIdx
    f[x + L.F_ENTRIES] = this.entries
    f[x + L.F_BYTES] = this.bytesW
    f[x + L.F_OVERRUN] = this.overrun
    f[x + L.F_BYTES_OVERRUN] = this.bytesOverrun
    f[x + L.F_DROPPED] = this.dropped
    f[x + L.F_COMMIT_OVERRUN] = this.commitOverrun
    f[x + L.F_DISCARDED] = this.discarded
    f[x + L.F_PAGES_TOUCHED] = this.touched
    f[x + L.F_PAGES_LOST] = this.pagesLost
    f[x + L.F_LAST_TS] = this.lastTs
    this.rareDirty = false
    const c = this.ctlIdx
    Atomics.store(i, this.commitIdx, this.write_)
    // the frontier moves only at a sub-buffer switch: most publishes store just the commit word
    // (readers synchronise on it) and C_PUB (stats and waiters synchronise on that)
    if (this.seq !== this.publishedSeq) {
      i[c + L.C_WRITER_PAGE] = this.pageId
      i[c + L.C_TAIL_SEQ] = this.seq
      i[c + L.C_TAIL_SLOT] = this.slot
      i[c + L.C_COMMIT_SLOT] = this.slot
      Atomics.store(i, c + L.C_COMMIT_SEQ, this.seq)
      this.publishedSeq = this.seq
    }
  }

  private maybeWake(): void {
    const f = this.f64
    const x = this.fxIdx
    const dirty = this.touched - this.pagesLost - f[x + L.F_PAGES_READ]!
    if (
      this.entries >= f[x + L.F_WAKE_ENTRIES]! ||
      this.bytesW >= f[x + L.F_WAKE_BYTES]! ||
      dirty >= f[x + L.F_WAKE_PAGES]!
    ) {
      Atomics.add(this.i32, this.ctlIdx + L.C_WAKE, 1)
      Atomics.notify(this.i32, this.ctlIdx + L.C_WAKE)
    }
  }
}
