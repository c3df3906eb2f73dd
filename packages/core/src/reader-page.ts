/**
 * The paged reader's sub-buffer: its swap with the oldest ring sub-buffer (the kernel's
 * `rb_get_reader_page`) and the read position kept for it in the shared memory. The swap stays
 * outside the record walk (record-walk.ts); the walk's cursor is loaded from and stored to the
 * reader's words here.
 *
 * Invariants (see docs/design.md §5.1):
 * - the reader owns exactly one physical sub-buffer (`C_READER_PAGE`) outside the ring;
 * - a swap exchanges it with the ring's oldest sub-buffer by one CAS on that slot word,
 *   expecting the slot's sequence tag and the "unread" state; a writer that lapped the reader
 *   changes the tag first, so exactly one of them gets the sub-buffer.
 *
 * @internal
 * @packageDocumentation
 */
import { decodedRecord } from './client.js'
import type { DecodedRecord } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { WalkCursor, peekData } from './record-walk.js'

/**
 * Empty sub-buffer `id` of ring `cpu`: its commit word, and the header bytes after it (ftrace's
 * commit is a 64-bit `local_t` whose upper half carries the sign-extended missed-events flags;
 * the kernel's `local_set(&commit, 0)` clears all of it, and a mapped consumer reads it).
 */
export function clearCommit(rb: RingBuffer, cpu: number, id: number): void {
  const so = rb.subbufOffset(cpu, id)
  const commit = rb.client.commitOffset
  rb.u8.fill(0, so + commit + 4, Math.max(so + commit + 4, so + rb.client.subbufHeaderBytes))
  Atomics.store(rb.i32, (so + commit) >> 2, 0)
}

/**
 * The slot of ring `cpu`'s head sub-buffer as the reader's next swap finds it, the writer being
 * at sequence number `cs`: the ring holds `cs - n + 1 .. cs`, so what the writer lapped is
 * skipped (the kernel's head page, moved on by the writer in overwrite mode).
 */
export function lappedHeadSlot(rb: RingBuffer, cpu: number, cs: number): number {
  const i = rb.i32
  const c = rb.ctl(cpu)
  const n = rb.g.subbufs
  const head = i[c + L.C_HEAD_SLOT]!
  const lap = (cs - n + 1 - i[c + L.C_HEAD_SEQ]!) | 0
  return lap > 0 ? (head + (lap % n)) % n : head
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
    // re-read from shared memory: bounded before it is used as an offset
    if (id >= rb.g.physical)
      throw new TypeError(
        `sab: ring ${cpu}'s slot word ${hs} holds sub-buffer id ${id} (corrupt buffer)`,
      )
    // the writer's current sub-buffer: its commit word, loaded after the frontier, says whether
    // it holds data yet (docs/design.md §7)
    if (
      h === cs &&
      (Atomics.load(i, (rb.subbufOffset(cpu, id) + commitOff) >> 2) & L.COMMIT_LEN_MASK) === 0
    )
      return false
    // reset our old sub-buffer before the CAS hands it to the writer (docs/design.md §7)
    const mine = i[c + L.C_READER_PAGE]!
    if (i[c + L.C_READER_SEQ]! !== -1) countUnread(rb, cpu, mine)
    clearCommit(rb, cpu, mine)
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
    // the kernel's `cpu_buffer->pages = reader->list.prev`: where a reset restarts
    i[c + L.C_PAGES_ANCHOR] = hs === 0 ? n - 1 : hs - 1
    f[x + L.F_READ_TS] = f[(rb.metaOffset(cpu, id) >> 3) + L.PM_TS_F64]!
    const overrun = f[x + L.F_OVERRUN]!
    f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + overrun - f[x + L.F_LAST_OVERRUN]!
    f[x + L.F_LAST_OVERRUN] = overrun
    f[x + L.F_PAGES_READ] = f[x + L.F_PAGES_READ]! + 1
    return true
  }
}

/**
 * Count what the reader's old sub-buffer `mine` still holds unread before a swap gives it up:
 * its data records become `F_READER_DROPPED` (overrun, in `stats()`) and pending losses, its
 * bytes are read. Callers swap only once the sub-buffer is drained, so this finds nothing
 * unless a caller got the order of §7 wrong; it allocates only then.
 */
