/**
 * `struct trace_buffer`: an ftrace ring buffer held in an `@onering/core` buffer whose client
 * is {@link ftraceClient}. Any worker attaches to it from its `SharedArrayBuffer` alone.
 *
 * @packageDocumentation
 */
import { RingBuffer } from '@onering/core'
import type { RingIterator, RingReader, RingWriter, SubbufLease } from '@onering/core'
import { ftraceClient } from './client.js'

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

/** `struct buffer_data_read_page`: a page for `ring_buffer_read_page`, owned by its caller. */
export class BufferDataReadPage {
  /** The CPU it was allocated for. */
  readonly cpu: number
  /** @internal the sub-buffer it currently holds */
  lease: SubbufLease | null = null
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
  /** @internal */ readonly iterators: Set<RingIterator> = new Set<RingIterator>()

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

  /** The shared memory: post it to other workers. */
  get sab(): SharedArrayBuffer {
    return this.rb.sab
  }

  /** Choose the ring this handle writes to. */
  setCpu(cpu: number): void {
    this.cpu = this.rb.checkCpu(cpu)
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
}
