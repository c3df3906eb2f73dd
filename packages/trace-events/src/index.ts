/**
 * `@onering/trace-events`: the Linux trace-event layer without a ring buffer — event
 * definitions and their `format` text, a parser of kernel `format` files, an allocation-free
 * field encoder, a field decoder and `print fmt` printer that agree with libtraceevent, and the
 * tracing-data metadata block of trace.dat version 6 and perf.data; and each event's tracepoint,
 * whose registered probes receive every emission.
 *
 * @packageDocumentation
 */
export { EventFormatError, PrintFmtError, TracingDataError } from './errors.js'
export { entryHeaderText, pageHeaderText } from './header-text.js'
export type { FormatField } from './format-field.js'
export {
  DATA_LOC_LENGTH_SHIFT,
  DATA_LOC_OFFSET_MASK,
  FIELD_IS_ARRAY,
  FIELD_IS_DYNAMIC,
  FIELD_IS_LONG,
  FIELD_IS_POINTER,
  FIELD_IS_RELATIVE,
  FIELD_IS_SIGNED,
  FIELD_IS_STRING,
} from './format-field.js'
export type { EventFormat, ParseFormatOptions } from './event-format.js'
export { findAnyField, findCommonField, findField, parseEventFormat } from './event-format.js'
export type { FieldLocation, FieldValue } from './field-decoder.js'
export {
  decodeEvent,
  fieldLocation,
  readField,
  readNumber,
  readNumberField,
} from './field-decoder.js'
export {
  EventIdAllocator,
  FIRST_USER_EVENT_ID,
  FTRACE_EVENT_IDS,
  FTRACE_RESERVED_IDS,
  MAX_EVENT_ID,
} from './event-ids.js'
export type {
  DefinedField,
  EventDefinition,
  EventSpec,
  FieldKind,
  FieldSpec,
  ScalarType,
} from './event-definition.js'
export {
  COMMON_FIELDS_SIZE,
  COMMON_FIELDS_TEXT,
  defineEvent,
  layoutEvent,
} from './event-definition.js'
export { FTRACE_PRINT, printEventSize } from './ftrace-events.js'
export { EventEncoder, stringFieldSize } from './event-encoder.js'
export type { TracepointProbe } from './tracepoint.js'
export { Tracepoint, findTracepoint, tracepointOf } from './tracepoint.js'
export { utf8Length, writeUtf8 } from './utf8.js'
export type { SymbolMatch } from './kallsyms.js'
export { Kallsyms } from './kallsyms.js'
export { formatCmdlines, parseCmdlines } from './cmdlines.js'
export type { TracingData, TracingDataRead, TracingSystem } from './tracing-data.js'
export {
  PERF_TRACING_DATA_VERSION,
  readTracingData,
  TRACE_DAT_VERSION_6,
  TRACING_MAGIC,
  writeTracingData,
} from './tracing-data.js'
export type { OpArg, PrintArg, PrintFmt } from './print-fmt.js'
export { parsePrintFmt } from './print-fmt.js'
export type { PrinterOptions } from './event-printer.js'
export { EventPrinter } from './event-printer.js'
export type { OutParam } from './out-param.js'
export {
  TraceSeq,
  TRACE_SEQ__GOOD,
  TRACE_SEQ__BUFFER_POISONED,
  TRACE_SEQ__MEM_ALLOC_FAILED,
  trace_seq_init,
  trace_seq_reset,
  trace_seq_destroy,
  trace_seq_printf,
  trace_seq_vprintf,
  trace_seq_puts,
  trace_seq_putc,
  trace_seq_terminate,
  trace_seq_do_fprintf,
  trace_seq_do_printf,
} from './trace-seq.js'
export type { TepRecord } from './tep.js'
export {
  TepHandle,
  TepEvent,
  TEP_ERRNO__SUCCESS,
  TEP_ERRNO__MEM_ALLOC_FAILED,
  TEP_ERRNO__PARSE_EVENT_FAILED,
  TEP_ERRNO__READ_ID_FAILED,
  TEP_ERRNO__READ_FORMAT_FAILED,
  TEP_ERRNO__READ_PRINT_FAILED,
  TEP_EVENT_FL_ISFTRACE,
  TEP_EVENT_FL_ISBPRINT,
  TEP_EVENT_FL_FAILED,
  tep_alloc,
  tep_free,
  tep_set_long_size,
  tep_get_long_size,
  tep_set_page_size,
  tep_get_page_size,
  tep_set_cpus,
  tep_get_cpus,
  tep_parse_event,
  tep_parse_format,
  tep_strerror,
  tep_find_event,
  tep_find_event_by_name,
  tep_find_event_by_record,
  tep_get_events_count,
  tep_get_event,
  tep_get_first_event,
  tep_find_field,
  tep_find_common_field,
  tep_find_any_field,
  tep_event_fields,
  tep_event_common_fields,
  tep_read_number_field,
  tep_read_number,
  tep_get_field_val,
  tep_get_common_field_val,
  tep_get_any_field_val,
  tep_get_field_raw,
  tep_data_type,
  tep_data_pid,
  tep_data_preempt_count,
  tep_data_flags,
  tep_register_comm,
  tep_override_comm,
  tep_is_pid_registered,
  tep_parse_saved_cmdlines,
  tep_data_comm_from_pid,
  tep_parse_kallsyms,
} from './tep.js'
export type { TepPrintArg } from './tep-print-event.js'
export {
  tep_print_event,
  TEP_PRINT_INFO,
  TEP_PRINT_INFO_RAW,
  TEP_PRINT_COMM,
  TEP_PRINT_LATENCY,
  TEP_PRINT_NAME,
  TEP_PRINT_PID,
  TEP_PRINT_TIME,
  TEP_PRINT_CPU,
} from './tep-print-event.js'
