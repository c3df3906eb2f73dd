/**
 * The kernel's `include/linux/ring_buffer.h` API under its own names. Pointers become
 * objects and out-parameters become returned objects; return codes keep the kernel's
 * conventions (0, negative errno, NULL → null). Invalid arguments throw a RangeError or
 * TypeError naming the argument. See the package README for the C → TS table.
 *
 * @packageDocumentation
 */
import { ALL_CPUS, BusyError, RingBuffer, monotonicNs } from '@onering/core'
import type { RecordIterator, RingWriter } from '@onering/core'
import { badNumber, checkOptionsObject, shown } from '@onering/trace-events/internal'
import { FTRACE_FLAG_ABSOLUTE, ftraceClient } from './client.js'
import {
  BUF_PAGE_HDR_SIZE,
  COMMIT_MASK,
  RB_FL_OVERWRITE,
  RB_MISSED_STORED,
  RING_BUFFER_ALL_CPUS,
} from './constants.js'
import { entryHeaderText, pageHeaderText } from '@onering/trace-events'
import { mapCount, updateMappedMetaAfterReset } from './mmap.js'
import { BufferDataReadPage, RingBufferEvent, TraceBuffer } from './trace-buffer.js'
import type { TraceClock } from './trace-buffer.js'

/** `-EBUSY` */
export const EBUSY = -16
/** `-EINVAL` */
export const EINVAL = -22
/** `-ENOMEM` */
export const ENOMEM = -12
/** `EPOLLIN | EPOLLRDNORM`, what `ring_buffer_poll_wait` returns when data is ready. */
export const EPOLLIN_RDNORM = 0x41

const PAGE_SIZE = 4096
/** The engine's `H_CLOCK` value of the counter clock (docs/design.md §3.2). */
const COUNTER_CLOCK = 1
const MAX_ORDER = 8

/** Options of {@link ring_buffer_alloc} beyond the kernel's arguments. */
export interface AllocOptions {
  /** Number of per-CPU rings (one per writer worker). @defaultValue 1 */
  cpus?: number
  /** Sub-buffer order: sub-buffers are `4096 << order` bytes. @defaultValue 0 */
  order?: number
  /** Reserve room to grow with `ring_buffer_resize`, in bytes of shared memory. */
  maxByteLength?: number
  /**
   * The trace clock: `'mono'` (CLOCK_MONOTONIC nanoseconds, the default) or `'counter'` (the
   * kernel's `counter` trace clock: +1 per event, counted by the engine per ring, so no
   * function is called per event). `ring_buffer_set_clock` overrides it per handle.
   * @defaultValue 'mono'
   */
  clock?: 'mono' | 'counter'
}

function checkFlags(flags: unknown): number {
  if (typeof flags !== 'number' || !Number.isInteger(flags))
    throw new TypeError('flags: expected an integer')
  // `flags & ~RB_FL_OVERWRITE` alone would miss bits above 31 (ToInt32 drops them)
  if ((flags & RB_FL_OVERWRITE) !== flags)
    throw new RangeError(
      `flags: unknown bits in 0x${flags.toString(16)} (only RB_FL_OVERWRITE is defined)`,
    )
  return flags
}

function anyMapped(buffer: TraceBuffer): boolean {
  for (let cpu = 0; cpu < buffer.rb.cpus; cpu++) if (mapCount(buffer, cpu) > 0) return true
  return false
}

/** An options object: a plain object (undefined is replaced by the default before this). */
function checkObject(name: string, v: unknown): void {
  if (v === undefined) throw new TypeError(`${name}: expected an object, got undefined`)
  checkOptionsObject(name, v, ALLOC_OPTIONS)
}

const ALLOC_OPTIONS: readonly (keyof AllocOptions)[] = ['cpus', 'order', 'clock', 'maxByteLength']

/** The kernel's `int` used as a truth value: a boolean or an integer in the int32 range. */
function checkIntFlag(name: string, v: unknown): void {
  if (typeof v !== 'boolean' && !(typeof v === 'number' && (v | 0) === v))
    throw new TypeError(
      `${name}: expected a boolean or an integer (the kernel's int), got ${shown(v)}`,
    )
}

function checkBuffer(buffer: unknown): TraceBuffer {
  if (!(buffer instanceof TraceBuffer)) throw new TypeError('buffer: expected a TraceBuffer')
  buffer.rb.checkLive()
  return buffer
}

/**
 * `ring_buffer_alloc(size, flags)`: `size` bytes of data per CPU; the ring gets
 * `max(2, ceil(size / subbuf_data_size))` sub-buffers plus a reader sub-buffer.
 */
