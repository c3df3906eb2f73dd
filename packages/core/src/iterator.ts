/**
 * Non-consuming iteration (the kernel's `ring_buffer_iter_*`): walks the unread records of
 * one ring, copying the sub-buffer's committed bytes into a private buffer and walking the copy
 * with the record walk (record-walk.ts), and notices when the writer overwrote its position.
 *
 * Invariant (docs/design.md §5.4): copy, then validate. The writer changes a slot word (CAS)
 * before it writes a byte of the next lap, so a copy after which the slot still holds the lap
 * the iterator is on (tag equal, C clear) is intact.
 *
 * @packageDocumentation
 */
import { decodedRecord } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { RingRecord } from './record.js'
import { WalkCursor, handOut, peekData } from './record-walk.js'

/**
 * What every non-consuming iterator offers (the kernel's `ring_buffer_iter_*`). Records it
 * returns are copies: they stay valid until the next call.
 */
export interface RecordIterator {
  /** The ring iterated. */
  readonly cpu: number
  /** The next record without advancing, or null at the end. */
  peek(): RingRecord | null
  /** Move past the record `peek` returned. */
  advance(): void
  /** The next record, advancing past it, or null at the end. */
  next(): RingRecord | null
  /** Go back to the oldest unread record. */
  reset(): void
  /** True when there is no record to return now. */
  empty(): boolean
  /** True when the writer overwrote the iterator's position since the last call; clears it. */
  dropped(): boolean
  /** Close the iterator (allows resize again). */
  close(): void
}

/**
 * What both iterators share: the open-iterator count that blocks resize, the dropped flag, and
 * `next`/`empty` on top of each layout's `peek`/`advance`.
 *
 * @internal
 */
export abstract class IteratorBase implements RecordIterator {
  /** The ring iterated. */
  readonly cpu: number
  protected readonly rb: RingBuffer
  protected dropped_ = false
  protected closed = false

  constructor(rb: RingBuffer, cpu: number) {
    this.rb = rb
    this.cpu = cpu
    Atomics.add(rb.i32, rb.ctl(cpu) + L.C_ITERS, 1)
  }

  abstract peek(): RingRecord | null
  abstract advance(): void
  abstract reset(): void

  /** The next record, advancing past it, or null at the end. */
  next(): RingRecord | null {
    const r = this.peek()
    if (r !== null) this.advance()
    return r
  }

  /** True when there is no record to return now. */
  empty(): boolean {
    return this.peek() === null
  }

  /** True when the writer overwrote the iterator's position since the last call; clears it. */
  dropped(): boolean {
    const d = this.dropped_
    this.dropped_ = false
    return d
  }

  /** Close the iterator (allows resize again). */
  close(): void {
    if (this.closed) return
    this.closed = true
    Atomics.sub(this.rb.i32, this.rb.ctl(this.cpu) + L.C_ITERS, 1)
  }
}

/**
 * A non-consuming iterator over one ring (paged layout). While it is open the ring cannot be
 * resized. Records it returns are copies: they stay valid until the next call.
 */
export class RingIterator extends IteratorBase {
  private readonly rec: RingRecord
  /** The sub-buffer being walked, copied at its own offsets (`have` bytes of its data). */
  private readonly copy: Uint8Array
  private readonly copyView: DataView
  private have = 0
  private readonly dec = decodedRecord()
  /** Position and running timestamp in the sub-buffer being walked. */
  private readonly cur = new WalkCursor()
  /** -1: on the reader sub-buffer; otherwise the ring sequence number of the sub-buffer. */
  private seq = -1
  private slot = 0
  private epoch = 0
  /** The ring sub-buffer that followed the reader sub-buffer at the last reset. */
  private afterReader = 0
  private peeked = false

  /** @internal */
  constructor(rb: RingBuffer, cpu: number) {
    super(rb, cpu)
    this.copy = new Uint8Array(rb.g.unit)
    this.copyView = new DataView(this.copy.buffer)
    this.rec = new RingRecord(this.copy)
    this.reset()
  }

  /** Go back to the oldest unread record. */
  reset(): void {
    const rb = this.rb
    const c = rb.ctl(this.cpu)
    const cur = this.cur
    rb.withReaderOpLock(this.cpu, () => {
      this.epoch = Atomics.load(rb.i32, c + L.C_READ_EPOCH)
      this.oldest()
      // on the reader sub-buffer: remember which ring sub-buffer follows it now
      this.afterReader = this.seq
      if (rb.i32[c + L.C_READER_SEQ] !== -1) this.seq = -1
      cur.read = this.seq === -1 ? rb.i32[c + L.C_READER_READ]! : 0
      cur.ts = this.seq === -1 ? rb.f64[rb.fx(this.cpu) + L.F_READ_TS]! : this.pageTs(this.pageId())
    })
    this.have = 0
    this.peeked = false
  }

