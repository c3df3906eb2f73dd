/**
 * The spill area of a contiguous ring (`docs/design.md §3.1, §6`): bytes right after the data
 * area, so that a reservation which crosses the end of the data area is still one contiguous
 * range of the buffer. The writer hands out `[dataOff + at, dataOff + at + total)`; the part
 * past the data area lies in the spill and is copied to the ring's start when the reservation
 * commits (or is padded). A record that does not cross the end never touches it.
 *
 * The spill holds the largest reservation the ring accepts (the client's largest record at
 * client flags 0, with room for a loss record in front of it), and never more than the data
 * area: a reservation is at most `size − 1` bytes, so `size` bytes always suffice.
 *
 * @internal
 * @packageDocumentation
 */
import type { RingClient } from './client.js'
import * as L from './layout.js'

/** Room for a loss record in front of the largest record (perf's LOST with its trailer). */
const LOSS_ROOM = 256

/**
 * Bytes of the spill area after each data area of `unit` bytes: 0 for the paged layout; for the
 * contiguous layout the client's largest reservation, a multiple of 64, at most `unit`.
 */
export function spillBytes(layout: number, unit: number, client: RingClient): number {
  if (layout !== L.LAYOUT_CONTIGUOUS) return 0
  const record = client.recordSize(client.maxPayload(unit - client.subbufHeaderBytes, 0), 0, 0)
  const want = Math.ceil((record + LOSS_ROOM) / 64) * 64
  // a client answer that is not a size: the whole data area, which always suffices
  return want >= 64 && want < unit ? want : unit
}