export function ring_buffer_alloc(
  size: number,
  flags: number,
  options: AllocOptions = {},
): TraceBuffer {
  if (!(Number.isSafeInteger(size) && size > 0)) badNumber('size', size, 'a byte count above 0')
  checkFlags(flags)
  checkObject('options', options)
  const order = options.order ?? 0
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER)
    throw new RangeError(`order: ${shown(order)} is not in [0, ${MAX_ORDER}]`)
  const clock = options.clock ?? 'mono'
  if (clock !== 'mono' && clock !== 'counter')
    throw new RangeError(`clock: expected 'mono' or 'counter', got ${String(clock)}`)
  const rb = RingBuffer.create({
    client: ftraceClient,
    clock: clock === 'counter' ? 'counter' : 'monotonic',
    cpus: options.cpus ?? 1,
    size,
    subbufSize: PAGE_SIZE << order,
    mode: (flags & RB_FL_OVERWRITE) !== 0 ? 'overwrite' : 'produce-consume',
    // the kernel makes an event visible to readers when its (outermost) commit ends
    publishBatch: 1,
    ...(options.maxByteLength !== undefined ? { maxByteLength: options.maxByteLength } : {}),
  })
  return new TraceBuffer(rb)
}

/** `__ring_buffer_alloc(size, flags, key)`: the lock class key is ignored. */
export function __ring_buffer_alloc(
  size: number,
  flags: number,
  _key?: unknown,
  options: AllocOptions = {},
): TraceBuffer {
  return ring_buffer_alloc(size, flags, options)
}

/** `ring_buffer_free(buffer)`. */
export function ring_buffer_free(buffer: TraceBuffer): void {
  checkBuffer(buffer).close()
  buffer.rb.free()
}

/** `ring_buffer_size(buffer, cpu)`: bytes of data per CPU (the reader sub-buffer not counted). */
export function ring_buffer_size(buffer: TraceBuffer, cpu: number): number {
  checkBuffer(buffer).rb.checkCpu(cpu)
  return buffer.rb.size
}

/** `ring_buffer_max_event_size(buffer)`. */
export function ring_buffer_max_event_size(buffer: TraceBuffer): number {
  return checkBuffer(buffer).rb.maxPayload
}

/**
 * `ring_buffer_resize(buffer, size, cpu)`: every CPU gets `max(2, ceil(size/data))`
 * sub-buffers (only {@link RING_BUFFER_ALL_CPUS} is supported: all rings share one geometry).
 * The data and counters are kept as the kernel's `rb_update_pages` keeps them: new sub-buffers
 * go in before the head page; a shrink removes the sub-buffers after the tail page, counting
 * their entries as overrun. A read page holding a sub-buffer keeps its bytes (it is the
 * caller's, not the ring's). Returns 0, or `-EBUSY` while a writer, reader, iterator or
 * mapping holds a ring.
 */
export function ring_buffer_resize(buffer: TraceBuffer, size: number, cpu: number): number {
  checkBuffer(buffer)
  if (cpu !== RING_BUFFER_ALL_CPUS) {
    buffer.rb.checkCpu(cpu)
    throw new RangeError('cpu: per-CPU resize is not supported; pass RING_BUFFER_ALL_CPUS')
  }
  if (anyMapped(buffer)) return EBUSY
  try {
    buffer.close()
    resizeKeepingReadPages(buffer, size, buffer.rb.subbufSize)
    return 0
  } catch (e) {
    if (e instanceof BusyError) return EBUSY
    if (e instanceof RangeError && /needs \d+ bytes/.test(e.message)) return ENOMEM
    throw e
  }
}

/**
 * Resize the core buffer; the read pages of this handle that hold a sub-buffer get a copy of
 * its bytes first (the resize makes their leases stale).
 */
function resizeKeepingReadPages(buffer: TraceBuffer, size: number, subbufSize: number): void {
  const held: [BufferDataReadPage, Uint8Array][] = []
  for (const page of buffer.readPages)
    if (page.lease !== null)
      held.push([page, buffer.rb.subbufBytes(page.lease.cpu, page.lease.id).slice()])
  buffer.rb.resize(size, subbufSize)
  for (const [page, bytes] of held) {
    page.lease = null
    page.kept = bytes
  }
  buffer.readPages.clear()
}

/** `ring_buffer_change_overwrite(buffer, val)`. */
export function ring_buffer_change_overwrite(buffer: TraceBuffer, val: number | boolean): void {
  checkIntFlag('val', val)
  checkBuffer(buffer).rb.mode = val ? 'overwrite' : 'produce-consume'
}

/** `ring_buffer_subbuf_order_get(buffer)`. */
export function ring_buffer_subbuf_order_get(buffer: TraceBuffer): number {
  return Math.log2(checkBuffer(buffer).rb.subbufSize / PAGE_SIZE)
}

/** `ring_buffer_subbuf_size_get(buffer)`: bytes of a sub-buffer, header included. */
export function ring_buffer_subbuf_size_get(buffer: TraceBuffer): number {
  return checkBuffer(buffer).rb.subbufSize
}

