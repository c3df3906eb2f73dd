/**
 * The per-CPU lock words (`C_WRITER_LOCK`, `C_READER_LOCK`, `docs/design.md §3.3`). A lock word
 * holds 0 when free and the holder's token otherwise; a handle's token is {@link RingBuffer.token}
 * (a per-CPU writer gets its own). Shared-sync writer locks are counts of attached writers
 * instead and are never taken here.
 *
 * Tokens name their owner: bits 0..13 hold the owning thread's id (`threadId` of
 * `node:worker_threads`, modulo 2^14), bits 14..20 a per-thread serial, bits 21..29 a check of
 * bits 0..20 and bit 30 is set. A lock word that holds anything else but 0 is garbage (corrupt
 * memory): no live holder can have written it (`docs/design.md §7.1`, lock recovery).
 *
 * Invariants:
 * - a lock word is released only by a compare-and-exchange from the holder's token, so a
 *   handle never releases a lock another handle (or a forced writer) took over;
 * - a word holding garbage is taken over by compare-and-exchange from that garbage value;
 * - the reader lock and the shared writers' stats lock guard short critical sections only:
 *   contended lockers spin, then sleep at most 1 ms at a time, for at most
 *   {@link LOCK_WAIT_MS} in all, then throw a BusyError naming the lock and its owner thread.
 *
 * @internal
 * @packageDocumentation
 */
import { BusyError } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'

/** How long a locker waits for a short-section lock (reader, stats) before a BusyError. */
export const LOCK_WAIT_MS = 1000

const TOKEN_BIT = 0x40000000
const BODY_MASK = 0x1fffff
const OWNER_MASK = 0x3fff

function tokenCheck(body: number): number {
  return (Math.imul(body ^ 0x5bd1e995, 0x9e3779b1) >>> 23) & 0x1ff
}

/** This thread's id as tokens carry it: Node's `threadId`, or a random id elsewhere. */
function currentThreadId(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const wt = proc?.getBuiltinModule?.('node:worker_threads') as { threadId?: number } | undefined
  return typeof wt?.threadId === 'number' ? wt.threadId : (Math.random() * OWNER_MASK) | 0
}

const ownerId = currentThreadId() & OWNER_MASK
let serial = (Math.random() * 128) | 0
/** Sections of short-section locks this thread is inside (a nested locker is a re-entry). */
let inside = 0

/** A new lock token owned by this thread (distinct from the last 127 this thread made). */
export function newToken(): number {
  serial = (serial + 1) & 0x7f
  const body = ownerId | (serial << 14)
  return TOKEN_BIT | (tokenCheck(body) << 21) | body
}

/** True when `v` is a token some thread made (not garbage, not 0). */
export function isToken(v: number): boolean {
  return (v & 0xc0000000) === TOKEN_BIT && ((v >>> 21) & 0x1ff) === tokenCheck(v & BODY_MASK)
}

/** The thread id (modulo 2^14) a token names, or -1 when `v` is not a token. */
export function tokenOwner(v: number): number {
  return isToken(v) ? v & OWNER_MASK : -1
}

/** "thread 3 (token 0x…)" or "no live holder (0x…, not a lock token)" for error messages. */
export function describeHolder(v: number): string {
  const hex = `0x${(v >>> 0).toString(16)}`
  return isToken(v) ? `thread ${tokenOwner(v)} (token ${hex})` : `${hex}, not a lock token`
}

/** A shared ring's writer lock is a count of attached writers, never a token. */
function isCountedWord(rb: RingBuffer, idx: number): boolean {
  return rb.sync === 'shared' && (idx - rb.ctl(0)) % (rb.g.cpuStride >> 2) === L.C_WRITER_LOCK
}

/**
 * Try to take the lock word at Int32 index `idx` with `token`; returns the token or 0. A word
 * holding garbage (no token, so no live holder) is taken over.
 */
export function tryLock(rb: RingBuffer, idx: number, token: number = rb.token): number {
  const v = Atomics.compareExchange(rb.i32, idx, 0, token)
  if (v === 0) return token
  if (isToken(v) || isCountedWord(rb, idx)) return 0
  return Atomics.compareExchange(rb.i32, idx, v, token) === v ? token : 0
}

/** Release the lock word at `idx` if `token` still holds it. */
export function unlock(rb: RingBuffer, idx: number, token: number): void {
  Atomics.compareExchange(rb.i32, idx, token, 0)
}

/**
 * Take a short-section lock word, waiting at most {@link LOCK_WAIT_MS}. A token of this
 * thread while no section of this thread is open was left by an operation that never ended:
 * it is taken over; with a section open it is a re-entry (a callback calling back in).
 *
 * @param what - the lock's name ("reader lock (C_READER_LOCK)"); messages say "cpu: ring N's …"
 * @throws BusyError naming the lock and its holder when the wait ends; TypeError on re-entry.
 */
export function lockShort(rb: RingBuffer, idx: number, cpu: number, what: string): number {
  const token = rb.token
  const i = rb.i32
  let deadline = 0
  for (let spins = 0; ; spins++) {
    const v = Atomics.compareExchange(i, idx, 0, token)
    if (v === 0) break
    if (!isToken(v) || (tokenOwner(v) === ownerId && inside === 0)) {
      // no live holder: take the word over from the value it holds
      if (Atomics.compareExchange(i, idx, v, token) === v) break
      continue
    }
    if (tokenOwner(v) === ownerId)
      throw new TypeError(
        `cpu: ring ${cpu}'s ${what} is already held by this thread (a call from inside a reader or writer operation)`,
      )
    if (spins > 1000) {
      const now = Date.now()
      if (deadline === 0) deadline = now + LOCK_WAIT_MS
      else if (now > deadline)
        throw new BusyError(
          `cpu: ring ${cpu}'s ${what} is held by ${describeHolder(v)} for more than ${LOCK_WAIT_MS} ms`,
        )
      Atomics.wait(i, idx, v, 1)
    }
  }
  inside++
  return token
}

/** Release a lock {@link lockShort} took. */
export function unlockShort(rb: RingBuffer, idx: number, token: number): void {
  inside--
  Atomics.compareExchange(rb.i32, idx, token, 0)
}

/** Run `fn` holding ring `cpu`'s reader operation lock (short critical sections only). */
export function withReaderOpLock<T>(rb: RingBuffer, cpu: number, fn: () => T): T {
  const idx = rb.ctl(cpu) + L.C_READER_LOCK
  const token = lockShort(rb, idx, cpu, 'reader lock (C_READER_LOCK)')
  try {
    return fn()
  } finally {
    // no notify: a contended locker re-checks at least every millisecond
    unlockShort(rb, idx, token)
  }
}

/** Lock words held by {@link lockEveryRing}, as `[idx, token]` pairs. */
export type HeldLocks = [number, number][]

/**
 * Take every ring's writer and reader lock, or none: refuse while a ring is busy in any other
 * way a geometry change would break (an open iterator). A leased sub-buffer does not hold a
 * ring: the geometry change makes its lease stale (`resize.ts`). Release the
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
