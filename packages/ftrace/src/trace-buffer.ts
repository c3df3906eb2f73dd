/**
 * `struct trace_buffer`: an ftrace ring buffer held in an `@onering/core` buffer whose client
 * is {@link ftraceClient}. Any worker attaches to it from its `SharedArrayBuffer` alone.
 *
 * @packageDocumentation
 */
import { RingBuffer } from '@onering/core'
import type { RecordIterator, RingReader, RingWriter, SubbufLease } from '@onering/core'
import { checkOptionsObject, shown } from '@onering/trace-events/internal'
import { ftraceClient } from './client.js'
import * as api from './ring-buffer-api.js'
import type { AllocOptions, ConsumedEvent, RingBufferIter } from './ring-buffer-api.js'
import * as mmap from './mmap.js'
import type { TraceBufferMapping } from './mmap.js'

/** The engine's `H_CLOCK` value of the counter clock (docs/design.md §3.2). */
const COUNTER_CLOCK = 1

/** The clock of a trace buffer: returns integer nanoseconds (`trace_clock_local` by default). */
export type TraceClock = () => number

/**
 * `struct ring_buffer_event`: the event reserved by `ring_buffer_lock_reserve`, or returned
 * by peek/consume/iterators. One instance is reused per buffer handle: read it before the
 * next call.
 */
export class RingBufferEvent {
  /** The bytes the event lives in (the shared buffer, or an iterator's copy). */
  bytes: Uint8Array = new Uint8Array(0)
  /** Offset of the payload (`ring_buffer_event_data`) in {@link RingBufferEvent.bytes}. */
  dataOffset = 0
  /** Payload length as `ring_buffer_event_length` reports it. */
  length = 0
  /** Timestamp of the event. */
  timestamp = 0
}

/** A page that {@link TraceBuffer.allocReadPage} gave. */
function checkPage(page: unknown): void {
  if (!(page instanceof BufferDataReadPage))
    throw new TypeError('page: expected a page from allocReadPage / ring_buffer_alloc_read_page')
}

/** `struct buffer_data_read_page`: a page for `ring_buffer_read_page`, owned by its caller. */
export class BufferDataReadPage {
  /** The CPU it was allocated for. */
  readonly cpu: number
  /** @internal the sub-buffer it currently holds */
  lease: SubbufLease | null = null
  /**
   * @internal its bytes, copied out of the ring when a resize made its lease stale (the
   * kernel's read page is the caller's memory and keeps its data across `ring_buffer_resize`)
   */
  kept: Uint8Array | null = null
  /** @internal */
  readonly owner: TraceBuffer
  /** @internal */
  constructor(owner: TraceBuffer, cpu: number) {
    this.owner = owner
    this.cpu = cpu
  }
}

/**
 * `struct trace_buffer`. Create with `ring_buffer_alloc`, or attach in another worker with
 * {@link TraceBuffer.attach}. Writes go to the ring of {@link TraceBuffer.cpu}, this
 * handle's "current CPU" (the worker's ring).
 */
export class TraceBuffer {
  /** The core buffer. */
  readonly rb: RingBuffer
  /** The ring this handle writes to (`smp_processor_id()` of this worker). */
  cpu = 0
  /** @internal */ readonly reader: RingReader
  /** @internal */ readonly event: RingBufferEvent = new RingBufferEvent()
  /** @internal */ readonly writers: (RingWriter | undefined)[] = []
  /** @internal */ clock: TraceClock | undefined
  /** @internal */ nest = 0
  /** @internal a view over the ring's bytes for the trace-event encoders */
  eventView: DataView | undefined
  /** @internal */ readonly iterators: Set<RecordIterator> = new Set<RecordIterator>()
  /** @internal read pages of this handle that hold a lease: a resize copies their bytes out */
  readonly readPages: Set<BufferDataReadPage> = new Set<BufferDataReadPage>()

  /** @internal */
  constructor(rb: RingBuffer) {
    this.rb = rb
    this.reader = rb.reader()
  }

  /** Attach to a trace buffer created in another worker, from its shared memory. */
  static attach(
    sab: SharedArrayBuffer,
    options: { cpu?: number; clock?: TraceClock } = {},
  ): TraceBuffer {
    checkOptionsObject('options', options, ['cpu', 'clock'])
    const rb = RingBuffer.attach(
      sab,
      options.clock === undefined
        ? { client: ftraceClient }
        : { client: ftraceClient, clock: options.clock },
    )
    const tb = new TraceBuffer(rb)
    if (options.cpu !== undefined) tb.setCpu(options.cpu)
    return tb
  }

  /**
   * The buffer's trace clock under its kernel `trace_clock` name: `'counter'` for the counter
   * clock, else `'mono'` (CLOCK_MONOTONIC nanoseconds, Node's `performance.now()` time base).
   */
  get clockName(): 'mono' | 'counter' {
    return this.rb.clockKind === COUNTER_CLOCK ? 'counter' : 'mono'
  }

