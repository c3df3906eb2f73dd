/**
 * Recovery of a per-CPU ring whose writer died (docs/design.md §4.3): publish what the dead
 * writer committed but had not published yet, count its torn reservation as lost, and free the
 * ring for a new writer. Everything it needs is in shared memory: the published positions and
 * commit words, the records themselves, and the writer mark (`recovery-mark.ts`).
 *
 * Invariants:
 * - called only after the writer's thread exited (its stores are then all visible, and nobody
 *   else writes the ring: the recovery holds the writer lock while it acts as the writer);
 * - it publishes in the writer's order: meta (P1), counters (P2), commit words (P3), frontier
 *   or head (P4), then `C_PUB` and a wake-up, so readers, `stats()` and waiters synchronise
 *   with it exactly as with a publish of the writer (§7);
 * - it is idempotent: it leaves a closed mark at the position it published.
 *
 * Legend: `i` is the buffer's Int32 view, `f` its Float64 view.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordKind, decodedRecord } from './client.js'
import { ringGet } from './contiguous-writer.js'
import { BusyError } from './errors.js'
import * as L from './layout.js'
import { WalkCursor, stepRecord } from './record-walk.js'
import {
  C_WRITER_MARK,
  F_WRITER_COUNTED,
  F_WRITER_MARK,
  liveWriterTokens,
  PAGED_MARK_OFFSET,
  PAGED_MARK_SEQ_MASK,
  pagedMark,
  pagedMark32,
} from './recovery-mark.js'
import type { RingBuffer } from './ring-buffer.js'
import { wakeWaiters } from './wait.js'

/** What {@link RingBuffer.recoverWriter} did. */
export interface WriterRecovery {
  /** Records the dead writer had committed but not published: now published and counted. */
  recovered: number
  /** Torn reservations (0 or 1): counted as dropped, and lost in-band where the client writes loss records. */
  lost: number
}

/** Decoded header of the record being stepped over (one per module: no allocation per call). */
const dec = decodedRecord()

/**
 * Recover ring `ringCpu` (per-CPU sync) after its writer's thread exited.
 *
 * @throws RangeError for a bad CPU, TypeError on a shared ring or a freed buffer.
 * @throws BusyError when the ring's writer is open in this thread, or a writer attached to the
 *   ring while the recovery started.
 */
export function recoverWriter(rb: RingBuffer, ringCpu: number): WriterRecovery {
  rb.checkLive()
  const cpu = rb.checkCpu(ringCpu)
  if (rb.sync === 'shared')
    throw new TypeError('recoverWriter: a shared ring has no per-CPU writer to recover')
  const i = rb.i32
  const lock = rb.ctl(cpu) + L.C_WRITER_LOCK
  // act as the ring's writer: take the lock over from the dead one (or from nobody)
  const held = Atomics.load(i, lock)
  if (held !== 0 && liveWriterTokens.has(held))
    throw new BusyError(`cpu: ring ${cpu}'s writer is open in this thread; close it instead`)
  const token = rb.token
  if (Atomics.compareExchange(i, lock, held, token) !== held)
    throw new BusyError(`cpu: a writer attached to ring ${cpu} during its recovery`)
  try {
    const r = rb.g.layout === L.LAYOUT_PAGED ? recoverPaged(rb, cpu) : recoverContiguous(rb, cpu)
    // always: a recovery that found no record may still have counted an overrun
    Atomics.add(i, rb.ctl(cpu) + L.C_PUB, 1)
    wakeWaiters(rb, cpu)
    return r
  } finally {
    Atomics.compareExchange(i, lock, token, 0)
  }
}

/** The mark's position and whether a reservation was open there. */
function readMark(rb: RingBuffer, cpu: number): { pos: number; open: boolean; counted: number } {
  const f = rb.f64
  const m = f[rb.fx(cpu) + F_WRITER_MARK]!
  const pos = Math.floor(m / 2)
  return {
    pos,
    open: m - pos * 2 === 1,
    counted: Math.floor(f[rb.fx(cpu) + F_WRITER_COUNTED]! / 2),
  }
}