/**
 * `ring_buffer_subbuf_order_set(buffer, order)`: sub-buffers become `4096 << order` bytes;
 * the ring keeps about the same byte size; all data is discarded. Returns 0 or `-EBUSY`.
 */
export function ring_buffer_subbuf_order_set(buffer: TraceBuffer, order: number): number {
  checkBuffer(buffer)
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER)
    throw new RangeError(`order: ${shown(order)} is not in [0, ${MAX_ORDER}]`)
  if (anyMapped(buffer)) return EBUSY
  const bytes = buffer.rb.size
  try {
    buffer.close()
    resizeKeepingReadPages(buffer, bytes, PAGE_SIZE << order)
    return 0
  } catch (e) {
    if (e instanceof BusyError) return EBUSY
    if (e instanceof RangeError && /needs \d+ bytes/.test(e.message)) return ENOMEM
    throw e
  }
}

// ---- writing ----------------------------------------------------------------------------

/**
 * `ring_buffer_lock_reserve(buffer, length)`: reserve an event of `length` payload bytes on
 * the handle's current CPU. Returns the event (write its payload at
 * `ring_buffer_event_data(event)`) or null when recording is off, the ring is full in
 * produce-consume mode (dropped_events counts it), or a reservation of this handle is still
 * open (recursion) and `ring_buffer_nest_start` did not allow one more.
 */
export function ring_buffer_lock_reserve(
  buffer: TraceBuffer,
  length: number,
): RingBufferEvent | null {
  // the handle's open writer stands for checkBuffer: it holds the ring's writer lock, so the
  // geometry cannot change under it, and its reserve refuses a freed buffer
  const w = buffer instanceof TraceBuffer ? buffer.openWriter() : checkBuffer(buffer).writer()
  // trace_recursive_lock: one reservation per context, one more per ring_buffer_nest_start
  if (w.depth > buffer.nest) return null
  const clock = buffer.clock
  const off = clock === undefined ? w.reserve(length) : w.reserve(length, clock())
  if (off < 0) return refused(w, null)
  const ev = buffer.event
  ev.bytes = w.bytes
  ev.dataOffset = off
  ev.length = eventLength(length)
  ev.timestamp = w.timestamp
  return ev
}

/**
 * A refused reservation: publish the counter it bumped (dropped_events, commit_overrun) now,
 * as the kernel's atomic counters are; inside an open reservation that happens at its commit.
 */
function refused<T>(w: RingWriter, result: T): T {
  if (w.depth === 0) w.flush()
  return result
}

function eventLength(length: number): number {
  // ring_buffer_event_length: type_len × 4 for small events, roundup4(L) for large ones
  const l = length === 0 ? 1 : length
  const r = (l + 3) & ~3
  return r === 8 ? 12 : r
}

/** `ring_buffer_unlock_commit(buffer)`: commit the innermost reserved event. Returns 0. */
export function ring_buffer_unlock_commit(buffer: TraceBuffer): number {
  ;(buffer instanceof TraceBuffer ? buffer.openWriter() : checkBuffer(buffer).writer()).commit()
  return 0
}

/** `ring_buffer_discard_commit(buffer, event)`: drop the innermost reserved event instead of committing it. */
export function ring_buffer_discard_commit(buffer: TraceBuffer, event: RingBufferEvent): void {
  if (!(event instanceof RingBufferEvent)) throw new TypeError('event: expected a RingBufferEvent')
  ;(buffer instanceof TraceBuffer ? buffer.openWriter() : checkBuffer(buffer).writer()).discard()
}

/**
 * `ring_buffer_write(buffer, length, data)`: reserve, copy, commit. Returns 0 or `-EBUSY`.
 *
 * As in the kernel, where `data` is a pointer, the event is the first `length` bytes of `data`:
 * a writer can reuse one scratch array for events of every size without a `subarray` per event.
 * A `length` above `data.length` is a RangeError.
 */
export function ring_buffer_write(buffer: TraceBuffer, length: number, data: Uint8Array): number {
  if (!(buffer instanceof TraceBuffer)) checkBuffer(buffer)
  if (!(data instanceof Uint8Array)) throw new TypeError('data: expected a Uint8Array')
  if (!(
    typeof length === 'number' &&
    length >= 0 &&
    length <= data.length &&
    (length | 0) === length
  ))
    badNumber('length', length, `a byte count in [0, data.length = ${data.length}]`)
  const w = buffer.openWriter()
  if (w.depth > buffer.nest) return EBUSY
  const clock = buffer.clock
  const off = clock === undefined ? w.reserve(length) : w.reserve(length, clock())
  if (off < 0) return refused(w, EBUSY)
  const b = w.bytes
  if (length <= 8) for (let k = 0; k < length; k++) b[off + k] = data[k]!
  else b.set(length === data.length ? data : data.subarray(0, length), off)
  w.commit()
  return 0
}

