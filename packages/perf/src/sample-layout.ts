/**
 * The compiled layout of a fixed-size PERF_RECORD_SAMPLE. When every field an event's
 * `sample_type` selects has a fixed size (IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU,
 * PERIOD, READ without PERF_FORMAT_GROUP, WEIGHT or WEIGHT_STRUCT, DATA_SRC, TRANSACTION,
 * PHYS_ADDR, CGROUP, DATA_PAGE_SIZE, CODE_PAGE_SIZE), the offset of each field in the record
 * is known once per event: {@link compileSampleLayout} computes them in `perf_output_sample`'s
 * order, with a template of the record whose defaults (header, ids, pid/tid, cpu) are filled
 * in. The fast path (`sample-fast.ts`) writes each sample from it.
 *
 * @packageDocumentation
 */
import {
  PERF_FORMAT_GROUP,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_CGROUP,
  PERF_SAMPLE_CODE_PAGE_SIZE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_DATA_PAGE_SIZE,
  PERF_SAMPLE_DATA_SRC,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_PHYS_ADDR,
  PERF_SAMPLE_READ,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_SAMPLE_TRANSACTION,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
} from './constants.js'
import type { PerfEvent } from './event.js'
import type { PerfRecordContext } from './records/context.js'
import type { PerfSampleFields } from './records/sample.js'

/** The `sample_type` bits whose fields have a fixed size (READ: without PERF_FORMAT_GROUP). */
export const PERF_SAMPLE_FIXED_SIZE_MASK: number =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_ADDR |
  PERF_SAMPLE_ID |
  PERF_SAMPLE_STREAM_ID |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD |
  PERF_SAMPLE_READ |
  PERF_SAMPLE_WEIGHT |
  PERF_SAMPLE_WEIGHT_STRUCT |
  PERF_SAMPLE_DATA_SRC |
  PERF_SAMPLE_TRANSACTION |
  PERF_SAMPLE_PHYS_ADDR |
  PERF_SAMPLE_CGROUP |
  PERF_SAMPLE_DATA_PAGE_SIZE |
  PERF_SAMPLE_CODE_PAGE_SIZE

/** A u64 sample field as the output functions accept it: a bigint, or an exact number. */
export type PerfU64Input = bigint | number

/**
 * The fields of {@link perf_event_output}: {@link PerfSampleFields}, except that the u64 scalar
 * fields (identifier, ip, time, addr, id, stream_id, period, weight, data_src, transaction,
 * phys_addr, cgroup, data_page_size, code_page_size) may also be given as non-negative safe
 * integer numbers, which the fixed-size fast path writes without converting to BigInt.
 */
export type PerfSampleInput = {
  [K in keyof PerfSampleFields]: PerfSampleFields[K] extends bigint | undefined
    ? PerfU64Input
    : PerfSampleFields[K]
}

/** The u64 keys of {@link PerfSampleInput} that may be numbers. @internal */
export const SAMPLE_U64_KEYS: readonly (keyof PerfSampleInput)[] = [
  'identifier',
  'ip',
  'time',
  'addr',
  'id',
  'stream_id',
  'period',
  'weight',
  'data_src',
  'transaction',
  'phys_addr',
  'cgroup',
  'data_page_size',
  'code_page_size',
]

/**
 * The compiled layout of an event's fixed-size PERF_RECORD_SAMPLE: each field's byte offset
 * from the start of the record, -1 when `sample_type` leaves it out.
 * @internal
 */
