/**
 * The steps of a paged sub-buffer switch that both paged writer kinds take the same way: the
 * claim of the next ring slot, and the start of a new sub-buffer at its first record.
 *
 * Legend: `i` is the buffer's Int32 view.
 *
 * @internal
 * @packageDocumentation
 */
import type { RingClient } from './client.js'
import * as L from './layout.js'
import { LS_SWITCH, LS_SW_CLAIMED, SW_CLAIMED } from './writer-lease.js'

/**
 * Claim the ring slot whose word is at Int32 index `idx` for sub-buffer `seq`: one CAS from the
 * word loaded to `(id, tag(seq), C = 0)`, retried when the reader's swap changed it meanwhile.
 * Returns the word it replaced (C = 0 in it: the writer claimed an overwrite of unread data),
 * or -1 when the slot is unread and `overwrite` is false (produce-consume: the ring is full).
 * The kernel takes this step in `rb_move_tail`, through `rb_handle_head_page`.
 *
 * A shared writer passes its lease entry (`lease`, an Int32 index; -1: none): the claim
 * records the replaced word and the phase there in the same straight-line block as its CAS.
 */
export function claimSlot(
  i: Int32Array,
  idx: number,
  seq: number,
  overwrite: boolean,
  lease = -1,
): number {
  const tag = (seq & L.SLOT_TAG_MASK) << L.SLOT_TAG_SHIFT
  for (;;) {
    const v = Atomics.load(i, idx)
    if ((v & L.SLOT_CONSUMED) === 0 && !overwrite) return -1
    // the slot word is the only word the writer shares with the reader's swap: the CAS both
    // claims the slot and excludes a swap of it (docs/design.md §7)
    if (Atomics.compareExchange(i, idx, v, (v & L.SLOT_ID_MASK) | tag) !== v) continue
    if (lease >= 0) {
      i[lease + LS_SW_CLAIMED] = v
      i[lease + LS_SWITCH] = SW_CLAIMED
    }
    return v
  }
}

/**
 * Start a sub-buffer at its first record, timestamp `t`: the client's sub-buffer header
 * (`subbufBegin`) and the base time in the page meta at Int32 index `metaIdx`.
 */
export function beginSubbuf(
  client: RingClient,
  view: DataView,
  f64: Float64Array,
  subbufOff: number,
  metaIdx: number,
  t: number,
): void {
  client.subbufBegin?.(view, subbufOff, t)
  f64[(metaIdx >> 1) + L.PM_TS_F64] = t
}