/** `ring_buffer_event_data(event)`: the payload, in place. */
export function ring_buffer_event_data(event: RingBufferEvent): Uint8Array {
  if (!(event instanceof RingBufferEvent)) throw new TypeError('event: expected a RingBufferEvent')
  return event.bytes.subarray(event.dataOffset, event.dataOffset + event.length)
}

/** `ring_buffer_event_length(event)`: the payload length rounded as the kernel reports it. */
export function ring_buffer_event_length(event: RingBufferEvent): number {
  if (!(event instanceof RingBufferEvent)) throw new TypeError('event: expected a RingBufferEvent')
  return event.length
}

/** `ring_buffer_event_time_stamp(buffer, event)`: the timestamp of the event being reserved. */
export function ring_buffer_event_time_stamp(buffer: TraceBuffer, event: RingBufferEvent): number {
  checkBuffer(buffer)
  if (!(event instanceof RingBufferEvent)) throw new TypeError('event: expected a RingBufferEvent')
  return event.timestamp
}

/** `ring_buffer_nest_start(buffer)`: allow one more reserve in the same context. */
export function ring_buffer_nest_start(buffer: TraceBuffer): void {
  checkBuffer(buffer).nest++
}

/** `ring_buffer_nest_end(buffer)`. */
export function ring_buffer_nest_end(buffer: TraceBuffer): void {
  checkBuffer(buffer)
  if (buffer.nest === 0)
    throw new RangeError('buffer: ring_buffer_nest_end without ring_buffer_nest_start')
  buffer.nest--
}

// ---- consuming reads ----------------------------------------------------------------------

/** What `ring_buffer_peek` / `ring_buffer_consume` return: the event, its timestamp and lost events. */
export interface ConsumedEvent {
  /** The event (reused per handle). */
  event: RingBufferEvent
  /** The `ts` out-parameter. */
  ts: number
  /** The `lost_events` out-parameter. */
  lost_events: number
}

function readEvent(buffer: TraceBuffer, cpu: number, consume: boolean): ConsumedEvent | null {
  checkBuffer(buffer)
  const rec = consume ? buffer.reader.consume(cpu) : buffer.reader.peek(cpu)
  if (rec === null) return null
  const ev = buffer.event
  ev.bytes = rec.bytes
  ev.dataOffset = rec.offset
  ev.length = rec.length
  ev.timestamp = rec.timestamp
  return { event: ev, ts: rec.timestamp, lost_events: rec.lost }
}

/** `ring_buffer_peek(buffer, cpu, &ts, &lost_events)`. */
export function ring_buffer_peek(buffer: TraceBuffer, cpu: number): ConsumedEvent | null {
  return readEvent(buffer, cpu, false)
}

/** `ring_buffer_consume(buffer, cpu, &ts, &lost_events)`: lost events are reported once. */
export function ring_buffer_consume(buffer: TraceBuffer, cpu: number): ConsumedEvent | null {
  return readEvent(buffer, cpu, true)
}

/**
 * No unread event on `cpu` (or on any CPU), from the counters: unlike a peek this never swaps
 * the reader sub-buffer, which a mapped consumer may be reading (the kernel's
 * `rb_per_cpu_empty` does not swap either).
 */
function isEmpty(buffer: TraceBuffer, cpu: number): boolean {
  return buffer.rb.stats(cpu).entries === 0
}

/** `ring_buffer_empty(buffer)`. */
export function ring_buffer_empty(buffer: TraceBuffer): boolean {
  return isEmpty(checkBuffer(buffer), ALL_CPUS)
}

/** `ring_buffer_empty_cpu(buffer, cpu)`. */
export function ring_buffer_empty_cpu(buffer: TraceBuffer, cpu: number): boolean {
  checkBuffer(buffer).rb.checkCpu(cpu)
  return isEmpty(buffer, cpu)
}

// ---- page reads ------------------------------------------------------------------------------

/** `ring_buffer_alloc_read_page(buffer, cpu)`. */
export function ring_buffer_alloc_read_page(buffer: TraceBuffer, cpu: number): BufferDataReadPage {
  checkBuffer(buffer).rb.checkCpu(cpu)
  return new BufferDataReadPage(buffer, cpu)
}

/** `ring_buffer_free_read_page(buffer, cpu, page)`. */
export function ring_buffer_free_read_page(
  buffer: TraceBuffer,
  cpu: number,
  page: BufferDataReadPage,
): void {
  checkBuffer(buffer).rb.checkCpu(cpu)
  if (!(page instanceof BufferDataReadPage) || page.owner.rb.sab !== buffer.rb.sab)
    throw new TypeError('page: not a read page of this buffer')
  if (page.lease !== null) buffer.rb.releaseSubbuf(page.lease)
  page.lease = null
  page.kept = null
  buffer.readPages.delete(page)
}

