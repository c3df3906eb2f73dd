/**
 * Consuming reads of the paged layout: one record (`RingReader.peek`/`consume`, the kernel's
 * `ring_buffer_peek`/`ring_buffer_consume`) or a chunk of records (`RingReader.consumeBatch`,
 * `RingReader.drain`). Both walk the reader sub-buffer with the record walk (record-walk.ts)
 * and swap in the next sub-buffer (reader-page.ts) when the writer has left this one.
 *
 * A chunk is up to {@link CHUNK_RECORDS} data records of the reader sub-buffer (never more
 * than one sub-buffer) consumed in one reader-lock hold: the shared reader state (read
 * position, running timestamp, `read`/`bytesRead` counters, read epoch) is written once per
 * chunk instead of once per record. The chunk's records are described in private typed arrays
 * and handed to the caller's callback after the lock is released, so a callback may call any
 * reader operation. The records stay valid exactly as long as a `consume()`d record: they sit
 * in the reader sub-buffer, which no writer touches, until a later read swaps it.
 *
 * Invariants kept (docs/design.md §5.2, §7, §9):
 * - the commit frontier is loaded before the reader sub-buffer's commit word, so when the
 *   frontier has moved past the sub-buffer, the commit word is final and the reader may swap;
 * - a loss is reported once, with the first record after it; a chunk never reaches past a
 *   `Loss` record that follows a data record, so its pending loss goes with its first record;
 * - when a callback throws, the records after the one it threw on are given back (the read
 *   position is rolled back) unless another read of the ring happened meanwhile.
 *
 * @internal
 * @packageDocumentation
 */
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import type { RingRecord } from './record.js'
import { handOut, peekData } from './record-walk.js'
import { loadReader, storeCursor, swapReaderPage } from './reader-page.js'
import type { ReaderCursor } from './reader-page.js'
import type { RecordVisitor } from './reader.js'

/**
 * Find the next data record of `cpu` with the record walk; with `consume`, move past it. Fills
 * `rec`; returns false when there is none now. Call with the reader operation lock held.
 */
export function pagedNext(
  rb: RingBuffer,
  cpu: number,
  rec: RingRecord,
  consume: boolean,
  cur: ReaderCursor,
): boolean {
  if (rb.resetPending(cpu)) return false
  const f = rb.f64
  const dec = cur.dec
  for (;;) {
    const cs = loadReader(rb, cpu, cur)
    // locals, not cursor fields, across the decode call
    const { ctl: c, fx: x, read: start, commit } = cur
    if (start < commit) {
      const at = peekData(rb.client, rb.dv, cur.dataOff, commit, start, dec, cur, cpu, false)
      if (at >= 0) {
        const ts = cur.ts + dec.delta
        const lost = cur.lost
        handOut(rec, dec, cpu, ts, lost)
        rec.bytes = rb.u8
        if (consume) {
          cur.read = at + dec.size
          cur.ts = ts
          f[x + L.F_READ] = f[x + L.F_READ]! + 1
          if (lost !== 0) {
            // reported once, with this record (ring_buffer_consume)
            f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
            cur.lost = 0
          }
        } else cur.read = at
      }
      // records passed count as read: padding, time and loss records, and the one consumed
      f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (cur.read - start)
      storeCursor(rb, cur)
      if (at < 0) continue
      // open iterators restart at the new position
      if (consume) Atomics.add(rb.i32, c + L.C_READ_EPOCH, 1)
      return true
    }
    if (rb.i32[c + L.C_READER_SEQ] === cs) return false
    if (!swapReaderPage(rb, cpu)) return false
  }
}

/** Most data records consumed per reader-lock hold. */
export const CHUNK_RECORDS = 1024

/** The records of one chunk, in consumption order. */
export class BatchChunk {
  /** Payload offsets (absolute bytes in the buffer). */
  readonly off: Int32Array = new Int32Array(CHUNK_RECORDS)
  /** Payload lengths. */
  readonly len: Int32Array = new Int32Array(CHUNK_RECORDS)
  /** Record sizes (header and alignment; a time record in front excluded). */
  readonly size: Int32Array = new Int32Array(CHUNK_RECORDS)
  /** Reader position (`C_READER_READ`) right after each record. */
  readonly end: Int32Array = new Int32Array(CHUNK_RECORDS)
  /** Absolute timestamps. */
  readonly ts: Float64Array = new Float64Array(CHUNK_RECORDS)
  /** Records in the chunk. */
  n = 0
  /** Records lost right before the first record. */
  lost = 0
  /** Reader sub-buffer id, its ring seq, reader position and read epoch after the chunk. */
  page = 0
  seq = 0
  stop = 0
  epoch = 0
}