  /** The shared memory: post it to other workers. */
  get sab(): SharedArrayBuffer {
    return this.rb.sab
  }

  /** Choose the ring this handle writes to. */
  setCpu(cpu: number): void {
    this.rb.checkLive()
    this.cpu = this.rb.checkCpu(cpu)
  }

  /**
   * @internal The writer of the current CPU for the write path: the open one (no liveness or
   * geometry check: while it is open it holds the ring's writer lock, so no resize can run,
   * and its own reserve and publish refuse a freed buffer), else a checked {@link writer}.
   */
  openWriter(): RingWriter {
    const w = this.writers[this.cpu]
    if (w !== undefined) return w
    this.rb.checkLive()
    return this.writer()
  }

  /** @internal The writer of the current CPU, opened on first use. */
  writer(): RingWriter {
    const w = this.writers[this.cpu]
    if (w !== undefined) return w
    const nw = this.rb.writer(this.cpu)
    this.writers[this.cpu] = nw
    return nw
  }

  /** Flush and close this handle's writers (other workers may then write those rings). */
  close(): void {
    for (const w of this.writers) w?.close()
    this.writers.length = 0
  }

  // ---- the idiomatic API: the same operations as the ring_buffer_* functions ----------------

  /** Allocate a buffer (`ring_buffer_alloc`): `size` bytes of data per CPU, `overwrite` for a flight recorder. */
  static alloc(size: number, overwrite = false, options: AllocOptions = {}): TraceBuffer {
    if (typeof overwrite !== 'boolean')
      throw new TypeError(`overwrite: expected a boolean, got ${typeof overwrite}`)
    return api.ring_buffer_alloc(size, overwrite ? api.RB_FL_OVERWRITE : 0, options)
  }
  /** Reserve an event of `length` payload bytes on {@link TraceBuffer.cpu} (`ring_buffer_lock_reserve`). */
  reserve(length: number): RingBufferEvent | null {
    return api.ring_buffer_lock_reserve(this, length)
  }
  /** Commit the reserved event (`ring_buffer_unlock_commit`). */
  commit(): void {
    api.ring_buffer_unlock_commit(this)
  }
  /** Drop the reserved event (`ring_buffer_discard_commit`). */
  discard(event: RingBufferEvent): void {
    api.ring_buffer_discard_commit(this, event)
  }
  /** Write one event (`ring_buffer_write`); false when it was not recorded. */
  write(data: Uint8Array): boolean {
    if (!(data instanceof Uint8Array))
      throw new TypeError(`data: expected a Uint8Array, got ${shown(data)}`)
    return api.ring_buffer_write(this, data.length, data) === 0
  }
  /** Allow one more reserve in the same context (`ring_buffer_nest_start`). */
  nestStart(): void {
    api.ring_buffer_nest_start(this)
  }
  /** End a {@link TraceBuffer.nestStart} (`ring_buffer_nest_end`). */
  nestEnd(): void {
    api.ring_buffer_nest_end(this)
  }
  /** The next event of `cpu` without consuming it (`ring_buffer_peek`). */
  peek(cpu: number): ConsumedEvent | null {
    return api.ring_buffer_peek(this, cpu)
  }
  /** Consume the next event of `cpu` (`ring_buffer_consume`). */
  consume(cpu: number): ConsumedEvent | null {
    return api.ring_buffer_consume(this, cpu)
  }
  /** True when `cpu` (or every CPU) has nothing to read (`ring_buffer_empty[_cpu]`). */
  empty(cpu: number = api.RING_BUFFER_ALL_CPUS): boolean {
    return cpu === api.RING_BUFFER_ALL_CPUS
      ? api.ring_buffer_empty(this)
      : api.ring_buffer_empty_cpu(this, cpu)
  }
  /** A page for {@link TraceBuffer.readPage} (`ring_buffer_alloc_read_page`). */
  allocReadPage(cpu: number): BufferDataReadPage {
    return api.ring_buffer_alloc_read_page(this, cpu)
  }
  /** Move the oldest data of `page.cpu` into `page` (`ring_buffer_read_page`); false when there is none. */
  readPage(page: BufferDataReadPage, full = false): boolean {
    checkPage(page)
    if (typeof full !== 'boolean')
      throw new TypeError(`full: expected a boolean, got ${typeof full}`)
    return api.ring_buffer_read_page(this, page, this.rb.subbufSize, page.cpu, full) === 0
  }
  /** Give a read page back (`ring_buffer_free_read_page`). */
  freeReadPage(page: BufferDataReadPage): void {
    checkPage(page)
    api.ring_buffer_free_read_page(this, page.cpu, page)
  }
  /** Open a non-consuming iterator (`ring_buffer_read_start`). */
  readStart(cpu: number): RingBufferIter {
    return api.ring_buffer_read_start(this, cpu)
  }
  /** Await the `full` percent watermark of `cpu`, or any data (`ring_buffer_wait`, async). Resolves 0, or -4 on timeout. */
  wait(cpu: number, full = 0, timeout?: number): Promise<number> {
    return api.ring_buffer_wait_async(this, cpu, full, undefined, undefined, timeout)
  }
  /** Wake every waiter of `cpu` (`ring_buffer_wake_waiters`). */
  wakeWaiters(cpu: number = api.RING_BUFFER_ALL_CPUS): void {
    api.ring_buffer_wake_waiters(this, cpu)
  }
  /** The kernel's counters of one CPU, or all (`ring_buffer_*_cpu`, `ring_buffer_entries`, `ring_buffer_overruns`). */
  counters(cpu: number = api.RING_BUFFER_ALL_CPUS): {
    entries: number
    overrun: number
    commitOverrun: number
    droppedEvents: number
    readEvents: number
    bytes: number
    oldestEventTs: number
  } {
    const s = this.rb.stats(cpu === api.RING_BUFFER_ALL_CPUS ? cpu : this.rb.checkCpu(cpu))
    return {
      entries: s.entries,
      overrun: s.overrun,
      commitOverrun: s.commitOverrun,
      droppedEvents: s.dropped,
      readEvents: s.read,
      bytes: s.bytes,
      oldestEventTs: s.oldestTimestamp,
    }
  }
  /** `ring_buffer_record_disable` / `_cpu`. */
  recordDisable(cpu: number = api.RING_BUFFER_ALL_CPUS): void {
    if (cpu === api.RING_BUFFER_ALL_CPUS) api.ring_buffer_record_disable(this)
    else api.ring_buffer_record_disable_cpu(this, cpu)
  }
  /** `ring_buffer_record_enable` / `_cpu`. */
  recordEnable(cpu: number = api.RING_BUFFER_ALL_CPUS): void {
    if (cpu === api.RING_BUFFER_ALL_CPUS) api.ring_buffer_record_enable(this)
    else api.ring_buffer_record_enable_cpu(this, cpu)
  }
  /** `ring_buffer_record_off`. */
  recordOff(): void {
    api.ring_buffer_record_off(this)
  }
  /** `ring_buffer_record_on`. */
  recordOn(): void {
    api.ring_buffer_record_on(this)
  }
  /** `ring_buffer_record_is_on` / `_on_cpu`. */
  isOn(cpu: number = api.RING_BUFFER_ALL_CPUS): boolean {
    return cpu === api.RING_BUFFER_ALL_CPUS
      ? api.ring_buffer_record_is_on(this)
      : api.ring_buffer_record_is_on_cpu(this, cpu)
  }
  /** `ring_buffer_reset` / `_reset_cpu`. */
  reset(cpu: number = api.RING_BUFFER_ALL_CPUS): void {
    if (cpu === api.RING_BUFFER_ALL_CPUS) api.ring_buffer_reset(this)
    else api.ring_buffer_reset_cpu(this, cpu)
  }
  /** `ring_buffer_resize` for every CPU; false while the buffer is busy or mapped. */
  resize(size: number): boolean {
    return api.ring_buffer_resize(this, size, api.RING_BUFFER_ALL_CPUS) === 0
  }
  /** `ring_buffer_change_overwrite`. */
  set overwrite(on: boolean) {
    api.ring_buffer_change_overwrite(this, on)
  }
  /** True in overwrite mode. */
  get overwrite(): boolean {
    return this.rb.mode === 'overwrite'
  }
  /** `ring_buffer_set_time_stamp_abs` / `ring_buffer_time_stamp_abs`. */
  set absoluteTimestamps(on: boolean) {
    api.ring_buffer_set_time_stamp_abs(this, on)
  }
  /** True when every event carries an absolute TIME_STAMP. */
  get absoluteTimestamps(): boolean {
    return api.ring_buffer_time_stamp_abs(this)
  }
  /** Map `cpu` (`ring_buffer_map`). */
  map(cpu: number): TraceBufferMapping {
    return mmap.ring_buffer_map(this, cpu)
  }
  /** Unmap `cpu` (`ring_buffer_unmap`). */
  unmap(cpu: number): void {
    mmap.ring_buffer_unmap(this, cpu)
  }
  /** `ring_buffer_map_get_reader` (`TRACE_MMAP_IOCTL_GET_READER`). */
  getReader(cpu: number): void {
    mmap.ring_buffer_map_get_reader(this, cpu)
  }
  /** The `header_page` text (`ring_buffer_print_page_header`). */
  pageHeader(): string {
    return api.ring_buffer_print_page_header(this)
  }
  /** Free the buffer (`ring_buffer_free`). */
  free(): void {
    api.ring_buffer_free(this)
  }
}
