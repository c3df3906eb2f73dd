/**
 * The shared-sync writer of the paged layout: any number of writers (in any workers)
 * reserve concurrently in one ring, as LTTng's per-channel sync.
 *
 * Invariants (see docs/design.md):
 * - `C_RESV = (seq & seqMask) << seqShift | offset` (seqShift = unitShift + 1) is the only
 *   contended word per record: a writer reserves by CAS from `offset` to `offset + size`; an
 *   offset of all ones marks a sub-buffer switch in progress, done by the writer whose CAS
 *   installed it;
 * - every commit adds its size to the sub-buffer's committed counter; when the counter equals
 *   the reserved end, every reservation before it has committed, so that prefix is published
 *   (CAS-max on the commit word);
 * - the commit frontier `C_COMMIT_SEQ` advances over a switched sub-buffer only when its
 *   committed counter reaches its final reserved end; whoever sees that last advances it;
 * - every record carries a full timestamp: concurrent writers have no common previous record;
 * - a commit word is written only while the sub-buffer is **pinned** (`PM_PINS`) and the frontier
 *   has not passed the seq the writer saw it at: a committer delayed after its completion check
 *   must not raise the commit word of the sub-buffer's next lap (the switch that reopens a
 *   sub-buffer waits for its pins to drop before it resets the commit word).
 *
 * @internal
 * @packageDocumentation
 */
import { RecordFlag } from './client.js'
import type { RingClient } from './client.js'
import { recordTimestamp } from './clock.js'
import type { ClockFn } from './clock.js'
import { checkBytes } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { MAX_NESTING } from './paged-writer.js'
import type { RingWriter } from './paged-writer.js'

/**
 * Int32 index (in the page meta, byte 28) of the pin count: writers that are about to write the
 * sub-buffer's commit word. The switch that reopens the sub-buffer waits until it is 0.
 */
const PM_PINS = 7

/** @internal */
export class SharedPagedWriter implements RingWriter {
  readonly cpu: number
  readonly wrapped: boolean = false
  readonly bytes: Uint8Array
  readonly view: DataView
  private readonly rb: RingBuffer
  private readonly client: RingClient
  private readonly i32: Int32Array
  private readonly f64: Float64Array
  private readonly clockKind: number
  private readonly userClock: ClockFn | undefined
  private readonly n: number
  private readonly hdr: number
  private readonly capacity: number
  private readonly commitOff: number
  private readonly c: number
  private readonly x: number
  private readonly batch: number
  private readonly maxLen: number
  /**
   * Split of `C_RESV`: the offset takes `unitShift + 1` bits (offsets go up to the sub-buffer
   * size, and all ones is the switching value), the seq tag the other 31 − (unitShift + 1):
   * 21 bits for 512-byte sub-buffers, 11 at the largest (512 KiB). A reservation CAS that
   * loaded `C_RESV` before a stall could otherwise succeed against a later lap with the same
   * tag and offset (ABA), after 2^tagBits switches.
   */
  private readonly offMask: number
  private readonly seqShift: number
  private readonly seqMask: number
  private depth_ = 0
  private readonly stOff = new Int32Array(MAX_NESTING)
  private readonly stSize = new Int32Array(MAX_NESTING)
  private readonly stPage = new Int32Array(MAX_NESTING)
  private readonly stSeq = new Int32Array(MAX_NESTING)
  private readonly stTs = new Float64Array(MAX_NESTING)
  private lastTs = 0
  private closed = false
  private sincePublish = 0
  // local deltas, added to the shared counters under the stats lock
  private dEntries = 0
  private dBytes = 0
  private dDiscarded = 0

  /** @internal */
  constructor(rb: RingBuffer, cpu: number) {
    this.rb = rb
    this.cpu = cpu
    this.client = rb.client
    this.i32 = rb.i32
    this.f64 = rb.f64
    this.bytes = rb.u8
    this.view = rb.dv
    this.clockKind = rb.clockKind
    this.userClock = rb.userClock
    this.n = rb.g.subbufs
    this.hdr = rb.client.subbufHeaderBytes
    this.capacity = rb.g.unit - this.hdr
    this.commitOff = rb.client.commitOffset
    this.c = rb.ctl(cpu)
    this.x = rb.fx(cpu)
    this.batch = rb.publishBatch
    this.maxLen = rb.maxPayload
    this.seqShift = rb.g.unitShift + 1
    this.offMask = (1 << this.seqShift) - 1
    this.seqMask = (1 << (31 - this.seqShift)) - 1
  }

