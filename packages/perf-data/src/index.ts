/**
 * `@onering/perf-data`: perf.data (perf 6.1 file mode) written from onering perf rings — the
 * records moved as the consumer read them, with the attrs, ids and features perf's tools need —
 * and read back: header, attrs, features, every record through `@onering/perf`'s decoders,
 * tracepoint fields through `@onering/trace-events`, perf's time order, and the listing
 * `perf script` prints.
 *
 * @packageDocumentation
 */
export { PerfDataError } from './errors.js'
export {
  featureName,
  PERF_FILE_ATTR_ENTRY_SIZE,
  PERF_FILE_ATTR_SIZE_61,
  PERF_FILE_HEADER_SIZE,
  PERF_HEADER_STRING_ALIGN,
  PERF_MAGIC,
  PERF_PIPE_HEADER_SIZE,
  PERF_RECORD_AUXTRACE,
  PERF_RECORD_AUXTRACE_ERROR,
  PERF_RECORD_AUXTRACE_INFO,
  PERF_RECORD_COMPRESSED,
  PERF_RECORD_CPU_MAP,
  PERF_RECORD_EVENT_UPDATE,
  PERF_RECORD_FINISHED_INIT,
  PERF_RECORD_FINISHED_ROUND,
  PERF_RECORD_HEADER_ATTR,
  PERF_RECORD_HEADER_BUILD_ID,
  PERF_RECORD_HEADER_EVENT_TYPE,
  PERF_RECORD_HEADER_FEATURE,
  PERF_RECORD_HEADER_TRACING_DATA,
  PERF_RECORD_ID_INDEX,
  PERF_RECORD_STAT,
  PERF_RECORD_STAT_CONFIG,
  PERF_RECORD_STAT_ROUND,
  PERF_RECORD_THREAD_MAP,
  PERF_RECORD_TIME_CONV,
  PERF_RECORD_USER_TYPE_START,
  PerfFeature,
} from './file-format.js'
export type { PerfFeatureBits, PerfFeatureName } from './file-format.js'
export { decodeFileHeader, encodeFileHeader, isPipeHeader } from './file-header.js'
export type { PerfFileHeader, PerfFileSection } from './file-header.js'
export { decodeFeatures, encodeFeatures } from './features.js'
export type {
  PerfClockData,
  PerfDataFeatures,
  PerfDataFeaturesInit,
  PerfDataFeatureSections,
  PerfEventDesc,
  PerfEventDescInit,
  PerfNrCpus,
} from './features.js'
export type { PerfDataEvsel } from './evsel.js'
export { PerfDataReader, recordTypeName } from './perf-data-reader.js'
export type { PerfDataRecord, PerfDataSlot, PerfDataTraceFields } from './perf-data-reader.js'
export { PERF_SCRIPT_LISTING_ARGS, perfDataListing } from './listing.js'
export type { PerfDataListingOptions } from './listing.js'
export { PerfDataWriter } from './perf-data-writer.js'
export type {
  PerfDataWriterEvent,
  PerfDataWriterFeatures,
  PerfDataWriterOptions,
  PerfSynthesizedId,
} from './perf-data-writer.js'
