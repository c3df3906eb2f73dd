/**
 * The writer of the contiguous layout: one data area of 2^k bytes, free-running 64-bit
 * head and tail positions at client-chosen offsets of the CPU's client area (perf: the
 * control page's `data_head` at 1024 and `data_tail` at 1032). Records may wrap across the
 * end of the data area; record headers are written through a scratch copy when they would.
 *
 * Invariants (see docs/design.md):
 * - produce-consume: `head - tail <= size - 1` (one byte always free; head == tail is empty);
 * - overwrite: before writing over old records the writer pushes the tail past them with a
 *   CAS, counting each as overrun, so a reader that read a record and then moved the tail by
 *   CAS knows the record was intact;
 * - only the outermost commit publishes the head, once per batch.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordFlag, decodedRecord, RecordKind } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { F_WRITER_COUNTED } from './recovery-mark.js'
import { WriterBase } from './writer-base.js'

const SCRATCH = 256

/** @internal A copy between the data area and `other`, wrapping at the end of the data area. */
export type RingCopy = (
  u8: Uint8Array,
  dataOff: number,
  mask: number,
  pos: number,
  other: Uint8Array,
  otherOff: number,
  len: number,
) => void

/** @internal Copy `len` bytes from `src` into the data area at ring position `pos`, wrapping. */
export const ringPut: RingCopy = (u8, dataOff, mask, pos, src, srcOff, len) => {
  const at = pos & mask
  const first = Math.min(len, mask + 1 - at)
  u8.set(src.subarray(srcOff, srcOff + first), dataOff + at)
  if (first < len) u8.set(src.subarray(srcOff + first, srcOff + len), dataOff)
}

/** @internal Copy `len` bytes at ring position `pos` out into `dst`, wrapping. */
export const ringGet: RingCopy = (u8, dataOff, mask, pos, dst, dstOff, len) => {
  const first = Math.min(len, mask + 1 - (pos & mask))
  dst.set(u8.subarray(dataOff + (pos & mask), dataOff + (pos & mask) + first), dstOff)
  if (first < len) dst.set(u8.subarray(dataOff, dataOff + len - first), dstOff + first)
}

/**
 * @internal The API contract is `writer-base.ts`'s; this class holds the reservation at the
 * head, making room (re-reading the tail, or pushing it in overwrite mode), loss records, and
 * the publish of the head (docs/design.md §6).
 *
 * Legend: `i` is the buffer's Int32 view, `f` its Float64 view.
 */
export class ContiguousWriter extends WriterBase {
  private readonly b64: BigInt64Array
  private readonly cap: number
  private readonly mask: number
  private readonly dataOff: number
  private readonly headIdx: number
  private readonly tailIdx: number
  private readonly scratch = new Uint8Array(SCRATCH)
  private readonly sdv = new DataView(this.scratch.buffer)
  private readonly dec = decodedRecord()
  private head = 0
  private tailSeen = 0
  /** Drops not yet reported by a loss record (published as `F_WRITER_LOST`). */
  private lostPending = 0
  /** Head decreases, records are laid below it (perf's write_backward). */
  private readonly backward: boolean
  /** In overwrite mode, ignore the tail (perf's read-only mapping). */
  private readonly ignoreTail: boolean

  /** @internal */
  constructor(rb: RingBuffer, cpu: number, token: number) {
    super(rb, cpu, token, true)
    this.b64 = rb.b64
    // an int32 (2^8..2^30), so V8 keeps it and the mask as small integers, not heap numbers
    this.cap = rb.g.unit | 0
    this.mask = this.cap - 1
    this.dataOff = rb.subbufOffset(cpu, 0)
    this.headIdx = (rb.areaOffset(cpu) + rb.client.headOffset) >> 3
    this.tailIdx = (rb.areaOffset(cpu) + rb.client.tailOffset) >> 3
    const flags = Atomics.load(this.i32, L.H_FLAGS)
    this.backward = (flags & L.MODE_BACKWARD) !== 0
    this.ignoreTail = (flags & L.MODE_IGNORE_TAIL) !== 0
    rb.applyReset(cpu)
    this.load()
  }

  protected load(): void {
    this.resetSeen = Atomics.load(this.i32, this.ctlIdx + L.C_RESET_REQ)
    this.head = Number(BigInt.asIntN(64, Atomics.load(this.b64, this.headIdx)))
    this.tailSeen = this.loadTail()
    this.loadTotals()
    this.lostPending = this.f64[this.fxIdx + L.F_WRITER_LOST]!
    // the published head is committed (a recovery starts from it)
    this.f64[this.markIdx] = this.head * 2
    this.f64[this.fxIdx + F_WRITER_COUNTED] = this.head * 2
  }