/**
 * The commit frontier of a paged per-CPU ring as its writer's last publish left it: the seq
 * that `C_COMMIT_SLOT` and `C_WRITER_PAGE` go with.
 *
 * A publish that moves the frontier stores `C_WRITER_PAGE`, `C_TAIL_SEQ`, `C_TAIL_SLOT` and
 * `C_COMMIT_SLOT` with plain stores, then `C_COMMIT_SEQ` with `Atomics.store` (P4). V8 stops a
 * terminated thread on entering an `Atomics` builtin, so a writer can die between the two:
 * the plain words name the new frontier, `C_COMMIT_SEQ` still the old one. Everything that
 * publish stored before P4 is in place (every finished sub-buffer's final commit word, the
 * counters), so the recovery completes it: `C_TAIL_SEQ` is the frontier. It equals
 * `C_COMMIT_SEQ` otherwise; a tail outside the ring's window past it (corrupt memory) is ignored.
 */
function publishedFrontier(i: Int32Array, ctl: number, n: number): number {
  const seq = Atomics.load(i, ctl + L.C_COMMIT_SEQ)
  const tail = i[ctl + L.C_TAIL_SEQ]!
  const ahead = (tail - seq) | 0
  return ahead > 0 && ahead < n ? tail : seq
}

/**
 * Paged: publish the sub-buffers from the commit frontier up to the mark. The frontier's own
 * sub-buffer from its published commit word on, each later one whole (its data end and final
 * commit word were left in `PM_COMMITTED`/`PM_FINAL` when the writer closed it).
 */
