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
