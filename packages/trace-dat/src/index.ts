/**
 * `@onering/trace-dat`: trace-cmd's `trace.dat` file (versions 6 and 7) written from an onering
 * ftrace buffer, so `trace-cmd report` and KernelShark read onering events.
 *
 * @packageDocumentation
 */
export { TraceDatError } from './errors.js'
export type { Compression } from './compression.js'
export { PAGES_IN_CHUNK, zstdCompression } from './compression.js'
export type { TracecmdOptionName } from './options.js'
export { TRACECMD_OPTION, TRACE_CLOCKS, traceClockText } from './options.js'
export { WRITER_VERSION } from './file-options.js'
export type { TraceMetadata } from './metadata.js'
export type { TraceDatRecorderOptions, TraceDatWriteOptions } from './trace-dat-recorder.js'
export { TraceDatRecorder, writeTraceDat } from './trace-dat-recorder.js'
export type {
  ReadTraceDatOptions,
  TraceDatBuffer,
  TraceDatCpu,
  TraceDatFile,
  TraceDatFileOptions,
} from './trace-dat-reader.js'
export { clockOf, readTraceDat } from './trace-dat-reader.js'
export type { ListingOptions, TraceDatEvent } from './trace-dat-events.js'
export { eventFields, fileFormats, traceDatEvents, traceDatListing } from './trace-dat-events.js'