function recoverPaged(rb: RingBuffer, cpu: number): WriterRecovery {
  const i = rb.i32
  const f = rb.f64
  const ctl = rb.ctl(cpu)
  const fx = rb.fx(cpu)
  const n = rb.g.subbufs
  const client = rb.client
  const commitOff = client.commitOffset
  const hdr = client.subbufHeaderBytes
  // the mark word: seq's low 31 − unitShift bits, the offset, the open bit (recovery-mark.ts)
  const us = rb.g.unitShift
  const mark = i[ctl + C_WRITER_MARK]!
  const open = (mark & 1) === 1
  let markOff = (mark >>> 1) & (rb.g.unit - 1)
  const counted = Math.floor(f[fx + F_WRITER_COUNTED]! / 2)
  const seqP = publishedFrontier(i, ctl, n)
  const slotP = i[ctl + L.C_COMMIT_SLOT]!
  let ahead = ((mark >>> (us + 1)) - seqP) & (2 ** (31 - us) - 1)
  // where the counters stand: never behind the published commit words; past the mark when the
  // writer died in the publish of a switch, after its counters and before its frontier
  const countedSeq = Math.floor(counted / PAGED_MARK_OFFSET)
  let countedOff = counted - countedSeq * PAGED_MARK_OFFSET
  let countedAhead = (countedSeq - seqP) & PAGED_MARK_SEQ_MASK
  if (
    countedAhead < n &&
    (ahead >= n || countedAhead > ahead || (countedAhead === ahead && countedOff > markOff))
  ) {
    // publish up to the counted position (nothing after it to count)
    ahead = countedAhead
    markOff = countedOff
  }
  // a mark outside the ring's window is not this lap's: nothing to recover
  if (ahead >= n) return { recovered: 0, lost: 0 }
  if (countedAhead > ahead) {
    // counters of no lap of this ring: count from the published commit word
    countedAhead = 0
    countedOff = -1
  }
  const slotIdx = rb.slots(cpu)
  const writerPage = i[ctl + L.C_WRITER_PAGE]!
  const idP = seqP === 0 && writerPage === 0 ? i[slotIdx + slotP]! & L.SLOT_ID_MASK : writerPage
  // pass 1: count what each sub-buffer holds past what was published
  const ids: number[] = []
  const ends: number[] = []
  const reals: number[] = []
  const counts: number[] = []
  let recovered = 0
  let bytes = 0
  let lastTs = f[fx + L.F_LAST_TS]!
  const cur = new WalkCursor()
  for (let k = 0; k <= ahead; k++) {
    const slot = (slotP + k) % n
    const id = k === 0 ? idP : i[slotIdx + slot]! & L.SLOT_ID_MASK
    const meta = rb.metaOffset(cpu, id) >> 2
    const pageOff = rb.subbufOffset(cpu, id)
    const published = k === 0 ? Atomics.load(i, (pageOff + commitOff) >> 2) & L.COMMIT_LEN_MASK : 0
    const closedFinal = i[meta + L.PM_FINAL]!
    let real: number
    let end: number
    if (k < ahead || (closedFinal >= 0 && closedFinal === markOff)) {
      real = i[meta + L.PM_COMMITTED]!
      end = closedFinal
    } else real = end = markOff
    if (end < published) end = published
    // the counters count this sub-buffer's records from `from` on
    let from = k < countedAhead ? Infinity : k === countedAhead ? countedOff : 0
    if (from < 0) from = published
    // walk from the start for the running time: every data record (the sub-buffer's entries)
    // and those the counters do not count yet
    cur.read = 0
    cur.ts = f[(meta >> 1) + L.PM_TS_F64]!
    let count = 0
    while (cur.read < real) {
      const at = cur.read
      const kind = stepRecord(client, rb.dv, pageOff + hdr, real, dec, cur, cpu)
      if (kind === RecordKind.Data) {
        count++
        if (at >= from) {
          recovered++
          if (cur.ts > lastTs) lastTs = cur.ts
        }
      }
    }
    ids.push(id)
    ends.push(end)
    reals.push(real)
    counts.push(count)
    if (from !== Infinity && end > from) bytes += end - from
  }
  const lost = open ? 1 : 0
  // pass 2, the writer's publish order: P1 meta, P2 counters, P3 commit words, P4 frontier
  for (let k = 0; k <= ahead; k++) {
    const meta = rb.metaOffset(cpu, ids[k]!) >> 2
    /* P1 */ i[meta + L.PM_ENTRIES] = counts[k]!
    i[meta + L.PM_REAL_END] = reals[k]!
  }
  /* P2 */ f[fx + L.F_ENTRIES] = f[fx + L.F_ENTRIES]! + recovered
  f[fx + L.F_BYTES] = f[fx + L.F_BYTES]! + bytes
  f[fx + L.F_DROPPED] = f[fx + L.F_DROPPED]! + lost
  f[fx + L.F_PAGES_TOUCHED] = f[fx + L.F_PAGES_TOUCHED]! + ahead - countedAhead
  f[fx + L.F_LAST_TS] = lastTs
  for (let k = 0; k <= ahead; k++) {
    /* P3 */ Atomics.store(i, (rb.subbufOffset(cpu, ids[k]) + commitOff) >> 2, ends[k]!)
  }
  // the writer's sub-buffer, always: a writer that died before its first publish never
  // stored C_WRITER_PAGE, and the reader may swap that sub-buffer out once it is published
  const seqM = (seqP + ahead) | 0
  const slotM = (slotP + ahead) % n
  i[ctl + L.C_WRITER_PAGE] = ids[ahead]!
  i[ctl + L.C_TAIL_SEQ] = seqM
  i[ctl + L.C_TAIL_SLOT] = slotM
  i[ctl + L.C_COMMIT_SLOT] = slotM
  /* P4 */ Atomics.store(i, ctl + L.C_COMMIT_SEQ, seqM)
  // slots the dead writer claimed past the mark (a switch it died in before its counters, or
  // nested reservations that moved on): give them back as consumed, empty sub-buffers, so the
  // next writer's claim does not see them unread
  for (let k = 1; k < n - ahead; k++) {
    const idx = slotIdx + ((slotP + ahead + k) % n)
    const w = Atomics.load(i, idx)
    const tag = ((seqM + k) & L.SLOT_TAG_MASK) << L.SLOT_TAG_SHIFT
    if ((w & (L.SLOT_TAG_MASK << L.SLOT_TAG_SHIFT)) !== tag || (w & L.SLOT_CONSUMED) !== 0) break
    // a claim inside an open reservation may have nested records over the old ones: not counted
    if (!open) countClaimedOverrun(rb, cpu, w & L.SLOT_ID_MASK)
    Atomics.compareExchange(i, idx, w, w | L.SLOT_CONSUMED)
  }
  i[ctl + C_WRITER_MARK] = pagedMark32(seqM, ends[ahead]!, us)
  f[fx + F_WRITER_COUNTED] = pagedMark(seqM, ends[ahead]!) * 2
  return { recovered, lost }
}

/**
 * Count the records of sub-buffer `id` as overrun: a claim of the dead writer past its counted
 * position, made after its last counters (P2), so the overrun it counted in its own memory was
 * never stored. An overwrite claim of unread data leaves the earlier lap's records there, with
 * their commit word (the writer resets it only at the publish after its counters); a claim of
 * a consumed sub-buffer finds the commit word the reader's swap reset to 0, and counts nothing.
 * Stored before the slot is given back, so a reader that swaps a later sub-buffer reports the
 * loss (`F_LOST_PENDING` follows `F_OVERRUN`).
 */
