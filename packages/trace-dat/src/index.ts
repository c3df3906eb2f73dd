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
export type { TracecmdCallback, TracecmdRecord } from './tracecmd-input.js'
export {
  TRACECMD_FL_LOAD_NO_PLUGINS,
  TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS,
  TracecmdInput,
  tracecmd_buffer_instance_handle,
  tracecmd_buffer_instance_name,
  tracecmd_buffer_instances,
  tracecmd_close,
  tracecmd_cpus,
  tracecmd_free_record,
  tracecmd_get_tep,
  tracecmd_init_data,
  tracecmd_iterate_events,
  tracecmd_iterate_reset,
  tracecmd_open,
  tracecmd_open_head,
  tracecmd_peek_data,
  tracecmd_peek_next_data,
  tracecmd_read_cpu_first,
  tracecmd_read_data,
  tracecmd_read_next_data,
} from './tracecmd-input.js'
export type { SpoolAssembly, SpoolAssemblyOptions } from './spool-assembly.js'
export { assembleTraceDat } from './spool-assembly.js'
export type { RingCounters } from './file-options.js'
export { cpuStatText } from './file-options.js'
