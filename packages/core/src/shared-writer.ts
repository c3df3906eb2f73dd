/**
 * The shared-sync writer of the paged layout: any number of writers (in any workers)
 * reserve concurrently in one ring, as LTTng's per-channel sync. The API contract is
 * `writer-base.ts`'s; this file holds the CAS reservation, the switch, and the completion
 * of sub-buffers by committed counters (docs/design.md §4.2).
 *
 * Invariants (see docs/design.md):
 * - `C_RESV = (seq & seqMask) << seqShift | offset` (seqShift = unitShift + 1) is the only
 *   contended word per record: a writer reserves by CAS from `offset` to `offset + size`; an
 *   offset of all ones marks a sub-buffer switch in progress, done by the writer whose CAS
 *   installed it;
 * - every commit adds its size to the sub-buffer's committed counter; when the counter equals
 *   the reserved end, every reservation before it has committed, so that prefix is published
 *   (CAS-max on the commit word, P3);
 * - the commit frontier `C_COMMIT_SEQ` (P4) advances over a switched sub-buffer only when its
 *   committed counter reaches its final reserved end; whoever sees that last advances it;
 * - every record carries a full timestamp: concurrent writers have no common previous record;
 * - a commit word is written only while the sub-buffer is **pinned** (`PM_PINS`) and the frontier
 *   has not passed the seq the writer saw it at: a committer delayed after its completion check
 *   must not raise the commit word of the sub-buffer's next lap (the switch that reopens a
 *   sub-buffer waits for its pins to drop before it resets the commit word);
 * - every step a dead writer would leave half-done is recorded in its lease entry
 *   (`writer-lease.ts`) in the same straight-line block as the step: the reservation after its
 *   CAS, the commit after its committed-counter add, a pin, each phase of a switch, the
 *   counter deltas; `shared-recovery.ts` finishes them (docs/design.md §4.3).
 *
 * Legend: `i` is the buffer's Int32 view, `f` its Float64 view.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordFlag } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { PM_PINS, publishPinned, waitUnpinned } from './commit-pin.js'
import { lockShort, unlockShort } from './locks.js'
import { beginSubbuf, claimSlot } from './subbuf-switch.js'
import { WriterBase } from './writer-base.js'
import * as W from './writer-lease.js'

/**
 * @internal The base's `entries`, `bytesWritten` and `discarded` are this writer's deltas,
 * added to the shared counters under `C_STATS_LOCK` at each publish (every `publishBatch`
 * outermost commits, and on `flush`).
 */
export class SharedPagedWriter extends WriterBase {
  protected readonly n: number
  protected readonly hdr: number
  protected readonly capacity: number
  private readonly commitOff: number
  /** Int32 index of this writer's lease entry, and its Float64 index. */
  protected readonly lease: number
  private readonly leaseF: number
  /**
   * Split of `C_RESV`: the offset takes `unitShift + 1` bits (offsets go up to the sub-buffer
   * size, and all ones is the switching value), the seq tag the other 31 − (unitShift + 1):
   * 21 bits for 512-byte sub-buffers, 11 at the largest (512 KiB). A reservation CAS that
   * loaded `C_RESV` before a stall could otherwise succeed against a later lap with the same
   * tag and offset (ABA), after 2^tagBits switches.
   */
  protected readonly offMask: number
  protected readonly seqShift: number
  protected readonly seqMask: number

  /**
   * @internal Takes a lease entry (and counts itself in `C_WRITER_LOCK`), or, given `adopt`,
   * acts on that entry of a dead writer (a recovery).
   */
  constructor(rb: RingBuffer, cpu: number, adopt = -1) {
    super(rb, cpu, 0, false)
    this.n = rb.g.subbufs
    this.hdr = rb.client.subbufHeaderBytes
    this.capacity = rb.g.unit - this.hdr
    this.commitOff = rb.client.commitOffset
    this.seqShift = rb.g.unitShift + 1
    this.offMask = (1 << this.seqShift) - 1
    this.seqMask = (1 << (31 - this.seqShift)) - 1
    this.lease = adopt >= 0 ? adopt : W.claimLease(rb, cpu, rb.token)
    this.leaseF = this.lease >> 1
  }

