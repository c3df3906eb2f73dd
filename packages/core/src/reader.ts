/**
 * The reader: per-CPU peek and consume, a merge of all CPUs in timestamp order, sub-buffer
 * handoff, non-consuming iterators, watermark waits and async iteration.
 *
 * All reader state lives in the shared memory, so any worker may read any ring; concurrent
 * readers of one ring are serialised by a short per-ring lock (the kernel's `reader_lock`).
 *
 * @packageDocumentation
 */
import { decodedRecord } from './client.js'
import { checkFunction, checkInt } from './errors.js'
import * as L from './layout.js'
import { RingRecord } from './record.js'
import { ALL_CPUS } from './all-cpus.js'
import type { RingBuffer } from './ring-buffer.js'
import { pagedConsumeReaderSubbuf, pagedTakeSubbuf, putSpare } from './paged-reader.js'
import type { ReaderSubbufInfo, SubbufLease } from './paged-reader.js'
import { ContiguousScratch, contiguousNext, contiguousRelease } from './contiguous-reader.js'
import { RingIterator } from './iterator.js'
import type { RecordIterator } from './iterator.js'
import { ContiguousIterator } from './contiguous-iterator.js'
import { WAIT_SLICE_MS, arm, disarm, reached, targetFor } from './wait.js'
import { BatchChunk, pagedConsumeChunk, pagedNext, pagedRollback } from './paged-consume.js'
import { WalkCursor } from './record-walk.js'
import type { Watermark, WaitTarget } from './wait.js'

/** Options of {@link RingReader.takeSubbuf}. */
export interface TakeSubbufOptions {
  /** Only hand out a complete sub-buffer the writer has left (the kernel's `full`). */
  full?: boolean
  /** Copy records into a spare even when a zero-copy swap is possible (ftrace while mapped). */
  copy?: boolean
}

/**
 * Called by {@link RingReader.consumeBatch} for each consumed record, without allocating:
 * the payload is `bytes[offset .. offset + length)`. `bytes` is the buffer's shared memory (or
 * the reader's copy of a contiguous record that wraps); the payload stays valid as long as a
 * record returned by {@link RingReader.consume} would (paged: until a later read swaps the
 * reader sub-buffer). `lost` counts records lost right before this one (reported once).
 */
export type RecordVisitor = (
  bytes: Uint8Array,
  offset: number,
  length: number,
  timestamp: number,
  lost: number,
  cpu: number,
) => void

/**
 * A {@link RecordVisitor} also given the record's `size` in the ring (header and padding
 * included): the callback of the batched paged path.
 */
type SizedRecordVisitor = (...args: [...Parameters<RecordVisitor>, size: number]) => void

/**
 * Reads the rings of one buffer. Records returned by `peek`, `consume` and `next` are one
 * reused {@link RingRecord}: read it before the next call.
 */
export class RingReader {
  /** The buffer read. */
  readonly buffer: RingBuffer
  private readonly rec: RingRecord
  private readonly dec = decodedRecord()
  private readonly cur = new WalkCursor()
  private readonly sc = new ContiguousScratch()
  /** next(): the oldest record's timestamp of each ring, valid while the ring's read epoch is unchanged */
  private headTs = new Float64Array(0)
  private headEpoch = new Int32Array(0)
  /** consumeBatch/drain: a free chunk (null while in use, so that nested batches get their own) */
  private chunk: BatchChunk | null = null

  /** @param buffer - the buffer to read (any attached handle) */
  constructor(buffer: RingBuffer) {
    this.buffer = buffer
    this.rec = new RingRecord(buffer.u8)
  }

  private step(cpu: number, consume: boolean): RingRecord | null {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    if ((rb.i32[L.H_FLAGS]! & L.MODE_BACKWARD) !== 0)
      throw new TypeError(
        'buffer: a backward ring is read from its head with a range finder (@onering/perf)',
      )
    const rec = this.rec
    const ok = rb.withReaderOpLock(c, () =>
      rb.g.layout === L.LAYOUT_PAGED
        ? pagedNext(rb, c, rec, consume, this.dec, this.cur)
        : contiguousNext(rb, c, rec, consume, this.dec, this.sc),
    )
    return ok ? rec : null
  }

  /** The next record of ring `cpu` without consuming it, or null when there is none now. */
  peek(cpu: number): RingRecord | null {
    return this.step(cpu, false)
  }

  /**
   * Consume the next record of ring `cpu`, or return null when there is none now. Its `lost`
   * field counts records lost right before it (reported once).
   */
  consume(cpu: number): RingRecord | null {
    return this.step(cpu, true)
  }