  private loadTail(): number {
    return Number(BigInt.asIntN(64, Atomics.load(this.b64, this.tailIdx)))
  }

  protected reserveSlot(length: number, tag: number): number {
    const t = this.slotTs
    const flags = this.i32[L.H_CLIENT_FLAGS]! << 8
    const size = this.client.recordSize(length, t - this.lastTs, flags & ~RecordFlag.FullTimestamp)
    const loss = this.lostPending > 0 ? this.lossSize(tag) : 0
    const total = size + loss
    // bytes in use: forward head − tail, backward tail − head; one byte always stays free, so
    // head == tail always means empty (perf's CIRC_SPACE)
    const used = this.backward ? this.tailSeen - this.head : this.head - this.tailSeen
    if (used + total > this.mask && !this.reserveSlow(total)) {
      // a refusal is rare: publish at once so that stats count it
      this.countDropped(1)
      return -1
    }
    // the writer mark (recovery-mark.ts): an outermost reservation opens at the head
    if (this.depth_ === 0) this.f64[this.markIdx] = this.head * 2 + 1
    // the record (loss record first) starts at the old head, or, backward, at the new one
    const start = this.backward ? this.head - total : this.head
    const lost = this.lostPending
    const pos = loss > 0 ? this.writeLoss(start, t, loss, tag) : start
    const at = pos & this.mask
    let payload: number
    if (at + size <= this.cap) {
      payload = this.client.writeRecord(
        this.view,
        this.dataOff + at,
        length,
        size,
        0,
        t,
        flags,
        tag,
      )
      this.wrapped = false
    } else payload = this.writeWrapped(pos, length, size, t, flags, tag)
    const d = this.push(start, total, t)
    this.stack.lost[d] = loss > 0 ? lost : 0
    this.stack.lossBytes[d] = loss
    this.head = this.backward ? start : this.head + total
    return payload
  }

  /** Bytes of the loss record in front of the next record. */
  private lossSize(tag: number): number {
    return this.client.lossRecordSize?.(tag) ?? this.client.lossRecordBytes
  }

  /** Write the header of a record that wraps, through the scratch; returns the payload offset. */
  private writeWrapped(
    pos: number,
    length: number,
    size: number,
    t: number,
    flags: number,
    tag: number,
  ): number {
    const hdr = this.client.writeRecord(this.sdv, 0, length, size, 0, t, flags, tag)
    ringPut(this.bytes, this.dataOff, this.mask, pos, this.scratch, 0, hdr)
    const payload = this.dataOff + ((pos + hdr) & this.mask)
    this.wrapped = payload + length > this.dataOff + this.cap
    return payload
  }

