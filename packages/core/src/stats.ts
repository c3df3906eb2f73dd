/**
 * Accounting. The kernel's identities hold exactly, per CPU and in total:
 *
 * - `written = read + overrun + entries` where `entries` is what is still buffered;
 * - `attempted = written + dropped + commitOverrun` (records that never entered the ring);
 * - `bytes = bytesWritten - bytesRead - bytesOverrun`.
 *
 * @packageDocumentation
 */

/** Counters of one ring, or their sum over all rings. */
export interface RingStats {
  /** Records still in the ring (committed, not read, not overwritten). Kernel: `entries`. */
  entries: number
  /** Records committed since creation or reset. */
  written: number
  /** Records lost to overwrite. Kernel: `overrun`. */
  overrun: number
  /** Reservations refused because nested writers wrapped the ring. Kernel: `commit_overrun`. */
  commitOverrun: number
  /** Reservations refused because the ring was full (produce-consume mode). Kernel: `dropped_events`. */
  dropped: number
  /** Records consumed by readers. Kernel: `read_events`. */
  read: number
  /** Bytes still in the ring, padding included. Kernel: `bytes`. */
  bytes: number
  /** Bytes committed since creation or reset, padding included. */
  bytesWritten: number
  /** Bytes consumed by readers. */
  bytesRead: number
  /** Bytes lost to overwrite. */
  bytesOverrun: number
  /** Records reported lost to readers (with the record after the loss). */
  lost: number
  /** Reservations discarded by the writer. */
  discarded: number
  /** Sub-buffers the writer entered (paged). */
  subbufsTouched: number
  /** Sub-buffers lost to overwrite (paged). */
  subbufsLost: number
  /** Sub-buffers swapped out to readers (paged). */
  subbufsRead: number
  /** Timestamp of the oldest record still in the ring, or 0 when empty. */
  oldestTimestamp: number
}

/** A zeroed {@link RingStats}. */
export function emptyStats(): RingStats {
  return {
    entries: 0,
    written: 0,
    overrun: 0,
    commitOverrun: 0,
    dropped: 0,
    read: 0,
    bytes: 0,
    bytesWritten: 0,
    bytesRead: 0,
    bytesOverrun: 0,
    lost: 0,
    discarded: 0,
    subbufsTouched: 0,
    subbufsLost: 0,
    subbufsRead: 0,
    oldestTimestamp: 0,
  }
}
