/**
 * Recording control: the mode, the client's flags word, and whether writers may record at all
 * (`docs/design.md §10`). All of it lives in header and control words that writers read with
 * plain loads at the start of a reserve, at a sub-buffer switch or at a publish; nothing here
 * waits for them.
 *
 * Invariants:
 * - `H_RECORD` and `C_DISABLED` count nested disables in their low bits; `RECORD_OFF` in
 *   `H_RECORD` is the off latch, independent of the count;
 * - `H_FLAGS` changes only by compare-and-exchange, so a mode change never loses another flag.
 *
 * @internal
 * @packageDocumentation
 */
import { ALL_CPUS } from './all-cpus.js'
import { checkInt } from './errors.js'
import * as L from './layout.js'
import type { RingMode } from './options.js'
import type { RingBuffer } from './ring-buffer.js'

/** The current mode of the buffer. */
export function getMode(rb: RingBuffer): RingMode {
  return (Atomics.load(rb.i32, L.H_FLAGS) & L.MODE_OVERWRITE) !== 0
    ? 'overwrite'
    : 'produce-consume'
}

/**
 * Set the mode; writers pick it up at their next sub-buffer switch or publish.
 *
 * @throws RangeError naming `mode` when it is neither mode.
 */
export function setMode(rb: RingBuffer, mode: RingMode): void {
  if (mode !== 'overwrite' && mode !== 'produce-consume')
    throw new RangeError(`mode: expected 'overwrite' or 'produce-consume', got ${String(mode)}`)
  rb.checkLive()
  for (;;) {
    const old = Atomics.load(rb.i32, L.H_FLAGS)
    const v = mode === 'overwrite' ? old | L.MODE_OVERWRITE : old & ~L.MODE_OVERWRITE
    if (Atomics.compareExchange(rb.i32, L.H_FLAGS, old, v) === old) break
  }
}

/** The word the client owns (passed to it in bits 8..31 of the record flags). */
export function getClientFlags(rb: RingBuffer): number {
  return Atomics.load(rb.i32, L.H_CLIENT_FLAGS)
}

/**
 * Set the client's flags word.
 *
 * @throws RangeError naming `clientFlags` when it does not fit 24 bits.
 */
export function setClientFlags(rb: RingBuffer, v: number): void {
  checkInt('clientFlags', v, 0, 0xffffff)
  Atomics.store(rb.i32, L.H_CLIENT_FLAGS, v)
}

/** Disable recording on ring `cpu` or on every ring (one more nesting level). */
export function recordDisable(rb: RingBuffer, cpu: number): void {
  rb.checkLive()
  cpu = rb.checkCpu(cpu, true)
  if (cpu === ALL_CPUS) Atomics.add(rb.i32, L.H_RECORD, 1)
  else Atomics.add(rb.i32, rb.ctl(cpu) + L.C_DISABLED, 1)
}

/**
 * Undo one {@link recordDisable}.
 *
 * @throws RangeError naming `cpu` when recording was not disabled there.
 */
export function recordEnable(rb: RingBuffer, cpu: number): void {
  rb.checkLive()
  cpu = rb.checkCpu(cpu, true)
  const idx = cpu === ALL_CPUS ? L.H_RECORD : rb.ctl(cpu) + L.C_DISABLED
  for (;;) {
    const old = Atomics.load(rb.i32, idx)
    if ((old & (L.RECORD_OFF - 1)) === 0) throw new RangeError('cpu: recording is not disabled')
    if (Atomics.compareExchange(rb.i32, idx, old, old - 1) === old) return
  }
}

/** Set (`off`) or clear the off latch. */
export function setRecordOff(rb: RingBuffer, off: boolean): void {
  rb.checkLive()
  if (off) Atomics.or(rb.i32, L.H_RECORD, L.RECORD_OFF)
  else Atomics.and(rb.i32, L.H_RECORD, ~L.RECORD_OFF)
}

/** True when recording is neither disabled nor off (for one ring: also not disabled there). */
export function isOn(rb: RingBuffer, cpu: number): boolean {
  cpu = rb.checkCpu(cpu, true)
  if (Atomics.load(rb.i32, L.H_RECORD) !== 0) return false
  return cpu === ALL_CPUS || Atomics.load(rb.i32, rb.ctl(cpu) + L.C_DISABLED) === 0
}

/**
 * True when the off latch is not set, whatever the global disable count; for one ring, also
 * not disabled there (the kernel's `ring_buffer_record_is_on_cpu`).
 */
export function isSetOn(rb: RingBuffer, cpu: number): boolean {
  cpu = rb.checkCpu(cpu, true)
  if ((Atomics.load(rb.i32, L.H_RECORD) & L.RECORD_OFF) !== 0) return false
  return cpu === ALL_CPUS || Atomics.load(rb.i32, rb.ctl(cpu) + L.C_DISABLED) === 0
}
