/**
 * The reader: per-CPU peek and consume, a merge of all CPUs in timestamp order, sub-buffer
 * handoff, non-consuming iterators, watermark waits and async iteration.
 *
 * All reader state lives in the shared memory, so any worker may read any ring; concurrent
 * readers of one ring are serialised by a short per-ring lock (the kernel's `reader_lock`).
 *
 * @packageDocumentation
 */
import { checkFlag, checkFunction, checkInt, checkOptions } from './errors.js'
import * as L from './layout.js'
import { RingRecord } from './record.js'
import { ALL_CPUS } from './all-cpus.js'
import type { RingBuffer } from './ring-buffer.js'
import { pagedConsumeReaderSubbuf, pagedTakeSubbuf } from './paged-reader.js'
import type { ReaderSubbufInfo, SubbufLease } from './paged-reader.js'
import { ContiguousScratch, contiguousNext, contiguousRelease } from './contiguous-reader.js'
import { RingIterator } from './iterator.js'
import type { RecordIterator } from './iterator.js'
import { ContiguousIterator } from './contiguous-iterator.js'
import {
  WAIT_SLICE_MS,
  arm,
  checkWatermark,
  disarm,
  reached,
  recordsArgs,
  targetFor,
} from './wait.js'
import { BatchChunk, pagedConsumeBatch, pagedNext } from './paged-consume.js'
import type { SizedRecordVisitor } from './paged-consume.js'
import { ReaderCursor } from './reader-page.js'
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
 * Reads the rings of one buffer. Records returned by `peek`, `consume` and `next` are one
 * reused {@link RingRecord}: read it before the next call.
 */
export class RingReader {
  /** The buffer read. */
  readonly buffer: RingBuffer
  private readonly rec: RingRecord
  /** The walk state of peek/consume/batch/handoff, reused by every read. */
  private readonly cur = new ReaderCursor()
  private readonly sc = new ContiguousScratch()
  /** next(): the oldest record's timestamp of each ring, valid while the ring's read epoch is unchanged */
  private headTs = new Float64Array(0)
  private headEpoch = new Int32Array(0)
  /** consumeBatch/drain: a free chunk (null while in use, so that nested batches get their own) */
  private chunk: BatchChunk | null = null