  /**
   * The slow path: free `total` bytes: reread the tail (produce-consume) or push it over old
   * records (overwrite). The only place the writer reads the mode.
   */
  private reserveSlow(total: number): boolean {
    const overwrite = (Atomics.load(this.i32, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    // perf's read-only mapping: the writer ignores the tail
    if (overwrite && this.ignoreTail) return true
    this.tailSeen = this.loadTail()
    const used = this.backward ? this.tailSeen - this.head : this.head - this.tailSeen
    // one byte always stays free
    if (used + total <= this.mask) return true
    if (!overwrite || this.backward) return false
    // overwrite: push the tail over whole records, counting each, with one CAS per batch; free
    // at least 1/16 of the ring at a time so the CAS is rare. An open reservation's bytes must
    // not be overwritten.
    const floor = this.depth_ > 0 ? this.stack.start[0]! : this.head
    const want = Math.min(Math.max(total, this.cap >> 4), this.mask)
    for (;;) {
      const tail = this.tailSeen
      let next = tail
      let records = 0
      while (this.head + want - next > this.mask) {
        if (next >= floor) break
        const size = this.recordSizeAt(next)
        if (size <= 0) break
        if (this.dec.kind === RecordKind.Data) records++
        next += size
      }
      if (this.head + total - next > this.mask) return false
      // the tail moves before the bytes are reused: a reader whose CAS from `tail` succeeds
      // afterwards knows its copy preceded any overwrite
      const old = Number(
        BigInt.asIntN(
          64,
          Atomics.compareExchange(this.b64, this.tailIdx, BigInt(tail), BigInt(next)),
        ),
      )
      if (old !== tail) {
        // the reader moved the tail meanwhile: start again from there
        this.tailSeen = old
        if (this.head + total - old <= this.mask) return true
        continue
      }
      this.tailSeen = next
      this.overrun += records
      this.bytesOverrun += next - tail
      return true
    }
  }

  /** Size of the record at ring position `pos` (header copied out first when it wraps). */
  private recordSizeAt(pos: number): number {
    const at = pos & this.mask
    if (at + SCRATCH <= this.cap)
      this.client.decode(
        this.view,
        this.dataOff + at,
        this.dataOff + at + (this.head - pos),
        this.dec,
      )
    else {
      // only the header is copied; the decoder reads no further than the header
      ringGet(this.bytes, this.dataOff, this.mask, pos, this.scratch, 0, SCRATCH)
      this.client.decode(this.sdv, 0, this.head - pos, this.dec)
    }
    return this.dec.kind === RecordKind.Corrupt ? 0 : this.dec.size
  }

  /** Write the loss record of `n` bytes at `pos`; returns the position after it. */
  private writeLoss(pos: number, t: number, n: number, tag: number): number {
    const at = pos & this.mask
    if (at + n <= this.cap)
      this.client.writeLoss!(this.view, this.dataOff + at, this.lostPending, t, tag)
    else {
      this.client.writeLoss!(this.sdv, 0, this.lostPending, t, tag)
      ringPut(this.bytes, this.dataOff, this.mask, pos, this.scratch, 0, n)
    }
    // its bytes count with the reservation it precedes (commit, or discard into padding)
    this.lostPending = 0
    return pos + n
  }

  /** Copy `src` into a reserved payload at `offset`, wrapping at the end of the data area. */
  put(offset: number, src: Uint8Array): void {
    const pos = offset - this.dataOff
    if (pos < 0 || pos >= this.cap)
      throw new RangeError(`offset: ${offset} is not inside the data area`)
    ringPut(this.bytes, this.dataOff, this.mask, pos, src, 0, src.length)
  }

  /** Dropped records are reported by the loss record in front of the next record. */
  protected countDropped(n: number): void {
    this.dropped += n
    this.lostPending += n
    if (this.depth_ === 0) this.publish()
  }

  protected commitSlot(d: number): void {
    // nothing else per record: the next publish moves the head over it. The writer mark:
    // everything up to the head is committed
    if (d === 0) this.f64[this.markIdx] = this.head * 2
  }

  protected discardSlot(d: number): void {
    const st = this.stack
    const pos = st.start[d]!
    const size = st.size[d]!
    if (this.backward ? pos === this.head : pos + size === this.head) {
      this.head = this.backward ? pos + size : pos
      this.lastTs = st.prevTs[d]!
      // the loss record went with it: report the drops in front of the next record
      this.lostPending += st.lost[d]!
    } else {
      // pad the record, keeping a loss record in front of it
      const keep = st.lossBytes[d]!
      const at = (pos + keep) & this.mask
      if (at + 8 <= this.cap) this.client.discard(this.view, this.dataOff + at, size - keep)
      else {
        this.client.discard(this.sdv, 0, size - keep)
        ringPut(this.bytes, this.dataOff, this.mask, pos + keep, this.scratch, 0, 8)
      }
      this.bytesWritten += size
    }
    if (d === 0) this.f64[this.markIdx] = this.head * 2
  }

  /**
   * The counters (P2, plain stores), then the head (P4): one 64-bit `Atomics.store` of a
   * `BigInt`, even when its high half did not change — a 32-bit store would not synchronise
   * with a reader's 64-bit load (equal ranges only, docs/design.md §6).
   */
  protected publishPositions(): boolean {
    const f = this.f64
    const fx = this.fxIdx
    /* P2 */ this.storeTotals(this.head * 2)
    f[fx + L.F_WRITER_LOST] = this.lostPending
    f[fx + L.F_HEAD_POS] = this.head
    // P4 after P2 and the record bytes: a reader loads the head, then the tail, then reads below it
    /* P4 */ Atomics.store(this.b64, this.headIdx, BigInt(this.head))
    return true
  }

  /** A page watermark wakes at every publish: the contiguous layout has no pages to count. */
  protected watermarkReached(): boolean {
    const f = this.f64
    const fx = this.fxIdx
    return (
      this.entries >= f[fx + L.F_WAKE_ENTRIES]! ||
      this.bytesWritten >= f[fx + L.F_WAKE_BYTES]! ||
      f[fx + L.F_WAKE_PAGES]! !== Infinity
    )
  }
}
