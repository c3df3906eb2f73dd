/**
 * The events of a file (perf's `struct evsel` as `perf_session__read_header` builds them): each
 * attr with its ids, its name (EVENT_DESC, else derived as perf derives it) and its record
 * context, and how a record finds its event from the id it carries (perf's `id_pos` /
 * `is_pos`, `evlist__event2evsel`).
 *
 * @packageDocumentation
 */
import {
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_RECORD_SAMPLE,
  PERF_TYPE_HARDWARE,
  PERF_TYPE_SOFTWARE,
  PERF_TYPE_TRACEPOINT,
} from '@onering/perf'
import type { PerfEventAttr, PerfRecordContext } from '@onering/perf'
import type { EventFormat } from '@onering/trace-events'

/** One event of a perf.data file. */
export interface PerfDataEvsel {
  /** Position in the attrs section. */
  readonly index: number
  /** The attr. */
  readonly attr: PerfEventAttr
  /** The sample ids of its fds. */
  readonly ids: readonly bigint[]
  /** The name perf shows (`cpu-clock`, `sched:sched_switch`). */
  readonly name: string
  /** The layout of its records (for `@onering/perf`'s `decodeRecord`). */
  readonly ctx: PerfRecordContext
  /** For a tracepoint: its format from the file's TRACING_DATA (by `attr.config`). */
  readonly format: EventFormat | undefined
}

const HW_NAMES = [
  'cycles',
  'instructions',
  'cache-references',
  'cache-misses',
  'branches',
  'branch-misses',
  'bus-cycles',
  'stalled-cycles-frontend',
  'stalled-cycles-backend',
  'ref-cycles',
]
const SW_NAMES = [
  'cpu-clock',
  'task-clock',
  'page-faults',
  'context-switches',
  'cpu-migrations',
  'minor-faults',
  'major-faults',
  'alignment-faults',
  'emulation-faults',
  'dummy',
  'bpf-output',
  'cgroup-switches',
]

/**
 * The name perf gives an event that EVENT_DESC does not name: a tracepoint's `system:name`, a
 * generic hardware or software event's name with `:HG` unless `exclude_guest` (perf's
 * `evsel__name` for events it did not parse), else `type:config` in hex.
 *
 * @internal
 */
export function derivedName(attr: PerfEventAttr, format: EventFormat | undefined): string {
  if (attr.type === PERF_TYPE_TRACEPOINT)
    return format === undefined
      ? `unknown:0x${attr.config.toString(16)}`
      : `${format.system}:${format.name}`
  const table =
    attr.type === PERF_TYPE_HARDWARE
      ? HW_NAMES
      : attr.type === PERF_TYPE_SOFTWARE
        ? SW_NAMES
        : undefined
  const base = table?.[Number(attr.config)]
  if (base === undefined) return `raw 0x${attr.type.toString(16)}:0x${attr.config.toString(16)}`
  return attr.exclude_guest ? base : `${base}:HG`
}

/**
 * Where the event id is: in a SAMPLE, the index of the u64 after the header (`id_pos`); in
 * other records, the index counted from the record's end (`is_pos`); -1 when there is none.
 *
 * @internal
 */
export function idPositions(sampleType: number): { idPos: number; isPos: number } {
  if (sampleType & PERF_SAMPLE_IDENTIFIER) return { idPos: 0, isPos: 1 }
  if (!(sampleType & PERF_SAMPLE_ID)) return { idPos: -1, isPos: -1 }
  let idPos = 0
  for (const bit of [PERF_SAMPLE_IP, PERF_SAMPLE_TID, PERF_SAMPLE_TIME, PERF_SAMPLE_ADDR])
    if (sampleType & bit) idPos++
  let isPos = 1
  if (sampleType & PERF_SAMPLE_CPU) isPos++
  if (sampleType & PERF_SAMPLE_STREAM_ID) isPos++
  return { idPos, isPos }
}

/**
 * @internal The event of the record of `type` and `size` at `at` (perf's
 * `evlist__event2evsel`): by the id it carries when the file has several events.
 */
export function evselOf(
  evsels: readonly PerfDataEvsel[],
  byId: ReadonlyMap<bigint, PerfDataEvsel>,
  view: DataView,
  at: number,
  type: number,
  size: number,
): PerfDataEvsel | undefined {
  const first = evsels[0]
  if (evsels.length === 1 || first === undefined) return first
  const { idPos, isPos } = idPositions(first.attr.sample_type)
  let pos: number
  if (type === PERF_RECORD_SAMPLE) {
    if (idPos < 0) return first
    pos = at + 8 + 8 * idPos
  } else {
    if (!first.attr.sample_id_all || isPos < 0) return first
    pos = at + size - 8 * isPos
  }
  if (pos < at + 8 || pos + 8 > at + size) return undefined
  const id = view.getBigUint64(pos, true)
  // perf: synthesized records carry id 0 and belong to the first event
  return id === 0n ? first : byId.get(id)
}

/** @internal Bits of sample_type that shape the `sample_id` trailer. */
export const TRAILER_BITS: number =
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_ID |
  PERF_SAMPLE_STREAM_ID |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_IDENTIFIER
