/**
 * The per-CPU writer of the paged layout: one writer per ring, no compare-and-swap on the
 * write path, commits published in batches. The API contract is `writer-base.ts`'s; this file
 * holds the reservation in the current sub-buffer, the switch to the next one, and the
 * publish of commit words and the commit frontier (docs/design.md §4.1).
 *
 * Invariants (see docs/design.md):
 * - records are laid down in reservation order; a nested reservation is placed after the
 *   open one and becomes visible only when the outermost reservation commits;
 * - the writer owns its current sub-buffer and the sub-buffers between the published commit
 *   frontier and it; it claims the next ring slot with one CAS on the slot word, which is
 *   the only word it shares with the reader's swap;
 * - a publish stores, in this order, the page meta (P1), the counters (P2), the commit words
 *   of finished sub-buffers and of the current one (P3), and last the commit frontier
 *   `C_COMMIT_SEQ` (P4); readers load P4 before P3 (docs/design.md §7).
 *
 * Legend: `i` is the buffer's Int32 view, `f` its Float64 view.
 *
 * @packageDocumentation
 */
import { RecordFlag } from './client.js'
import * as L from './layout.js'
import { C_WRITER_MARK, F_WRITER_COUNTED, pagedMark, pagedMark32 } from './recovery-mark.js'
import type { RingBuffer } from './ring-buffer.js'
import { beginSubbuf, claimSlot } from './subbuf-switch.js'
import { WriterBase } from './writer-base.js'

/** @internal */
export class PagedWriter extends WriterBase {
  private readonly n: number
  private readonly hdr: number
  private readonly capacity: number
  private readonly commitOff: number
  /** Data end of the current sub-buffer once a failed switch closed it with padding, else -1. */
  private closedReal = -1
  // position: the current sub-buffer (seq, ring slot, physical id) and the write offset in it
  private seq = 0
  private slot = 0
  private pageId = 0
  private write_ = 0
  /** The mark word of offset 0 of the current sub-buffer (`pagedMark32(seq, 0)`, a small integer). */
  private markBase = 0
  /** The counted mark of offset 0 of the current sub-buffer, doubled (`2 × pagedMark(seq, 0)`). */
  private countedBase = 0
  /** Int32 index of the ring's mark word (`C_WRITER_MARK`). */
  private readonly markWord: number
  private readonly unitShift: number
  /**
   * Page ids, final commit bytes, data ends and entries of the sub-buffers from the commit
   * frontier on, by slot: the sub-buffers the writer has finished but not yet published.
   */
  private readonly pendId: Int32Array
  private readonly pendEnd: Int32Array
  private readonly pendReal: Int32Array
  private readonly pendEntries: Int32Array
  /** The oldest sub-buffer whose final commit word is not stored yet, and its slot. */
  private frontierSeq = 0
  private frontierSlot = 0
  /** The commit frontier as last stored in C_COMMIT_SEQ. */
  private publishedSeq = 0
  /** `RecordFlag.FullTimestamp` after a rewinding discard (as LTTng does), else 0. */
  private fullTs = 0
  /**
   * True when a counter other than entries/bytes/last timestamp changed since the last full
   * publish (overrun, drops, discards, sub-buffers touched or lost): the next publish stores
   * them all. Otherwise a publish that does not move the frontier takes the lean path.
   */
  private rareDirty = true
  /** Byte offsets of the current sub-buffer and of its data (`setPage`). */
  private pageOff = 0
  private dataOff = 0
  /** Int32 index of the current sub-buffer's page meta, and of its commit word. */
  private metaIdx = 0
  private commitIdx = 0
  /** Int32 index of this ring's slot words. */
  private readonly slotIdx: number
  // counters of the paged layout (the base keeps the others)
  private commitOverrun = 0
  private touched = 0
  private pagesLost = 0

  /** @internal */
  constructor(rb: RingBuffer, cpu: number, token: number) {
    super(rb, cpu, token, true)
    const g = rb.g
    this.n = g.subbufs
    this.hdr = rb.client.subbufHeaderBytes
    this.capacity = g.unit - this.hdr
    this.commitOff = rb.client.commitOffset
    this.slotIdx = rb.slots(cpu)
    this.markWord = this.ctlIdx + C_WRITER_MARK
    this.unitShift = g.unitShift
    this.pendId = new Int32Array(this.n)
    this.pendEnd = new Int32Array(this.n)
    this.pendReal = new Int32Array(this.n)
    this.pendEntries = new Int32Array(this.n)
    rb.applyReset(cpu)
    this.load()
  }