function countUnread(rb: RingBuffer, cpu: number, mine: number): void {
  const i = rb.i32
  const c = rb.ctl(cpu)
  const pageOff = rb.subbufOffset(cpu, mine)
  const commit = Atomics.load(i, (pageOff + rb.client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  const read = i[c + L.C_READER_READ]!
  if (read >= commit) return
  const cur = new WalkCursor()
  const dec = decodedRecord()
  const dataOff = pageOff + rb.client.subbufHeaderBytes
  let records = 0
  for (
    let at = peekData(rb.client, rb.dv, dataOff, commit, read, dec, cur, cpu, false);
    at >= 0;
    at = peekData(rb.client, rb.dv, dataOff, commit, at + dec.size, dec, cur, cpu, false)
  )
    records++
  const f = rb.f64
  const x = rb.fx(cpu)
  f[x + L.F_READER_DROPPED] = f[x + L.F_READER_DROPPED]! + records
  f[x + L.F_LOST_PENDING] = f[x + L.F_LOST_PENDING]! + records + cur.lost
  f[x + L.F_BYTES_READ] = f[x + L.F_BYTES_READ]! + (commit - read)
  i[c + L.C_READER_READ] = commit
}

/**
 * A reader's walk over its sub-buffer, reused by every read of one `RingReader`: the cursor
 * (`C_READER_READ`, `F_READ_TS`, `F_LOST_PENDING`), the decoded record, and where the reader
 * sub-buffer is and how much of it is committed, as {@link loadReader} found them.
 */
export class ReaderCursor extends WalkCursor {
  /** The decoded record the walk stopped on. */
  readonly dec: DecodedRecord = decodedRecord()
  /** Physical id of the reader sub-buffer (`C_READER_PAGE`). */
  page = 0
  /** Absolute offset of its first record. */
  dataOff = 0
  /** Its commit word: bytes of committed data. */
  commit = 0
  /** Index of the loaded CPU's control block in `rb.i32` (`rb.ctl(cpu)`). */
  ctl = 0
  /** Index of the loaded CPU's Float64 block in `rb.f64` (`rb.fx(cpu)`). */
  fx = 0
}

/**
 * Load the reader sub-buffer of `cpu` into `cur`: its id and data offset, its commit word and
 * the reader's position in it (`C_READER_READ`, `F_READ_TS`, `F_LOST_PENDING`). Returns the commit frontier
 * (`C_COMMIT_SEQ`), loaded before the commit word. Call with the reader operation lock held.
 */
export function loadReader(rb: RingBuffer, cpu: number, cur: ReaderCursor): number {
  const { i32: i, client } = rb
  const c = rb.ctl(cpu)
  const x = rb.fx(cpu)
  cur.ctl = c
  cur.fx = x
  cur.page = i[c + L.C_READER_PAGE]!
  const pageOff = rb.subbufOffset(cpu, cur.page)
  cur.dataOff = pageOff + client.subbufHeaderBytes
  // the frontier before the commit word (docs/design.md §7): once the frontier is past this
  // sub-buffer, the commit word loaded after it is final, so the reader may drain it and swap
  const cs = Atomics.load(i, c + L.C_COMMIT_SEQ)
  cur.commit = Atomics.load(i, (pageOff + client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  cur.read = i[c + L.C_READER_READ]!
  cur.ts = rb.f64[x + L.F_READ_TS]!
  cur.lost = rb.f64[x + L.F_LOST_PENDING]!
  return cs
}

/**
 * Store `cur` back as the reader's position in its sub-buffer: `C_READER_READ`, the running
 * timestamp `F_READ_TS` and the pending loss count `F_LOST_PENDING` of the CPU
 * {@link loadReader} loaded. Call with the reader operation lock held.
 */
export function storeCursor(rb: RingBuffer, cur: ReaderCursor): void {
  rb.i32[cur.ctl + L.C_READER_READ] = cur.read
  rb.f64[cur.fx + L.F_READ_TS] = cur.ts
  rb.f64[cur.fx + L.F_LOST_PENDING] = cur.lost
}