/**
 * `ring_buffer_read_page(buffer, page, len, cpu, full)`: move the oldest data of `cpu` into
 * `page`, by swapping sub-buffers when the reader sub-buffer is complete and unread and the
 * ring is not mapped, else by copying whole events. Sets RB_MISSED_EVENTS / RB_MISSED_STORED
 * and the stored count. Returns 0, or -1 when there is nothing to read (with `full`: no
 * complete sub-buffer), or when `len` is smaller than a sub-buffer (partial reads, which the
 * kernel serves by copying the whole events that fit, are not supported).
 *
 * @throws BusyError when the ring's spare sub-buffer is held by another read page.
 */
export function ring_buffer_read_page(
  buffer: TraceBuffer,
  page: BufferDataReadPage,
  len: number,
  cpu: number,
  full: number | boolean,
): number {
  checkBuffer(buffer).rb.checkCpu(cpu)
  if (
    !(page instanceof BufferDataReadPage) ||
    page.owner.rb.sab !== buffer.rb.sab ||
    page.cpu !== cpu
  )
    throw new TypeError('page: not a read page of this buffer and cpu')
  if (!Number.isSafeInteger(len) || len < 0) badNumber('len', len, 'a byte count')
  checkIntFlag('full', full)
  if (len < buffer.rb.subbufSize) return -1
  if (page.lease !== null) {
    buffer.rb.releaseSubbuf(page.lease)
    page.lease = null
    buffer.readPages.delete(page)
  }
  page.kept = null
  const lease = buffer.reader.takeSubbuf(cpu, {
    full: Boolean(full),
    copy: mapCount(buffer, cpu) > 0,
  })
  if (lease === null) return -1
  page.lease = lease
  buffer.readPages.add(page)
  // the page goes off to the reader: zero it past its data (and the stored missed count), as
  // the kernel's ring_buffer_read_page does on either path
  const bytes = buffer.rb.subbufBytes(cpu, lease.id)
  const word = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16) | (bytes[11]! << 24)) >>> 0
  let end = BUF_PAGE_HDR_SIZE + (word & COMMIT_MASK)
  if ((word & RB_MISSED_STORED) !== 0) end += 8
  if (end < bytes.length) bytes.fill(0, end)
  return 0
}

/** `ring_buffer_read_page_data(page)`: the sub-buffer bytes (header included), in place. */
export function ring_buffer_read_page_data(page: BufferDataReadPage): Uint8Array {
  if (!(page instanceof BufferDataReadPage))
    throw new TypeError('page: expected a BufferDataReadPage')
  if (page.lease === null) return page.kept ?? new Uint8Array(page.owner.rb.subbufSize)
  return page.owner.rb.subbufBytes(page.lease.cpu, page.lease.id)
}

// ---- iterators -------------------------------------------------------------------------------

/** `struct ring_buffer_iter`. Its methods are the `ring_buffer_iter_*` functions. */
export class RingBufferIter {
  /** @internal */ readonly it: RecordIterator
  /** @internal */ readonly buffer: TraceBuffer
  /** @internal */
  constructor(buffer: TraceBuffer, it: RecordIterator) {
    this.buffer = buffer
    this.it = it
  }
  /** `ring_buffer_iter_peek`. */
  peek(): { event: RingBufferEvent; ts: number } | null {
    return ring_buffer_iter_peek(this)
  }
  /** `ring_buffer_iter_advance`. */
  advance(): void {
    ring_buffer_iter_advance(this)
  }
  /** `ring_buffer_iter_reset`. */
  reset(): void {
    ring_buffer_iter_reset(this)
  }
  /** `ring_buffer_iter_empty`. */
  empty(): boolean {
    return ring_buffer_iter_empty(this)
  }
  /** `ring_buffer_iter_dropped`. */
  dropped(): boolean {
    return ring_buffer_iter_dropped(this)
  }
  /** `ring_buffer_read_finish`. */
  finish(): void {
    ring_buffer_read_finish(this)
  }
}

/** `ring_buffer_read_start(buffer, cpu, flags)`: open a non-consuming iterator (disables resize). */
export function ring_buffer_read_start(buffer: TraceBuffer, cpu: number): RingBufferIter {
  checkBuffer(buffer).rb.checkCpu(cpu)
  const it = buffer.reader.iterator(cpu)
  buffer.iterators.add(it)
  return new RingBufferIter(buffer, it)
}

/** `ring_buffer_read_finish(iter)`. */
export function ring_buffer_read_finish(iter: RingBufferIter): void {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  iter.it.close()
  iter.buffer.iterators.delete(iter.it)
}

/** `ring_buffer_iter_peek(iter, &ts)`: the event at the iterator (a private copy) and its timestamp. */
export function ring_buffer_iter_peek(
  iter: RingBufferIter,
): { event: RingBufferEvent; ts: number } | null {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  const rec = iter.it.peek()
  if (rec === null) return null
  const ev = new RingBufferEvent()
  ev.bytes = rec.bytes
  ev.dataOffset = rec.offset
  ev.length = rec.length
  ev.timestamp = rec.timestamp
  return { event: ev, ts: rec.timestamp }
}

