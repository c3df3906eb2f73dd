/**
 * Recovery of the writers of a thread that died (docs/design.md §4.3), by thread id: the
 * per-CPU rings whose writer lock that thread holds (`recovery.ts`), and the entries of the
 * shared rings' lease tables (`writer-lease.ts`) it owns. For a shared ring the recovery acts
 * as one more shared writer, on the dead writer's lease entry: it drops the pin the dead one
 * held, finishes or undoes its sub-buffer switch from the phase the lease records, pads each
 * torn reservation and commits it as a discard would (counted in `dropped`), adds the counter
 * deltas the dead writer had not added, then runs the completion checks the dead writer (or
 * its pads) would have run next — the committers' own `tryComplete`, from the sub-buffer of its
 * last commit and from where its last frontier walk stood — and frees the entry.
 *
 * Invariants:
 * - called only after the thread exited (its stores are then all visible); other writers of
 *   the ring may go on writing meanwhile: every step is one a live shared writer takes;
 * - a dead writer's entry is adopted by CAS of its owner word from the dead token to the
 *   recovering handle's, so two recoveries never act on one entry; a recovery that ends in an
 *   error gives it back, with what it finished recorded, so a later call goes on from there.
 *
 * Legend: `i` is the buffer's Int32 view, `f` its Float64 view.
 *
 * @internal
 * @packageDocumentation
 */
import { RecordFlag } from './client.js'
import { BusyError, checkInt, checkOptions } from './errors.js'
import * as L from './layout.js'
import { LOCK_WAIT_MS, tokenOwner } from './locks.js'
import { recoverWriter } from './recovery.js'
import type { RingBuffer } from './ring-buffer.js'
import { MAX_NESTING } from './reservation-stack.js'
import { PM_PINS } from './commit-pin.js'
import { SharedPagedWriter } from './shared-writer.js'
import { beginSubbuf } from './subbuf-switch.js'
import * as W from './writer-lease.js'

/** What {@link RingBuffer.recoverWriters} did. */
export interface WritersRecovery {
  /** Writers recovered: per-CPU rings whose writer lock the thread held, and shared writers. */
  writers: number
  /**
   * Records the dead writers had committed whose counting they had not published: now counted
   * (and, for per-CPU rings, published). A shared ring's committed records are delivered
   * without this: they are published as they commit.
   */
  recovered: number
  /** Torn reservations: padded, and counted in `dropped` (in-band where the client writes loss records). */
  lost: number
}

/** A shared writer acting on a dead writer's lease entry. */
class SharedRecovery extends SharedPagedWriter {
  private deadline = 0

  /** A wait for the pin of a writer that is not coming back ends in a BusyError. */
  protected override waitUnpinned(idx: number): void {
    const i = this.i32
    for (;;) {
      const v = Atomics.load(i, idx)
      if (v === 0) return
      const now = Date.now()
      if (this.deadline === 0) this.deadline = now + LOCK_WAIT_MS
      else if (now > this.deadline)
        throw new BusyError(
          `threadId: ring ${this.cpu}'s switch waits for a pin that another dead thread holds (recover that thread first)`,
        )
      Atomics.wait(i, idx, v, 1)
    }
  }

  /** Drop the pin the dead writer holds, if any. */
  dropPin(): void {
    const i = this.i32
    const ls = this.lease
    const pin = i[ls + W.LS_PIN]!
    const first = this.meta(0) + PM_PINS
    const last = this.meta(this.rb.g.physical - 1) + PM_PINS
    if (pin >= first && pin <= last && (pin - first) % (L.PAGE_META_BYTES >> 2) === 0)
      Atomics.sub(i, pin, 1)
    i[ls + W.LS_PIN] = 0
  }

