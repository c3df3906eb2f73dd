/**
 * `@onering/ftrace`: the Linux ftrace `ring_buffer` API and byte format on top of `@onering/core`.
 *
 * @packageDocumentation
 */
export * from './constants.js'
export {
  eventLength,
  eventHeader,
  writeDataHeader,
  writeTimeEvent,
  readTimeEvent,
  fixAbsoluteTimestamp,
  writePadding,
  needsTimeExtend,
} from './event.js'
export { ftraceClient, decodeEvent, FTRACE_FLAG_ABSOLUTE } from './client.js'
export { SubbufReader, decodeRawStream } from './subbuf-reader.js'
export type { SubbufEvent } from './subbuf-reader.js'
export { pageHeaderText, entryHeaderText } from '@onering/trace-events'
export {
  trace_event_buffer_reserve,
  trace_event_buffer_commit,
  trace_event_write,
  tracing_mark_write,
  currentTid,
  EBADF,
  TRACING_MARK_WRITE_IP,
  TRACING_MARK_WRITE_KALLSYMS,
  TRACE_MARKER_PREEMPT_COUNT,
} from './trace-event.js'
export type { TraceEventValue } from './trace-event.js'
export { trace_event_reg, trace_event_unreg } from './trace-event-probe.js'
export { TraceBuffer, RingBufferEvent, BufferDataReadPage } from './trace-buffer.js'
export type { TraceClock } from './trace-buffer.js'
export * from './ring-buffer-api.js'
export {
  ring_buffer_map,
  ring_buffer_unmap,
  ring_buffer_map_get_reader,
  decodeTraceBufferMeta,
  TraceBufferMapping,
  TRACE_BUFFER_META_LEN,
  TraceBufferMetaOffset,
} from './mmap.js'
export type { TraceBufferMeta } from './mmap.js'
