/**
 * Options for creating and attaching buffers.
 *
 * @packageDocumentation
 */
import type { ClockOption, ClockFn } from './clock.js'
import type { RingClient } from './client.js'

/** What a full ring does. */
export type RingMode = 'overwrite' | 'produce-consume'

/** How writers of one ring synchronise. */
export type RingSync = 'per-cpu' | 'shared'

/** Options of {@link RingBuffer.create}. Every field is optional. */
export interface RingBufferOptions {
  /**
   * The client (record format). Its `layout` chooses the layout.
   * @defaultValue {@link rawPagedClient}
   */
  client?: RingClient
  /**
   * Number of per-CPU rings (one per writer worker, typically).
   * @defaultValue 1
   */
  cpus?: number
  /**
   * Paged layout: bytes of record data per CPU; the ring gets
   * `max(2, ceil(size / (subbufSize - header)))` sub-buffers, as the kernel sizes ftrace rings.
   * Contiguous layout: the data area size, a power of two from 2^8 to 2^30.
   * @defaultValue 65536
   */
  size?: number
  /**
   * Paged layout: sub-buffer size in bytes, a power of two from 2^8 to 2^20.
   * @defaultValue 4096
   */
  subbufSize?: number
  /**
   * Paged layout: spare sub-buffers per CPU for zero-copy handoff to consumers, 1..32.
   * @defaultValue 1
   */
  spareSubbufs?: number
  /**
   * `'overwrite'` (flight recorder: the oldest sub-buffer or record is reclaimed and counted as
   * overrun; writers never wait) or `'produce-consume'` (a full ring fails the reserve and
   * counts a drop).
   * @defaultValue 'overwrite'
   */
  mode?: RingMode
  /**
   * `'per-cpu'`: one writer per ring, no compare-and-swap on the write path.
   * `'shared'`: any number of writers reserve concurrently in one ring (paged layout only).
   * @defaultValue 'per-cpu'
   */
  sync?: RingSync
  /**
   * Contiguous layout: the head decreases and each record is laid below the previous one, so
   * reading forward from the head gives the newest record first (perf's `write_backward`).
   * Such rings are read from the head by a range finder (`@onering/perf`), not by `RingReader`.
   * @defaultValue false
   */
  backward?: boolean
  /**
   * Contiguous layout in overwrite mode: `'push'` — the writer pushes the tail over whole
   * records before overwriting them and counts each as overrun, so readers keep record
   * boundaries (a flight recorder); `'ignore'` — the writer ignores the tail, as perf does for
   * a read-only mapping: a reader that falls more than the ring behind loses sync, and overwritten
   * records are not counted. Backward rings overwrite only with `'ignore'`.
   * @defaultValue 'push' (forward), 'ignore' (backward)
   */
  tailPolicy?: 'push' | 'ignore'
  /**
   * The clock. See {@link ClockOption}.
   * @defaultValue 'monotonic'
   */
  clock?: ClockOption
  /**
   * A per-CPU writer publishes its commits (one `Atomics.store`) every this many outermost
   * commits, at every sub-buffer switch and on `flush()`. 1 publishes every record.
   * @defaultValue 32
   */
  publishBatch?: number
  /**
   * Reserve address space so that {@link RingBuffer.resize} can grow the buffer in place: the
   * `SharedArrayBuffer` is created growable with this maximum byte length.
   * @defaultValue the initial byte length (no growth)
   */
  maxByteLength?: number
}

/** Options of {@link RingBuffer.attach}. */
export interface AttachOptions {
  /** The client; needed when it is not registered in this worker (`registerClient`). */
  client?: RingClient
  /** The clock function, required when the buffer was created with a function clock. */
  clock?: ClockFn
}