  /**
   * A switch that died in its release stores (phase `SW_COUNTED`): `C_SHARED_PAGE` and
   * `C_SHARED_SEQ` are stored by separate `Atomics.store` calls, and V8 may stop a terminated
   * thread on entering each of them, so either may already name the new sub-buffer, while
   * `switchFrom` reads them as the sub-buffer being left. Put the old ones back: the old seq's
   * low bits are in `LS_SW_OLD` (the `C_RESV` value the switch replaced), the old sub-buffer is
   * the page-by-slot entry of the slot before the claimed one. No live writer changes them
   * meanwhile: `C_RESV` still says switching (its release store is followed by `LS_SWITCH = 0`
   * with no interrupt point between).
   */
  private undoTornRelease(slot: number, id: number): void {
    const i = this.i32
    const ctl = this.ctlIdx
    const oldBits = i[this.lease + W.LS_SW_OLD]! >>> this.seqShift
    const seq = Atomics.load(i, ctl + L.C_SHARED_SEQ)
    if ((seq & this.seqMask) !== oldBits) Atomics.store(i, ctl + L.C_SHARED_SEQ, (seq - 1) | 0)
    if (Atomics.load(i, ctl + L.C_SHARED_PAGE) === id) {
      const before = Atomics.load(i, this.rb.pageBySlot(this.cpu) + ((slot + this.n - 1) % this.n))
      if (before >= 0 && before < this.rb.g.physical)
        Atomics.store(i, ctl + L.C_SHARED_PAGE, before)
    }
  }

  /** Finish what the dead writer left: switch, torn reservations, counters, completion. */
  recover(): { recovered: number; lost: number } {
    const i = this.i32
    const ls = this.lease
    const phase = i[ls + W.LS_SWITCH]!
    if (phase === W.SW_HELD) {
      // nothing claimed yet: give the switch back; the next writer that needs one takes it
      if ((Atomics.load(i, this.ctlIdx + L.C_RESV) & this.offMask) === this.offMask)
        this.abandonSwitch()
      else i[ls + W.LS_SWITCH] = 0
    } else if (phase >= W.SW_CLAIMED && phase <= W.SW_COUNTED) {
      // the slot and sub-buffer it claimed index shared memory: bounded first (corrupt memory)
      const slot = i[ls + W.LS_SW_SLOT]!
      const id = i[ls + W.LS_SW_CLAIMED]! & L.SLOT_ID_MASK
      if (!(slot >= 0 && slot < this.n && id < this.rb.g.physical))
        throw new TypeError(
          `sab: ring ${this.cpu}'s writer lease holds a switch of slot ${slot}, sub-buffer ${id}: outside the ring`,
        )
      if (phase === W.SW_COUNTED) this.undoTornRelease(slot, id)
      this.switchFrom(phase)
    } else i[ls + W.LS_SWITCH] = 0
    // the torn reservations, innermost first; each level is closed with its padding's commit
    let lost = 0
    let padded = 0
    const depth = i[ls + W.LS_DEPTH]!
    const pads: number[] = []
    for (let d = Math.min(Math.max(depth, 0), MAX_NESTING) - 1; d >= 0; d--) {
      const lv = ls + W.LS_LEVELS + 3 * d
      const id = this.padTorn(i[lv]!, i[lv + 1]!, d)
      if (id >= 0) {
        lost++
        padded += i[lv + 1]!
        pads.push(id, i[lv + 2]!)
      }
    }
    i[ls + W.LS_DEPTH] = 0
    // the deltas the dead writer had not added, and the torn ones, as its own publish would
    const f = this.f64
    const lf = ls >> 1
    const recovered = f[lf + W.LF_ENTRIES]!
    this.entries = recovered
    this.bytesWritten = f[lf + W.LF_BYTES]! + padded
    this.discarded = f[lf + W.LF_DISCARDED]!
    if (lost > 0) this.addShared(L.F_DROPPED, lost)
    this.publish()
    // what the dead writer's commits (and the pads) would have published next, each as its
    // committer's own completion check: idempotent, and a no-op once the frontier passed it
    for (let k = 0; k < pads.length; k += 2) this.tryComplete(pads[k]!, pads[k + 1]!)
    const last = i[ls + W.LS_LAST_PAGE]! - 1
    if (last >= 0 && last < this.rb.g.physical) this.tryComplete(last, i[ls + W.LS_LAST_SEQ]!)
    const walkSeq = i[ls + W.LS_WALK_SEQ]!
    const walkSlot = i[ls + W.LS_WALK_SLOT]!
    // a walk that died after it moved the frontier onto walkSeq, before it looked at it
    if (
      i[ls + W.LS_WALK] === 1 &&
      walkSlot >= 0 &&
      walkSlot < this.n &&
      Atomics.load(i, this.ctlIdx + L.C_COMMIT_SEQ) === walkSeq
    ) {
      const id = Atomics.load(i, this.rb.pageBySlot(this.cpu) + walkSlot)
      if (id >= 0 && id < this.rb.g.physical) this.tryComplete(id, walkSeq)
    }
    return { recovered, lost }
  }

