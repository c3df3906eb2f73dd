/**
 * Non-consuming iteration of a contiguous ring: walks the records between the read position
 * and the published head without moving the tail, copying each record into a private buffer
 * and noticing when the writer overwrote its position.
 *
 * Invariant: in overwrite mode the writer moves the tail past records (CAS) before it writes
 * over them, so a record copied while the tail was still at or before it, and with the tail
 * still there after the copy, is intact. In produce-consume mode the writer never writes over
 * unread records; a consuming read restarts the iterator (as the kernel's iterator resets).
 *
 * @packageDocumentation
 */
import { RecordKind, decodedRecord } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { RingRecord } from './record.js'
import { ringGet } from './contiguous-writer.js'
import { IteratorBase } from './iterator.js'
import { handOut } from './record-walk.js'

function pos(b64: BigInt64Array, idx: number): number {
  return Number(BigInt.asIntN(64, Atomics.load(b64, idx)))
}

/** A non-consuming iterator over one contiguous ring. Records it returns are copies. */
export class ContiguousIterator extends IteratorBase {
  private readonly rec: RingRecord
  private copy: Uint8Array
  private copyView: DataView
  private readonly dec = decodedRecord()
  private pos = 0
  private epoch = 0
  private peeked = false
  private lost = 0

  /** @internal */
  constructor(rb: RingBuffer, cpu: number) {
    super(rb, cpu)
    this.copy = new Uint8Array(256)
    this.copyView = new DataView(this.copy.buffer)
    this.rec = new RingRecord(this.copy)
    this.reset()
  }

  private tailIdx(): number {
    return (this.rb.areaOffset(this.cpu) + this.rb.client.tailOffset) >> 3
  }

  private readPosition(): number {
    const rb = this.rb
    const tail = pos(rb.b64, this.tailIdx())
    const pending = rb.f64[rb.fx(this.cpu) + L.F_TAIL_POS]!
    // produce-consume: a consumed record's space is published at the next read; it is read
    return (Atomics.load(rb.i32, L.H_FLAGS) & L.MODE_OVERWRITE) === 0
      ? Math.max(tail, pending)
      : tail
  }

  /** Go back to the oldest unread record. */
  reset(): void {
    const rb = this.rb
    this.epoch = Atomics.load(rb.i32, rb.ctl(this.cpu) + L.C_READ_EPOCH)
    this.pos = this.readPosition()
    this.peeked = false
  }

  private grow(n: number): void {
    if (this.copy.length >= n) return
    this.copy = new Uint8Array(Math.max(n, this.copy.length * 2))
    this.copyView = new DataView(this.copy.buffer)
    this.rec.bytes = this.copy
  }

  /** The next record without advancing, or null at the end. */
  peek(): RingRecord | null {
    if (this.closed) throw new TypeError('iterator: closed')
    const rb = this.rb
    const i = rb.i32
    const c = rb.ctl(this.cpu)
    const client = rb.client
    const area = rb.areaOffset(this.cpu)
    const headIdx = (area + client.headOffset) >> 3
    const dataOff = rb.subbufOffset(this.cpu, 0)
    const cap = rb.g.unit
    const mask = cap - 1
    if (rb.resetPending(this.cpu)) return null
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (Atomics.load(i, c + L.C_READ_EPOCH) !== this.epoch) {
        this.reset()
        continue
      }
      const head = pos(rb.b64, headIdx)
      const tail = this.readPosition()
      if (tail > this.pos) {
        // the writer pushed the tail over our position (overwrite)
        this.dropped_ = true
        this.pos = tail
      }
      const avail = head - this.pos
      if (avail <= 0) return null
      if (avail > cap) {
        this.dropped_ = true
        this.pos = head
        return null
      }
      // copy the header, decode it, copy the whole record, then validate the position
      this.grow(64)
      ringGet(rb.u8, dataOff, mask, this.pos, this.copy, 0, Math.min(avail, 64))
      client.decode(this.copyView, 0, avail, this.dec)
      const d = this.dec
      if (d.kind === RecordKind.Corrupt || d.size <= 0 || d.size > avail) {
        if (this.readPosition() > this.pos) continue
        throw new TypeError(`cpu: ring ${this.cpu} holds a corrupt record at position ${this.pos}`)
      }
      this.grow(d.size)
      ringGet(rb.u8, dataOff, mask, this.pos, this.copy, 0, d.size)
      if (this.readPosition() > this.pos) continue
      client.decode(this.copyView, 0, d.size, d)
      if (d.kind === RecordKind.Loss) this.lost += d.lost
      if (d.kind !== RecordKind.Data) {
        this.pos += d.size
        continue
      }
      handOut(this.rec, d, this.cpu, d.delta, this.lost)
      this.peeked = true
      return this.rec
    }
    return null
  }

  /** Move past the record {@link ContiguousIterator.peek} returned. */
  advance(): void {
    if (!this.peeked && this.peek() === null) return
    this.pos += this.rec.size
    this.lost = 0
    this.peeked = false
  }
}
