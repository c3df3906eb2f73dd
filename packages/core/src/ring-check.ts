/**
 * The check `RingBuffer.attach` makes of every ring's shared words (`docs/design.md §3.3`,
 * §7.1). The header checksum covers only the header; the per-CPU control words, slot words,
 * page meta and commit words are range-checked here, once, so that every index or offset a
 * reader or writer later takes from them lies inside the ring. Words a reader re-reads after
 * writers changed them are bounded where they are read (`swapReaderPage`).
 *
 * Invariants:
 * - a buffer that passes holds, in each ring, only sub-buffer ids below the physical count,
 *   slots below N, read positions and commit lengths within a sub-buffer, and (contiguous)
 *   head and tail positions JavaScript numbers represent exactly;
 * - every refusal is a TypeError naming the ring and the word.
 *
 * @internal
 * @packageDocumentation
 */
import * as L from './layout.js'
import { LOCK_WAIT_MS } from './locks.js'
import type { RingBuffer } from './ring-buffer.js'

/** Int32 index of the page meta's pin count (shared sync, `docs/design.md §3.6`). */
const PM_PINS = 7

function badWord(cpu: number, word: string, v: number, range: string): never {
  throw new TypeError(`sab: ring ${cpu}'s ${word} holds ${v}, outside ${range} (corrupt buffer)`)
}

function inRange(cpu: number, word: string, v: number, lo: number, hi: number): void {
  if (!(v >= lo && v <= hi)) badWord(cpu, word, v, `[${lo}, ${hi}]`)
}

/** Check the words of paged ring `cpu`. */
function checkPagedRing(rb: RingBuffer, cpu: number): void {
  const { i32: i, g, client } = rb
  const c = rb.ctl(cpu)
  const n = g.subbufs
  const last = g.physical - 1
  const cap = g.unit - client.subbufHeaderBytes
  const shared = rb.sync === 'shared'
  inRange(cpu, 'C_TAIL_SLOT', i[c + L.C_TAIL_SLOT]!, 0, n - 1)
  inRange(cpu, 'C_COMMIT_SLOT', i[c + L.C_COMMIT_SLOT]!, 0, n - 1)
  inRange(cpu, 'C_HEAD_SLOT', i[c + L.C_HEAD_SLOT]!, 0, n - 1)
  inRange(cpu, 'C_READER_PAGE', i[c + L.C_READER_PAGE]!, 0, last)
  inRange(cpu, 'C_READER_READ', i[c + L.C_READER_READ]!, 0, cap)
  inRange(cpu, 'C_WRITER_PAGE', i[c + L.C_WRITER_PAGE]!, 0, last)
  inRange(cpu, 'C_SHARED_PAGE', i[c + L.C_SHARED_PAGE]!, 0, last)
  for (let k = 0; k < g.spares; k++)
    inRange(cpu, `C_SPARE_IDS[${k}]`, i[c + L.C_SPARE_IDS + k]!, -1, last)
  const writers = i[c + L.C_WRITER_LOCK]!
  if (shared) {
    inRange(cpu, 'C_WRITER_LOCK (attached writers)', writers, 0, 0x7fffffff)
    // the reservation offset includes the header; all ones (switching) only while a writer
    // is attached
    const offMask = (1 << (g.unitShift + 1)) - 1
    let r = Atomics.load(i, c + L.C_RESV)
    if ((r & offMask) === offMask && writers !== 0) {
      // a switch in progress ends within microseconds and notifies; one that does not end
      // has no live owner (a dead writer, or garbage)
      const deadline = Date.now() + LOCK_WAIT_MS
      while ((r & offMask) === offMask && Date.now() < deadline) {
        Atomics.wait(i, c + L.C_RESV, r, 1)
        r = Atomics.load(i, c + L.C_RESV)
      }
      if ((r & offMask) === offMask)
        throw new TypeError(
          `sab: ring ${cpu}'s C_RESV says a sub-buffer switch is in progress and it did not end in ${LOCK_WAIT_MS} ms (its writer died, or the buffer is corrupt)`,
        )
    }
    inRange(cpu, 'C_RESV (offset)', r & offMask, client.subbufHeaderBytes, g.unit)
  }
  const slots = rb.slots(cpu)
  for (let s = 0; s < n; s++) {
    const v = i[slots + s]!
    if (v < 0) badWord(cpu, `slot word ${s}`, v, '[0, 2^31)')
    inRange(cpu, `slot word ${s} (id)`, v & L.SLOT_ID_MASK, 0, last)
    if (shared) inRange(cpu, `page-by-slot ${s}`, i[slots + n + s]!, 0, last)
  }
  for (let id = 0; id <= last; id++) {
    const m = rb.metaOffset(cpu, id) >> 2
    inRange(cpu, `page meta ${id} PM_ENTRIES`, i[m + L.PM_ENTRIES]!, 0, cap)
    inRange(cpu, `page meta ${id} PM_REAL_END`, i[m + L.PM_REAL_END]!, 0, cap)
    inRange(cpu, `page meta ${id} PM_COMMITTED`, i[m + L.PM_COMMITTED]!, 0, cap)
    inRange(cpu, `page meta ${id} PM_FINAL`, i[m + L.PM_FINAL]!, -1, cap)
    inRange(cpu, `page meta ${id} PM_SLOT`, i[m + L.PM_SLOT]!, 0, n - 1)
    if (shared && writers === 0) inRange(cpu, `page meta ${id} PM_PINS`, i[m + PM_PINS]!, 0, 0)
    const commit = i[(rb.subbufOffset(cpu, id) + client.commitOffset) >> 2]! & L.COMMIT_LEN_MASK
    inRange(cpu, `commit word of sub-buffer ${id}`, commit, 0, cap)
  }
}