export interface SampleLayout {
  /** The context it was compiled for. */
  readonly ctx: PerfRecordContext
  /** The record's size, header included. */
  readonly size: number
  readonly identifier: number
  readonly ip: number
  readonly tid: number
  readonly time: number
  readonly addr: number
  readonly id: number
  readonly stream_id: number
  readonly cpu: number
  readonly period: number
  readonly read: number
  readonly weight: number
  readonly weight_struct: number
  readonly data_src: number
  readonly transaction: number
  readonly phys_addr: number
  readonly cgroup: number
  readonly data_page_size: number
  readonly code_page_size: number
  /** READ: offsets of the values within the READ block (-1: not in `read_format`). */
  readonly rd_enabled: number
  readonly rd_running: number
  readonly rd_id: number
  readonly rd_lost: number
  /** Some selected field has no default (READ, WEIGHT, …): an empty sample is invalid. */
  readonly needsFields: boolean
  /** The event id (its default identifier, id and stream_id) as two u32 halves. */
  readonly idLo: number
  readonly idHi: number
  /** The record's size of the module scratch, for a record that wraps. */
  readonly scratch: Uint8Array
  /**
   * The record with every default filled in (header, ids, pid/tid, cpu/res), as u32 words
   * in host order: copied first, then the per-sample fields are stored over it.
   */
  readonly template: Uint32Array
  /** The template's words that ip, time and period do not cover (the rest are stored anyway). */
  readonly fixedWords: Int32Array
  /** The ring of the last sample, and the event's tag on it. */
  ring: unknown
  tag: number
  /** The writer's bytes of the last sample, as u32 / u64 words (little-endian hosts). */
  bytes: Uint8Array | null
  u32: Uint32Array
  u64: BigUint64Array
}

/** Typed-array stores are little-endian here: the word path may be used. @internal */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const NO_U32 = new Uint32Array(0)
const NO_U64 = new BigUint64Array(0)
/** The scratch a record that wraps is laid out in (`SampleLayout.scratch` is its start). */
const scratchBytes = new Uint8Array(512)
/** A view of the scratch. @internal */
export const scratchView: DataView = new DataView(scratchBytes.buffer)

/**
 * The fixed-size bits whose fields have a default: from the event (IDENTIFIER, ID, STREAM_ID,
 * TID, CPU, PERIOD), the perf clock (TIME), the caller's ip (IP), and ADDR, which is 0 as the
 * kernel's `perf_sample_data_init` leaves `data->addr` for a sample whose source gives none.
 */
const DEFAULTED =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_ADDR |
  PERF_SAMPLE_ID |
  PERF_SAMPLE_STREAM_ID |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD

/** The fixed-size bits whose fields have no default (READ, WEIGHT, …): the caller gives them. */
const NEEDS_FIELDS = PERF_SAMPLE_FIXED_SIZE_MASK & ~DEFAULTED

/** Not handled by the fast path: take the generic one. */
export const FAST_UNHANDLED = -1

/** Offsets of the u64 fields `perf_output_sample` writes first, in its order (−1: absent). @internal */
export interface SampleHeadOffsets {
  readonly identifier: number
  readonly ip: number
  readonly tid: number
  readonly time: number
  readonly addr: number
  readonly id: number
  readonly stream_id: number
  readonly cpu: number
  readonly period: number
  /** Where the next field goes. */
  readonly end: number
}

/**
 * Where a sample of `sample_type` `st` holds IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU
 * and PERIOD (`perf_output_sample`'s order, after the 8-byte header). @internal
 */
export function sampleHeadOffsets(st: number): SampleHeadOffsets {
  let pos = 8
  const at = (bit: number): number => {
    if ((st & bit) === 0) return -1
    const o = pos
    pos += 8
    return o
  }
  return {
    identifier: at(PERF_SAMPLE_IDENTIFIER),
    ip: at(PERF_SAMPLE_IP),
    tid: at(PERF_SAMPLE_TID),
    time: at(PERF_SAMPLE_TIME),
    addr: at(PERF_SAMPLE_ADDR),
    id: at(PERF_SAMPLE_ID),
    stream_id: at(PERF_SAMPLE_STREAM_ID),
    cpu: at(PERF_SAMPLE_CPU),
    period: at(PERF_SAMPLE_PERIOD),
    end: pos,
  }
}

/**
 * Compile the fixed-size layout of `event`'s samples, or null when a selected field has a
 * variable size.
 * @internal
 */
