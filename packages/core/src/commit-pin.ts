/**
 * Pinned commit-word writes of the shared writers (docs/design.md §4.2): a commit word is
 * raised only while its sub-buffer is pinned and the commit frontier has not passed the seq the
 * value was read at, and the switch that reopens a sub-buffer waits for its pins to drop.
 *
 * Legend: `i` is the buffer's Int32 view.
 *
 * @internal
 * @packageDocumentation
 */
import * as L from './layout.js'

/**
 * Int32 index (in the page meta, byte 28) of the pin count: writers that are about to write the
 * sub-buffer's commit word. The switch that reopens the sub-buffer waits until it is 0.
 */
export const PM_PINS = 7

/**
 * Raise the commit word at `commitIdx` (of the sub-buffer whose meta is at Int32 index `m`) to
 * `v`, a value read while the sub-buffer was at `seq` — unless the frontier (ring control words
 * at `ctl`) has passed `seq` meanwhile: then whoever moved it published the final commit word
 * already, and the sub-buffer may have been reopened for a later lap, whose commit word `v`
 * must not touch. The pin makes the check and the write one step as far as that reopening is
 * concerned: the switch claims a slot only after the frontier passed its previous lap, then
 * waits for the pins to drop before it resets the sub-buffer (pin, then load the frontier here;
 * frontier moved, then load the pins there: sequentially consistent, so one of the two sees the
 * other). The pin is recorded in the writer's lease word `held` in the same straight-line block
 * as its add and its sub (a recovery drops a dead writer's pin). Returns false when the
 * frontier had passed `seq`.
 */
export function publishPinned(
  i: Int32Array,
  m: number,
  held: number,
  ctl: number,
  commitIdx: number,
  seq: number,
  v: number,
): boolean {
  const pin = m + PM_PINS
  Atomics.add(i, pin, 1)
  i[held] = pin
  // pinned, then the frontier loaded: the switch that reopens this sub-buffer waits for the pin
  const live = ((Atomics.load(i, ctl + L.C_COMMIT_SEQ) - seq) | 0) <= 0
  // CAS-max: the commit word only grows within a lap
  while (live) {
    const cur = Atomics.load(i, commitIdx)
    if (cur >= v || Atomics.compareExchange(i, commitIdx, cur, v) === cur) break
  }
  Atomics.sub(i, pin, 1)
  i[held] = 0
  return live
}

/** Wait until nobody pins the sub-buffer whose pin word is at `idx` (see {@link publishPinned}). */
export function waitUnpinned(i: Int32Array, idx: number): void {
  for (let spins = 0; ; spins++) {
    const v = Atomics.load(i, idx)
    if (v === 0) return
    // the pinner holds it for a few instructions, unless it was preempted in between
    if (spins > 64) Atomics.wait(i, idx, v, 0.05)
  }
}
