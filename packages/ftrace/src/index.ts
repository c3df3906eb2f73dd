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
export {
  KBuffer,
  KBUFFER_ENDIAN_BIG,
  KBUFFER_ENDIAN_LITTLE,
  KBUFFER_ENDIAN_SAME_AS_HOST,
  KBUFFER_LSIZE_4,
  KBUFFER_LSIZE_8,
  KBUFFER_LSIZE_SAME_AS_HOST,
  KBUFFER_TYPE_PADDING,
  KBUFFER_TYPE_TIME_EXTEND,
  KBUFFER_TYPE_TIME_STAMP,
  kbuffer_alloc,
  kbuffer_free,
  kbuffer_load_subbuffer,
  kbuffer_read_event,
  kbuffer_next_event,
  kbuffer_timestamp,
  kbuffer_subbuf_timestamp,
  kbuffer_ptr_delta,
  kbuffer_translate_data,
  kbuffer_read_at_offset,
  kbuffer_subbuffer_size,
  kbuffer_curr_index,
  kbuffer_curr_offset,
  kbuffer_event_size,
  kbuffer_curr_size,
  kbuffer_missed_events,
  kbuffer_set_old_format,
  kbuffer_start_of_data,
  kbuffer_raw_get,
  kbuffer_dup,
  kbuffer_subbuffer,
  kbuffer_refresh,
  kbuffer_read_buffer,
} from './kbuffer.js'
export type { KbufferRawInfo } from './kbuffer.js'
export {
  TracefsCpu,
  tracefs_cpu_open,
  tracefs_cpu_close,
  tracefs_cpu_read_size,
  tracefs_cpu_read,
  tracefs_cpu_buffered_read,
  tracefs_cpu_flush,
  tracefs_cpu_stop,
  tracefs_cpu_write,
  tracefs_cpu_flush_write,
  tracefs_cpu_map,
  tracefs_cpu_unmap,
  tracefs_cpu_is_mapped,
} from './tracefs-cpu.js'
