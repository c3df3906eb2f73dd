/**
 * The writer mark of a per-CPU ring: where a writer that dies can be recovered from
 * (docs/design.md §4.3). One word written by the ring's writer only, with plain stores (paged:
 * an Int32 control word, {@link C_WRITER_MARK}; contiguous: a Float64 of the ring's counters,
 * {@link F_WRITER_MARK}):
 *
 * - at every outermost `reserve`, before the record's header: `2 × position + 1` (a
 *   reservation is open; everything before `position` is committed);
 * - at every outermost `commit` and `discard`, and when the writer attaches: `2 × position`
 *   (no reservation open; everything before `position` is committed).
 *
 * `position` is the writer's position as it stands, published or not: paged, the sub-buffer's
 * seq modulo 2^24 times 2^28 plus the write offset in it ({@link pagedMark}); contiguous, the
 * free-running head. Both stay below 2^52, so the doubled value is an exact double.
 *
 * Nobody reads the mark while its writer lives. `recovery.ts` reads it after the writer's
 * thread has exited: the exit synchronises with whoever observes it (the `exit` event of the
 * worker, a join), so every store the thread made is visible, and a terminated thread stops
 * between two JavaScript operations, never inside one store.
 *
 * @internal
 * @packageDocumentation
 */

/** Float64 index of the writer mark, relative to a ring's counters (`F_*`, §3.4: 31 is unused). */
export const F_WRITER_MARK = 31
/**
 * Int32 index of the paged writer's mark, relative to a ring's control words (`C_*`, §3.3: 25
 * is unused): `seq << (unitShift + 1) | write << 1 | open` ({@link pagedMark32}), integer
 * arithmetic and an Int32 store, where the Float64 mark needs a double conversion per store.
 */
export const C_WRITER_MARK = 25

/**
 * The paged mark word of a writer at offset `write` (below 2^unitShift) of sub-buffer `seq`,
 * without the open bit: the seq keeps its low 31 − unitShift bits, at least log2 of the most
 * ring slots a buffer of 2^31 bytes can have at that sub-buffer size.
 */
export function pagedMark32(seq: number, write: number, unitShift: number): number {
  return (seq << (unitShift + 1)) | (write << 1)
}
/**
 * Float64 index of the counted mark: `2 × position` of the writer when it last stored its
 * counters (P2), stored in the same straight-line block as them (no call or loop between, so a
 * terminated thread stored all of them or none). A recovery counts the records after it.
 */
export const F_WRITER_COUNTED = 30

/** Bits of a paged mark's position that hold the write offset. */
export const PAGED_MARK_OFFSET: number = 2 ** 28
/** Seq bits a paged mark keeps (seq modulo 2^24). */
export const PAGED_MARK_SEQ_MASK = 0xffffff

/** The position of a paged writer at offset `write` of sub-buffer `seq`. */
export function pagedMark(seq: number, write: number): number {
  return (seq & PAGED_MARK_SEQ_MASK) * PAGED_MARK_OFFSET + write
}

/**
 * Lock tokens of the per-CPU writers open in this thread, with how many writers hold each (the
 * writers a handle opens without `force` share its token): a recovery refuses a ring whose lock
 * one of them holds. A writer of another thread cannot be told alive or dead.
 */
export const liveWriterTokens: Map<number, number> = new Map<number, number>()

/** Count a writer of this thread holding `token` in (`+1`) or out (`-1`). */
export function countLiveWriter(token: number, delta: 1 | -1): void {
  const n = (liveWriterTokens.get(token) ?? 0) + delta
  if (n > 0) liveWriterTokens.set(token, n)
  else liveWriterTokens.delete(token)
}
