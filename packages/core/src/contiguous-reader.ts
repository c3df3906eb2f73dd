/**
 * Consuming reads of the contiguous layout: read the head, read records in place (a record
 * that wraps is reassembled in the reader's own buffer), publish the tail.
 *
 * The reader keeps its position in the shared tail word. In produce-consume mode it is the
 * tail's only writer and publishes it after each record it consumes, so the writer gets the
 * space back at once. In overwrite mode the writer may push the tail too; the reader copies
 * a record out first and then moves the tail by CAS: success proves the copy is intact.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind } from './client.js'
import type { DecodedRecord } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import type { RingRecord } from './record.js'
import { ringGet } from './contiguous-writer.js'
import { handOut } from './record-walk.js'

/** @internal Per-reader scratch space for wrapped records and headers. */
export class ContiguousScratch {
  buf: Uint8Array = new Uint8Array(1024)
  dv: DataView = new DataView(this.buf.buffer)
  grow(n: number): void {
    if (this.buf.length >= n) return
    this.buf = new Uint8Array(Math.max(n, this.buf.length * 2))
    this.dv = new DataView(this.buf.buffer)
  }
}

function pos(b64: BigInt64Array, idx: number): number {
  return Number(BigInt.asIntN(64, Atomics.load(b64, idx)))
}

/**
 * Find the next data record of a contiguous ring; with `consume`, move the tail past it.
 * Returns false when the ring is empty.
 */
export function contiguousNext(
  rb: RingBuffer,
  cpu: number,
  rec: RingRecord,
  consume: boolean,
  dec: DecodedRecord,
  sc: ContiguousScratch,
): boolean {
  const client = rb.client
  const b64 = rb.b64
  const f = rb.f64
  const x = rb.fx(cpu)
  const area = rb.areaOffset(cpu)
  const headIdx = (area + client.headOffset) >> 3
  const tailIdx = (area + client.tailOffset) >> 3
  const dataOff = rb.subbufOffset(cpu, 0)
  const cap = rb.g.unit
  const mask = cap - 1
  const overwrite = (Atomics.load(rb.i32, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
  if (rb.resetPending(cpu)) return false
  // produce-consume: the space of the record consumed last is given back only now, so the
  // record stayed valid until this call
  if (!overwrite) contiguousRelease(rb, cpu)
  // records the writer overwrote are reported lost with the next record read
  Atomics.load(rb.i32, rb.ctl(cpu) + L.C_PUB)
  const overrun = f[x + L.F_OVERRUN]!
  if (overrun !== f[x + L.F_LAST_OVERRUN]) {
    f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + overrun - f[x + L.F_LAST_OVERRUN]!
    f[x + L.F_LAST_OVERRUN] = overrun
  }
  for (;;) {
    const head = pos(b64, headIdx)
    const tail = pos(b64, tailIdx)
    if (tail >= head) return false
    if (head - tail > cap) {
      // the writer ignored the tail (perf's read-only overwrite): record boundaries are lost
      Atomics.store(b64, tailIdx, BigInt(head))
      f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + 1
      continue
    }
    // decode the header in place, or from a copy when it wraps
    const at = tail & mask
    const avail = head - tail
    const inPlace = at + Math.min(avail, 64) <= cap
    // the decoder reads no further than the header: `end` may lie past the data area when the
    // record's payload wraps
    if (inPlace) client.decode(rb.dv, dataOff + at, dataOff + at + avail, dec)
    else {
      // only the header bytes are copied; the decoder reads no further than the header
      const n = Math.min(avail, 64)
      ringGet(rb.u8, dataOff, mask, tail, sc.buf, 0, n)
      client.decode(sc.dv, 0, avail, dec)
    }
    if (dec.kind === RecordKind.Corrupt || dec.size <= 0 || dec.size > avail) {
      // in overwrite mode the writer may have reclaimed the record while we decoded it
      if (overwrite && pos(b64, tailIdx) !== tail) continue
      throw new TypeError(`cpu: ring ${cpu} holds a corrupt record at position ${tail}`)
    }
    const size = dec.size
    // payload offset relative to the record start (the header may have been decoded from a copy)
    const payloadRel = dec.payloadOffset - (inPlace ? dataOff + at : 0)
    // a record that wraps, or any record in overwrite mode, is copied out
    const copy = overwrite || at + size > cap
    if (copy) {
      sc.grow(size)
      ringGet(rb.u8, dataOff, mask, tail, sc.buf, 0, size)
      if (dec.kind === RecordKind.Data) client.decode(sc.dv, 0, size, dec)
    }
    if (
      dec.kind === RecordKind.Loss ||
      dec.kind === RecordKind.Padding ||
      dec.kind === RecordKind.End ||
      dec.kind !== RecordKind.Data
    ) {
      if (!advanceTail(rb, tailIdx, tail, size, overwrite)) continue
      if (dec.kind === RecordKind.Loss)
        f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + dec.lost
      f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + size
      continue
    }
    handOut(rec, dec, cpu, dec.delta, f[x + L.F_LOST_PENDING]!)
    if (copy) {
      rec.bytes = sc.buf
      if (payloadRel < 0 || payloadRel >= size) rec.offset = 0
    } else {
      rec.bytes = rb.u8
      rec.offset = dataOff + at + payloadRel
    }
    if (!consume) return true
    // overwrite: the CAS proves the copy is intact; produce-consume: the tail moves at the next call
    if (overwrite && !advanceTail(rb, tailIdx, tail, size, true)) continue
    f[x + L.F_READ] = f[x + L.F_READ]! + 1
    Atomics.add(rb.i32, rb.ctl(cpu) + L.C_READ_EPOCH, 1)
    f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + size
    if (rec.lost !== 0) {
      f[x + L.F_LOST] = f[x + L.F_LOST]! + rec.lost
      f[x + L.F_LOST_PENDING] = 0
    }
    f[x + L.F_TAIL_POS] = tail + size
    return true
  }
}

/**
 * Produce-consume: publish the position after the record consumed last (perf's
 * `perf_mmap__consume`), giving its space back to the writer.
 */
export function contiguousRelease(rb: RingBuffer, cpu: number): void {
  const tailIdx = (rb.areaOffset(cpu) + rb.client.tailOffset) >> 3
  const pending = rb.f64[rb.fx(cpu) + L.F_TAIL_POS]!
  if (pending > pos(rb.b64, tailIdx)) Atomics.store(rb.b64, tailIdx, BigInt(pending))
}

function advanceTail(
  rb: RingBuffer,
  tailIdx: number,
  tail: number,
  size: number,
  overwrite: boolean,
): boolean {
  if (!overwrite) {
    Atomics.store(rb.b64, tailIdx, BigInt(tail + size))
    return true
  }
  return (
    Number(
      BigInt.asIntN(
        64,
        Atomics.compareExchange(rb.b64, tailIdx, BigInt(tail), BigInt(tail + size)),
      ),
    ) === tail
  )
}