/** A contiguous position word (BigInt64 at `off` of the client area), checked exact. */
function position(rb: RingBuffer, cpu: number, word: string, off: number): number {
  const v = Number(BigInt.asIntN(64, Atomics.load(rb.b64, (rb.areaOffset(cpu) + off) >> 3)))
  if (!Number.isSafeInteger(v)) badWord(cpu, `${word} position`, v, '±(2^53 − 1)')
  return v
}

/**
 * Check the head and tail of contiguous ring `cpu` (exact numbers; in produce-consume, at most
 * the data area apart) and the reader's pending tail `F_TAIL_POS` (an exact number, not past
 * the head), which the next read stores as the tail.
 */
function checkContiguousRing(rb: RingBuffer, cpu: number, flags: number): void {
  const head = position(rb, cpu, 'head', rb.client.headOffset)
  const tail = position(rb, cpu, 'tail', rb.client.tailOffset)
  if ((flags & (L.MODE_OVERWRITE | L.MODE_BACKWARD)) === 0)
    inRange(cpu, 'head − tail', head - tail, 0, rb.g.unit)
  const pending = rb.f64[rb.fx(cpu) + L.F_TAIL_POS]!
  if (!Number.isSafeInteger(pending) || pending > Math.max(head, tail))
    badWord(cpu, 'F_TAIL_POS', pending, `exact positions up to the head (${head})`)
}

/**
 * Check every ring's shared words, as `attach` does before handing out the handle.
 *
 * @throws TypeError naming the ring and the word that is out of range.
 */
export function checkRings(rb: RingBuffer): void {
  const flags = Atomics.load(rb.i32, L.H_FLAGS)
  const paged = rb.g.layout === L.LAYOUT_PAGED
  const known = paged
    ? L.MODE_OVERWRITE | L.MODE_SHARED
    : L.MODE_OVERWRITE | L.MODE_BACKWARD | L.MODE_IGNORE_TAIL
  if ((flags & ~known) !== 0)
    throw new TypeError(`sab: corrupted header (H_FLAGS = ${flags}, unknown mode bits)`)
  for (let cpu = 0; cpu < rb.g.cpus; cpu++)
    if (paged) checkPagedRing(rb, cpu)
    else checkContiguousRing(rb, cpu, flags)
}
