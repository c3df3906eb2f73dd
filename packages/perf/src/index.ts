/**
 * `@onering/perf`: the Linux perf_event mmap ring-buffer API and record format on top of
 * `@onering/core`.
 *
 * The kernel's constants, `perf_event_attr` (encode, decode, validate), the record format
 * (emitters and decoders of every `PERF_RECORD_*` type), the libperf-style consumer, the
 * kernel-side API under its kernel names (`perf_event_open`, `mmap` / `munmap`, `ioctl`, the
 * output functions, the AUX area's `perf_aux_output_*`), the auxtrace-style AUX consumer and
 * the libperf-style evlist (`perf_evlist__*`).
 *
 * @packageDocumentation
 */
export * from './constants.js'
export { PerfError, PERF_ERRNO } from './errors.js'
export type { PerfErrno } from './errors.js'
export {
  PERF_ATTR_FLAG_BITS_BY_NAME,
  PERF_ATTR_PUBLISHED_SIZES,
  PERF_ATTR_SIZE_MAX,
  PERF_ATTR_CLOCKIDS,
  PerfEventAttrOffset,
} from './attr-layout.js'
export type {
  PerfEventAttr,
  PerfEventAttrInit,
  PerfEventAttrFlags,
  PerfAttrFlagName,
} from './attr-layout.js'
export { makeAttr, encodeAttr, decodeAttr, effectiveAttrSize, readFormatSize } from './attr.js'
export { PERF_READ_SIZE_MAX, validateAttr } from './attr-validate.js'
export type { ValidateAttrOptions } from './attr-validate.js'

export { recordContext, sampleIdSize } from './records/context.js'
export type { PerfRecordContext } from './records/context.js'
export { decodeRecordHeader } from './records/header.js'
export type { PerfRecordHeader, PerfDecodedHeader, PerfRecordFieldsBase } from './records/header.js'
export type { PerfSampleId } from './records/sample-id.js'
export type {
  PerfReadValues,
  PerfReadGroup,
  PerfReadGroupEntry,
  PerfReadFormatValues,
} from './records/read-format.js'
export { decodeRecord, sizeOfRecord, writeRecord } from './records/record.js'
export type { PerfRecord, PerfUnknownRecord, PerfRecordInput } from './records/record.js'