  /**
   * Pad the torn reservation of `size` bytes at `start` (lease level `d`) and commit the
   * padding: a record header of that size first (the dead writer may have died before it
   * wrote one), then the client's discard, which keeps the record's time. Returns the
   * sub-buffer's physical id (-1 when the level does not describe a reservation of this ring).
   */
  private padTorn(start: number, size: number, d: number): number {
    const i = this.i32
    const base = this.rb.subbufOffset(this.cpu, 0)
    const unit = this.rb.g.unit
    const id = Math.floor((start - base) / unit)
    const subOff = base + id * unit
    const w = start - subOff - this.hdr
    if (!(id >= 0 && id < this.rb.g.physical && w >= 0 && size > 0 && w + size <= this.capacity))
      return -1
    const m = this.meta(id)
    const client = this.client
    const flags = (w === 0 ? 0 : RecordFlag.FullTimestamp) | (i[L.H_CLIENT_FLAGS]! << 8)
    const ts = this.f64[(m >> 1) + L.PM_TS_F64]!
    let len = size
    while (len >= 0 && client.recordSize(len, 0, flags) !== size) len--
    if (w === 0) beginSubbuf(client, this.view, this.f64, subOff, m, ts)
    if (len >= 0) {
      client.writeRecord(this.view, start, len, size, 0, ts, flags, 0)
      client.discard(this.view, start, size)
    } else client.endPadding(this.view, start, size)
    Atomics.add(i, m + L.PM_COMMITTED, size)
    i[this.lease + W.LS_DEPTH] = d
    return id
  }
}

/** {@link RingBuffer.recoverWriters}. */
export function recoverWriters(rb: RingBuffer, options: { threadId: number }): WritersRecovery {
  rb.checkLive()
  const o = checkOptions<{ threadId: number }>('options', options, ['threadId'])
  if (o.threadId === undefined) throw new TypeError('options.threadId: required')
  const threadId = checkInt('options.threadId', o.threadId, 0, Number.MAX_SAFE_INTEGER)
  const owner = threadId & 0x3fff
  if (owner === tokenOwner(rb.token))
    throw new TypeError(`options.threadId: ${threadId} is this thread, which is alive`)
  const i = rb.i32
  const out: WritersRecovery = { writers: 0, recovered: 0, lost: 0 }
  for (let cpu = 0; cpu < rb.g.cpus; cpu++) {
    if (rb.sync !== 'shared') {
      if (tokenOwner(Atomics.load(i, rb.ctl(cpu) + L.C_WRITER_LOCK)) !== owner) continue
      const r = recoverWriter(rb, cpu)
      out.writers++
      out.recovered += r.recovered
      out.lost += r.lost
      continue
    }
    // first what the dead thread holds that other switches may wait for: its pins, and the
    // stats lock (whose sections are straight-line: a holder that died had finished it)
    const mine: number[] = []
    for (let k = 0; k < W.LEASE_WRITERS; k++) {
      const e = W.leaseIdx(rb, cpu, k)
      const v = Atomics.load(i, e + W.LS_OWNER)
      if (v === 0 || tokenOwner(v) !== owner) continue
      if (Atomics.compareExchange(i, e + W.LS_OWNER, v, rb.token) !== v) continue
      mine.push(e, v)
      new SharedRecovery(rb, cpu, e).dropPin()
    }
    const statsLock = rb.ctl(cpu) + L.C_STATS_LOCK
    const held = Atomics.load(i, statsLock)
    if (tokenOwner(held) === owner) Atomics.compareExchange(i, statsLock, held, 0)
    for (let k = 0; k < mine.length; k += 2) {
      const e = mine[k]!
      try {
        const r = new SharedRecovery(rb, cpu, e).recover()
        out.writers++
        out.recovered += r.recovered
        out.lost += r.lost
      } catch (err) {
        // give the entries not finished back to the dead owner: a later call goes on
        for (let j = k; j < mine.length; j += 2)
          Atomics.compareExchange(i, mine[j]! + W.LS_OWNER, rb.token, mine[j + 1]!)
        throw err
      }
      W.releaseLease(rb, cpu, e)
    }
  }
  return out
}