  /**
   * Give the space of the record consumed last on ring `cpu` back to the writer now
   * (contiguous layout, produce-consume mode; perf's `perf_mmap__consume`). Otherwise that
   * happens at the next read of the ring, so a consumed record stays valid until then.
   */
  release(cpu: number): void {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    if (rb.g.layout === L.LAYOUT_CONTIGUOUS)
      rb.withReaderOpLock(c, () => {
        contiguousRelease(rb, c)
      })
  }

  /**
   * Consume the oldest record over all rings (timestamp order; ties go to the lower CPU),
   * or return null when every ring is empty now.
   */
  next(): RingRecord | null {
    const rb = this.buffer
    rb.checkLive()
    const n = rb.cpus
    if (this.headTs.length !== n) {
      this.headTs = new Float64Array(n)
      this.headEpoch = new Int32Array(n).fill(-1)
    }
    let best = -1
    let bestTs = Infinity
    // A peeked paged record sits in the reader sub-buffer, which no writer touches, and a
    // produce-consume contiguous tail moves only with reads: such a ring's oldest record changes
    // only when it is consumed, which bumps its read epoch. A contiguous overwrite writer may
    // push the tail, so those rings are peeked every time.
    const cacheable =
      rb.g.layout === L.LAYOUT_PAGED || (Atomics.load(rb.i32, L.H_FLAGS) & L.MODE_OVERWRITE) === 0
    for (let c = 0; c < n; c++) {
      const epoch = Atomics.load(rb.i32, rb.ctl(c) + L.C_READ_EPOCH)
      let ts: number
      if (cacheable && this.headEpoch[c] === epoch) ts = this.headTs[c]!
      else {
        const r = this.step(c, false)
        if (r === null) continue
        ts = r.timestamp
        this.headTs[c] = ts
        this.headEpoch[c] = epoch
      }
      if (ts < bestTs) {
        best = c
        bestTs = ts
      }
    }
    return best < 0 ? null : this.step(best, true)
  }

  /**
   * Consume up to `max` records of ring `cpu` (or of all rings in timestamp order with
   * {@link ALL_CPUS}), calling `fn` for each. Returns how many were consumed. On a paged ring
   * this takes the batched path of {@link RingReader.consumeBatch}; `fn` gets this reader's
   * reused {@link RingRecord}.
   */
  drain(cpu: number, fn: (record: RingRecord) => void, max: number = Infinity): number {
    checkFunction('fn', fn)
    checkMax(max)
    if (cpu !== ALL_CPUS && this.pagedFast(cpu)) {
      const rec = this.rec
      return this.batch(cpu, max, (bytes, off, len, ts, lost, c, size) => {
        rec.cpu = c
        rec.timestamp = ts
        rec.offset = off
        rec.length = len
        rec.size = size
        rec.bytes = bytes
        rec.lost = lost
        fn(rec)
      })
    }
    let n = 0
    while (n < max) {
      const r = cpu === ALL_CPUS ? this.next() : this.consume(cpu)
      if (r === null) break
      fn(r)
      n++
    }
    return n
  }

  /**
   * Consume up to `max` records of ring `cpu` (or of all rings in timestamp order with
   * {@link ALL_CPUS}) and call `fn(bytes, offset, length, timestamp, lost, cpu)` for each,
   * without allocating anything per record. Returns how many were consumed (0 when there is
   * nothing to read now).
   *
   * On a paged ring it takes the ring's reader lock once per chunk (up to 1024 records, at
   * most one sub-buffer) rather than once per record, and writes the shared reader state and
   * counters once per chunk: the fast path for a consumer that keeps up with a writer. `fn`
   * runs outside the lock and may call any reader operation. When `fn` throws, the batch
   * stops and the exception propagates; the record `fn` threw on counts as consumed, and the
   * records after it stay unread (unless another read of the ring happened meanwhile, in which
   * case they count as consumed). Contiguous rings and {@link ALL_CPUS} are read record by
   * record with the same callback.
   *
   * @throws TypeError when `fn` is not a function or `max` not a number, RangeError when `max`
   *   is not an integer ≥ 0 (or Infinity).
   */
  consumeBatch(cpu: number, fn: RecordVisitor, max: number = Infinity): number {
    checkFunction('fn', fn)
    checkMax(max)
    if (cpu !== ALL_CPUS && this.pagedFast(cpu)) return this.batch(cpu, max, fn)
    let n = 0
    while (n < max) {
      const r = cpu === ALL_CPUS ? this.next() : this.consume(cpu)
      if (r === null) break
      n++
      fn(r.bytes, r.offset, r.length, r.timestamp, r.lost, r.cpu)
    }
    return n
  }