  get depth(): number {
    return this.depth_
  }

  get timestamp(): number {
    return this.depth_ > 0 ? this.stTs[this.depth_ - 1]! : this.lastTs
  }

  private meta(id: number): number {
    return this.rb.metaOffset(this.cpu, id) >> 2
  }

  reserve(length: number, timestamp?: number, tag = 0): number {
    if (!(length >= 0 && length <= this.maxLen && (length | 0) === length)) {
      if (typeof length !== 'number')
        throw new TypeError(`length: expected a number, got ${typeof length}`)
      throw new RangeError(`length: ${length} is not an integer in [0, ${this.maxLen}]`)
    }
    if (this.closed) throw new TypeError('writer: closed')
    const i = this.i32
    const c = this.c
    if ((i[L.H_RECORD]! | i[c + L.C_DISABLED]!) !== 0) return -1
    const t = recordTimestamp(this.clockKind, this.lastTs, this.userClock, timestamp)
    if (this.depth_ === MAX_NESTING) {
      this.countDrop()
      return -1
    }
    const flags = RecordFlag.FullTimestamp | (i[L.H_CLIENT_FLAGS]! << 8)
    for (;;) {
      const r = Atomics.load(i, c + L.C_RESV)
      const off = r & this.offMask
      if (off === this.offMask) {
        Atomics.wait(i, c + L.C_RESV, r, 1)
        continue
      }
      const page = Atomics.load(i, c + L.C_SHARED_PAGE)
      const seq = Atomics.load(i, c + L.C_SHARED_SEQ)
      const w = off - this.hdr
      const size = this.client.recordSize(
        length,
        0,
        w === 0 ? flags & ~RecordFlag.FullTimestamp : flags,
      )
      if (w + size > this.capacity) {
        const lock = r | this.offMask
        if (Atomics.compareExchange(i, c + L.C_RESV, r, lock) !== r) continue
        if (!this.switchPage(r, page, seq, w)) return -1
        continue
      }
      if (Atomics.compareExchange(i, c + L.C_RESV, r, r + size) !== r) continue
      const pageOff = this.rb.subbufOffset(this.cpu, page)
      const at = pageOff + this.hdr + w
      if (w === 0) {
        this.client.subbufBegin?.(this.view, pageOff, t)
        this.f64[(this.rb.metaOffset(this.cpu, page) >> 3) + L.PM_TS_F64] = t
      }
      const payload = this.client.writeRecord(
        this.view,
        at,
        length,
        size,
        0,
        t,
        w === 0 ? flags & ~RecordFlag.FullTimestamp : flags,
        tag,
      )
      const d = this.depth_++
      this.stOff[d] = at
      this.stSize[d] = size
      this.stPage[d] = page
      this.stSeq[d] = seq
      this.stTs[d] = t
      this.lastTs = t
      return payload
    }
  }

  /** Count a refused reservation (rare: under the stats lock at once). */
  private countDrop(commitOverrun = false, n = 1): void {
    this.withStats(() => {
      const k = this.x + (commitOverrun ? L.F_COMMIT_OVERRUN : L.F_DROPPED)
      this.f64[k] = this.f64[k]! + n
    })
  }

  private withStats(fn: () => void): void {
    const i = this.i32
    const idx = this.c + L.C_STATS_LOCK
    while (Atomics.compareExchange(i, idx, 0, 1) !== 0) Atomics.wait(i, idx, 1, 1)
    try {
      fn()
    } finally {
      Atomics.store(i, idx, 0)
      Atomics.notify(i, idx, 1)
    }
  }

