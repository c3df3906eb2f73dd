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
import type { RingClient } from './client.js'
import { recordTimestamp } from './clock.js'
import type { ClockFn } from './clock.js'
import { checkBytes } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { MAX_NESTING } from './paged-writer.js'
import type { RingWriter } from './paged-writer.js'

const SCRATCH = 256

/** @internal Copy `len` bytes from `src` into the data area at ring position `pos`, wrapping. */
export function ringPut(
  u8: Uint8Array,
  dataOff: number,
  mask: number,
  pos: number,
  src: Uint8Array,
  srcOff: number,
  len: number,
): void {
  const at = pos & mask
  const first = Math.min(len, mask + 1 - at)
  u8.set(src.subarray(srcOff, srcOff + first), dataOff + at)
  if (first < len) u8.set(src.subarray(srcOff + first, srcOff + len), dataOff)
}

/** @internal Copy `len` bytes at ring position `pos` out into `dst`, wrapping. */
export function ringGet(
  u8: Uint8Array,
  dataOff: number,
  mask: number,
  pos: number,
  dst: Uint8Array,
  dstOff: number,
  len: number,
): void {
  const at = pos & mask
  const first = Math.min(len, mask + 1 - at)
  dst.set(u8.subarray(dataOff + at, dataOff + at + first), dstOff)
  if (first < len) dst.set(u8.subarray(dataOff, dataOff + len - first), dstOff + first)
}

/** @internal */
export class ContiguousWriter implements RingWriter {
  readonly cpu: number
  readonly bytes: Uint8Array
  readonly view: DataView
  private readonly rb: RingBuffer
  private readonly client: RingClient
  private readonly i32: Int32Array
  private readonly f64: Float64Array
  private readonly b64: BigInt64Array
  private readonly token: number
  private readonly clockKind: number
  private readonly userClock: ClockFn | undefined
  private readonly cap: number
  private readonly mask: number
  private readonly dataOff: number
  private readonly headIdx: number
  private readonly tailIdx: number
  private readonly ctlIdx: number
  private readonly fxIdx: number
  private readonly disIdx: number
  private readonly batch: number
  private readonly maxLen: number
  private readonly scratch = new Uint8Array(SCRATCH)
  private readonly sdv = new DataView(this.scratch.buffer)
  private readonly dec = decodedRecord()
  private head = 0
  private tailSeen = 0
  private depth_ = 0
  private readonly stPos = new Float64Array(MAX_NESTING)
  private readonly stSize = new Int32Array(MAX_NESTING)
  private readonly stPrevTs = new Float64Array(MAX_NESTING)
  private readonly stTs = new Float64Array(MAX_NESTING)
  /** Drops reported by the loss record in front of each open reservation (0: none). */
  private readonly stLost = new Float64Array(MAX_NESTING)
  /** Bytes of that loss record. */
  private readonly stLossBytes = new Int32Array(MAX_NESTING)
  private lastTs = 0
  private lostPending = 0
  private resetSeen = 0
  private sincePublish = 0
  private closed = false
  private entries = 0
  private bytesW = 0
  private overrun = 0
  private bytesOverrun = 0
  private dropped = 0
  private discarded = 0
  /** True when the last reservation's payload wraps past the end of the data area. */
  wrapped = false
  /** Head decreases, records are laid below it (perf's write_backward). */
  private readonly backward: boolean
  /** In overwrite mode, ignore the tail (perf's read-only mapping). */
  private readonly ignoreTail: boolean

  /** @internal */
  constructor(rb: RingBuffer, cpu: number, token: number) {
    this.rb = rb
    this.cpu = cpu
    this.token = token
    this.client = rb.client
    this.i32 = rb.i32
    this.f64 = rb.f64
    this.b64 = rb.b64
    this.bytes = rb.u8
    this.view = rb.dv
    this.clockKind = rb.clockKind
    this.userClock = rb.userClock
    this.cap = rb.g.unit
    this.mask = this.cap - 1
    this.dataOff = rb.subbufOffset(cpu, 0)
    this.headIdx = (rb.areaOffset(cpu) + rb.client.headOffset) >> 3
    this.tailIdx = (rb.areaOffset(cpu) + rb.client.tailOffset) >> 3
    this.ctlIdx = rb.ctl(cpu)
    this.fxIdx = rb.fx(cpu)
    this.disIdx = this.ctlIdx + L.C_DISABLED
    this.batch = rb.publishBatch
    this.maxLen = rb.maxPayload
    const flags = Atomics.load(this.i32, L.H_FLAGS)
    this.backward = (flags & L.MODE_BACKWARD) !== 0
    this.ignoreTail = (flags & L.MODE_IGNORE_TAIL) !== 0
    rb.applyReset(cpu)
    this.load()
  }