  /**
   * Move to the oldest ring sub-buffer the writer has not reclaimed: the reader's head, or
   * later when the writer lapped it (the ring holds sequence numbers cs - n + 1 .. cs).
   */
  private oldest(): void {
    const rb = this.rb
    const i = rb.i32
    const c = rb.ctl(this.cpu)
    const n = rb.g.subbufs
    const h = i[c + L.C_HEAD_SEQ]!
    const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    const lap = (cs - n + 1 - h) | 0
    this.seq = lap > 0 ? (h + lap) | 0 : h
    this.slot = lap > 0 ? (i[c + L.C_HEAD_SLOT]! + (lap % n)) % n : i[c + L.C_HEAD_SLOT]!
    // skip sub-buffers a writer already claimed for a later lap (nested writers do so before
    // they publish), as the reader's swap does; this may leave the iterator past the frontier
    while (((this.seq - cs) | 0) <= 0 && !this.valid()) {
      this.seq = (this.seq + 1) | 0
      this.slot = this.slot + 1 === n ? 0 : this.slot + 1
    }
  }

  private pageId(): number {
    const rb = this.rb
    if (this.seq === -1) return rb.i32[rb.ctl(this.cpu) + L.C_READER_PAGE]!
    return rb.i32[rb.slots(this.cpu) + this.slot]! & L.SLOT_ID_MASK
  }

  private pageTs(id: number): number {
    return this.rb.f64[(this.rb.metaOffset(this.cpu, id) >> 3) + L.PM_TS_F64]!
  }

  /** True when the sub-buffer at `seq` still holds that lap's data. */
  private valid(): boolean {
    if (this.seq === -1) return true
    const v = Atomics.load(this.rb.i32, this.rb.slots(this.cpu) + this.slot)
    return (
      ((v >>> L.SLOT_TAG_SHIFT) & L.SLOT_TAG_MASK) === (this.seq & L.SLOT_TAG_MASK) &&
      (v & L.SLOT_CONSUMED) === 0
    )
  }

  private resync(): void {
    this.dropped_ = true
    this.reset()
  }

  /** The next record without advancing, or null at the end. */
  peek(): RingRecord | null {
    if (this.closed) throw new TypeError('iterator: closed')
    const rb = this.rb
    // readers see the ring empty while a reset waits for the writer
    if (rb.resetPending(this.cpu)) return null
    const i = rb.i32
    const c = rb.ctl(this.cpu)
    const client = rb.client
    const hdr = client.subbufHeaderBytes
    const n = rb.g.subbufs
    const cur = this.cur
    for (let guard = 0; guard < 4 * n + 8; guard++) {
      if (Atomics.load(i, c + L.C_READ_EPOCH) !== this.epoch) {
        this.reset()
        continue
      }
      const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
      // past the published frontier: nothing to read there yet
      if (this.seq !== -1 && ((this.seq - cs) | 0) > 0) return null
      if (!this.valid()) {
        this.resync()
        continue
      }
      const id = this.pageId()
      // at the start of a ring sub-buffer (also when resuming at the frontier): its base time
      if (this.seq !== -1 && cur.read === 0) cur.ts = this.pageTs(id)
      const pageOff = rb.subbufOffset(this.cpu, id)
      // loaded after the frontier (docs/design.md §7): the bytes below it are published
      const commit = Atomics.load(i, (pageOff + client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
      if (cur.read < commit) {
        if (this.have < commit) {
          // copy first, then check the writer did not take the sub-buffer meanwhile
          const from = hdr + Math.max(this.have, cur.read)
          this.copy.set(rb.u8.subarray(pageOff + from, pageOff + hdr + commit), from)
          if (!this.valid()) {
            this.resync()
            continue
          }
          this.have = commit
        }
        const d = this.dec
        cur.origin = pageOff // the copy sits at the sub-buffer's own offsets
        const at = peekData(client, this.copyView, hdr, commit, cur.read, d, cur, this.cpu, false)
        if (at >= 0) {
          cur.read = at
          // a copy: its losses are the consuming reader's to report
          handOut(this.rec, d, this.cpu, cur.ts + d.delta, 0)
          this.peeked = true
          return this.rec
        }
        continue
      }
      // end of this sub-buffer: the next one in ring order, if the writer finished this one
      const walked = this.seq === -1 ? i[c + L.C_READER_SEQ]! : this.seq
      if (walked === cs) return null
      const next = this.seq === -1 ? i[c + L.C_HEAD_SEQ]! : (this.seq + 1) | 0
      if (((next - cs) | 0) > 0) return null
      if (this.seq !== -1) {
        this.slot = this.slot + 1 === n ? 0 : this.slot + 1
        this.seq = next
      } else {
        this.oldest()
        // the writer reclaimed what followed the reader sub-buffer since the reset
        if (this.seq !== this.afterReader) this.dropped_ = true
      }
      cur.read = 0
      this.have = 0
      // a nested writer reclaimed everything up to the frontier: nothing to read yet
      if (((this.seq - cs) | 0) > 0) return null
      if (!this.valid()) {
        this.resync()
        continue
      }
      cur.ts = this.pageTs(this.pageId())
    }
    return null
  }

  /** Move past the record {@link RingIterator.peek} returned. */
  advance(): void {
    if (!this.peeked && this.peek() === null) return
    this.cur.ts = this.rec.timestamp
    this.cur.read += this.rec.size
    this.peeked = false
  }
}
