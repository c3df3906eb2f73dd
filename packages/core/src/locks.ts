/**
 * The per-CPU lock words (`C_WRITER_LOCK`, `C_READER_LOCK`, `docs/design.md §3.3`). A lock word
 * holds 0 when free and the holder's token otherwise; a handle's token is {@link RingBuffer.token}
 * (a per-CPU writer gets its own). Shared-sync writer locks are counts of attached writers
 * instead and are never taken here.
 *
 * Invariants:
 * - a lock word is released only by a compare-and-exchange from the holder's token, so a
 *   handle never releases a lock another handle (or a forced writer) took over;
 * - the reader lock guards short critical sections only: contended lockers spin, then sleep
 *   at most 1 ms at a time, and nobody notifies on release.
 *
 * @internal
 * @packageDocumentation
 */
import { BusyError } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'

/** Try to take the lock word at Int32 index `idx`; returns the token or 0. */
export function tryLock(rb: RingBuffer, idx: number): number {
  const token = rb.token
  return Atomics.compareExchange(rb.i32, idx, 0, token) === 0 ? token : 0
}

/** Release the lock word at `idx` if `token` still holds it. */
export function unlock(rb: RingBuffer, idx: number, token: number): void {
  Atomics.compareExchange(rb.i32, idx, token, 0)
}

/** Run `fn` holding ring `cpu`'s reader operation lock (short critical sections only). */
export function withReaderOpLock<T>(rb: RingBuffer, cpu: number, fn: () => T): T {
  const idx = rb.ctl(cpu) + L.C_READER_LOCK
  let token = tryLock(rb, idx)
  for (let spins = 0; token === 0; spins++) {
    if (spins > 1000) Atomics.wait(rb.i32, idx, Atomics.load(rb.i32, idx), 1)
    token = tryLock(rb, idx)
  }
  try {
    return fn()
  } finally {
    // no notify: a contended locker re-checks at least every millisecond
    unlock(rb, idx, token)
  }
}

/** Lock words held by {@link lockEveryRing}, as `[idx, token]` pairs. */
export type HeldLocks = [number, number][]

/**
 * Take every ring's writer and reader lock, or none: refuse while a ring is busy in any other
 * way a geometry change would break (an open iterator, a leased sub-buffer). Release the
 * result with {@link unlockAll}.
 *
 * @throws BusyError naming the ring and what holds it.
 */
export function lockEveryRing(rb: RingBuffer): HeldLocks {
  const held: HeldLocks = []
  try {
    for (let cpu = 0; cpu < rb.g.cpus; cpu++) {
      const ctlIdx = rb.ctl(cpu)
      for (const word of [L.C_WRITER_LOCK, L.C_READER_LOCK]) {
        const token = tryLock(rb, ctlIdx + word)
        if (token === 0)
          throw new BusyError(
            `cpu: ring ${cpu} is held by a ${word === L.C_WRITER_LOCK ? 'writer' : 'reader'}`,
          )
        held.push([ctlIdx + word, token])
      }
      if (Atomics.load(rb.i32, ctlIdx + L.C_ITERS) > 0)
        throw new BusyError(`cpu: ring ${cpu} has an open iterator`)
      // a leased sub-buffer leaves -1 in its spare pool slot
      for (let k = 0; k < rb.g.spares; k++)
        if (Atomics.load(rb.i32, ctlIdx + L.C_SPARE_IDS + k) < 0)
          throw new BusyError(`cpu: ring ${cpu} has a leased sub-buffer`)
    }
  } catch (e) {
    unlockAll(rb, held)
    throw e
  }
  return held
}

/** Release the lock words {@link lockEveryRing} took. */
export function unlockAll(rb: RingBuffer, held: HeldLocks): void {
  for (const [idx, token] of held) unlock(rb, idx, token)
}