export function compileSampleLayout(event: PerfEvent): SampleLayout | null {
  const ctx = event.ctx
  const st = ctx.sample_type
  const rf = ctx.read_format
  if ((st & ~PERF_SAMPLE_FIXED_SIZE_MASK) !== 0) return null
  if (st & PERF_SAMPLE_READ && rf & PERF_FORMAT_GROUP) return null
  const { identifier, ip, tid, time, addr, id, stream_id, cpu, period, end } = sampleHeadOffsets(st)
  let pos = end
  const at = (bit: number, bytes: number): number => {
    if ((st & bit) === 0) return -1
    const o = pos
    pos += bytes
    return o
  }
  let rd = 8
  const rdAt = (bit: number): number => {
    if ((rf & bit) === 0) return -1
    const o = rd
    rd += 8
    return o
  }
  const rd_enabled = rdAt(PERF_FORMAT_TOTAL_TIME_ENABLED)
  const rd_running = rdAt(PERF_FORMAT_TOTAL_TIME_RUNNING)
  const rd_id = rdAt(PERF_FORMAT_ID)
  const rd_lost = rdAt(PERF_FORMAT_LOST)
  const read = at(PERF_SAMPLE_READ, rd)
  const weight = at(PERF_SAMPLE_WEIGHT, 8)
  const weight_struct = at(PERF_SAMPLE_WEIGHT_STRUCT, 8)
  const data_src = at(PERF_SAMPLE_DATA_SRC, 8)
  const transaction = at(PERF_SAMPLE_TRANSACTION, 8)
  const phys_addr = at(PERF_SAMPLE_PHYS_ADDR, 8)
  const cgroup = at(PERF_SAMPLE_CGROUP, 8)
  const data_page_size = at(PERF_SAMPLE_DATA_PAGE_SIZE, 8)
  const code_page_size = at(PERF_SAMPLE_CODE_PAGE_SIZE, 8)
  const idBig = BigInt.asUintN(64, event.id)
  const idLo = Number(idBig & 0xffffffffn)
  const idHi = Number(idBig >> 32n)
  const template = new Uint32Array(pos / 4)
  const tv = new DataView(template.buffer)
  tv.setUint32(0, PERF_RECORD_SAMPLE, LITTLE_ENDIAN)
  tv.setUint16(LITTLE_ENDIAN ? 6 : 4, pos, LITTLE_ENDIAN)
  for (const o of [identifier, id, stream_id]) {
    if (o < 0) continue
    tv.setUint32(o, idLo, LITTLE_ENDIAN)
    tv.setUint32(o + 4, idHi, LITTLE_ENDIAN)
  }
  const pid = Math.max(event.pid, 0)
  if (tid >= 0) {
    tv.setUint32(tid, pid, LITTLE_ENDIAN)
    tv.setUint32(tid + 4, pid, LITTLE_ENDIAN)
  }
  if (cpu >= 0) tv.setUint32(cpu, Math.max(event.cpu, 0), LITTLE_ENDIAN)
  const fixedWords: number[] = []
  for (let i = 0; i < pos / 4; i++) {
    const b = i * 4 - (i & 1) * 4 // the u64 slot's offset
    if (b !== ip && b !== time && b !== period) fixedWords.push(i)
  }
  return {
    ctx,
    size: pos,
    identifier,
    ip,
    tid,
    time,
    addr,
    id,
    stream_id,
    cpu,
    period,
    read,
    weight,
    weight_struct,
    data_src,
    transaction,
    phys_addr,
    cgroup,
    data_page_size,
    code_page_size,
    rd_enabled,
    rd_running,
    rd_id,
    rd_lost,
    needsFields: (st & NEEDS_FIELDS) !== 0,
    idLo,
    idHi,
    scratch: scratchBytes.subarray(0, pos),
    template,
    fixedWords: Int32Array.from(fixedWords),
    ring: null,
    tag: 0,
    bytes: null,
    u32: NO_U32,
    u64: NO_U64,
  }
}

/**
 * The event's compiled layout (compiled on first use), or null.
 * @internal
 */
export function layoutOf(event: PerfEvent): SampleLayout | null {
  let L = event._sampleLayout as SampleLayout | null | undefined
  if (L === undefined) {
    L = compileSampleLayout(event)
    event._sampleLayout = L
  }
  return L
}
