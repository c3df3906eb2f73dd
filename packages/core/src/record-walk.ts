/**
 * The record walk of a paged sub-buffer: the one place that steps over records, applies time
 * records, padding and loss records, and stops at the next data record (the kernel's
 * `rb_buffer_peek` and `rb_update_read_stamp`). Every paged reader walks with it: consume,
 * batch consume, the handoff copy, the in-place consume and the iterator. What a reader does
 * at a data record (hand it out, fill a chunk, count it, copy it) and its step past it (the
 * kernel's `rb_advance_reader`) stay with the reader.
 *
 * The walk knows nothing of the live buffer: it reads any `DataView` that holds a sub-buffer's
 * data area (the shared memory, an iterator's private copy, a page of a file), decodes through
 * the client, and keeps the running time and loss count in a {@link WalkCursor}. Positions are
 * bytes from `dataOff`, the first record; `commit` is the bytes of committed data after it.
 * The caller loads `commit` (and, on the live buffer, the commit frontier before it:
 * docs/design.md §7).
 *
 * No callback in the loop and no allocation: the caller owns the cursor and the decoded record
 * and reuses them.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind } from './client.js'
import type { DecodedRecord, RingClient } from './client.js'
import type { RingRecord } from './record.js'

/** Where a walk stands in a sub-buffer: the kernel's `reader_page->read` and `read_stamp`. */
export class WalkCursor {
  /** Bytes of the data area passed: the next record starts at `dataOff + read`. */
  read = 0
  /** Running timestamp: the time of the last record passed. */
  ts = 0
  /** Records lost: the starting count plus what the loss records passed report. */
  lost = 0
  /**
   * Where byte 0 of the walked `DataView` sits in the bytes the user knows (the buffer, a
   * file): error messages name `origin + offset`. 0 when the walk reads the buffer itself.
   */
  origin = 0
}

/** Thrown (as a TypeError) when a ring's bytes do not decode; `where` is the byte offset. */
export function corrupt(cpu: number, where: number): never {
  throw new TypeError(`cpu: ring ${cpu} holds a corrupt record at byte ${where}`)
}

/**
 * Apply the time effect or loss of the record decoded at `at` to `cur` (the kernel's
 * `rb_update_read_stamp`): data, padding and time deltas add their delta (a discarded record
 * keeps its delta, because the records after it carry deltas relative to it), an absolute
 * timestamp replaces the running time through the client's `fixAbsolute`, a loss record adds
 * its count. `End` has no effect; the position is the caller's.
 *
 * @throws TypeError on a `Corrupt` record, naming its offset (`cur.origin + at`).
 */
export function applyRecord(
  client: RingClient,
  cpu: number,
  at: number,
  dec: DecodedRecord,
  cur: WalkCursor,
): void {
  const k = dec.kind
  if (k === RecordKind.Data || k === RecordKind.TimeDelta || k === RecordKind.Padding)
    cur.ts += dec.delta
  else if (k === RecordKind.TimeAbsolute)
    cur.ts = client.fixAbsolute ? client.fixAbsolute(dec.delta, cur.ts) : dec.delta
  else if (k === RecordKind.Loss) cur.lost += dec.lost
  else if (k === RecordKind.Corrupt) corrupt(cpu, cur.origin + at)
}

/**
 * Decode the record at `cur.read`, apply it and move past it; `End` moves `cur.read` to
 * `commit`. Returns the record's kind (`dec` holds the record). Call with `cur.read < commit`.
 *
 * @throws TypeError on a corrupt record.
 */
export function stepRecord(
  client: RingClient,
  dv: DataView,
  dataOff: number,
  commit: number,
  dec: DecodedRecord,
  cur: WalkCursor,
  cpu: number,
): number {
  const at = dataOff + cur.read
  client.decode(dv, at, dataOff + commit, dec)
  const k = dec.kind
  if (k === RecordKind.End) cur.read = commit
  else {
    applyRecord(client, cpu, at, dec, cur)
    cur.read += dec.size
  }
  return k
}

/**
 * Step over non-data records from position `read` to the next data record (the kernel's
 * `rb_buffer_peek`), applying each one passed to `cur` (time, loss). Returns the data record's
 * position, with `dec` on it and nothing of it applied: the caller takes its timestamp as
 * `cur.ts + dec.delta` and moves on to `position + dec.size`. Returns -1 when there is no data
 * record before `commit`; `cur.read` is then where the walk stopped (`commit`; an `End` record
 * counts as reaching it). The position is an argument and a result, not a cursor field, so
 * that a reader's loop keeps it in a register.
 *
 * `afterData` is for a caller that has already taken data records of this walk: a `Loss`
 * record then ends the walk before it (its count belongs to the record after it; `cur.read`
 * is its position), and so does a `Corrupt` one (the data before it is handed out first; the
 * next walk reports it).
 *
 * @throws TypeError on a corrupt record (unless `afterData`).
 */
export function peekData(
  client: RingClient,
  dv: DataView,
  dataOff: number,
  commit: number,
  read: number,
  dec: DecodedRecord,
  cur: WalkCursor,
  cpu: number,
  afterData: boolean,
): number {
  if (read < commit) {
    const end = dataOff + commit
    client.decode(dv, dataOff + read, end, dec)
    // the common case, a data record right at `read`, returns without entering the loop
    if (dec.kind === RecordKind.Data) return read
    for (;;) {
      const k = dec.kind
      if (k === RecordKind.Data) return read
      if (k === RecordKind.End) {
        read = commit
        break
      }
      if (afterData && (k === RecordKind.Loss || k === RecordKind.Corrupt)) break
      applyRecord(client, cpu, dataOff + read, dec, cur)
      read += dec.size
      if (read >= commit) break
      client.decode(dv, dataOff + read, end, dec)
    }
  }
  cur.read = read
  return -1
}

/**
 * Hand out the data record a walk stopped on (`dec`) in the reader's reused `rec`: payload
 * offset, length and size from `dec`, with its `timestamp` and the `lost` count reported with
 * it. `rec.bytes` is the caller's (the buffer, or a reader's copy).
 */
export function handOut(
  rec: RingRecord,
  dec: DecodedRecord,
  cpu: number,
  timestamp: number,
  lost: number,
): void {
  rec.cpu = cpu
  rec.timestamp = timestamp
  rec.offset = dec.payloadOffset
  rec.length = dec.payloadLength
  rec.size = dec.size
  rec.lost = lost
}
