/**
 * Consuming reads of the paged layout: the reader sub-buffer and its swap.
 *
 * Invariants (see docs/design.md):
 * - the reader owns exactly one physical sub-buffer (`C_READER_PAGE`) outside the ring;
 * - a swap exchanges it with the ring's oldest sub-buffer by one CAS on that slot word,
 *   expecting the slot's sequence tag and the "unread" state; a writer that lapped the reader
 *   changes the tag first, so exactly one of them gets the sub-buffer;
 * - the reader reads the commit frontier before the commit word of its sub-buffer, so when
 *   the frontier has moved past the sub-buffer, the commit word it reads is final.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind, decodedRecord } from './client.js'
import type { DecodedRecord } from './client.js'
import { BusyError } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import type { RingRecord } from './record.js'

/** Thrown (as a TypeError) when a ring's bytes do not decode. */
function corrupt(cpu: number, where: number): never {
  throw new TypeError(`cpu: ring ${cpu} holds a corrupt record at byte ${where}`)
}

/** Pages the reader's data stays in: the reader sub-buffer of a CPU. */
export class PagedReadState {
  readonly dec: DecodedRecord = decodedRecord()
}

/**
 * Swap the reader sub-buffer with the oldest ring sub-buffer that has data.
 * Call with the reader operation lock held. Returns false when there is nothing to swap in.
 */