export { sizeOfSample, writeSample } from './records/sample.js'
export type {
  PerfSampleFields,
  PerfSampleRecord,
  PerfBranchEntry,
  PerfBranchStack,
  PerfSampleRegs,
  PerfSampleStackUser,
  PerfSampleWeightStruct,
} from './records/sample.js'
export { sizeOfMmap, writeMmap } from './records/mmap.js'
export type { PerfMmapFields, PerfMmapRecord } from './records/mmap.js'
export { sizeOfMmap2, writeMmap2 } from './records/mmap2.js'
export type {
  PerfMmap2Fields,
  PerfMmap2Record,
  PerfMmap2Common,
  PerfMmap2Inode,
  PerfMmap2BuildId,
} from './records/mmap2.js'
export { sizeOfLost, writeLost } from './records/lost.js'
export type { PerfLostFields, PerfLostRecord } from './records/lost.js'
export { sizeOfLostSamples, writeLostSamples } from './records/lost-samples.js'
export type { PerfLostSamplesFields, PerfLostSamplesRecord } from './records/lost-samples.js'
export { sizeOfComm, writeComm } from './records/comm.js'
export type { PerfCommFields, PerfCommRecord } from './records/comm.js'
export { sizeOfExit, writeExit, sizeOfFork, writeFork } from './records/task.js'
export type {
  PerfTaskFields,
  PerfExitFields,
  PerfForkFields,
  PerfExitRecord,
  PerfForkRecord,
} from './records/task.js'
export {
  sizeOfThrottle,
  writeThrottle,
  sizeOfUnthrottle,
  writeUnthrottle,
} from './records/throttle.js'
export type {
  PerfThrottleFields,
  PerfUnthrottleFields,
  PerfThrottleRecord,
  PerfUnthrottleRecord,
} from './records/throttle.js'
export { sizeOfRead, writeRead } from './records/read.js'
export type { PerfReadFields, PerfReadRecord } from './records/read.js'
export { sizeOfAux, writeAux } from './records/aux.js'
export type { PerfAuxFields, PerfAuxRecord } from './records/aux.js'
export { sizeOfItraceStart, writeItraceStart } from './records/itrace-start.js'
export type { PerfItraceStartFields, PerfItraceStartRecord } from './records/itrace-start.js'
export {
  sizeOfSwitch,
  writeSwitch,
  sizeOfSwitchCpuWide,
  writeSwitchCpuWide,
} from './records/switch.js'
export type {
  PerfSwitchFields,
  PerfSwitchRecord,
  PerfSwitchCpuWideFields,
  PerfSwitchCpuWideRecord,
} from './records/switch.js'
export { sizeOfNamespaces, writeNamespaces } from './records/namespaces.js'
export type {
  PerfNamespacesFields,
  PerfNamespacesRecord,
  PerfNsLinkInfo,
} from './records/namespaces.js'
export { sizeOfKsymbol, writeKsymbol } from './records/ksymbol.js'
export type { PerfKsymbolFields, PerfKsymbolRecord } from './records/ksymbol.js'
export { sizeOfBpfEvent, writeBpfEvent } from './records/bpf-event.js'
export type { PerfBpfEventFields, PerfBpfEventRecord } from './records/bpf-event.js'
export { sizeOfCgroup, writeCgroup } from './records/cgroup.js'
export type { PerfCgroupFields, PerfCgroupRecord } from './records/cgroup.js'
export { sizeOfTextPoke, writeTextPoke } from './records/text-poke.js'
export type { PerfTextPokeFields, PerfTextPokeRecord } from './records/text-poke.js'
export { sizeOfAuxOutputHwId, writeAuxOutputHwId } from './records/aux-output-hw-id.js'
export type {
  PerfAuxOutputHwIdFields,
  PerfAuxOutputHwIdRecord,
} from './records/aux-output-hw-id.js'
export {
  PerfEventMmapPage,
  decodeControlPage,
  decodeCapabilities,
  initControlPage,
} from './control-page.js'
export type { PerfEventMmapPageFields, PerfMmapCapabilities } from './control-page-layout.js'
export { readSelf, writeSelf } from './control-page-seqlock.js'
export type { PerfMmapSelf, PerfMmapSelfUpdate, ReadSelfOptions } from './control-page-seqlock.js'
export { cyclesToPerfTime, perfTimeToCycles, cyclesToTimeDelta } from './time.js'
export type { PerfTimeConversion } from './time.js'
export {
  PerfMmap,
  PerfMmapEvent,
  perf_mmap__mmap_len,
  perf_mmap__read_head,
  perf_mmap__write_tail,
  perf_mmap__read_init,
  perf_mmap__read_event,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__get,
  perf_mmap__put,
  perf_mmap__munmap,
} from './mmap-reader.js'
export type { PerfMmapOptions } from './mmap-reader.js'
export { PerfClient, PERF_RECORD_MAX_BYTES, PERF_RECORD_PADDING } from './perf-client.js'
export type { PerfOutputEvent } from './perf-client.js'
export { PerfEvent, perf_event_open, NR_CPU_IDS } from './event.js'
export { mmap, munmap } from './event-mmap.js'
export type { PerfMapping } from './event-mmap.js'
export { ioctl } from './event-ioctl.js'
export { close } from './event-close.js'
export { PERF_TRACEPOINT_SAMPLE_MASK, perfRawSize } from './tracepoint-event.js'
export {
  perf_event_output,
  perf_event_output_ip,
  perf_event_emit,
  perf_event_comm,
  perf_event_mmap2,
  perf_event_switch,
} from './event-output.js'
export { perf_event_poll, perf_event_wait } from './event-poll.js'
export { PERF_SAMPLE_FIXED_SIZE_MASK } from './sample-layout.js'
export type { PerfSampleInput, PerfU64Input } from './sample-layout.js'
export {
  perf_evlist__new,
  perf_evlist__add,
  perf_evlist__open,
  perf_evlist__mmap,
  perf_evlist__next_mmap,
  perf_evlist__for_each_mmap,
  perf_evlist__mmaps,
  perf_evlist__id2evsel,
  perf_evlist__enable,
  perf_evlist__disable,
  perf_evlist__munmap,
  perf_evlist__close,
} from './evlist.js'
export type { PerfEvlist, PerfEvsel, PerfEvlistMmap } from './evlist.js'
export type { PerfAuxMapping } from './event-mmap.js'
export {
  PerfAuxHandle,
  perf_aux_output_begin,
  perf_aux_output_write,
  perf_aux_output_flag,
  perf_aux_output_skip,
  perf_aux_output_end,
} from './aux-output.js'
export {
  PerfAuxMmap,
  auxtrace_mmap__read_head,
  auxtrace_mmap__read_tail,
  auxtrace_mmap__write_tail,
  auxtrace_mmap__read,
  auxtrace_mmap__read_snapshot,
} from './aux-mmap.js'
export type { PerfAuxMmapOptions, PerfAuxtraceChunk, PerfAuxtraceFn } from './aux-mmap.js'