  /**
   * Called holding the switch lock (C_RESV = switching). Pads the old sub-buffer, claims the
   * next slot and opens it, then releases the lock. Returns false when the next slot is not
   * available (the lock is released with the old value).
   */
  private switchPage(old: number, page: number, seq: number, w: number): boolean {
    const i = this.i32
    const c = this.c
    const n = this.n
    const nextSeq = (seq + 1) | 0
    const slot = (i[c + L.C_TAIL_SLOT]! + 1) % n
    const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    if (((nextSeq - cs) | 0) >= n) {
      Atomics.store(i, c + L.C_RESV, old)
      Atomics.notify(i, c + L.C_RESV)
      this.countDrop(true)
      return false
    }
    const overwrite = (Atomics.load(i, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    const idx = this.rb.slots(this.cpu) + slot
    const want = (nextSeq & L.SLOT_TAG_MASK) << L.SLOT_TAG_SHIFT
    let id: number
    let lostEntries = 0
    let lostBytes = 0
    for (;;) {
      const v = Atomics.load(i, idx)
      id = v & L.SLOT_ID_MASK
      const unread = (v & L.SLOT_CONSUMED) === 0
      if (unread && !overwrite) {
        Atomics.store(i, c + L.C_RESV, old)
        Atomics.notify(i, c + L.C_RESV)
        this.countDrop()
        return false
      }
      if (Atomics.compareExchange(i, idx, v, id | want) !== v) continue
      // the slot is ours, and the frontier has passed the sub-buffer's previous lap: a committer
      // of that lap that pinned it before it saw the frontier move may still write its commit
      // word; wait for it (a few instructions) before reading and resetting the sub-buffer
      this.waitUnpinned(this.meta(id) + PM_PINS)
      if (unread) {
        lostEntries = i[this.meta(id) + L.PM_ENTRIES]!
        lostBytes =
          Atomics.load(i, (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2) &
          L.COMMIT_LEN_MASK
      }
      break
    }
    // open the new one first: once the old one has its final size, a writer committing into it
    // may advance the commit frontier onto the next slot, which must then already hold the new
    // sub-buffer (final -1, commit 0), not the complete one of the previous lap
    const m = this.meta(id)
    i[m + L.PM_SLOT] = slot
    Atomics.store(i, this.rb.pageBySlot(this.cpu) + slot, id)
    i[m + L.PM_ENTRIES] = 0
    i[m + L.PM_REAL_END] = 0
    Atomics.store(i, m + L.PM_COMMITTED, 0)
    Atomics.store(i, m + L.PM_FINAL, -1)
    Atomics.store(i, (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2, 0)
    // close the old sub-buffer
    const pageOff = this.rb.subbufOffset(this.cpu, page)
    const padded = this.client.endPadding(this.view, pageOff + this.hdr + w, this.capacity - w)
    const om = this.meta(page)
    i[om + L.PM_REAL_END] = w
    const final = w + padded
    Atomics.store(i, om + L.PM_FINAL, final)
    if (padded > 0) Atomics.add(i, om + L.PM_COMMITTED, padded)
    this.withStats(() => {
      const f = this.f64
      const x = this.x
      f[x + L.F_BYTES] = f[x + L.F_BYTES]! + padded
      f[x + L.F_PAGES_TOUCHED] = f[x + L.F_PAGES_TOUCHED]! + 1
      if (lostEntries > 0 || lostBytes > 0) {
        f[x + L.F_OVERRUN] = f[x + L.F_OVERRUN]! + lostEntries
        f[x + L.F_BYTES_OVERRUN] = f[x + L.F_BYTES_OVERRUN]! + lostBytes
        f[x + L.F_PAGES_LOST] = f[x + L.F_PAGES_LOST]! + 1
      }
    })
    i[c + L.C_TAIL_SLOT] = slot
    i[c + L.C_WRITER_PAGE] = id
    Atomics.store(i, c + L.C_SHARED_PAGE, id)
    Atomics.store(i, c + L.C_SHARED_SEQ, nextSeq)
    Atomics.store(i, c + L.C_TAIL_SEQ, nextSeq)
    Atomics.store(i, c + L.C_RESV, ((nextSeq & this.seqMask) << this.seqShift) | this.hdr)
    Atomics.notify(i, c + L.C_RESV)
    this.tryComplete(page, seq)
    return true
  }

  /** After a commit into (or the switch away from) `page` at `seq`: publish what is complete. */
  private tryComplete(page: number, seq: number): void {
    const i = this.i32
    const c = this.c
    const m = this.meta(page)
    const committed = Atomics.load(i, m + L.PM_COMMITTED)
    const final = Atomics.load(i, m + L.PM_FINAL)
    const commitIdx = (this.rb.subbufOffset(this.cpu, page) + this.commitOff) >> 2
    if (final < 0) {
      // still the current sub-buffer: publish the prefix when every reservation so far committed
      const r = Atomics.load(i, c + L.C_RESV)
      if (
        r >>> this.seqShift === (seq & this.seqMask) &&
        (r & this.offMask) - this.hdr === committed
      )
        this.publishCommit(m, commitIdx, seq, committed)
      this.notifyWaiters()
      return
    }
    if (committed !== final) return
    if (!this.publishCommit(m, commitIdx, seq, final)) return
    // advance the frontier over this and every following complete sub-buffer
    // (the page-by-slot table, unlike the slot words, is never touched by the reader's swap)
    let s = seq
    let slot = i[m + L.PM_SLOT]!
    for (;;) {
      if (Atomics.compareExchange(i, c + L.C_COMMIT_SEQ, s, (s + 1) | 0) !== s) break
      s = (s + 1) | 0
      slot = slot + 1 === this.n ? 0 : slot + 1
      if (((s - Atomics.load(i, c + L.C_SHARED_SEQ)) | 0) >= 0) break
      const id = Atomics.load(i, this.rb.pageBySlot(this.cpu) + slot)
      const mm = this.meta(id)
      const f2 = Atomics.load(i, mm + L.PM_FINAL)
      if (f2 < 0 || Atomics.load(i, mm + L.PM_COMMITTED) !== f2) break
      const idx = (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2
      if (!this.publishCommit(mm, idx, s, f2)) break
    }
    Atomics.add(i, c + L.C_PUB, 1)
    this.notifyWaiters()
  }

  /**
   * Raise the commit word at `commitIdx` (of the sub-buffer whose meta is at `m`) to `v`, a
   * value read while the sub-buffer was at `seq` — unless the frontier has passed `seq`
   * meanwhile: then whoever moved it published the final commit word already, and the
   * sub-buffer may have been reopened for a later lap, whose commit word `v` must not touch.
   * The pin makes the check and the write one step as far as that reopening is concerned:
   * the switch claims a slot only after the frontier passed its previous lap, then waits for
   * the pins to drop before it resets the sub-buffer (pin, then load the frontier here;
   * frontier moved, then load the pins there: sequentially consistent, so one of the two
   * sees the other). Returns false when the frontier had passed `seq`.
   */
  private publishCommit(m: number, commitIdx: number, seq: number, v: number): boolean {
    const i = this.i32
    const pin = m + PM_PINS
    Atomics.add(i, pin, 1)
    const live = ((Atomics.load(i, this.c + L.C_COMMIT_SEQ) - seq) | 0) <= 0
    if (live) this.storeMax(commitIdx, v)
    Atomics.sub(i, pin, 1)
    return live
  }

  /** Wait until nobody pins the sub-buffer whose pin word is at `idx` (see `publishCommit`). */
  private waitUnpinned(idx: number): void {
    const i = this.i32
    for (let spins = 0; ; spins++) {
      const v = Atomics.load(i, idx)
      if (v === 0) return
      // the pinner holds it for a few instructions, unless it was preempted in between
      if (spins > 64) Atomics.wait(i, idx, v, 0.05)
    }
  }

  private storeMax(idx: number, v: number): void {
    const i = this.i32
    for (;;) {
      const cur = Atomics.load(i, idx)
      if (cur >= v || Atomics.compareExchange(i, idx, cur, v) === cur) return
    }
  }

  /**
   * The writer's half of the wake-up handshake (§8), after a publish (a commit word, the
   * frontier, or the counters at a flush): one `Atomics.load` of each waiter count. A waiter
   * of this ring is woken only when its armed watermark (`F_WAKE_*`, the lowest of the armed
   * targets) is reached, as the per-CPU writer's `maybeWake`. The published counters lag by
   * this and the other writers' unflushed deltas, so this writer counts its own delta in, and a
   * publish of records counts as at least one more record (a waiter without a watermark arms
   * "one more record" and returns as soon as there is data). `flushCounters` checks again
   * after it published the counters, so a waiter whose target the published counters reach is
   * woken then at the latest; a wake-up that comes early costs the waiter one re-check.
   */
  private notifyWaiters(published = true): void {
    const i = this.i32
    const c = this.c
    if (Atomics.load(i, c + L.C_WAITERS) !== 0) {
      const f = this.f64
      const x = this.x
      if (
        f[x + L.F_ENTRIES]! + (published && this.dEntries === 0 ? 1 : this.dEntries) >=
          f[x + L.F_WAKE_ENTRIES]! ||
        f[x + L.F_BYTES]! + this.dBytes >= f[x + L.F_WAKE_BYTES]! ||
        f[x + L.F_PAGES_TOUCHED]! - f[x + L.F_PAGES_LOST]! - f[x + L.F_PAGES_READ]! >=
          f[x + L.F_WAKE_PAGES]!
      ) {
        Atomics.add(i, c + L.C_WAKE, 1)
        Atomics.notify(i, c + L.C_WAKE)
      }
    }
    if (Atomics.load(i, L.H_GLOBAL_WAITERS) !== 0) {
      Atomics.add(i, L.H_WAKE, 1)
      Atomics.notify(i, L.H_WAKE)
    }
  }

  drop(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0))
      throw new RangeError(`count: ${count} is not a record count`)
    this.countDrop(false, count)
  }

  commit(): void {
    if (this.depth_ === 0) throw new TypeError('commit: no open reservation')
    const d = --this.depth_
    const page = this.stPage[d]!
    const m = this.meta(page)
    Atomics.add(this.i32, m + L.PM_ENTRIES, 1)
    this.dEntries++
    this.dBytes += this.stSize[d]!
    this.finish(d, page)
  }

  private finish(d: number, page: number): void {
    Atomics.add(this.i32, this.meta(page) + L.PM_COMMITTED, this.stSize[d]!)
    this.tryComplete(page, this.stSeq[d]!)
    if (d === 0 && ++this.sincePublish >= this.batch) this.flushCounters()
  }

  discard(): void {
    if (this.depth_ === 0) throw new TypeError('discard: no open reservation')
    const d = --this.depth_
    this.client.discard(this.view, this.stOff[d]!, this.stSize[d]!)
    this.dDiscarded++
    this.dBytes += this.stSize[d]!
    this.finish(d, this.stPage[d]!)
  }

  put(offset: number, src: Uint8Array): void {
    this.rb.checkSubbufRange(this.cpu, offset, src.length)
    this.bytes.set(src, offset)
  }

  write(data: Uint8Array, timestamp?: number): boolean {
    const off = this.reserve(checkBytes('data', data).length, timestamp)
    if (off < 0) return false
    this.bytes.set(data, off)
    this.commit()
    return true
  }

  private flushCounters(): void {
    if (this.dEntries === 0 && this.dBytes === 0 && this.dDiscarded === 0) return
    this.withStats(() => {
      const f = this.f64
      const x = this.x
      f[x + L.F_ENTRIES] = f[x + L.F_ENTRIES]! + this.dEntries
      f[x + L.F_BYTES] = f[x + L.F_BYTES]! + this.dBytes
      f[x + L.F_DISCARDED] = f[x + L.F_DISCARDED]! + this.dDiscarded
      if (this.lastTs > f[x + L.F_LAST_TS]!) f[x + L.F_LAST_TS] = this.lastTs
    })
    this.dEntries = 0
    this.dBytes = 0
    this.dDiscarded = 0
    this.sincePublish = 0
    Atomics.add(this.i32, this.c + L.C_PUB, 1)
    // the counters a watermark is armed on moved only now
    this.notifyWaiters(false)
  }

  flush(): void {
    if (this.closed) throw new TypeError('writer: closed')
    this.flushCounters()
  }

  close(): void {
    if (this.closed) return
    if (this.depth_ !== 0) throw new TypeError('close: reservations are still open')
    this.flushCounters()
    this.closed = true
    Atomics.sub(this.i32, this.c + L.C_WRITER_LOCK, 1)
  }
}