/** `ring_buffer_iter_advance(iter)`. */
export function ring_buffer_iter_advance(iter: RingBufferIter): void {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  iter.it.advance()
}

/** `ring_buffer_iter_reset(iter)`. */
export function ring_buffer_iter_reset(iter: RingBufferIter): void {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  iter.it.reset()
}

/** `ring_buffer_iter_empty(iter)`. */
export function ring_buffer_iter_empty(iter: RingBufferIter): boolean {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  return iter.it.empty()
}

/** `ring_buffer_iter_dropped(iter)`: true if the writer overwrote the iterator's position; clears it. */
export function ring_buffer_iter_dropped(iter: RingBufferIter): boolean {
  if (!(iter instanceof RingBufferIter)) throw new TypeError('iter: expected a RingBufferIter')
  return iter.it.dropped()
}

// ---- waiting -------------------------------------------------------------------------------------

function checkFull(full: number): number {
  if (!Number.isInteger(full) || full < 0 || full > 100)
    badNumber('full', full, 'a percentage in [0, 100]')
  return full
}

/** `rb_watermark_hit`: data on `cpu` (any CPU with ALL_CPUS) and, per CPU, `full` percent of the ring dirty. */
function watermarkHit(buffer: TraceBuffer, cpu: number, full: number): boolean {
  if (isEmpty(buffer, cpu)) return false
  if (cpu === ALL_CPUS) return true
  if (full === 0) return true
  // the kernel's full_hit: (nr_dirty_pages + 1) * 100 >= full * nr_pages; the engine counts
  // the writer's sub-buffer as touched, which is the kernel's "+ 1"
  const s = buffer.rb.stats(cpu)
  return (s.subbufsTouched - s.subbufsLost - s.subbufsRead) * 100 >= full * buffer.rb.subbufs
}

/**
 * What the waits sleep on between two checks: the next commit on `cpu` (a record-count
 * watermark never peeks, so a mapped consumer's sub-buffer stays put), at most 50 ms.
 */
function sleepUntil(cpu: number, left: number): { records?: number; timeout: number } {
  return cpu === ALL_CPUS
    ? { timeout: Math.min(left, 50) }
    : { records: 1, timeout: Math.min(left, 50) }
}

function waitArgs(
  buffer: TraceBuffer,
  cpu: number,
  full: number,
  cond: unknown,
  timeout: unknown,
): void {
  checkBuffer(buffer)
  buffer.rb.checkCpu(cpu, true)
  checkFull(full)
  if (cond !== undefined && typeof cond !== 'function')
    throw new TypeError('cond: expected a function')
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && (timeout as number) >= 0 && (timeout as number) < 2 ** 31)
  )
    throw new RangeError(
      `timeout: expected milliseconds in [0, 2^31), got ${typeof timeout === 'number' ? timeout : typeof timeout}`,
    )
}

/**
 * `ring_buffer_wait(buffer, cpu, full, cond, data)`: block (a worker, `Atomics.wait`) until
 * `full` percent of the ring's sub-buffers hold data (0: any data; RING_BUFFER_ALL_CPUS: any
 * data on any CPU), or `cond(data)` is true, or, without `cond`, until
 * `ring_buffer_wake_waiters` wakes it (the kernel's `rb_wait_once`). Returns 0, or
 * `-EINTR`-like -4 on `timeout` (milliseconds; not a kernel argument).
 */
export function ring_buffer_wait(
  buffer: TraceBuffer,
  cpu: number,
  full: number,
  cond?: (data: unknown) => boolean,
  data?: unknown,
  timeout?: number,
): number {
  waitArgs(buffer, cpu, full, cond, timeout)
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout
  const epoch = buffer.rb.wakeEpoch(cpu)
  for (;;) {
    if (watermarkHit(buffer, cpu, full) || cond?.(data) === true) return 0
    if (cond === undefined && buffer.rb.wakeEpoch(cpu) !== epoch) return 0
    const left = deadline - Date.now()
    if (left <= 0) return -4
    buffer.reader.wait(cpu, sleepUntil(cpu, left))
  }
}

/** Like {@link ring_buffer_wait}, but awaits (`Atomics.waitAsync`), for the main thread. */
export async function ring_buffer_wait_async(
  buffer: TraceBuffer,
  cpu: number,
  full: number,
  cond?: (data: unknown) => boolean,
  data?: unknown,
  timeout?: number,
): Promise<number> {
  waitArgs(buffer, cpu, full, cond, timeout)
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout
  const epoch = buffer.rb.wakeEpoch(cpu)
  for (;;) {
    if (watermarkHit(buffer, cpu, full) || cond?.(data) === true) return 0
    if (cond === undefined && buffer.rb.wakeEpoch(cpu) !== epoch) return 0
    const left = deadline - Date.now()
    if (left <= 0) return -4
    await buffer.reader.waitAsync(cpu, sleepUntil(cpu, left))
  }
}