function countClaimedOverrun(rb: RingBuffer, cpu: number, id: number): void {
  if (id >= rb.g.physical) return
  const i = rb.i32
  const f = rb.f64
  const fx = rb.fx(cpu)
  const client = rb.client
  const pageOff = rb.subbufOffset(cpu, id)
  const capacity = rb.g.unit - client.subbufHeaderBytes
  const commit = Atomics.load(i, (pageOff + client.commitOffset) >> 2) & L.COMMIT_LEN_MASK
  if (commit === 0 || commit > capacity) return
  const cur = new WalkCursor()
  let records = 0
  while (cur.read < commit) {
    const at = cur.read
    if (
      stepRecord(client, rb.dv, pageOff + client.subbufHeaderBytes, commit, dec, cur, cpu) ===
      RecordKind.Data
    )
      records++
    if (cur.read <= at) break
  }
  f[fx + L.F_OVERRUN] = f[fx + L.F_OVERRUN]! + records
  f[fx + L.F_BYTES_OVERRUN] = f[fx + L.F_BYTES_OVERRUN]! + commit
  f[fx + L.F_PAGES_LOST] = f[fx + L.F_PAGES_LOST]! + 1
}

/**
 * Contiguous: move the head from its published value to the mark, counting the records in
 * between; the loss records among them have reported the drops they carried.
 */
function recoverContiguous(rb: RingBuffer, cpu: number): WriterRecovery {
  const f = rb.f64
  const fx = rb.fx(cpu)
  const client = rb.client
  const headIdx = (rb.areaOffset(cpu) + client.headOffset) >> 3
  const head = Number(BigInt.asIntN(64, Atomics.load(rb.b64, headIdx)))
  const { pos, open, counted } = readMark(rb, cpu)
  const backward = (Atomics.load(rb.i32, L.H_FLAGS) & L.MODE_BACKWARD) !== 0
  // the committed range the counters do not count yet, between where they stand (never behind
  // the published head) and the mark; empty when the mark is not past it
  const lo = backward ? pos : counted
  const hi = backward ? counted : pos
  const cap = rb.g.unit
  const mask = cap - 1
  const dataOff = rb.subbufOffset(cpu, 0)
  const scratch = new Uint8Array(256)
  const sdv = new DataView(scratch.buffer)
  let recovered = 0
  let reported = 0
  let lastTs = f[fx + L.F_LAST_TS]!
  if (hi > lo && hi - lo <= cap) {
    for (let p = lo; p < hi;) {
      const at = p & mask
      if (at + scratch.length <= cap)
        client.decode(rb.dv, dataOff + at, dataOff + at + (hi - p), dec)
      else {
        ringGet(rb.u8, dataOff, mask, p, scratch, 0, scratch.length)
        client.decode(sdv, 0, hi - p, dec)
      }
      if (dec.kind === RecordKind.Corrupt || dec.kind === RecordKind.End || dec.size <= 0) break
      if (dec.kind === RecordKind.Data) {
        recovered++
        if (dec.delta > lastTs) lastTs = dec.delta
      } else if (dec.kind === RecordKind.Loss) reported += dec.lost
      p += dec.size
    }
  }
  const lost = open ? 1 : 0
  // the head moves to the mark when the mark is past it
  const newHead = (backward ? pos < head : pos > head) ? pos : head
  /* P2 */ f[fx + L.F_ENTRIES] = f[fx + L.F_ENTRIES]! + recovered
  f[fx + L.F_BYTES] = f[fx + L.F_BYTES]! + (hi > lo ? hi - lo : 0)
  f[fx + L.F_DROPPED] = f[fx + L.F_DROPPED]! + lost
  // the drops the recovered loss records reported are no longer pending; the torn one is
  f[fx + L.F_WRITER_LOST] = Math.max(0, f[fx + L.F_WRITER_LOST]! - reported) + lost
  f[fx + L.F_LAST_TS] = lastTs
  f[fx + L.F_HEAD_POS] = newHead
  /* P4 */ Atomics.store(rb.b64, headIdx, BigInt(newHead))
  f[fx + F_WRITER_MARK] = newHead * 2
  f[fx + F_WRITER_COUNTED] = newHead * 2
  return { recovered, lost }
}
