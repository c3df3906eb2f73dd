/**
 * Handoff of whole sub-buffers of the paged layout: to a consumer that takes a sub-buffer away
 * (`RingReader.takeSubbuf`, the kernel's `ring_buffer_read_page`: zero-copy, or a copy of the
 * unread records into a spare) and to one that reads the reader sub-buffer in place
 * (`RingReader.consumeReaderSubbuf`, the kernel's `ring_buffer_map_get_reader`), with the pool
 * of spare sub-buffers the leases come from.
 *
 * Invariants (see docs/design.md §5.3, §5.5):
 * - a leased id is in no pool slot and no ring slot until it is released; a lease from before a
 *   reset is ignored on release;
 * - the reader reads the commit frontier before the commit word of its sub-buffer, so when
 *   the frontier has moved past the sub-buffer, the commit word it reads is final.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind } from './client.js'
import { BusyError } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { peekData, stepRecord } from './record-walk.js'
import { clearCommit, loadReader, storeCursor, swapReaderPage } from './reader-page.js'
import type { ReaderCursor } from './reader-page.js'

/** A sub-buffer handed to a consumer: physical id `id` of ring `cpu`. Plain data, safe to post. */
export interface SubbufLease {
  /** The ring. */
  cpu: number
  /** Physical sub-buffer id; its bytes start at `RingBuffer.subbufOffset(cpu, id)`. */
  id: number
  /**
   * Bytes of data in it: the records, without the end padding when the sub-buffer is handed
   * over whole (zero-copy, the kernel's swap path), with it when records are copied and the
   * copy reaches the padding (the kernel's copy path copies up to the commit).
   */
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
  cur: ReaderCursor,
  forceCopy: boolean,
): SubbufLease | null {
  if (rb.resetPending(cpu)) return null
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const client = rb.client
  const hdr = client.subbufHeaderBytes
  const commitOff = client.commitOffset
  const dv = rb.dv
  // make sure the reader sub-buffer holds unread data
  let cs: number
  for (;;) {
    cs = loadReader(rb, cpu, cur)
    // Unread bytes are handed out even when they are only the end padding of a finished
    // sub-buffer: the kernel's read_page copy path copies up to the commit, padding included.
    if (cur.read < cur.commit) break
    if (i[c + L.C_READER_SEQ] === cs) return null
    if (!swapReaderPage(rb, cpu)) return null
  }
  const { page, commit, read, dataOff } = cur
  const pageOff = dataOff - hdr
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
    clearCommit(rb, cpu, spare)
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
  // the kernel's copy path copies whole events up to the commit, end padding included
  const copyEnd = commit
  const ts0 = cur.ts
  let copied = read
  let entries = 0
  try {
    while (copied < copyEnd) {
      if (stepRecord(client, dv, dataOff, commit, cur.dec, cur, cpu) === RecordKind.End) break
      if (cur.dec.kind === RecordKind.Data) entries++
      copied = cur.read
    }
  } catch (e) {
    putSpare(rb, cpu, spare) // the spare goes back before the error
    throw e
  }
  const dataBytes = copied - read
  const out = so + hdr + dataBytes
  rb.u8.copyWithin(so + hdr, dataOff + read, dataOff + copied)
  // the reader moves to the commit word: what was not copied (end padding, End) counts as read
  const stop = Math.max(cur.read, commit)
  client.subbufBegin?.(dv, so, ts0)
  f[(rb.metaOffset(cpu, spare) >> 3) + L.PM_TS_F64] = ts0
  rb.u8.fill(0, out, so + rb.g.unit)
  Atomics.store(i, (so + commitOff) >> 2, dataBytes)
  client.subbufHandoff?.(dv, so, { dataBytes, capacity, lost })
  i[c + L.C_READER_READ] = stop
  f[x + L.F_READ_TS] = cur.ts
  f[x + L.F_READ] = f[x + L.F_READ]! + entries
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (stop - read)
  f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
  f[x + L.F_LOST_PENDING] = 0
  Atomics.add(i, c + L.C_READ_EPOCH, 1)
  return { cpu, id: spare, dataBytes, lost, timestamp: ts0, epoch }
}

/**
 * @internal A test seam: `betweenLoads` runs between `pagedConsumeReaderSubbuf`'s two loads (the commit
 * frontier, then the reader sub-buffer's commit word), so a test can play a
 * writer's steps exactly there. Checked only in that function (not on the record path).
 */
export const readerSubbufHooks: { betweenLoads: (() => void) | null } = { betweenLoads: null }

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
function consumeRest(rb: RingBuffer, cpu: number, cur: ReaderCursor): number {
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const { client, dv } = rb
  const dec = cur.dec
  loadReader(rb, cpu, cur)
  const { dataOff, commit, read: start } = cur
  let records = 0
  for (
    let at = peekData(client, dv, dataOff, commit, start, dec, cur, cpu, false);
    at >= 0;
    at = peekData(client, dv, dataOff, commit, at + dec.size, dec, cur, cpu, false)
  ) {
    cur.ts += dec.delta
    records++
  }
  storeCursor(rb, cur)
  f[x + L.F_READ] = f[x + L.F_READ]! + records
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (cur.read - start)
  if (cur.read !== start) Atomics.add(rb.i32, c + L.C_READ_EPOCH, 1)
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
  cur: ReaderCursor,
): ReaderSubbufInfo {
  const { i32: i, f64: f } = rb
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
  // the frontier before the commit word (docs/design.md §7): if the frontier is past the reader
  // sub-buffer, the commit word loaded after it is final, so "nothing unread" means the writer
  // left it with nothing more, and the swap below discards no record
  const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
  readerSubbufHooks.betweenLoads?.()
  const commit =
    Atomics.load(i, (rb.subbufOffset(cpu, page) + rb.client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  if (i[c + L.C_READER_SEQ] !== -1 && info.read < commit) {
    info.records = consumeRest(rb, cpu, cur)
    info.read = i[c + L.C_READER_READ]!
    return info
  }
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
      const dataBytes = i[(rb.metaOffset(cpu, info.id) >> 2) + L.PM_REAL_END]!
      rb.client.subbufHandoff?.(rb.dv, pageOff, {
        dataBytes,
        capacity: rb.g.unit - rb.client.subbufHeaderBytes,
        lost,
      })
      // the end padding the handoff cut off is never counted as read: the kernel consumes the
      // page up to its new commit (real_end), so `bytes` keeps the padding (Linux 6.18, live)
    }
  }
  info.records = consumeRest(rb, cpu, cur)
  info.read = i[c + L.C_READER_READ]!
  return info
}