  /** Validates `cpu` and tells whether the batched paged path applies to it. */
  private pagedFast(cpu: number): boolean {
    const rb = this.buffer
    rb.checkLive()
    rb.checkCpu(cpu)
    return rb.g.layout === L.LAYOUT_PAGED
  }

  private batch(cpu: number, max: number, fn: SizedRecordVisitor): number {
    const rb = this.buffer
    const ch = this.chunk ?? new BatchChunk()
    this.chunk = null
    const dec = this.dec
    const cur = this.cur
    let total = 0
    const take = (): void => {
      pagedConsumeChunk(rb, cpu, dec, cur, ch, Math.min(max - total, ch.off.length))
    }
    try {
      while (total < max) {
        rb.checkLive()
        rb.withReaderOpLock(cpu, take)
        const n = ch.n
        if (n === 0) break
        const u8 = rb.u8
        const { off, len, ts, size } = ch
        let k = 0
        try {
          fn(u8, off[0]!, len[0]!, ts[0]!, ch.lost, cpu, size[0]!)
          for (k = 1; k < n; k++) fn(u8, off[k]!, len[k]!, ts[k]!, 0, cpu, size[k]!)
        } catch (e) {
          rb.withReaderOpLock(cpu, () => {
            pagedRollback(rb, cpu, ch, k)
          })
          throw e
        }
        total += n
      }
      return total
    } finally {
      this.chunk = ch
    }
  }

  /** True when ring `cpu` (or every ring) has no record to read now. */
  empty(cpu: number = ALL_CPUS): boolean {
    const rb = this.buffer
    if (cpu === ALL_CPUS) {
      for (let c = 0; c < rb.cpus; c++) if (this.peek(c) !== null) return false
      return true
    }
    return this.peek(cpu) === null
  }

  /**
   * Hand the oldest data of ring `cpu` to a consumer as a whole sub-buffer (paged layout):
   * zero-copy when the reader sub-buffer is complete and unread (a spare takes its place and
   * the writer never stops), else whole records are copied into a spare. The lease is plain
   * data: post it to another worker, read the sub-buffer there at
   * `buffer.subbufOffset(lease.cpu, lease.id)` and give it back with {@link RingBuffer.releaseSubbuf}.
   *
   * @returns the lease, or null when there is no data (with `full`: no complete sub-buffer).
   * @throws BusyError when every spare of the ring is leased.
   */
  takeSubbuf(cpu: number, options: TakeSubbufOptions = {}): SubbufLease | null {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    if (rb.g.layout !== L.LAYOUT_PAGED) throw new TypeError('takeSubbuf: only for the paged layout')
    return rb.withReaderOpLock(c, () =>
      pagedTakeSubbuf(rb, c, options.full === true, this.dec, this.cur, options.copy === true),
    )
  }

  /**
   * Hand the whole reader sub-buffer of ring `cpu` to a consumer that reads it in place
   * (paged layout; the kernel's `ring_buffer_map_get_reader`). If it still has unread
   * records they are all consumed: the consumer reads them up to `info.read`. Otherwise the
   * next sub-buffer is swapped in and consumed whole; losses before it are flagged in it
   * through the client when the writer has left it. The sub-buffer's bytes are at
   * `buffer.subbufOffset(cpu, info.id)`; they stay the reader's until the next call.
   */
  consumeReaderSubbuf(cpu: number): ReaderSubbufInfo {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    if (rb.g.layout !== L.LAYOUT_PAGED)
      throw new TypeError('consumeReaderSubbuf: only for the paged layout')
    return rb.withReaderOpLock(c, () => pagedConsumeReaderSubbuf(rb, c, this.dec, this.cur))
  }

  /** The reader sub-buffer of ring `cpu` (paged layout): its physical id and the bytes of it consumed. */
  readerPosition(cpu: number): { id: number; read: number } {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    return rb.withReaderOpLock(c, () => ({
      id: rb.i32[rb.ctl(c) + L.C_READER_PAGE]!,
      read: rb.i32[rb.ctl(c) + L.C_READER_READ]!,
    }))
  }

