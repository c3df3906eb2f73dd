/**
 * The writer of the contiguous layout: one data area of 2^k bytes, free-running 64-bit
 * head and tail positions at client-chosen offsets of the CPU's client area (perf: the
 * control page's `data_head` at 1024 and `data_tail` at 1032). Records may wrap across the
 * end of the data area, but a reservation is always one contiguous range of the buffer: the
 * part of one that crosses the end lies in the spill area after the data area (`spill.ts`)
 * and is copied to the ring's start when it commits.
 *
 * Invariants (see docs/design.md):
 * - produce-consume: `head - tail <= size - 1` (one byte always free; head == tail is empty);
 * - overwrite: before writing over old records the writer pushes the tail past them with a
 *   CAS, counting each as overrun, so a reader that read a record and then moved the tail by
 *   CAS knows the record was intact;
 * - only the outermost commit publishes the head, once per batch;
 * - at most one open reservation holds the spill (`spillDepth`); its bytes reach the ring's
 *   start before that reservation's commit returns, so before any publish or writer mark that
 *   covers it.
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
  /** Bytes of the spill area after the data area. */
  private readonly spill: number
  /** Stack index of the open reservation that crosses the end of the data area, or -1. */
  private spillDepth = -1
  /** Bytes of that reservation past the end of the data area (0: none open). */
  private spillLen = 0
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
    this.spill = rb.g.spill
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
    this.spillDepth = -1
    this.spillLen = 0
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
    // the reservation (loss record first) starts at the old head, or, backward, at the new one
    const start = this.backward ? this.head - total : this.head
    const at = start & this.mask
    if (
      (used + total > this.mask && !this.reserveSlow(total)) ||
      (at + total > this.cap && !this.openSpill(at + total - this.cap))
    ) {
      // a refusal is rare: publish at once so that stats count it
      this.countDropped(1)
      return -1
    }
    // the writer mark (recovery-mark.ts): an outermost reservation opens at the head
    if (this.depth_ === 0) this.f64[this.markIdx] = this.head * 2 + 1
    // one contiguous range from here: past the data area it goes on in the spill
    const lost = this.lostPending
    const off = loss > 0 ? this.writeLoss(this.dataOff + at, t, loss, tag) : this.dataOff + at
    const payload = this.client.writeRecord(this.view, off, length, size, 0, t, flags, tag)
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

  /**
   * A reservation the next `k` bytes of which lie past the end of the data area: they go on in
   * the spill, which starts as a copy of the ring's start (so that bytes a caller `put` there
   * before, as the AUX area does, survive the copy back). False when the spill is held by an
   * open reservation (only nested reservations that lap the ring, with the tail ignored) or is
   * too small (a client whose records grow with its flags).
   */
  private openSpill(k: number): boolean {
    if (this.spillDepth >= 0 || k > this.spill) return false
    const end = this.dataOff + this.cap
    this.bytes.copyWithin(end, this.dataOff, this.dataOff + k)
    this.spillDepth = this.depth_
    this.spillLen = k
    return true
  }

  /** Copy the spilled part of the reservation that holds the spill to the ring's start. */
  private closeSpill(): void {
    const end = this.dataOff + this.cap
    this.bytes.copyWithin(this.dataOff, end, end + this.spillLen)
    this.spillDepth = -1
    this.spillLen = 0
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

  /** Write the loss record of `n` bytes at byte offset `off`; returns the offset after it. */
  private writeLoss(off: number, t: number, n: number, tag: number): number {
    this.client.writeLoss!(this.view, off, this.lostPending, t, tag)
    // its bytes count with the reservation it precedes (commit, or discard into padding)
    this.lostPending = 0
    return off + n
  }

  /**
   * Copy `src` to `offset`: one range over the data area and, while a reservation that
   * crosses the end is open, its part in the spill (so a payload offset `reserve` returned
   * always takes its whole payload); what goes past that wraps to the ring's start (a caller's
   * own ring positions, as the AUX area writes them).
   */
  put(offset: number, src: Uint8Array): void {
    const rel = offset - this.dataOff
    const end = this.cap + this.spillLen
    const n = src.length
    if (!(rel >= 0 && rel < end))
      throw new RangeError(`offset: ${offset} is not inside the data area`)
    if (rel + n <= end) this.bytes.set(src, offset)
    else if (n <= this.cap && rel + n - end <= this.cap - this.spillLen) {
      const first = end - rel
      this.bytes.set(src.subarray(0, first), offset)
      this.bytes.set(src.subarray(first), this.dataOff + this.spillLen)
    } else throw new RangeError(`src: ${n} bytes at offset ${offset} overrun the data area`)
  }

  /** Dropped records are reported by the loss record in front of the next record. */
  protected countDropped(n: number): void {
    this.dropped += n
    this.lostPending += n
    if (this.depth_ === 0) this.publish()
  }

  protected commitSlot(d: number): void {
    // a record across the end reaches the ring's start before its commit counts (the mark)
    if (d === this.spillDepth) this.closeSpill()
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
      // its spilled part is dropped with it
      if (d === this.spillDepth) {
        this.spillDepth = -1
        this.spillLen = 0
      }
    } else {
      // pad the record, keeping a loss record in front of it (one range, as it was reserved)
      const keep = st.lossBytes[d]!
      this.client.discard(this.view, this.dataOff + (pos & this.mask) + keep, size - keep)
      if (d === this.spillDepth) this.closeSpill()
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