  protected load(): void {
    const i = this.i32
    const ctl = this.ctlIdx
    const f = this.f64
    const fx = this.fxIdx
    this.resetSeen = Atomics.load(i, ctl + L.C_RESET_REQ)
    this.seq = Atomics.load(i, ctl + L.C_COMMIT_SEQ)
    this.slot = i[ctl + L.C_COMMIT_SLOT]!
    this.frontierSeq = this.seq
    // differs from seq: the first publish after attaching stores every frontier word
    this.publishedSeq = (this.seq - 1) | 0
    this.frontierSlot = this.slot
    const slotWord = i[this.slotIdx + this.slot]!
    // the writer's sub-buffer may have been swapped out to the reader: C_WRITER_PAGE is authoritative
    this.pageId =
      this.seq === 0 && i[ctl + L.C_WRITER_PAGE] === 0
        ? slotWord & L.SLOT_ID_MASK
        : i[ctl + L.C_WRITER_PAGE]!
    this.setPage(this.pageId)
    this.write_ = Atomics.load(i, this.commitIdx) & L.COMMIT_LEN_MASK
    const meta = this.metaIdx
    this.pendId[this.slot] = this.pageId
    this.pendEntries[this.slot] = i[meta + L.PM_ENTRIES]!
    const real = i[meta + L.PM_REAL_END]!
    this.closedReal = real < this.write_ ? real : -1
    if (this.closedReal < 0) i[meta + L.PM_FINAL] = -1
    // the published position is committed (a recovery starts from it)
    this.markBase = pagedMark32(this.seq, 0, this.unitShift)
    this.countedBase = pagedMark(this.seq, 0) * 2
    i[this.markWord] = this.markBase | (this.write_ << 1)
    f[fx + F_WRITER_COUNTED] = this.countedBase + this.write_ * 2
    this.loadTotals()
    this.commitOverrun = f[fx + L.F_COMMIT_OVERRUN]!
    this.touched = f[fx + L.F_PAGES_TOUCHED]!
    this.pagesLost = f[fx + L.F_PAGES_LOST]!
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

  protected reserveSlot(length: number, tag: number): number {
    const t = this.slotTs
    const flags = this.fullTs | (this.i32[L.H_CLIENT_FLAGS]! << 8)
    let w = this.write_
    // a sub-buffer's first record has delta 0: the sub-buffer header holds the base time
    let delta = w === 0 ? 0 : t - this.lastTs
    let size = this.client.recordSize(
      length,
      delta,
      w === 0 ? flags & ~RecordFlag.FullTimestamp : flags,
    )
    if (w + size > this.capacity) {
      if (!this.reserveSlow()) {
        // a refusal is rare: publish at once so that stats count it
        if (this.depth_ === 0) this.publish()
        return -1
      }
      w = 0
      delta = 0
      size = this.client.recordSize(length, 0, flags & ~RecordFlag.FullTimestamp)
    }
    const off = this.dataOff + w
    // the writer mark (recovery-mark.ts): an outermost reservation opens at (seq, w)
    if (this.depth_ === 0) this.i32[this.markWord] = this.markBase | (w << 1) | 1
    if (w === 0) beginSubbuf(this.client, this.view, this.f64, this.pageOff, this.metaIdx, t)
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
    const d = this.push(off, size, t)
    this.stack.seq[d] = this.seq
    this.stack.slot[d] = this.slot
    this.write_ = w + size
    this.fullTs = 0
    return payload
  }

  /**
   * The slow path: move to the next sub-buffer (the kernel's `rb_move_tail`). Returns false,
   * counting the refusal, when the next slot still holds unread data in produce-consume mode
   * or holds the outermost open reservation. The only place the writer reads the mode.
   */
  private reserveSlow(): boolean {
    // every outcome changes a rare counter (commitOverrun, dropped, overrun, touched)
    this.rareDirty = true
    const n = this.n
    const nextSeq = (this.seq + 1) | 0
    const nextSlot = this.slot + 1 === n ? 0 : this.slot + 1
    if (this.depth_ > 0 && ((nextSeq - this.stack.seq[0]!) | 0) >= n) {
      this.commitOverrun++
      this.closePage()
      return false
    }
    // The next slot may still hold an unpublished sub-buffer (nested writers moved on without
    // a publish): it is complete (no open reservation is in it, see above), so publish it
    // before its slot's pending state is reused.
    if (((nextSeq - n - this.frontierSeq) | 0) >= 0) this.publishPending()
    const i = this.i32
    const overwrite = (Atomics.load(i, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    const old = claimSlot(i, this.slotIdx + nextSlot, nextSeq, overwrite)
    if (old < 0) {
      // produce-consume and unread: the newest record is lost, as ftrace does
      this.dropped++
      this.closePage()
      return false
    }
    const id = old & L.SLOT_ID_MASK
    const meta = this.rb.metaOffset(this.cpu, id) >> 2
    if ((old & L.SLOT_CONSUMED) === 0) {
      // an overwrite claim: the whole unread sub-buffer is lost
      this.overrun += i[meta + L.PM_ENTRIES]!
      this.bytesOverrun +=
        Atomics.load(i, (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2) &
        L.COMMIT_LEN_MASK
      this.pagesLost++
    }
    // finish the old sub-buffer: end padding, remember its data end
    this.closePage()
    this.pendEnd[this.slot] = this.write_
    this.pendReal[this.slot] = this.closedReal
    this.closedReal = -1
    // enter the new one
    this.seq = nextSeq
    this.markBase = pagedMark32(nextSeq, 0, this.unitShift)
    this.countedBase = pagedMark(nextSeq, 0) * 2
    this.slot = nextSlot
    this.setPage(id)
    this.write_ = 0
    this.pendId[nextSlot] = id
    this.pendEntries[nextSlot] = 0
    this.pendEnd[nextSlot] = 0
    this.touched++
    i[meta + L.PM_ENTRIES] = 0
    i[meta + L.PM_REAL_END] = 0
    i[meta + L.PM_FINAL] = -1
    if (this.depth_ === 0) this.publish()
    return true
  }

  /**
   * Pad the rest of the current sub-buffer and close it, once (the kernel's `rb_reset_tail`:
   * also after a failed switch, so later small records do not slip into the remainder).
   */
  private closePage(): void {
    if (this.closedReal >= 0) {
      // closed already (a refused switch): another switch attempt from a sub-buffer full to its
      // end is the kernel's rb_reset_tail with tail == bsize, which sets real_end = 0, so
      // readers then take the whole commit, end padding included
      if (this.write_ === this.capacity) this.closedReal = this.capacity
      return
    }
    this.closedReal = this.write_
    const padded = this.client.endPadding(
      this.view,
      this.dataOff + this.write_,
      this.capacity - this.write_,
    )
    this.bytesWritten += padded
    this.write_ += padded
    // for a recovery (§4.3): the data end and the final commit word of the closed sub-buffer,
    // in meta words the per-CPU readers do not read
    const i = this.i32
    i[this.metaIdx + L.PM_COMMITTED] = this.closedReal
    i[this.metaIdx + L.PM_FINAL] = this.write_
  }

  put(offset: number, src: Uint8Array): void {
    this.rb.checkSubbufRange(this.cpu, offset, src.length)
    this.bytes.set(src, offset)
  }

  protected countDropped(n: number): void {
    this.dropped += n
    this.rareDirty = true
    if (this.depth_ === 0) this.publish()
  }

  protected commitSlot(d: number): void {
    this.pendEntries[this.stack.slot[d]!]!++
    // the writer mark: everything up to the write position is committed
    if (d === 0) this.i32[this.markWord] = this.markBase | (this.write_ << 1)
  }

  protected discardSlot(d: number): void {
    const st = this.stack
    const off = st.start[d]!
    const size = st.size[d]!
    this.rareDirty = true
    // the last record rewinds, unless a failed switch closed the sub-buffer meanwhile
    if (
      st.seq[d] === this.seq &&
      off + size === this.dataOff + this.write_ &&
      this.closedReal < 0
    ) {
      this.write_ -= size
      this.lastTs = st.prevTs[d]!
      this.fullTs = RecordFlag.FullTimestamp
    } else {
      this.client.discard(this.view, off, size)
      this.bytesWritten += size
    }
    if (d === 0) this.i32[this.markWord] = this.markBase | (this.write_ << 1)
  }

  /** Store P1 and P3 of the oldest finished, unpublished sub-buffer (its final commit word). */
  private publishPending(): void {
    const i = this.i32
    const s = this.frontierSlot
    const id = this.pendId[s]!
    const meta = this.rb.metaOffset(this.cpu, id) >> 2
    /* P1 */ i[meta + L.PM_ENTRIES] = this.pendEntries[s]!
    i[meta + L.PM_REAL_END] = this.pendReal[s]!
    // P3 after P1: a reader that loads the commit word reads the meta stored before it
    /* P3 */ Atomics.store(
      i,
      (this.rb.subbufOffset(this.cpu, id) + this.commitOff) >> 2,
      this.pendEnd[s]!,
    )
    this.frontierSeq = (this.frontierSeq + 1) | 0
    this.frontierSlot = s + 1 === this.n ? 0 : s + 1
  }

  /**
   * Make every commit so far visible. Only called with no reservation open.
   *
   * The lean path, taken when the frontier did not move and only entries, bytes and the last
   * timestamp changed (every commit of a `publishBatch: 1` writer inside one sub-buffer):
   * plain stores of the page meta and those three counters, then the same atomic sequence as
   * the full path: `Atomics.store` of the commit word (readers acquire it), then the base's
   * `endPublish`. The counters it skips hold the values of the last full publish, which are
   * still current.
   */
  protected publishPositions(): boolean {
    const i = this.i32
    if (this.seq === this.publishedSeq && this.frontierSeq === this.seq && !this.rareDirty) {
      const f = this.f64
      const fx = this.fxIdx
      const meta = this.metaIdx
      /* P1 */ i[meta + L.PM_ENTRIES] = this.pendEntries[this.slot]!
      i[meta + L.PM_REAL_END] = this.closedReal >= 0 ? this.closedReal : this.write_
      /* P2 */ f[fx + L.F_ENTRIES] = this.entries
      f[fx + L.F_BYTES] = this.bytesWritten
      f[fx + L.F_LAST_TS] = this.lastTs
      f[fx + F_WRITER_COUNTED] = this.countedBase + this.write_ * 2
      // P3 after P1, P2: the commit word publishes the record bytes, meta and counters before it
      /* P3 */ Atomics.store(i, this.commitIdx, this.write_)
    } else this.publishFull()
    return true
  }

  /** The stores of a publish that moves the frontier or changed a rare counter. */
  private publishFull(): void {
    const i = this.i32
    const f = this.f64
    const fx = this.fxIdx
    // P2 before the finished sub-buffers' P3: the counters are never behind a published commit
    // word, so a recovery counts from F_WRITER_COUNTED on (docs/design.md §4.3)
    f[fx + L.F_COMMIT_OVERRUN] = this.commitOverrun
    f[fx + L.F_PAGES_TOUCHED] = this.touched
    f[fx + L.F_PAGES_LOST] = this.pagesLost
    /* P2 */ this.storeTotals(this.countedBase + this.write_ * 2)
    while (this.frontierSeq !== this.seq) this.publishPending()
    const meta = this.metaIdx
    /* P1 */ i[meta + L.PM_ENTRIES] = this.pendEntries[this.slot]!
    i[meta + L.PM_REAL_END] = this.closedReal >= 0 ? this.closedReal : this.write_
    this.rareDirty = false
    const ctl = this.ctlIdx
    /* P3 */ Atomics.store(i, this.commitIdx, this.write_)
    // the frontier moves only at a sub-buffer switch: most publishes store just the commit word
    // (readers synchronise on it) and C_PUB (stats and waiters synchronise on that)
    if (this.seq !== this.publishedSeq) {
      i[ctl + L.C_WRITER_PAGE] = this.pageId
      i[ctl + L.C_TAIL_SEQ] = this.seq
      i[ctl + L.C_TAIL_SLOT] = this.slot
      i[ctl + L.C_COMMIT_SLOT] = this.slot
      // P4 last, after every P3: a reader that loads a frontier past its sub-buffer, then the
      // commit word, gets the final one
      /* P4 */ Atomics.store(i, ctl + L.C_COMMIT_SEQ, this.seq)
      this.publishedSeq = this.seq
    }
  }

  protected watermarkReached(): boolean {
    const f = this.f64
    const fx = this.fxIdx
    const dirty = this.touched - this.pagesLost - f[fx + L.F_PAGES_READ]!
    return (
      this.entries >= f[fx + L.F_WAKE_ENTRIES]! ||
      this.bytesWritten >= f[fx + L.F_WAKE_BYTES]! ||
      dirty >= f[fx + L.F_WAKE_PAGES]!
    )
  }
}
