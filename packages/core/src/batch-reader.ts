/**
 * Batched consuming reads of the paged layout (`RingReader.consumeBatch`, `RingReader.drain`).
 *
 * One reader-lock hold consumes a **chunk**: up to {@link CHUNK_RECORDS} data records of the
 * reader sub-buffer (never more than one sub-buffer), and the shared reader state (read
 * position, running timestamp, `read`/`bytesRead` counters, read epoch) is written once per
 * chunk instead of once per record. The chunk's records are described in private typed arrays
 * and handed to the caller's callback after the lock is released, so a callback may call any
 * reader operation. The records stay valid exactly as long as a `consume()`d record: they sit
 * in the reader sub-buffer, which no writer touches, until a later read swaps it.
 *
 * Invariants kept (docs/design.md §5.2, §9): a chunk never reaches past a `Loss` record that
 * follows a data record, so the chunk's pending loss is reported with its first record only;
 * when a callback throws, the records after the one it threw on are given back (the read
 * position is rolled back) unless another read of the ring happened meanwhile.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind } from './client.js'
import type { DecodedRecord } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { swapReaderPage } from './paged-reader.js'

/** Most data records consumed per reader-lock hold. */
export const CHUNK_RECORDS = 1024

/** Thrown (as a TypeError) when a ring's bytes do not decode. */
function corrupt(cpu: number, where: number): never {
  throw new TypeError(`cpu: ring ${cpu} holds a corrupt record at byte ${where}`)
}

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
 * Consume the next chunk of ring `cpu` into `ch` (at most `max` records, 1..CHUNK_RECORDS),
 * skipping padding and applying time and loss records like `pagedNext`. `ch.n` is 0 when
 * there is nothing to read now. Call with the reader operation lock held.
 */
export function pagedConsumeChunk(
  rb: RingBuffer,
  cpu: number,
  dec: DecodedRecord,
  ch: BatchChunk,
  max: number,
): void {
  ch.n = 0
  ch.lost = 0
  if (rb.resetPending(cpu)) return
  const i = rb.i32
  const f = rb.f64
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  const client = rb.client
  const hdr = client.subbufHeaderBytes
  const commitOff = client.commitOffset
  const dv = rb.dv
  const off = ch.off
  const len = ch.len
  const size = ch.size
  const endAt = ch.end
  const tss = ch.ts
  for (;;) {
    const page = i[c + L.C_READER_PAGE]!
    const pageOff = rb.subbufOffset(cpu, page)
    // the frontier before the commit word (docs/design.md §7)
    const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
    const commit = Atomics.load(i, (pageOff + commitOff) >> 2) & L.COMMIT_LEN_MASK
    let read = i[c + L.C_READER_READ]!
    if (read < commit) {
      const start = read
      const dataOff = pageOff + hdr
      const end = dataOff + commit
      let ts = f[x + L.F_READ_TS]!
      let lost = f[x + L.F_LOST_PENDING]!
      const lost0 = lost
      let n = 0
      while (read < commit && n < max) {
        const at = dataOff + read
        client.decode(dv, at, end, dec)
        const k = dec.kind
        if (k === RecordKind.Data) {
          ts += dec.delta
          read += dec.size
          off[n] = dec.payloadOffset
          len[n] = dec.payloadLength
          size[n] = dec.size
          endAt[n] = read
          tss[n] = ts
          n++
          continue
        }
        if (k === RecordKind.End) {
          read = commit
          break
        }
        if (k === RecordKind.Corrupt) {
          if (n > 0) break // hand out what precedes it; the next read reports it
          corrupt(cpu, at)
        }
        if (k === RecordKind.Loss) {
          if (n > 0) break // its loss belongs to the record after it: next chunk
          lost += dec.lost
        } else if (k === RecordKind.TimeDelta || k === RecordKind.Padding) ts += dec.delta
        else if (k === RecordKind.TimeAbsolute)
          ts = client.fixAbsolute ? client.fixAbsolute(dec.delta, ts) : dec.delta
        read += dec.size
      }
      i[c + L.C_READER_READ] = read
      f[x + L.F_READ_TS] = ts
      f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (read - start)
      if (n === 0) {
        if (lost !== lost0) f[x + L.F_LOST_PENDING] = lost
        continue
      }
      f[x + L.F_READ] = f[x + L.F_READ]! + n
      if (lost !== 0) {
        f[x + L.F_LOST] = f[x + L.F_LOST]! + lost
        f[x + L.F_LOST_PENDING] = 0
      }
      ch.n = n
      ch.lost = lost
      ch.page = page
      ch.seq = i[c + L.C_READER_SEQ]!
      ch.stop = read
      // open iterators restart at the new position
      ch.epoch = Atomics.add(i, c + L.C_READ_EPOCH, 1) + 1
      return
    }
    if (i[c + L.C_READER_SEQ] === cs) return
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
