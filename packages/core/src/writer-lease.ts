/**
 * The writer leases of a shared ring (`sync: 'shared'`, docs/design.md §3.8, §4.3): one entry
 * per attached shared writer, in a table of the CPU block, holding what a writer that dies
 * leaves half-done — its open reservations (start and size of each), the pin it holds, the
 * phase of the sub-buffer switch it is in, and its counter deltas not added to the ring's
 * counters yet. A recovery (`shared-recovery.ts`) finds a dead thread's entries by the owner
 * token and finishes what they record.
 *
 * Invariants:
 * - an entry is owned by the lock token of the handle its writer was opened on (0 = free):
 *   taken by CAS from 0 when the writer opens, stored 0 when it closes or is recovered;
 * - only the owning writer writes the other words, with plain stores, each in the same
 *   straight-line block as the shared-memory step it records: right after the step's one
 *   `Atomics` operation, with no call, no loop and no other `Atomics` call between, so a
 *   terminated thread stopped before both or after both (V8 delivers a termination only at
 *   function entries, loop back-edges and on entering an `Atomics` builtin, before it runs;
 *   docs/design.md §4.3); a recovery reads them after the thread exited.
 *
 * @internal
 * @packageDocumentation
 */
import { BusyError } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { MAX_NESTING } from './reservation-stack.js'

/** Entries per shared ring: at most this many shared writers attached to one ring at once. */
export const LEASE_WRITERS = 64
/** Int32 words per entry (8-byte aligned: the counter deltas are Float64). */
export const LEASE_WORDS: number = 24 + 3 * MAX_NESTING
/** Bytes of a shared ring's lease table. */
export const LEASE_TABLE_BYTES: number = LEASE_WRITERS * LEASE_WORDS * 4

// ---- Int32 words of an entry, relative to its start -------------------------------
/** Lock token of the owning handle; 0 = free. */
export const LS_OWNER = 0
/** Open reservations: levels `0..LS_DEPTH-1` are torn if the writer died. */
export const LS_DEPTH = 1
/** Int32 index of the `PM_PINS` word the writer holds a pin on, 0 = none. */
export const LS_PIN = 2
/** Phase of the sub-buffer switch the writer holds (`SW_*`), 0 = none. */
export const LS_SWITCH = 3
/** `C_RESV` as it was before the writer's switch took it. */
export const LS_SW_OLD = 4
/** The ring slot the switch claims. */
export const LS_SW_SLOT = 5
/** The slot word the claim replaced (its C bit: the sub-buffer was unread). */
export const LS_SW_CLAIMED = 6
/** Records and bytes the claim overwrote (read before the new sub-buffer's meta is reset). */
export const LS_SW_LOST_ENTRIES = 7
export const LS_SW_LOST_BYTES = 8
/** End padding the switch added to the old sub-buffer. */
export const LS_SW_PADDED = 9
// Float64 words of an entry (index relative to the entry's Float64 index):
/** Commits, bytes and discards since the writer's last counter flush. */
export const LF_ENTRIES = 5
export const LF_BYTES = 6
export const LF_DISCARDED = 7
/** The sub-buffer of the writer's last commit (physical id + 1; 0: none yet), and its seq. */
export const LS_LAST_PAGE = 16
export const LS_LAST_SEQ = 17
/**
 * Where the writer's last frontier walk stood: the seq it moved the commit frontier to, and
 * that seq's slot (`LS_WALK` = 1 once there is one). A walk that dies there is resumed.
 */
export const LS_WALK_SEQ = 18
export const LS_WALK_SLOT = 19
export const LS_WALK = 20
/** First reservation level: `start` (absolute byte offset), `size`, the sub-buffer's seq. */
export const LS_LEVELS = 24

// ---- switch phases (LS_SWITCH) -----------------------------------------------------
/** The switch holds `C_RESV` (switching value); nothing else changed yet. */
export const SW_HELD = 1
/** The next slot is claimed (`LS_SW_SLOT`, `LS_SW_CLAIMED`). */
export const SW_CLAIMED = 2
/** The claimed sub-buffer's losses are read (`LS_SW_LOST_*`); its meta may be reset from here on. */
export const SW_READ = 3
/** The new sub-buffer is open, the old one closed and its padding committed (`LS_SW_PADDED`). */
export const SW_CLOSED = 4
/** The switch's counters are added (in the stats lock's section). */
export const SW_COUNTED = 5

/** Int32 index of entry `k` of ring `cpu`'s lease table. */
export function leaseIdx(rb: RingBuffer, cpu: number, k: number): number {
  return (rb.cpuOffset(cpu) + rb.g.leaseOff) / 4 + k * LEASE_WORDS
}

/**
 * Take a free entry of ring `cpu`'s table for a shared writer of the handle whose token is
 * `token`, and count the writer in `C_WRITER_LOCK` (one straight-line block: a writer is
 * counted exactly when it owns an entry). Returns the entry's Int32 index.
 *
 * @throws BusyError when {@link LEASE_WRITERS} shared writers are attached to the ring.
 */
export function claimLease(rb: RingBuffer, cpu: number, token: number): number {
  const i = rb.i32
  const lock = rb.ctl(cpu) + L.C_WRITER_LOCK
  for (let k = 0; k < LEASE_WRITERS; k++) {
    const e = leaseIdx(rb, cpu, k)
    if (i[e + LS_OWNER] !== 0) continue
    if (Atomics.compareExchange(i, e + LS_OWNER, 0, token) !== 0) continue
    // a free entry is clean (its last owner closed, or a recovery cleared it); cleared again
    // in case the buffer came from elsewhere
    i.fill(0, e + 1, e + LEASE_WORDS)
    Atomics.add(i, lock, 1)
    return e
  }
  throw new BusyError(`cpu: ring ${cpu} has ${LEASE_WRITERS} shared writers attached (the most)`)
}

/**
 * Give entry `e` of ring `cpu` up: uncount the writer and free the entry (one straight-line
 * block, the reverse of {@link claimLease}).
 */
export function releaseLease(rb: RingBuffer, cpu: number, e: number): void {
  const i = rb.i32
  i.fill(0, e + 1, e + LEASE_WORDS)
  Atomics.sub(i, rb.ctl(cpu) + L.C_WRITER_LOCK, 1)
  Atomics.store(i, e + LS_OWNER, 0)
}