/**
 * `ring_buffer_poll_wait(buffer, cpu, filp, poll_table, full)`: `EPOLLIN | EPOLLRDNORM`
 * when the `full` watermark is reached now, else 0 (never blocks).
 */
export function ring_buffer_poll_wait(buffer: TraceBuffer, cpu: number, full = 0): number {
  waitArgs(buffer, cpu, full, undefined, undefined)
  return watermarkHit(buffer, cpu, full) ? EPOLLIN_RDNORM : 0
}

/** `ring_buffer_wake_waiters(buffer, cpu)`: wake every waiter of `cpu` (or all). */
export function ring_buffer_wake_waiters(buffer: TraceBuffer, cpu: number): void {
  checkBuffer(buffer).rb.checkCpu(cpu, true)
  buffer.rb.wakeWaiters(cpu)
}

// ---- accounting --------------------------------------------------------------------------------

/** `ring_buffer_entries(buffer)`: events in all rings (entries − (overrun + read)). */
export function ring_buffer_entries(buffer: TraceBuffer): number {
  return checkBuffer(buffer).rb.stats().entries
}
/** `ring_buffer_entries_cpu(buffer, cpu)`. */
export function ring_buffer_entries_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).entries
}
/** `ring_buffer_overruns(buffer)`: events lost to overwrite, all CPUs. */
export function ring_buffer_overruns(buffer: TraceBuffer): number {
  return checkBuffer(buffer).rb.stats().overrun
}
/** `ring_buffer_overrun_cpu(buffer, cpu)`. */
export function ring_buffer_overrun_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).overrun
}
/** `ring_buffer_commit_overrun_cpu(buffer, cpu)`. */
export function ring_buffer_commit_overrun_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).commitOverrun
}
/** `ring_buffer_dropped_events_cpu(buffer, cpu)`. */
export function ring_buffer_dropped_events_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).dropped
}
/** `ring_buffer_read_events_cpu(buffer, cpu)`. */
export function ring_buffer_read_events_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).read
}
/** `ring_buffer_bytes_cpu(buffer, cpu)`: entries_bytes − read_bytes, padding included. */
export function ring_buffer_bytes_cpu(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu)).bytes
}
/**
 * `ring_buffer_oldest_event_ts(buffer, cpu)`: the time stamp of the reader sub-buffer while the
 * writer is in it, else of the head sub-buffer (the oldest in the ring), as the kernel reads it
 * from the page header: whatever that sub-buffer holds, also when the ring is empty (a reset, a
 * read or a lap leaves the stamp of the sub-buffer's last first event; a sub-buffer never
 * written holds 0). It is not the stamp of the oldest unread event: while the reader
 * sub-buffer still holds unread events the head sub-buffer's stamp is returned.
 */
export function ring_buffer_oldest_event_ts(buffer: TraceBuffer, cpu: number): number {
  return checkBuffer(buffer).rb.headSubbufTimestamp(buffer.rb.checkCpu(cpu))
}
/** `ring_buffer_nr_dirty_pages(buffer, cpu)`: sub-buffers written and not yet read or lost. */
export function ring_buffer_nr_dirty_pages(buffer: TraceBuffer, cpu: number): number {
  const s = checkBuffer(buffer).rb.stats(buffer.rb.checkCpu(cpu))
  // the engine counts the sub-buffer the writer is on as touched; the kernel does not
  return Math.max(0, s.subbufsTouched - 1 - s.subbufsLost - s.subbufsRead)
}

// ---- control -------------------------------------------------------------------------------------

/** `ring_buffer_record_disable(buffer)` (a counter; balance with enable). */
export function ring_buffer_record_disable(buffer: TraceBuffer): void {
  checkBuffer(buffer).rb.recordDisable()
}
/** `ring_buffer_record_enable(buffer)`. */
export function ring_buffer_record_enable(buffer: TraceBuffer): void {
  checkBuffer(buffer).rb.recordEnable()
}
/** `ring_buffer_record_off(buffer)` (a latch). */
export function ring_buffer_record_off(buffer: TraceBuffer): void {
  checkBuffer(buffer).rb.recordOff()
}
/** `ring_buffer_record_on(buffer)`. */
export function ring_buffer_record_on(buffer: TraceBuffer): void {
  checkBuffer(buffer).rb.recordOn()
}
/** `ring_buffer_record_is_on(buffer)`: neither disabled nor off. */
export function ring_buffer_record_is_on(buffer: TraceBuffer): boolean {
  return checkBuffer(buffer).rb.isOn()
}
/** `ring_buffer_record_is_set_on(buffer)`: the off latch is not set. */
export function ring_buffer_record_is_set_on(buffer: TraceBuffer): boolean {
  return checkBuffer(buffer).rb.isSetOn()
}
/**
 * `ring_buffer_record_is_on_cpu(buffer, cpu)`: the off latch is not set and `cpu` is not
 * disabled. As in the kernel, the global disable counter is not looked at.
 */