  /**
   * Open a non-consuming iterator over ring `cpu` (either layout). It copies each record and
   * notices when the writer overwrote its position (`dropped()`). Close it when done: resize is
   * refused while an iterator is open.
   */
  iterator(cpu: number): RecordIterator {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu)
    return rb.g.layout === L.LAYOUT_PAGED ? new RingIterator(rb, c) : new ContiguousIterator(rb, c)
  }

  private hasData(cpu: number): boolean {
    return this.peek(cpu) !== null
  }

  private check(cpu: number, targets: (WaitTarget | null)[]): boolean {
    const rb = this.buffer
    if (rb.freed) return true
    if (cpu !== ALL_CPUS) return reached(rb, cpu, targets[0]!, () => this.hasData(cpu))
    for (let c = 0; c < rb.cpus; c++) if (this.hasData(c)) return true
    return false
  }

  private prepare(
    cpu: number,
    wm: Watermark,
  ): { targets: (WaitTarget | null)[]; word: number; deadline: number } {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu, true)
    if (wm.timeout !== undefined) checkInt('watermark.timeout', wm.timeout, 0, 2 ** 31 - 1)
    const deadline = wm.timeout === undefined ? Infinity : Date.now() + wm.timeout
    if (c === ALL_CPUS) return { targets: [], word: L.H_WAKE, deadline }
    return { targets: [targetFor(rb, c, wm)], word: rb.ctl(c) + L.C_WAKE, deadline }
  }

  private enter(cpu: number, targets: (WaitTarget | null)[]): void {
    const rb = this.buffer
    if (cpu === ALL_CPUS) Atomics.add(rb.i32, L.H_GLOBAL_WAITERS, 1)
    else arm(rb, cpu, targets[0]!)
  }

  private leave(cpu: number): void {
    const rb = this.buffer
    if (cpu === ALL_CPUS) Atomics.sub(rb.i32, L.H_GLOBAL_WAITERS, 1)
    else disarm(rb, cpu)
  }

  /**
   * Block (with `Atomics.wait`; not on the main thread) until ring `cpu` reaches the
   * watermark, or any ring has data with {@link ALL_CPUS}. Returns false on timeout.
   */
  wait(cpu: number, watermark: Watermark = {}): boolean {
    const { targets, word, deadline } = this.prepare(cpu, watermark)
    const i = this.buffer.i32
    const epoch = this.buffer.wakeEpoch(cpu)
    this.enter(cpu, targets)
    try {
      for (;;) {
        const seen = Atomics.load(i, word)
        if (this.check(cpu, targets) || this.buffer.wakeEpoch(cpu) !== epoch) return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        Atomics.wait(i, word, seen, Math.min(left, WAIT_SLICE_MS))
      }
    } finally {
      this.leave(cpu)
    }
  }

  /** Like {@link RingReader.wait}, but awaits (`Atomics.waitAsync`), so it works on the main thread. */
  async waitAsync(cpu: number, watermark: Watermark = {}): Promise<boolean> {
    const { targets, word, deadline } = this.prepare(cpu, watermark)
    const i = this.buffer.i32
    const epoch = this.buffer.wakeEpoch(cpu)
    this.enter(cpu, targets)
    // Atomics.waitAsync holds no reference on the event loop: keep the process alive meanwhile
    const keepAlive = setInterval(() => undefined, 1 << 30)
    try {
      for (;;) {
        const seen = Atomics.load(i, word)
        if (this.check(cpu, targets) || this.buffer.wakeEpoch(cpu) !== epoch) return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        const r = Atomics.waitAsync(i, word, seen, Math.min(left, WAIT_SLICE_MS))
        if (r.async) await r.value
      }
    } finally {
      clearInterval(keepAlive)
      this.leave(cpu)
    }
  }

  /**
   * Consume records as they come, in timestamp order over all rings (or of one ring), waiting
   * with `Atomics.waitAsync` when there are none. Ends when `signal` aborts or the buffer is
   * freed. The yielded record is reused: read it before the loop continues.
   */
  async *records(
    options: { cpu?: number; signal?: AbortSignal } & Watermark = {},
  ): AsyncGenerator<RingRecord, void, undefined> {
    const cpu = options.cpu ?? ALL_CPUS
    const rb = this.buffer
    for (;;) {
      if (options.signal?.aborted === true || rb.freed) return
      const r = cpu === ALL_CPUS ? this.next() : this.consume(cpu)
      if (r !== null) {
        yield r
        continue
      }
      await this.waitAsync(cpu, { ...options, timeout: options.timeout ?? WAIT_SLICE_MS })
    }
  }
}

/** Validates a record budget: an integer ≥ 0, or Infinity for no limit. */
function checkMax(max: unknown): void {
  if (max !== Infinity) checkInt('max', max, 0, Number.MAX_SAFE_INTEGER)
}

export type { SubbufLease, ReaderSubbufInfo }
export { putSpare }