export function swapReaderPage(rb: RingBuffer, cpu: number): boolean {
  const i = rb.i32
  const c = rb.ctl(cpu)
  const n = rb.g.subbufs
  const slots = rb.slots(cpu)
  const commitOff = rb.client.commitOffset
  for (;;) {
    const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    let h = i[c + L.C_HEAD_SEQ]!
    let hs = i[c + L.C_HEAD_SLOT]!
    if (((h - cs) | 0) > 0) return false
    if (((cs - h) | 0) >= n) {
      // lapped: the writer overwrote everything before cs - n + 1
      const skip = (cs - n + 1 - h) | 0
      h = (cs - n + 1) | 0
      hs = (hs + (skip % n)) % n
      i[c + L.C_HEAD_SEQ] = h
      i[c + L.C_HEAD_SLOT] = hs
    }
    const v = Atomics.load(i, slots + hs)
    const tag = (v >>> L.SLOT_TAG_SHIFT) & L.SLOT_TAG_MASK
    if (tag !== (h & L.SLOT_TAG_MASK) || (v & L.SLOT_CONSUMED) !== 0) {
      // the writer claimed it for a later lap between our loads: move on
      i[c + L.C_HEAD_SEQ] = (h + 1) | 0
      i[c + L.C_HEAD_SLOT] = hs + 1 === n ? 0 : hs + 1
      continue
    }
    const id = v & L.SLOT_ID_MASK
    if (
      h === cs &&
      (Atomics.load(i, (rb.subbufOffset(cpu, id) + commitOff) >> 2) & L.COMMIT_LEN_MASK) === 0
    )
      return false
    const mine = i[c + L.C_READER_PAGE]!
    Atomics.store(i, (rb.subbufOffset(cpu, mine) + commitOff) >> 2, 0)
    const mm = rb.metaOffset(cpu, mine) >> 2
    i[mm + L.PM_ENTRIES] = 0
    i[mm + L.PM_REAL_END] = 0
    if (
      Atomics.compareExchange(
        i,
        slots + hs,
        v,
        mine | (tag << L.SLOT_TAG_SHIFT) | L.SLOT_CONSUMED,
      ) !== v
    )
      continue
    const f = rb.f64
    const x = rb.fx(cpu)
    i[c + L.C_READER_PAGE] = id
    i[c + L.C_READER_SEQ] = h
    i[c + L.C_READER_READ] = 0
    i[c + L.C_HEAD_SEQ] = (h + 1) | 0
    i[c + L.C_HEAD_SLOT] = hs + 1 === n ? 0 : hs + 1
    f[x + L.F_READ_TS] = f[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
    const overrun = f[x + L.F_OVERRUN]!
    f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + overrun - f[x + L.F_LAST_OVERRUN]!
    f[x + L.F_LAST_OVERRUN] = overrun
    f[x + L.F_PAGES_READ] = f[x + L.F_PAGES_READ]! + 1
    return true
  }
}

/**
 * Find the next data record of `cpu`, skipping padding and applying time records.
 * With `consume`, move past it. Fills `rec`; returns false when there is none now.
 * Call with the reader operation lock held.
 */
export function pagedNext(
  rb: RingBuffer,
  cpu: number,
  rec: RingRecord,
  consume: boolean,
  dec: DecodedRecord,
): boolean {
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const client = rb.client
  const hdr = client.subbufHeaderBytes
  const commitOff = rb.client.commitOffset
  const dv = rb.dv
  if (rb.resetPending(cpu)) return false
  for (;;) {
    const page = i[c + L.C_READER_PAGE]!
    const pageOff = rb.subbufOffset(cpu, page)
    const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    const commit = Atomics.load(i, (pageOff + commitOff) >> 2) & L.COMMIT_LEN_MASK
    let read = i[c + L.C_READER_READ]!
    if (read < commit) {
      const dataOff = pageOff + hdr
      const end = dataOff + commit
      let ts = f[x + L.F_READ_TS]!
      while (read < commit) {
        const at = dataOff + read
        client.decode(dv, at, end, dec)
        const k = dec.kind
        if (k === RecordKind.Data) {
          rec.cpu = cpu
          rec.timestamp = ts + dec.delta
          rec.offset = dec.payloadOffset
          rec.length = dec.payloadLength
          rec.size = dec.size
          rec.bytes = rb.u8
          rec.lost = f[x + L.F_LOST_PENDING]!
          if (consume) {
            i[c + L.C_READER_READ] = read + dec.size
            f[x + L.F_READ_TS] = rec.timestamp
            f[x + L.F_READ] = f[x + L.F_READ]! + 1
            f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + dec.size
            Atomics.add(i, c + L.C_READ_EPOCH, 1) // open iterators restart at the new position
            if (rec.lost !== 0) {
              f[x + L.F_LOST] = f[x + L.F_LOST]! + rec.lost
              f[x + L.F_LOST_PENDING] = 0
            }
          } else {
            i[c + L.C_READER_READ] = read
            f[x + L.F_READ_TS] = ts
          }
          return true
        }
        if (k === RecordKind.End) {
          f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (commit - read)
          read = commit
          break
        }
        if (k === RecordKind.Corrupt) corrupt(cpu, at)
        if (k === RecordKind.TimeDelta || k === RecordKind.Padding) ts += dec.delta
        else if (k === RecordKind.TimeAbsolute)
          ts = client.fixAbsolute ? client.fixAbsolute(dec.delta, ts) : dec.delta
        else if (k === RecordKind.Loss)
          f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + dec.lost
        read += dec.size
        f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + dec.size
      }
      i[c + L.C_READER_READ] = read
      f[x + L.F_READ_TS] = ts
      continue
    }
    if (i[c + L.C_READER_SEQ] === cs) return false
    if (!swapReaderPage(rb, cpu)) return false
  }
}

/** A sub-buffer handed to a consumer: physical id `id` of ring `cpu`. Plain data, safe to post. */
export interface SubbufLease {
  /** The ring. */
  cpu: number
  /** Physical sub-buffer id; its bytes start at `RingBuffer.subbufOffset(cpu, id)`. */
  id: number
  /** Bytes of record data in it (end padding excluded). */
  dataBytes: number
  /** Records lost before it. */
  lost: number
  /** Base timestamp of its first record. */
  timestamp: number
  /** Reset generation it belongs to; a lease from before a reset is ignored on release. */
  epoch: number
}

/** Take a free spare sub-buffer id from the CPU's pool, or -1. */
export function takeSpare(rb: RingBuffer, cpu: number): number {
  const i = rb.i32
  const base = rb.ctl(cpu) + L.C_SPARE_IDS
  for (let k = 0; k < rb.g.spares; k++) {
    const v = Atomics.load(i, base + k)
    if (v >= 0 && Atomics.compareExchange(i, base + k, v, -1) === v) return v
  }
  return -1
}

/** Return a spare id to the pool. */
export function putSpare(rb: RingBuffer, cpu: number, id: number): void {
  const i = rb.i32
  const base = rb.ctl(cpu) + L.C_SPARE_IDS
  for (let k = 0; k < rb.g.spares; k++)
    if (Atomics.load(i, base + k) === id) throw new RangeError(`id: sub-buffer ${id} is not leased`)
  for (let k = 0; k < rb.g.spares; k++) {
    if (Atomics.compareExchange(i, base + k, -1, id) === -1) return
  }
  throw new RangeError(`id: sub-buffer ${id} is not leased (the pool is full)`)
}

/**
 * Hand the oldest data over to a consumer in a sub-buffer: zero-copy (the reader sub-buffer
 * itself, replaced by a spare) when it is complete and unread, else by copying whole records
 * into a spare. Returns null when there is no data (or, with `full`, no complete sub-buffer).
 * Call with the reader operation lock held.
 *
 * @throws BusyError when every spare sub-buffer is leased.
 */
export function pagedTakeSubbuf(
  rb: RingBuffer,
  cpu: number,
  full: boolean,
  dec: DecodedRecord,
  forceCopy: boolean,
): SubbufLease | null {
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const client = rb.client
  const hdr = client.subbufHeaderBytes
  const commitOff = client.commitOffset
  const dv = rb.dv
  if (rb.resetPending(cpu)) return null
  // make sure the reader sub-buffer holds unread data
  let cs: number
  let commit: number
  for (;;) {
    const page = i[c + L.C_READER_PAGE]!
    cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    commit = Atomics.load(i, (rb.subbufOffset(cpu, page) + commitOff) >> 2) & L.COMMIT_LEN_MASK
    const read = i[c + L.C_READER_READ]!
    if (read < commit) {
      // A finished sub-buffer with nothing but its end padding left has nothing to hand out.
      // While the writer is still in it (closed by a refused switch, or switching right now),
      // the padding is handed out like data, as the kernel's read_page copy path does.
      if (
        i[c + L.C_READER_SEQ] === cs ||
        read < i[(rb.metaOffset(cpu, page) >> 2) + L.PM_REAL_END]!
      )
        break
      f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (commit - read)
      i[c + L.C_READER_READ] = commit
      continue
    }
    if (i[c + L.C_READER_SEQ] === cs) return null
    if (!swapReaderPage(rb, cpu)) return null
  }
  const page = i[c + L.C_READER_PAGE]!
  const pageOff = rb.subbufOffset(cpu, page)
  const read = i[c + L.C_READER_READ]!
  const writerOn = i[c + L.C_READER_SEQ] === cs
  if (full && (writerOn || read !== 0)) return null
  const spare = takeSpare(rb, cpu)
  if (spare < 0)
    throw new BusyError(`cpu: every spare sub-buffer of ring ${cpu} is leased; release one first`)
  const lost = f[x + L.F_LOST_PENDING]!
  const epoch = Atomics.load(i, c + L.C_RESET_DONE)
  const capacity = rb.g.unit - hdr
  if (!writerOn && read === 0 && !forceCopy) {
    // zero-copy: the reader sub-buffer goes to the consumer, the spare becomes the reader's
    const meta = rb.metaOffset(cpu, page) >> 2
    const dataBytes = i[meta + L.PM_REAL_END]!
    const entries = i[meta + L.PM_ENTRIES]!
    const ts = f[(rb.metaOffset(cpu, page) >> 3) + L.PM_TS_F64]!
    rb.u8.fill(0, pageOff + hdr + dataBytes, pageOff + rb.g.unit)
    Atomics.store(i, (pageOff + commitOff) >> 2, dataBytes)
    client.subbufHandoff?.(dv, pageOff, { dataBytes, capacity, lost })
    const so = rb.subbufOffset(cpu, spare)
    Atomics.store(i, (so + commitOff) >> 2, 0)
    i[c + L.C_READER_PAGE] = spare
    i[c + L.C_READER_READ] = 0
    f[x + L.F_READ] = f[x + L.F_READ]! + entries
    f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + commit
    f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
    f[x + L.F_LOST_PENDING] = 0
    Atomics.add(i, c + L.C_READ_EPOCH, 1)
    return { cpu, id: page, dataBytes, lost, timestamp: ts, epoch }
  }
  // copy whole records from the reader position into the spare
  const so = rb.subbufOffset(cpu, spare)
  const dataOff = pageOff + hdr
  const end = dataOff + commit
  // end padding of a finished sub-buffer is read but not copied (dataBytes excludes it); while
  // the writer is in it (closed by a refused switch) the kernel copies the padding too
  const copyEnd = writerOn ? end : dataOff + i[(rb.metaOffset(cpu, page) >> 2) + L.PM_REAL_END]!
  const ts0 = f[x + L.F_READ_TS]!
  let ts = ts0
  let at = dataOff + read
  let out = so + hdr
  let entries = 0
  let bytes = 0
  while (at < end) {
    client.decode(dv, at, end, dec)
    const k = dec.kind
    if (k === RecordKind.End || at >= copyEnd) {
      bytes += end - at
      at = end
      break
    }
    if (k === RecordKind.Corrupt) {
      putSpare(rb, cpu, spare) // the spare goes back before the error
      corrupt(cpu, at)
    }
    if (k === RecordKind.TimeDelta || k === RecordKind.Data || k === RecordKind.Padding)
      ts += dec.delta
    else if (k === RecordKind.TimeAbsolute)
      ts = client.fixAbsolute ? client.fixAbsolute(dec.delta, ts) : dec.delta
    rb.u8.copyWithin(out, at, at + dec.size)
    out += dec.size
    at += dec.size
    bytes += dec.size
    if (k === RecordKind.Data) entries++
  }
  const dataBytes = out - (so + hdr)
  client.subbufBegin?.(dv, so, ts0)
  f[(rb.metaOffset(cpu, spare) >> 3) + L.PM_TS_F64] = ts0
  rb.u8.fill(0, out, so + rb.g.unit)
  Atomics.store(i, (so + commitOff) >> 2, dataBytes)
  client.subbufHandoff?.(dv, so, { dataBytes, capacity, lost })
  i[c + L.C_READER_READ] = at - dataOff
  f[x + L.F_READ_TS] = ts
  f[x + L.F_READ] = f[x + L.F_READ]! + entries
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + bytes
  f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
  f[x + L.F_LOST_PENDING] = 0
  Atomics.add(i, c + L.C_READ_EPOCH, 1)
  return { cpu, id: spare, dataBytes, lost, timestamp: ts0, epoch }
}

/** What `RingReader.consumeReaderSubbuf` did. */
export interface ReaderSubbufInfo {
  /** Physical id of the reader sub-buffer afterwards. */
  id: number
  /** Bytes of it consumed (all of its data). */
  read: number
  /** True when a new sub-buffer was swapped in. */
  swapped: boolean
  /** Records lost before the swapped-in sub-buffer (0 when none or not swapped). */
  lost: number
  /** Data records consumed by this call. */
  records: number
}

/** Consume every record left in the reader sub-buffer; returns how many data records. */
function consumeRest(rb: RingBuffer, cpu: number, dec: DecodedRecord): number {
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const client = rb.client
  const page = i[c + L.C_READER_PAGE]!
  const pageOff = rb.subbufOffset(cpu, page)
  const commit = Atomics.load(i, (pageOff + client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  const dataOff = pageOff + client.subbufHeaderBytes
  let read = i[c + L.C_READER_READ]!
  let ts = f[x + L.F_READ_TS]!
  let records = 0
  const start = read
  while (read < commit) {
    const at = dataOff + read
    client.decode(rb.dv, at, dataOff + commit, dec)
    const k = dec.kind
    if (k === RecordKind.End) {
      read = commit
      break
    }
    if (k === RecordKind.Corrupt) corrupt(cpu, at)
    if (k === RecordKind.TimeAbsolute)
      ts = client.fixAbsolute ? client.fixAbsolute(dec.delta, ts) : dec.delta
    else ts += dec.delta
    if (k === RecordKind.Data) records++
    else if (k === RecordKind.Loss) f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + dec.lost
    read += dec.size
  }
  i[c + L.C_READER_READ] = read
  f[x + L.F_READ_TS] = ts
  f[x + L.F_READ] = f[x + L.F_READ]! + records
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (read - start)
  if (read !== start) Atomics.add(i, c + L.C_READ_EPOCH, 1)
  return records
}

/**
 * Hand the whole reader sub-buffer to a consumer that reads it in place (the kernel's
 * `ring_buffer_map_get_reader`): when it still has unread records, consume all of them (the
 * consumer reads up to the new read position); otherwise swap in the next sub-buffer and
 * consume all of it, flagging losses in it through the client's `subbufHandoff` when the
 * writer has left it. Call with the reader operation lock held.
 */
export function pagedConsumeReaderSubbuf(
  rb: RingBuffer,
  cpu: number,
  dec: DecodedRecord,
): ReaderSubbufInfo {
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const info: ReaderSubbufInfo = {
    id: i[c + L.C_READER_PAGE]!,
    read: i[c + L.C_READER_READ]!,
    swapped: false,
    lost: 0,
    records: 0,
  }
  if (rb.resetPending(cpu)) return info
  const page = info.id
  const commit =
    Atomics.load(i, (rb.subbufOffset(cpu, page) + rb.client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  if (i[c + L.C_READER_SEQ] !== -1 && info.read < commit) {
    info.records = consumeRest(rb, cpu, dec)
    info.read = i[c + L.C_READER_READ]!
    return info
  }
  const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
  if (i[c + L.C_READER_SEQ] === cs || !swapReaderPage(rb, cpu)) return info
  info.swapped = true
  info.id = i[c + L.C_READER_PAGE]!
  const lost = f[x + L.F_LOST_PENDING]!
  info.lost = lost
  if (lost > 0) {
    f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
    f[x + L.F_LOST_PENDING] = 0
    // flag the losses first (the kernel sets commit = real_end, then the flags), so that the
    // consumer's read position ends at the data, before the stored count
    if (i[c + L.C_READER_SEQ] !== Atomics.load(i, c + L.C_COMMIT_SEQ)) {
      const pageOff = rb.subbufOffset(cpu, info.id)
      const commitIdx = (pageOff + rb.client.commitOffset) >> 2
      const before = Atomics.load(i, commitIdx) & L.COMMIT_LEN_MASK
      const dataBytes = i[(rb.metaOffset(cpu, info.id) >> 2) + L.PM_REAL_END]!
      rb.client.subbufHandoff?.(rb.dv, pageOff, {
        dataBytes,
        capacity: rb.g.unit - rb.client.subbufHeaderBytes,
        lost,
      })
      // the end padding the handoff cut off counts as read
      const after = Atomics.load(i, commitIdx) & L.COMMIT_LEN_MASK
      if (after < before) f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (before - after)
    }
  }
  info.records = consumeRest(rb, cpu, dec)
  info.read = i[c + L.C_READER_READ]!
  return info
}
