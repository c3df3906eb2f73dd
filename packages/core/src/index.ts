/**
 * `@onering/core`: one ring-buffer engine on `SharedArrayBuffer` + `Atomics`, with a paged
 * layout (ftrace-style sub-buffers and a reader sub-buffer) and a contiguous layout
 * (perf-style data area with free-running head and tail), shared across `worker_threads`.
 *
 * @packageDocumentation
 */
export { RingBuffer } from './ring-buffer.js'
export { ALL_CPUS } from './all-cpus.js'
export { RingReader } from './reader.js'
export type { TakeSubbufOptions, RecordVisitor } from './reader.js'
export { RingIterator } from './iterator.js'
export type { RecordIterator } from './iterator.js'
export { ContiguousIterator } from './contiguous-iterator.js'
export { RingRecord } from './record.js'
export type { RingWriter } from './writer-base.js'
export { MAX_NESTING } from './reservation-stack.js'
export type { SubbufLease, ReaderSubbufInfo } from './paged-reader.js'
export type { RingBufferOptions, AttachOptions, RingMode, RingSync } from './options.js'
export type { RingStats } from './stats.js'
export type { WriterRecovery } from './recovery.js'
export type { WritersRecovery } from './shared-recovery.js'
export type { Watermark } from './wait.js'
export { monotonicNs } from './clock.js'
export type { ClockFn, ClockOption } from './clock.js'
export { BusyError } from './errors.js'
export { RecordKind, RecordFlag, registerClient, clientHash, decodedRecord } from './client.js'
export type {
  RingClient,
  DecodedRecord,
  LayoutKind,
  RecordKindValue,
  SubbufHandoffInfo,
  ClientGeometry,
} from './client.js'
export { rawPagedClient, rawContiguousClient, RAW_SUBBUF_FLAGS_OFFSET } from './raw-client.js'
export { setU64, getU64, getI64 } from './u64.js'