export function ring_buffer_record_is_on_cpu(buffer: TraceBuffer, cpu: number): boolean {
  return checkBuffer(buffer).rb.isSetOn(buffer.rb.checkCpu(cpu))
}
/** `ring_buffer_record_disable_cpu(buffer, cpu)`. */
export function ring_buffer_record_disable_cpu(buffer: TraceBuffer, cpu: number): void {
  checkBuffer(buffer).rb.recordDisable(buffer.rb.checkCpu(cpu))
}
/** `ring_buffer_record_enable_cpu(buffer, cpu)`. */
export function ring_buffer_record_enable_cpu(buffer: TraceBuffer, cpu: number): void {
  checkBuffer(buffer).rb.recordEnable(buffer.rb.checkCpu(cpu))
}
/** `ring_buffer_reset_cpu(buffer, cpu)`. */
export function ring_buffer_reset_cpu(buffer: TraceBuffer, cpu: number): void {
  const c = checkBuffer(buffer).rb.checkCpu(cpu)
  buffer.rb.reset(c)
  updateMappedMetaAfterReset(buffer, c)
}
/** `ring_buffer_reset(buffer)`. A mapped ring's meta page is updated, as `rb_reset_cpu` does. */
export function ring_buffer_reset(buffer: TraceBuffer): void {
  checkBuffer(buffer).rb.reset()
  for (let cpu = 0; cpu < buffer.rb.cpus; cpu++) updateMappedMetaAfterReset(buffer, cpu)
}
/** `ring_buffer_reset_online_cpus(buffer)`: every ring is online here. */
export function ring_buffer_reset_online_cpus(buffer: TraceBuffer): void {
  ring_buffer_reset(buffer)
}

// ---- time ----------------------------------------------------------------------------------------

/** `ring_buffer_set_clock(buffer, clock)`: this handle's writers take timestamps from `clock`. */
export function ring_buffer_set_clock(buffer: TraceBuffer, clock: TraceClock): void {
  checkBuffer(buffer)
  if (typeof clock !== 'function') throw new TypeError('clock: expected a function')
  buffer.clock = clock
}
/** `ring_buffer_time_stamp(buffer)`: the clock now. */
export function ring_buffer_time_stamp(buffer: TraceBuffer): number {
  checkBuffer(buffer)
  if (buffer.clock !== undefined) return buffer.clock()
  // the counter clock counts events: its "now" is the last event's count on this handle's CPU
  if (buffer.rb.clockKind === COUNTER_CLOCK) return buffer.writers[buffer.cpu]?.timestamp ?? 0
  return monotonicNs()
}
/** `ring_buffer_normalize_time_stamp(buffer, cpu, ts)`: a no-op, as in the kernel. */
export function ring_buffer_normalize_time_stamp(
  buffer: TraceBuffer,
  cpu: number,
  ts: number,
): number {
  checkBuffer(buffer).rb.checkCpu(cpu)
  if (!Number.isSafeInteger(ts) || ts < 0)
    throw new RangeError(`ts: expected a non-negative safe integer, got ${String(ts)}`)
  return ts
}
/** `ring_buffer_set_time_stamp_abs(buffer, abs)`: precede every event with an absolute TIME_STAMP. */
export function ring_buffer_set_time_stamp_abs(buffer: TraceBuffer, abs: boolean): void {
  if (typeof abs !== 'boolean') throw new TypeError(`abs: expected a boolean, got ${typeof abs}`)
  const rb = checkBuffer(buffer).rb
  rb.clientFlags = abs
    ? rb.clientFlags | FTRACE_FLAG_ABSOLUTE
    : rb.clientFlags & ~FTRACE_FLAG_ABSOLUTE
}
/** `ring_buffer_time_stamp_abs(buffer)`. */
export function ring_buffer_time_stamp_abs(buffer: TraceBuffer): boolean {
  return (checkBuffer(buffer).rb.clientFlags & FTRACE_FLAG_ABSOLUTE) !== 0
}

// ---- self-description ----------------------------------------------------------------------------

/** `ring_buffer_print_entry_header(s)`: the `header_event` text (returned instead of written to a trace_seq). */
export function ring_buffer_print_entry_header(): string {
  return entryHeaderText()
}
/** `ring_buffer_print_page_header(buffer, s)`: the `header_page` text for the buffer's sub-buffer size. */
export function ring_buffer_print_page_header(buffer: TraceBuffer): string {
  return pageHeaderText(checkBuffer(buffer).rb.subbufSize)
}

export { RING_BUFFER_ALL_CPUS, RB_FL_OVERWRITE }