  /** @param buffer - the buffer to read (any attached handle) */
  constructor(buffer: RingBuffer) {
    if (typeof (buffer as Partial<RingBuffer> | null)?.checkLive !== 'function')
      throw new TypeError('buffer: expected a RingBuffer')
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
        ? pagedNext(rb, c, rec, consume, this.cur)
        : contiguousNext(rb, c, rec, consume, this.cur.dec, this.sc),
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
    // a nested batch (fn reading the ring) gets a chunk of its own
    const ch = this.chunk ?? new BatchChunk()
    this.chunk = null
    try {
      return pagedConsumeBatch(this.buffer, cpu, this.cur, ch, max, fn)
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
    const o = checkOptions<TakeSubbufOptions>('options', options, ['full', 'copy'])
    const full = checkFlag('options.full', o.full) === true
    const copy = checkFlag('options.copy', o.copy) === true
    if (rb.g.layout !== L.LAYOUT_PAGED) throw new TypeError('takeSubbuf: only for the paged layout')
    return rb.withReaderOpLock(c, () => pagedTakeSubbuf(rb, c, full, this.cur, copy))
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
    return rb.withReaderOpLock(c, () => pagedConsumeReaderSubbuf(rb, c, this.cur))
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

  private check(cpu: number, target: WaitTarget | null): boolean {
    const rb = this.buffer
    if (rb.freed) return true
    if (target !== null) return reached(rb, cpu, target, () => this.hasData(cpu))
    for (let c = 0; c < rb.cpus; c++) if (this.hasData(c)) return true
    return false
  }

  /**
   * Start a wait: validate the arguments, note the wake-up epoch and register as a waiter on
   * ring `cpu` (or on every ring). Pair with {@link RingReader.leave}.
   */
  private enter(cpu: number, wm: Watermark): Waiting {
    const rb = this.buffer
    rb.checkLive()
    const c = rb.checkCpu(cpu, true)
    checkWatermark('watermark', wm)
    const deadline = wm.timeout === undefined ? Infinity : Date.now() + wm.timeout
    const target = c === ALL_CPUS ? null : targetFor(rb, c, wm)
    const word = c === ALL_CPUS ? L.H_WAKE : rb.ctl(c) + L.C_WAKE
    // the epoch before arming: a wake-up from then on ends the wait
    const w: Waiting = { cpu: c, target, word, deadline, epoch: rb.wakeEpoch(c), seen: 0 }
    if (target === null) Atomics.add(rb.i32, L.H_GLOBAL_WAITERS, 1)
    else arm(rb, c, target)
    return w
  }

  private leave(cpu: number): void {
    const rb = this.buffer
    if (cpu === ALL_CPUS) Atomics.sub(rb.i32, L.H_GLOBAL_WAITERS, 1)
    else disarm(rb, cpu)
  }

  /**
   * One turn of a wait loop: load the wake-up word (into `w.seen`), then return how many
   * milliseconds to sleep on it, 0 when the wait is over (the ring reached the watermark, data
   * came, a wake-up or the buffer was freed), or -1 on timeout.
   */
  private turn(w: Waiting): number {
    w.seen = Atomics.load(this.buffer.i32, w.word)
    if (this.check(w.cpu, w.target) || this.buffer.wakeEpoch(w.cpu) !== w.epoch) return 0
    const left = w.deadline - Date.now()
    return left <= 0 ? -1 : Math.min(left, WAIT_SLICE_MS)
  }

  /**
   * Block (with `Atomics.wait`; not on the main thread) until ring `cpu` reaches the
   * watermark, or any ring has data with {@link ALL_CPUS}. Returns false on timeout.
   */
  wait(cpu: number, watermark: Watermark = {}): boolean {
    const w = this.enter(cpu, watermark)
    try {
      for (;;) {
        const ms = this.turn(w)
        if (ms <= 0) return ms === 0
        Atomics.wait(this.buffer.i32, w.word, w.seen, ms)
      }
    } finally {
      this.leave(w.cpu)
    }
  }

  /** Like {@link RingReader.wait}, but awaits (`Atomics.waitAsync`), so it works on the main thread. */
  async waitAsync(cpu: number, watermark: Watermark = {}): Promise<boolean> {
    const w = this.enter(cpu, watermark)
    // Atomics.waitAsync holds no reference on the event loop: keep the process alive meanwhile
    const keepAlive = setInterval(() => undefined, 1 << 30)
    try {
      for (;;) {
        const ms = this.turn(w)
        if (ms <= 0) return ms === 0
        const r = Atomics.waitAsync(this.buffer.i32, w.word, w.seen, ms)
        if (r.async) await r.value
      }
    } finally {
      clearInterval(keepAlive)
      this.leave(w.cpu)
    }
  }

  /**
   * Consume records as they come, in timestamp order over all rings (or of one ring), waiting
   * with `Atomics.waitAsync` when there are none. Ends when `signal` aborts or the buffer is
   * freed. The yielded record is reused: read it before the loop continues.
   *
   * @throws TypeError or RangeError naming the option (an unknown key, a `signal` that is no
   *   AbortSignal, a bad watermark), at the first iteration.
   */
  async *records(
    options: { cpu?: number; signal?: AbortSignal } & Watermark = {},
  ): AsyncGenerator<RingRecord, void, undefined> {
    const rb = this.buffer
    const { cpu, signal, wm } = recordsArgs(rb, options)
    for (;;) {
      if (signal?.aborted === true || rb.freed) return
      const r = cpu === ALL_CPUS ? this.next() : this.consume(cpu)
      if (r !== null) {
        yield r
        continue
      }
      await this.waitAsync(cpu, wm)
    }
  }
}

/** A wait in progress (see `RingReader.turn`). */
interface Waiting {
  cpu: number
  /** The watermark of ring `cpu` (null with ALL_CPUS). */
  target: WaitTarget | null
  /** Index of the word woken on. */
  word: number
  deadline: number
  /** The buffer's wake-up epoch when the wait started. */
  epoch: number
  /** The word's value at the last turn. */
  seen: number
}

/** Validates a record budget: an integer ≥ 0, or Infinity for no limit. */
function checkMax(max: unknown): void {
  if (max !== Infinity) checkInt('max', max, 0, Number.MAX_SAFE_INTEGER)
}