  /** Free the lease entry and uncount the writer. */
  protected override detach(): void {
    W.releaseLease(this.rb, this.cpu, this.lease)
  }

  /** A shared writer keeps no ring state of its own: nothing to reload. */
  protected load(): void {
    this.resetSeen = Atomics.load(this.i32, this.ctlIdx + L.C_RESET_REQ)
  }

  protected meta(id: number): number {
    return this.rb.metaOffset(this.cpu, id) >> 2
  }

  private commitWordIdx(id: number): number {
    return (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2
  }

  protected reserveSlot(length: number, tag: number): number {
    const t = this.slotTs
    const i = this.i32
    const resv = this.ctlIdx + L.C_RESV
    const flags = RecordFlag.FullTimestamp | (i[L.H_CLIENT_FLAGS]! << 8)
    for (;;) {
      const r = Atomics.load(i, resv)
      const off = r & this.offMask
      if (off === this.offMask) {
        // a switch is in progress: its winner stores the new C_RESV and notifies
        Atomics.wait(i, resv, r, 1)
        continue
      }
      const page = Atomics.load(i, this.ctlIdx + L.C_SHARED_PAGE)
      const seq = Atomics.load(i, this.ctlIdx + L.C_SHARED_SEQ)
      const w = off - this.hdr
      const first = w === 0 ? flags & ~RecordFlag.FullTimestamp : flags
      const size = this.client.recordSize(length, 0, first)
      if (w + size > this.capacity) {
        if (Atomics.compareExchange(i, resv, r, r | this.offMask) !== r) continue
        i[this.lease + W.LS_SW_OLD] = r
        i[this.lease + W.LS_SWITCH] = W.SW_HELD
        if (!this.switchFrom(W.SW_HELD)) return -1
        continue
      }
      const subbufOff = this.rb.subbufOffset(this.cpu, page)
      const at = subbufOff + this.hdr + w
      const lv = this.lease + W.LS_LEVELS + 3 * this.depth_
      // the only contended operation per record; a CAS against a later lap with the same
      // tag and offset is what the wide seq tag rules out
      if (Atomics.compareExchange(i, resv, r, r + size) !== r) continue
      // the lease, in the CAS's straight-line block: a death from here on leaves it torn
      i[lv] = at
      i[lv + 1] = size
      i[lv + 2] = seq
      i[this.lease + W.LS_DEPTH] = this.depth_ + 1
      if (w === 0) beginSubbuf(this.client, this.view, this.f64, subbufOff, this.meta(page), t)
      const payload = this.client.writeRecord(this.view, at, length, size, 0, t, first, tag)
      const d = this.push(at, size, t)
      this.stack.page[d] = page
      this.stack.seq[d] = seq
      return payload
    }
  }

  /** Take the per-CPU stats lock (held for a few plain counter updates). */
  protected lockStats(): void {
    lockShort(this.rb, this.ctlIdx + L.C_STATS_LOCK, this.cpu, 'stats lock (C_STATS_LOCK)')
  }

  protected unlockStats(): void {
    const idx = this.ctlIdx + L.C_STATS_LOCK
    unlockShort(this.rb, idx, this.rb.token)
    Atomics.notify(this.i32, idx, 1)
  }

  /** Add `n` to the shared counter `F_*` at `counter` at once (refusals are rare). */
  protected addShared(counter: number, n: number): void {
    const f = this.f64
    const k = this.fxIdx + counter
    this.lockStats()
    f[k] = f[k]! + n
    this.unlockStats()
  }

  protected countDropped(n: number): void {
    this.addShared(L.F_DROPPED, n)
  }

  /**
   * Give the switch lock back with the value it replaced, after a refused switch (or a
   * recovery's undoing of an unclaimed one), clearing the lease's phase in the same block.
   */
  protected abandonSwitch(): void {
    const i = this.i32
    const resv = this.ctlIdx + L.C_RESV
    Atomics.store(i, resv, i[this.lease + W.LS_SW_OLD]!)
    i[this.lease + W.LS_SWITCH] = 0
    Atomics.notify(i, resv)
  }

  /**
   * The slow path, holding the switch lock (C_RESV = switching), from `phase` on (`SW_*`; a
   * live switch starts at `SW_HELD`, a recovery where the dead switcher's lease says it
   * stopped): claims the next slot, opens it, pads and closes the old sub-buffer, counts,
   * then releases the lock. Each phase is recorded in the lease in the block that ends it, so
   * the steps of a phase are redone whole. Returns false when the next slot is not available
   * (the lock is released with the old value). The only place the writer reads the mode.
   */
  protected switchFrom(phase: number): boolean {
    const i = this.i32
    const ctl = this.ctlIdx
    const ls = this.lease
    // the sub-buffer being left: the switch holder alone changes these, in its last block
    const page = i[ctl + L.C_SHARED_PAGE]!
    const seq = i[ctl + L.C_SHARED_SEQ]!
    const w = (i[ls + W.LS_SW_OLD]! & this.offMask) - this.hdr
    const nextSeq = (seq + 1) | 0
    if (phase === W.SW_HELD) {
      if (((nextSeq - Atomics.load(i, ctl + L.C_COMMIT_SEQ)) | 0) >= this.n) {
        this.abandonSwitch()
        this.addShared(L.F_COMMIT_OVERRUN, 1)
        return false
      }
      i[ls + W.LS_SW_SLOT] = (i[ctl + L.C_TAIL_SLOT]! + 1) % this.n
      const overwrite = (Atomics.load(i, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
      const slotWord = this.rb.slots(this.cpu) + i[ls + W.LS_SW_SLOT]!
      // the claim stores the replaced word and SW_CLAIMED in the lease with its CAS
      if (claimSlot(i, slotWord, nextSeq, overwrite, ls) < 0) {
        this.abandonSwitch()
        this.countDropped(1)
        return false
      }
      phase = W.SW_CLAIMED
    }
    const slot = i[ls + W.LS_SW_SLOT]!
    const claimed = i[ls + W.LS_SW_CLAIMED]!
    const id = claimed & L.SLOT_ID_MASK
    const m = this.meta(id)
    if (phase === W.SW_CLAIMED) {
      // the slot is ours, and the frontier has passed the sub-buffer's previous lap: a
      // committer of that lap that pinned it before it saw the frontier move may still write
      // its commit word; wait for it (a few instructions) before reading and resetting it
      this.waitUnpinned(m + PM_PINS)
      const unread = (claimed & L.SLOT_CONSUMED) === 0
      const lostBytes = unread ? Atomics.load(i, this.commitWordIdx(id)) & L.COMMIT_LEN_MASK : 0
      i[ls + W.LS_SW_LOST_ENTRIES] = unread ? i[m + L.PM_ENTRIES]! : 0
      i[ls + W.LS_SW_LOST_BYTES] = lostBytes
      i[ls + W.LS_SWITCH] = phase = W.SW_READ
    }
    const om = this.meta(page)
    if (phase === W.SW_READ) {
      // open the new one first: once the old one has its final size, a writer committing into
      // it may advance the commit frontier onto the next slot, which must then already hold
      // the new sub-buffer (final -1, commit 0), not the complete one of the previous lap
      i[m + L.PM_SLOT] = slot
      Atomics.store(i, this.rb.pageBySlot(this.cpu) + slot, id)
      i[m + L.PM_ENTRIES] = 0
      i[m + L.PM_REAL_END] = 0
      Atomics.store(i, m + L.PM_COMMITTED, 0)
      Atomics.store(i, m + L.PM_FINAL, -1)
      Atomics.store(i, this.commitWordIdx(id), 0)
      // close the old sub-buffer (the kernel's `rb_reset_tail`)
      const padAt = this.rb.subbufOffset(this.cpu, page) + this.hdr + w
      const padded = this.client.endPadding(this.view, padAt, this.capacity - w)
      i[om + L.PM_REAL_END] = w
      Atomics.store(i, om + L.PM_FINAL, w + padded)
      Atomics.add(i, om + L.PM_COMMITTED, padded)
      i[ls + W.LS_SW_PADDED] = padded
      i[ls + W.LS_SWITCH] = phase = W.SW_CLOSED
    }
    if (phase === W.SW_CLOSED) {
      const f = this.f64
      const fx = this.fxIdx
      const lostEntries = i[ls + W.LS_SW_LOST_ENTRIES]!
      const lostBytes = i[ls + W.LS_SW_LOST_BYTES]!
      this.lockStats()
      f[fx + L.F_BYTES] = f[fx + L.F_BYTES]! + i[ls + W.LS_SW_PADDED]!
      f[fx + L.F_PAGES_TOUCHED] = f[fx + L.F_PAGES_TOUCHED]! + 1
      if (lostEntries > 0 || lostBytes > 0) {
        f[fx + L.F_OVERRUN] = f[fx + L.F_OVERRUN]! + lostEntries
        f[fx + L.F_BYTES_OVERRUN] = f[fx + L.F_BYTES_OVERRUN]! + lostBytes
        f[fx + L.F_PAGES_LOST] = f[fx + L.F_PAGES_LOST]! + 1
      }
      i[ls + W.LS_SWITCH] = W.SW_COUNTED
      this.unlockStats()
    }
    const next = ((nextSeq & this.seqMask) << this.seqShift) | this.hdr
    i[ctl + L.C_TAIL_SLOT] = slot
    i[ctl + L.C_WRITER_PAGE] = id
    Atomics.store(i, ctl + L.C_SHARED_PAGE, id)
    Atomics.store(i, ctl + L.C_SHARED_SEQ, nextSeq)
    Atomics.store(i, ctl + L.C_TAIL_SEQ, nextSeq)
    // releases the switch lock: reservations go on in the new sub-buffer
    Atomics.store(i, ctl + L.C_RESV, next)
    i[ls + W.LS_SWITCH] = 0
    Atomics.notify(i, ctl + L.C_RESV)
    this.tryComplete(page, seq)
    return true
  }

  /** After a commit into (or the switch away from) `page` at `seq`: publish what is complete. */
  protected tryComplete(page: number, seq: number): void {
    const i = this.i32
    const ctl = this.ctlIdx
    const m = this.meta(page)
    const committed = Atomics.load(i, m + L.PM_COMMITTED)
    const final = Atomics.load(i, m + L.PM_FINAL)
    const commitIdx = this.commitWordIdx(page)
    if (final < 0) {
      // still the current sub-buffer: publish the prefix when every reservation so far committed
      const r = Atomics.load(i, ctl + L.C_RESV)
      if (
        r >>> this.seqShift === (seq & this.seqMask) &&
        (r & this.offMask) - this.hdr === committed
      )
        /* P3 */ this.publishCommit(m, commitIdx, seq, committed)
      this.notifyWaiters(true)
      return
    }
    if (committed !== final) return
    /* P3 */ if (!this.publishCommit(m, commitIdx, seq, final)) return
    // advance the frontier over this and every following complete sub-buffer
    // (the page-by-slot table, unlike the slot words, is never touched by the reader's swap)
    let s = seq
    let slot = i[m + L.PM_SLOT]!
    const ls = this.lease
    for (;;) {
      const nextSlot = slot + 1 === this.n ? 0 : slot + 1
      // P4 after P3: the CAS from s succeeds only once s − 1 was passed, so the frontier
      // advances in order even when commits finish out of order
      /* P4 */ if (Atomics.compareExchange(i, ctl + L.C_COMMIT_SEQ, s, (s + 1) | 0) !== s) break
      s = (s + 1) | 0
      slot = nextSlot
      // the walk's position, with its CAS: a recovery resumes a walk that died from here on
      i[ls + W.LS_WALK_SEQ] = s
      i[ls + W.LS_WALK_SLOT] = slot
      i[ls + W.LS_WALK] = 1
      // `≥`, not `===`: the frontier never walks onto a stale sub-buffer of the previous lap
      if (((s - Atomics.load(i, ctl + L.C_SHARED_SEQ)) | 0) >= 0) break
      const id = Atomics.load(i, this.rb.pageBySlot(this.cpu) + slot)
      const mm = this.meta(id)
      const f2 = Atomics.load(i, mm + L.PM_FINAL)
      if (f2 < 0 || Atomics.load(i, mm + L.PM_COMMITTED) !== f2) break
      /* P3 */ if (!this.publishCommit(mm, this.commitWordIdx(id), s, f2)) break
    }
    this.endPublish(true)
  }

  /** {@link publishPinned} with this writer's lease (see `commit-pin.ts`). */
  private publishCommit(m: number, commitIdx: number, seq: number, v: number): boolean {
    return publishPinned(this.i32, m, this.lease + W.LS_PIN, this.ctlIdx, commitIdx, seq, v)
  }

  /** Wait until nobody pins the sub-buffer whose pin word is at `idx`. */
  protected waitUnpinned(idx: number): void {
    waitUnpinned(this.i32, idx)
  }

  /**
   * The published counters lag by this and the other writers' unflushed deltas, so this
   * writer counts its own delta in, and a publish of records (`uncounted`) counts as at least
   * one more record (a waiter without a watermark arms "one more record" and returns as soon
   * as there is data). A counter publish checks again after it published the counters, so a
   * waiter whose target the published counters reach is woken then at the latest; a wake-up
   * that comes early costs the waiter one re-check.
   */
  protected watermarkReached(uncounted: boolean): boolean {
    const f = this.f64
    const fx = this.fxIdx
    return (
      f[fx + L.F_ENTRIES]! + (uncounted && this.entries === 0 ? 1 : this.entries) >=
        f[fx + L.F_WAKE_ENTRIES]! ||
      f[fx + L.F_BYTES]! + this.bytesWritten >= f[fx + L.F_WAKE_BYTES]! ||
      f[fx + L.F_PAGES_TOUCHED]! - f[fx + L.F_PAGES_LOST]! - f[fx + L.F_PAGES_READ]! >=
        f[fx + L.F_WAKE_PAGES]!
    )
  }

  protected commitSlot(d: number): void {
    this.endSlot(d, 1)
  }

  /** Shared writers never rewind: another writer may have reserved after the record. */
  protected discardSlot(d: number): void {
    this.client.discard(this.view, this.stack.start[d]!, this.stack.size[d]!)
    this.bytesWritten += this.stack.size[d]!
    this.endSlot(d, 0)
  }

  /**
   * Count the record at stack index `d` (`entries` data records) and its bytes in its
   * sub-buffer's counters, close its lease level and store the counter deltas in the lease (one
   * straight-line block: a recovery pads exactly the levels whose counters were not added),
   * then publish what is complete.
   */
  private endSlot(d: number, entries: number): void {
    const i = this.i32
    const page = this.stack.page[d]!
    const seq = this.stack.seq[d]!
    const m = this.meta(page)
    const ls = this.lease
    const lf = this.leaseF
    const f = this.f64
    Atomics.add(i, m + L.PM_ENTRIES, entries)
    Atomics.add(i, m + L.PM_COMMITTED, this.stack.size[d]!)
    i[ls + W.LS_DEPTH] = d
    i[ls + W.LS_LAST_PAGE] = page + 1
    i[ls + W.LS_LAST_SEQ] = seq
    f[lf + W.LF_ENTRIES] = this.entries
    f[lf + W.LF_BYTES] = this.bytesWritten
    f[lf + W.LF_DISCARDED] = this.discarded
    this.tryComplete(page, seq)
  }

  put(offset: number, src: Uint8Array): void {
    this.rb.checkSubbufRange(this.cpu, offset, src.length)
    this.bytes.set(src, offset)
  }

  /** Add the deltas to the shared counters (P2, under the stats lock); false when there were none. */
  protected publishPositions(): boolean {
    if (this.entries === 0 && this.bytesWritten === 0 && this.discarded === 0) return false
    const f = this.f64
    const fx = this.fxIdx
    this.lockStats()
    const lf = this.leaseF
    /* P2 */ f[fx + L.F_ENTRIES] = f[fx + L.F_ENTRIES]! + this.entries
    f[fx + L.F_BYTES] = f[fx + L.F_BYTES]! + this.bytesWritten
    f[fx + L.F_DISCARDED] = f[fx + L.F_DISCARDED]! + this.discarded
    if (this.lastTs > f[fx + L.F_LAST_TS]!) f[fx + L.F_LAST_TS] = this.lastTs
    // added: the lease's deltas go with them, in the section's straight-line block
    f[lf + W.LF_ENTRIES] = 0
    f[lf + W.LF_BYTES] = 0
    f[lf + W.LF_DISCARDED] = 0
    this.unlockStats()
    this.entries = 0
    this.bytesWritten = 0
    this.discarded = 0
    return true
  }
}
