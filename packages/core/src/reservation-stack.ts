/**
 * The reservation stack of a writer: one entry per open reservation, innermost last, as
 * parallel typed arrays (no object per reservation, no allocation on the write path).
 *
 * @internal
 * @packageDocumentation
 */

/** Deepest nesting of open reservations on one writer. */
export const MAX_NESTING = 16

/** One column of the stack: an entry per nesting level. */
function column<T>(of: new (length: number) => T): T {
  return new of(MAX_NESTING)
}

/**
 * @internal The columns of the stack. Every writer kind fills `start`, `size`, `ts` and
 * `prevTs`; the others belong to one kind each and stay unused in the rest. The depth is the
 * writer's own (`WriterBase.depth`), not stored here.
 */
export class ReservationStack {
  /**
   * Where the record starts: its absolute byte offset in the buffer (paged), or its free-running
   * ring position (contiguous; a loss record in front of it included).
   */
  readonly start: Float64Array = column(Float64Array)
  /** Bytes the record takes in the ring (headers, alignment, a loss record in front). */
  readonly size: Int32Array = column(Int32Array)
  /** The record's timestamp. */
  readonly ts: Float64Array = column(Float64Array)
  /** The writer's last timestamp before the record: restored when a discard rewinds it. */
  readonly prevTs: Float64Array = column(Float64Array)
  /** Paged: the seq of the sub-buffer the record is in. */
  readonly seq: Int32Array = column(Int32Array)
  /** Paged per-CPU: the ring slot of that sub-buffer. */
  readonly slot: Int32Array = column(Int32Array)
  /** Paged shared: the physical id of that sub-buffer. */
  readonly page: Int32Array = column(Int32Array)
  /** Contiguous: drops reported by the loss record in front of the record (0: none). */
  readonly lost: Float64Array = column(Float64Array)
  /** Contiguous: bytes of that loss record. */
  readonly lossBytes: Int32Array = column(Int32Array)
}