/**
 * Consume the next chunk of ring `cpu` into `ch` (at most `max` records, 1..CHUNK_RECORDS)
 * with the record walk, like `pagedNext`. `ch.n` is 0 when there is nothing to read now. Call
 * with the reader operation lock held.
 */
export function pagedConsumeChunk(
  rb: RingBuffer,
  cpu: number,
  cur: ReaderCursor,
  ch: BatchChunk,
  max: number,
): void {
  ch.n = 0
  ch.lost = 0
  if (rb.resetPending(cpu)) return
  const { f64: f, client, dv } = rb
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const dec = cur.dec
  const { off, len, size, end: endAt, ts: tss } = ch
  for (;;) {
    const cs = loadReader(rb, cpu, cur)
    const start = cur.read
    const commit = cur.commit
    if (start < commit) {
      const dataOff = cur.dataOff
      let n = 0
      let at = peekData(client, dv, dataOff, commit, start, dec, cur, cpu, false)
      while (at >= 0) {
        const ts = cur.ts + dec.delta
        const next = at + dec.size
        cur.ts = ts
        off[n] = dec.payloadOffset
        len[n] = dec.payloadLength
        size[n] = dec.size
        endAt[n] = next
        tss[n] = ts
        if (++n >= max) {
          cur.read = next
          break
        }
        // after the first record a Loss record ends the chunk: its loss goes with the next one
        at = peekData(client, dv, dataOff, commit, next, dec, cur, cpu, true)
      }
      f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (cur.read - start)
      const lost = n === 0 ? 0 : cur.lost
      if (lost !== 0) {
        f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
        cur.lost = 0
      }
      storeCursor(rb, cur)
      if (n === 0) continue
      f[x + L.F_READ] = f[x + L.F_READ]! + n
      ch.n = n
      ch.lost = lost
      ch.page = cur.page
      ch.seq = rb.i32[c + L.C_READER_SEQ]!
      ch.stop = cur.read
      // open iterators restart at the new position
      ch.epoch = Atomics.add(rb.i32, c + L.C_READ_EPOCH, 1) + 1
      return
    }
    if (rb.i32[c + L.C_READER_SEQ] === cs) return
    if (!swapReaderPage(rb, cpu)) return
  }
}

/**
 * A callback threw on record `k` of `ch` (records 0..k were handed out): give the records
 * after it back to the ring, unless another read of the ring happened since the chunk was
 * taken. Call with the reader operation lock held.
 */
export function pagedRollback(rb: RingBuffer, cpu: number, ch: BatchChunk, k: number): void {
  const rest = ch.n - k - 1
  if (rest <= 0) return
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  if (
    Atomics.load(i, c + L.C_READ_EPOCH) !== ch.epoch ||
    rb.resetPending(cpu) ||
    i[c + L.C_READER_PAGE] !== ch.page ||
    i[c + L.C_READER_SEQ] !== ch.seq ||
    i[c + L.C_READER_READ] !== ch.stop
  )
    return
  const back = ch.end[k]!
  i[c + L.C_READER_READ] = back
  f[x + L.F_READ_TS] = ch.ts[k]!
  f[x + L.F_READ] = f[x + L.F_READ]! - rest
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! - (ch.stop - back)
  Atomics.add(i, c + L.C_READ_EPOCH, 1)
}

/**
 * A `RecordVisitor` also given the record's `size` in the ring (header and padding included):
 * the callback of the batched paged path.
 */
export type SizedRecordVisitor = (...args: [...Parameters<RecordVisitor>, size: number]) => void

/**
 * The paged path of `RingReader.consumeBatch`: consume up to `max` records of ring `cpu` chunk
 * by chunk into `ch`, taking the reader lock once per chunk and calling `fn` for each record
 * after releasing it. When `fn` throws, the records after the one it threw on are given back
 * ({@link pagedRollback}) and the exception propagates. Returns how many were consumed.
 */
export function pagedConsumeBatch(
  rb: RingBuffer,
  cpu: number,
  cur: ReaderCursor,
  ch: BatchChunk,
  max: number,
  fn: SizedRecordVisitor,
): number {
  let total = 0
  const take = (): void => {
    pagedConsumeChunk(rb, cpu, cur, ch, Math.min(max - total, ch.off.length))
  }
  while (total < max) {
    rb.checkLive()
    rb.withReaderOpLock(cpu, take)
    const n = ch.n
    if (n === 0) break
    const u8 = rb.u8
    const { off, len, ts, size } = ch
    let k = 0
    try {
      fn(u8, off[0]!, len[0]!, ts[0]!, ch.lost, cpu, size[0]!)
      for (k = 1; k < n; k++) fn(u8, off[k]!, len[k]!, ts[k]!, 0, cpu, size[k]!)
    } catch (e) {
      rb.withReaderOpLock(cpu, () => {
        pagedRollback(rb, cpu, ch, k)
      })
      throw e
    }
    total += n
  }
  return total
}
