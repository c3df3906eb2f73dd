/**
 * Every record type together: the decoded union, the emitter input union, and the generic
 * {@link decodeRecord} / {@link sizeOfRecord} / {@link writeRecord}.
 *
 * @packageDocumentation
 */

import {
  PERF_RECORD_AUX,
  PERF_RECORD_AUX_OUTPUT_HW_ID,
  PERF_RECORD_BPF_EVENT,
  PERF_RECORD_CGROUP,
  PERF_RECORD_COMM,
  PERF_RECORD_EXIT,
  PERF_RECORD_FORK,
  PERF_RECORD_ITRACE_START,
  PERF_RECORD_KSYMBOL,
  PERF_RECORD_LOST,
  PERF_RECORD_LOST_SAMPLES,
  PERF_RECORD_MMAP,
  PERF_RECORD_MMAP2,
  PERF_RECORD_NAMESPACES,
  PERF_RECORD_READ,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
  PERF_RECORD_SWITCH_CPU_WIDE,
  PERF_RECORD_TEXT_POKE,
  PERF_RECORD_THROTTLE,
  PERF_RECORD_UNTHROTTLE,
} from '../constants.js'
import { fail } from '../errors.js'
import { auxOutputHwIdCodec } from './aux-output-hw-id.js'
import type { PerfAuxOutputHwIdFields, PerfAuxOutputHwIdRecord } from './aux-output-hw-id.js'
import { auxCodec } from './aux.js'
import type { PerfAuxFields, PerfAuxRecord } from './aux.js'
import { bpfEventCodec } from './bpf-event.js'
import type { PerfBpfEventFields, PerfBpfEventRecord } from './bpf-event.js'
import { cgroupCodec } from './cgroup.js'
import type { PerfCgroupFields, PerfCgroupRecord } from './cgroup.js'
import { commCodec } from './comm.js'
import type { PerfCommFields, PerfCommRecord } from './comm.js'
import { checkContext } from './context.js'
import type { PerfRecordContext } from './context.js'
import { recordDecode, recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import { decodeRecordHeader } from './header.js'
import type { PerfRecordFieldsBase } from './header.js'
import { itraceStartCodec } from './itrace-start.js'
import type { PerfItraceStartFields, PerfItraceStartRecord } from './itrace-start.js'
import { ksymbolCodec } from './ksymbol.js'
import type { PerfKsymbolFields, PerfKsymbolRecord } from './ksymbol.js'
import { lostSamplesCodec } from './lost-samples.js'
import type { PerfLostSamplesFields, PerfLostSamplesRecord } from './lost-samples.js'
import { lostCodec } from './lost.js'
import type { PerfLostFields, PerfLostRecord } from './lost.js'
import { mmapCodec } from './mmap.js'
import type { PerfMmapFields, PerfMmapRecord } from './mmap.js'
import { mmap2Codec } from './mmap2.js'
import type { PerfMmap2Fields, PerfMmap2Record } from './mmap2.js'
import { namespacesCodec } from './namespaces.js'
import type { PerfNamespacesFields, PerfNamespacesRecord } from './namespaces.js'
import { readCodec } from './read.js'
import type { PerfReadFields, PerfReadRecord } from './read.js'
import { sampleCodec } from './sample.js'
import type { PerfSampleFields, PerfSampleRecord } from './sample.js'
import { switchCodec, switchCpuWideCodec } from './switch.js'
import type {
  PerfSwitchCpuWideFields,
  PerfSwitchCpuWideRecord,
  PerfSwitchFields,
  PerfSwitchRecord,
} from './switch.js'
import { exitCodec, forkCodec } from './task.js'
import type { PerfExitRecord, PerfForkRecord, PerfTaskFields } from './task.js'
import { textPokeCodec } from './text-poke.js'
import type { PerfTextPokeFields, PerfTextPokeRecord } from './text-poke.js'
import { throttleCodecT, unthrottleCodec } from './throttle.js'
import type { PerfThrottleFields, PerfThrottleRecord, PerfUnthrottleRecord } from './throttle.js'

/** Every decoded kernel record, discriminated on `type` (`PERF_RECORD_*`). */
export type PerfRecord =
  | PerfMmapRecord
  | PerfLostRecord
  | PerfCommRecord
  | PerfExitRecord
  | PerfThrottleRecord
  | PerfUnthrottleRecord
  | PerfForkRecord
  | PerfReadRecord
  | PerfSampleRecord
  | PerfMmap2Record
  | PerfAuxRecord
  | PerfItraceStartRecord
  | PerfLostSamplesRecord
  | PerfSwitchRecord
  | PerfSwitchCpuWideRecord
  | PerfNamespacesRecord
  | PerfKsymbolRecord
  | PerfBpfEventRecord
  | PerfCgroupRecord
  | PerfTextPokeRecord
  | PerfAuxOutputHwIdRecord

/**
 * A well-formed record of a type this package does not know (e.g. a newer kernel's, or a perf
 * tool type ≥ 64). `type` is the string `'unknown'` so that it never narrows together with a
 * known `PERF_RECORD_*`; the header's type is `raw_type`.
 */
export interface PerfUnknownRecord {
  /** Always `'unknown'`. */
  type: 'unknown'
  /** `header.type`. */
  raw_type: number
  /** `header.misc`. */
  misc: number
  /** `header.size`. */
  size: number
  /** The `size − 8` bytes after the header (a copy). */
  data: Uint8Array
}

/** What {@link writeRecord} accepts: the fields of any record with its `type` (`size` is ignored). */
export type PerfRecordInput = (
  | ({ type: typeof PERF_RECORD_MMAP } & PerfMmapFields)
  | ({ type: typeof PERF_RECORD_LOST } & PerfLostFields)
  | ({ type: typeof PERF_RECORD_COMM } & PerfCommFields)
  | ({ type: typeof PERF_RECORD_EXIT } & PerfTaskFields)
  | ({ type: typeof PERF_RECORD_THROTTLE } & PerfThrottleFields)
  | ({ type: typeof PERF_RECORD_UNTHROTTLE } & PerfThrottleFields)
  | ({ type: typeof PERF_RECORD_FORK } & PerfTaskFields)
  | ({ type: typeof PERF_RECORD_READ } & PerfReadFields)
  | ({ type: typeof PERF_RECORD_SAMPLE } & PerfSampleFields)
  | ({ type: typeof PERF_RECORD_MMAP2 } & PerfMmap2Fields)
  | ({ type: typeof PERF_RECORD_AUX } & PerfAuxFields)
  | ({ type: typeof PERF_RECORD_ITRACE_START } & PerfItraceStartFields)
  | ({ type: typeof PERF_RECORD_LOST_SAMPLES } & PerfLostSamplesFields)
  | ({ type: typeof PERF_RECORD_SWITCH } & PerfSwitchFields)
  | ({ type: typeof PERF_RECORD_SWITCH_CPU_WIDE } & PerfSwitchCpuWideFields)
  | ({ type: typeof PERF_RECORD_NAMESPACES } & PerfNamespacesFields)
  | ({ type: typeof PERF_RECORD_KSYMBOL } & PerfKsymbolFields)
  | ({ type: typeof PERF_RECORD_BPF_EVENT } & PerfBpfEventFields)
  | ({ type: typeof PERF_RECORD_CGROUP } & PerfCgroupFields)
  | ({ type: typeof PERF_RECORD_TEXT_POKE } & PerfTextPokeFields)
  | ({ type: typeof PERF_RECORD_AUX_OUTPUT_HW_ID } & PerfAuxOutputHwIdFields)
) & { size?: number }

const CODECS = new Map<number, RecordCodec<PerfRecordFieldsBase>>(
  (
    [
      mmapCodec,
      lostCodec,
      commCodec,
      exitCodec,
      throttleCodecT,
      unthrottleCodec,
      forkCodec,
      readCodec,
      sampleCodec,
      mmap2Codec,
      auxCodec,
      itraceStartCodec,
      lostSamplesCodec,
      switchCodec,
      switchCpuWideCodec,
      namespacesCodec,
      ksymbolCodec,
      bpfEventCodec,
      cgroupCodec,
      textPokeCodec,
      auxOutputHwIdCodec,
    ] as RecordCodec<PerfRecordFieldsBase>[]
  ).map((c) => [c.type, c]),
)

/**
 * Decode the record at `offset` of `view` (a contiguous copy: a record that straddles the end
 * of the ring must be copied out in two pieces first).
 *
 * Error policy: a malformed record throws a {@link PerfError} EINVAL whose `field` names what
 * is wrong; nothing is ever read outside `[offset, offset + header.size)` or the view, and
 * every count is checked against the bytes left before anything is allocated or looped over.
 * Malformed means: the header is not in the view, `header.size` is below 8, not a multiple of 8,
 * or runs past the view; the body (per `ctx`) needs more bytes than the record has; a count
 * (`nr`, sizes) does not fit; a string has no NUL; bytes are left over between a fixed-layout
 * body and the `sample_id` trailer (or the end of a SAMPLE). A well-formed record of an
 * unknown type is returned as a {@link PerfUnknownRecord}, not an error.
 *
 * Values are copied out: no decoded field aliases the view. u64 fields are `bigint`, narrower
 * fields are numbers; strings are decoded as UTF-8 up to their NUL.
 *
 * @param view - the bytes
 * @param offset - the byte offset of the record header
 * @param ctx - the event's record context
 * @returns the record
 */
export function decodeRecord(
  view: DataView,
  offset: number,
  ctx: PerfRecordContext,
): PerfRecord | PerfUnknownRecord {
  const h = decodeRecordHeader(view, offset)
  checkContext(ctx)
  const codec = CODECS.get(h.type)
  if (codec === undefined) {
    const data = new Uint8Array(h.size - 8)
    data.set(new Uint8Array(view.buffer, view.byteOffset + offset + 8, h.size - 8))
    return { type: 'unknown', raw_type: h.type, misc: h.misc, size: h.size, data }
  }
  return recordDecode(codec, view, offset, h, ctx) as PerfRecord
}

function codecFor(record: PerfRecordInput): RecordCodec<PerfRecordFieldsBase> {
  if (typeof record !== 'object' || record === null) fail('EINVAL', 'record', 'expected an object')
  const codec = CODECS.get(record.type)
  if (codec === undefined)
    fail('EINVAL', 'record.type', `${String(record.type)} is not a kernel PERF_RECORD_* type`)
  return codec
}

/**
 * Size of any record, by its `type` (see the per-type `sizeOf*`).
 *
 * @param record - the record's type and fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfRecord(record: PerfRecordInput, ctx: PerfRecordContext): number {
  return recordSize(codecFor(record), record, ctx)
}

/**
 * Write any record, by its `type` (see the per-type `write*`). A decoded record can be written
 * back as it is.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param record - the record's type and fields
 * @param ctx - the event's record context
 * @returns the bytes written
 */
export function writeRecord(
  view: DataView,
  offset: number,
  record: PerfRecordInput,
  ctx: PerfRecordContext,
): number {
  return recordWrite(codecFor(record), view, offset, record, ctx)
}