  private load(): void {
    const f = this.f64
    const x = this.fxIdx
    this.resetSeen = Atomics.load(this.i32, this.ctlIdx + L.C_RESET_REQ)
    this.head = Number(BigInt.asIntN(64, Atomics.load(this.b64, this.headIdx)))
    this.tailSeen = Number(BigInt.asIntN(64, Atomics.load(this.b64, this.tailIdx)))
    this.entries = f[x + L.F_ENTRIES]!
    this.bytesW = f[x + L.F_BYTES]!
    this.overrun = f[x + L.F_OVERRUN]!
    this.bytesOverrun = f[x + L.F_BYTES_OVERRUN]!
    this.dropped = f[x + L.F_DROPPED]!
    this.discarded = f[x + L.F_DISCARDED]!
    this.lastTs = f[x + L.F_LAST_TS]!
    this.lostPending = f[x + L.F_WRITER_LOST]!
  }

  get depth(): number {
    return this.depth_
  }

  get timestamp(): number {
    return this.depth_ > 0 ? this.stTs[this.depth_ - 1]! : this.lastTs
  }

  reserve(length: number, timestamp?: number, tag = 0): number {
    if (!(length >= 0 && length <= this.maxLen && (length | 0) === length)) {
      if (typeof length !== 'number')
        throw new TypeError(`length: expected a number, got ${typeof length}`)
      throw new RangeError(`length: ${length} is not an integer in [0, ${this.maxLen}]`)
    }
    if (this.closed) throw new TypeError('writer: closed')
    const i = this.i32
    if ((i[L.H_RECORD]! | i[this.disIdx]!) !== 0) return -1
    if (i[this.ctlIdx + L.C_RESET_REQ] !== this.resetSeen && this.depth_ === 0) this.takeReset()
    let t = recordTimestamp(this.clockKind, this.lastTs, this.userClock, timestamp)
    if (t < this.lastTs) t = this.lastTs
    if (this.depth_ === MAX_NESTING) {
      this.dropped++
      this.lostPending++
      return -1
    }
    const flags = i[L.H_CLIENT_FLAGS]! << 8
    const size = this.client.recordSize(length, t - this.lastTs, flags & ~RecordFlag.FullTimestamp)
    const loss =
      this.lostPending > 0 ? (this.client.lossRecordSize?.(tag) ?? this.client.lossRecordBytes) : 0
    const total = size + loss
    // bytes in use: forward head − tail, backward tail − head; one byte always stays free
    const used = this.backward ? this.tailSeen - this.head : this.head - this.tailSeen
    if (used + total > this.mask && !this.makeRoom(total)) {
      this.dropped++
      this.lostPending++
      // a refusal is rare: publish at once so that stats count it
      if (this.depth_ === 0) this.publish()
      return -1
    }
    // the record (loss record first) starts at the old head, or, backward, at the new one
    const start = this.backward ? this.head - total : this.head
    let pos = start
    const lost = loss > 0 ? this.lostPending : 0
    if (loss > 0) {
      this.writeLoss(pos, t, loss, tag)
      pos += loss
    }
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
    } else {
      const hdr = this.client.writeRecord(this.sdv, 0, length, size, 0, t, flags, tag)
      ringPut(this.bytes, this.dataOff, this.mask, pos, this.scratch, 0, hdr)
      payload = this.dataOff + ((pos + hdr) & this.mask)
      this.wrapped = payload + length > this.dataOff + this.cap
    }
    const d = this.depth_++
    this.stPos[d] = start
    this.stSize[d] = total
    this.stPrevTs[d] = this.lastTs
    this.stTs[d] = t
    this.stLost[d] = lost
    this.stLossBytes[d] = loss
    this.head = this.backward ? start : this.head + total
    this.lastTs = t
    return payload
  }

  /** Free `total` bytes: reread the tail (produce-consume) or push it over old records (overwrite). */
  private makeRoom(total: number): boolean {
    const overwrite = (Atomics.load(this.i32, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    // perf's read-only mapping: the writer ignores the tail
    if (overwrite && this.ignoreTail) return true
    this.tailSeen = Number(BigInt.asIntN(64, Atomics.load(this.b64, this.tailIdx)))
    const used = this.backward ? this.tailSeen - this.head : this.head - this.tailSeen
    if (used + total <= this.mask) return true
    if (!overwrite || this.backward) return false
    // overwrite: push the tail over whole records, counting each, with one CAS per batch; free
    // at least 1/16 of the ring at a time so the CAS is rare. An open reservation's bytes must
    // not be overwritten.
    const floor = this.depth_ > 0 ? this.stPos[0]! : this.head
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

  private writeLoss(pos: number, t: number, n: number, tag: number): void {
    const at = pos & this.mask
    if (at + n <= this.cap)
      this.client.writeLoss!(this.view, this.dataOff + at, this.lostPending, t, tag)
    else {
      this.client.writeLoss!(this.sdv, 0, this.lostPending, t, tag)
      ringPut(this.bytes, this.dataOff, this.mask, pos, this.scratch, 0, n)
    }
    // its bytes count with the reservation it precedes (commit, or discard into padding)
    this.lostPending = 0
  }

  /** Copy `src` into a reserved payload at `offset`, wrapping at the end of the data area. */
  put(offset: number, src: Uint8Array): void {
    const pos = offset - this.dataOff
    if (pos < 0 || pos >= this.cap)
      throw new RangeError(`offset: ${offset} is not inside the data area`)
    ringPut(this.bytes, this.dataOff, this.mask, pos, src, 0, src.length)
  }

  drop(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0))
      throw new RangeError(`count: ${count} is not a record count`)
    this.dropped += count
    this.lostPending += count
    if (this.depth_ === 0) this.publish()
  }

  commit(): void {
    if (this.depth_ === 0) throw new TypeError('commit: no open reservation')
    const d = --this.depth_
    this.entries++
    this.bytesW += this.stSize[d]!
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  discard(): void {
    if (this.depth_ === 0) throw new TypeError('discard: no open reservation')
    const d = --this.depth_
    const pos = this.stPos[d]!
    const size = this.stSize[d]!
    this.discarded++
    if (this.backward ? pos === this.head : pos + size === this.head) {
      this.head = this.backward ? pos + size : pos
      this.lastTs = this.stPrevTs[d]!
      // the loss record went with it: report the drops in front of the next record
      this.lostPending += this.stLost[d]!
    } else {
      // pad the record, keeping a loss record in front of it
      const keep = this.stLossBytes[d]!
      const at = (pos + keep) & this.mask
      if (at + 8 <= this.cap) this.client.discard(this.view, this.dataOff + at, size - keep)
      else {
        this.client.discard(this.sdv, 0, size - keep)
        ringPut(this.bytes, this.dataOff, this.mask, pos + keep, this.scratch, 0, 8)
      }
      this.bytesW += size
    }
    if (d === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  write(data: Uint8Array, timestamp?: number): boolean {
    const n = checkBytes('data', data).length
    const off = this.reserve(n, timestamp)
    if (off < 0) return false
    if (this.wrapped) this.put(off, data)
    else if (n <= 8) {
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

  private publish(): void {
    const f = this.f64
    const x = this.fxIdx
    f[x + L.F_ENTRIES] = this.entries
    f[x + L.F_BYTES] = this.bytesW
    f[x + L.F_OVERRUN] = this.overrun
    f[x + L.F_BYTES_OVERRUN] = this.bytesOverrun
    f[x + L.F_DROPPED] = this.dropped
    f[x + L.F_DISCARDED] = this.discarded
    f[x + L.F_LAST_TS] = this.lastTs
    f[x + L.F_WRITER_LOST] = this.lostPending
    f[x + L.F_HEAD_POS] = this.head
    const i = this.i32
    Atomics.store(this.b64, this.headIdx, BigInt(this.head))
    Atomics.add(i, this.ctlIdx + L.C_PUB, 1)
    this.sincePublish = 0
    if (Atomics.load(i, this.ctlIdx + L.C_WAITERS) !== 0) {
      if (
        this.entries >= f[x + L.F_WAKE_ENTRIES]! ||
        this.bytesW >= f[x + L.F_WAKE_BYTES]! ||
        f[x + L.F_WAKE_PAGES]! !== Infinity
      ) {
        Atomics.add(i, this.ctlIdx + L.C_WAKE, 1)
        Atomics.notify(i, this.ctlIdx + L.C_WAKE)
      }
    }
    if (Atomics.load(i, L.H_GLOBAL_WAITERS) !== 0) {
      Atomics.add(i, L.H_WAKE, 1)
      Atomics.notify(i, L.H_WAKE)
    }
    // a plain load, as in the paged writer: a free() in another worker is seen at a later
    // publish at the latest (this thread's own free() at once)
    if (i[L.H_STATE] !== L.STATE_LIVE) throw new TypeError('buffer: the buffer was freed')
  }
}
