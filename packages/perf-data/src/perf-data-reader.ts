/**
 * The perf.data reader (file mode): perf's `perf_session__new` + `perf_session__read_header`
 * (header, attrs and their ids, features) and `perf_session__process_events` (every record of
 * the data section, decoded with `@onering/perf`'s decoders and the event's `sample_id_all`
 * layout, in file order or in perf's time order across FINISHED_ROUND), with RAW tracepoint
 * payloads decoded to fields through the formats of the file's TRACING_DATA.
 *
 * Bad input: every offset, size and count is checked against the file before use; a
 * truncated or corrupt file is a {@link PerfDataError} naming the section and byte offset.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs'
import {
  decodeRecord,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_TIME,
  PERF_TYPE_TRACEPOINT,
  PerfError,
  recordContext,
} from '@onering/perf'
import type { PerfRecord, PerfRecordContext, PerfUnknownRecord } from '@onering/perf'
import { decodeEvent, parseEventFormat } from '@onering/trace-events'
import type { EventFormat, FieldValue } from '@onering/trace-events'
import { checkBytes, checkInt, checkObject, checkString } from './check.js'
import { PerfDataError } from './errors.js'
import { derivedName, evselOf, TRAILER_BITS } from './evsel.js'
import type { PerfDataEvsel } from './evsel.js'
import { decodeFeatures } from './features.js'
import type { PerfDataFeatures } from './features.js'
import { readFileAttr } from './file-attr.js'
import { FileCursor } from './file-cursor.js'
import { PERF_RECORD_AUXTRACE, PERF_RECORD_USER_TYPE_START } from './file-format.js'
import { decodeFileHeader } from './file-header.js'
import type { PerfFileHeader, PerfFileSection } from './file-header.js'
import { orderedEvents } from './ordered-events.js'

const RECORD_NAMES: Record<number, string> = {
  1: 'MMAP',
  2: 'LOST',
  3: 'COMM',
  4: 'EXIT',
  5: 'THROTTLE',
  6: 'UNTHROTTLE',
  7: 'FORK',
  8: 'READ',
  9: 'SAMPLE',
  10: 'MMAP2',
  11: 'AUX',
  12: 'ITRACE_START',
  13: 'LOST_SAMPLES',
  14: 'SWITCH',
  15: 'SWITCH_CPU_WIDE',
  16: 'NAMESPACES',
  17: 'KSYMBOL',
  18: 'BPF_EVENT',
  19: 'CGROUP',
  20: 'TEXT_POKE',
  21: 'AUX_OUTPUT_HW_ID',
  64: 'HEADER_ATTR',
  65: 'HEADER_EVENT_TYPE',
  66: 'HEADER_TRACING_DATA',
  67: 'HEADER_BUILD_ID',
  68: 'FINISHED_ROUND',
  69: 'ID_INDEX',
  70: 'AUXTRACE_INFO',
  71: 'AUXTRACE',
  72: 'AUXTRACE_ERROR',
  73: 'THREAD_MAP',
  74: 'CPU_MAP',
  75: 'STAT_CONFIG',
  76: 'STAT',
  77: 'STAT_ROUND',
  78: 'EVENT_UPDATE',
  79: 'TIME_CONV',
  80: 'HEADER_FEATURE',
  81: 'COMPRESSED',
  82: 'FINISHED_INIT',
}

/** The name of record type `type` (`SAMPLE`, `FINISHED_ROUND`), or its number. */
export function recordTypeName(type: number): string {
  checkInt(type, 'type', 0, 0xffffffff)
  return RECORD_NAMES[type] ?? String(type)
}

/** One record of the data section. */
export interface PerfDataRecord {
  /** Byte offset of the record header in the file. */
  readonly offset: number
  /** `header.type`. */
  readonly type: number
  /** `header.misc`. */
  readonly misc: number
  /** `header.size`. */
  readonly size: number
  /**
   * Its event (by the id it carries; id 0 or a file of one event: the first). Undefined for
   * perf's own records and for a kernel record whose id no attr has (perf counts and skips
   * those; here `record` is then a `PerfUnknownRecord`).
   */
  readonly evsel: PerfDataEvsel | undefined
  /**
   * The decoded record: a kernel record through `@onering/perf`'s `decodeRecord` with the
   * event's context, or for perf's own types (≥ 64) a `PerfUnknownRecord` holding the body.
   */
  readonly record: PerfRecord | PerfUnknownRecord
  /** SAMPLE `time`, or the `sample_id` trailer's, when the record has one. */
  readonly time: bigint | undefined
}

/** A record located in the data section, not decoded (what {@link PerfDataReader.slots} yields). */
export interface PerfDataSlot {
  /** Byte offset of the record header in the file. */
  readonly offset: number
  /** `header.type`. */
  readonly type: number
  /** `header.misc`. */
  readonly misc: number
  /** `header.size`. */
  readonly size: number
  /** Its event (see {@link PerfDataRecord.evsel}). */
  readonly evsel: PerfDataEvsel | undefined
  /** Its time as a number (exact below 2^53 ns), when its layout has one. */
  readonly time: number | undefined
}

/** Where the time is: in a SAMPLE from its start, in the `sample_id` trailer from the trailer's start. */
function timeLayout(st: number): { sampleTime: number; trailer: number; trailerTime: number } {
  const has = (bit: number): number => (st & bit ? 1 : 0)
  const sampleTime =
    st & PERF_SAMPLE_TIME
      ? 8 + 8 * (has(PERF_SAMPLE_IDENTIFIER) + has(PERF_SAMPLE_IP) + has(PERF_SAMPLE_TID))
      : -1
  const trailer =
    8 *
    (has(PERF_SAMPLE_TID) +
      has(PERF_SAMPLE_TIME) +
      has(PERF_SAMPLE_ID) +
      has(PERF_SAMPLE_STREAM_ID) +
      has(PERF_SAMPLE_CPU) +
      has(PERF_SAMPLE_IDENTIFIER))
  const trailerTime = st & PERF_SAMPLE_TIME ? 8 * has(PERF_SAMPLE_TID) : -1
  return { sampleTime, trailer, trailerTime }
}

/** A tracepoint sample's payload decoded through its format. */
export interface PerfDataTraceFields {
  /** The format of the event (from TRACING_DATA). */
  readonly format: EventFormat
  /** Every field by name, common fields first (`decodeEvent` of `@onering/trace-events`). */
  readonly fields: Record<string, FieldValue>
}

function asDataError(e: unknown, section: string, offset: number): never {
  if (e instanceof PerfError) throw new PerfDataError(section, offset, e.message)
  throw e
}

/**
 * A perf.data file (file mode) in memory: perf's `perf_session` over `perf_header`.
 *
 * ```ts
 * const file = PerfDataReader.fromFile('perf.data')
 * for (const r of file.events()) if (r.record.type === PERF_RECORD_SAMPLE) console.log(r.evsel?.name, r.time)
 * ```
 */
export class PerfDataReader {
  /** The whole file. */
  readonly bytes: Uint8Array
  /** `struct perf_file_header`. */
  readonly header: PerfFileHeader
  /** The events, in attrs-section order. */
  readonly evsels: readonly PerfDataEvsel[]
  /** The decoded features. */
  readonly features: PerfDataFeatures
  /** Every feature's section, by feature bit. */
  readonly featureSections: ReadonlyMap<number, PerfFileSection>
  /** Tracepoint formats of TRACING_DATA by event id. */
  readonly formats: ReadonlyMap<number, EventFormat>
  readonly #byId = new Map<bigint, PerfDataEvsel>()
  readonly #view: DataView

  /** Read a file (the whole of it, into memory). */
  static fromFile(path: string): PerfDataReader {
    checkString(path, 'path')
    let b: Buffer
    try {
      b = readFileSync(path)
    } catch (e) {
      throw new RangeError(`path: ${(e as Error).message}`, { cause: e })
    }
    return new PerfDataReader(new Uint8Array(b.buffer, b.byteOffset, b.length))
  }

  /**
   * `perf_session__read_header`: the header, the attrs with their ids, the features.
   *
   * @param bytes the whole file.
   * @throws PerfDataError for a truncated or corrupt header, attrs, ids or feature section.
   */
  constructor(bytes: Uint8Array) {
    checkBytes(bytes, 'bytes')
    this.bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.header = decodeFileHeader(bytes)
    const { features, sections } = decodeFeatures(bytes, this.header)
    this.features = features
    this.featureSections = sections
    this.formats = tracepointFormats(features, this.#featureOffset(1))
    this.evsels = this.#readAttrs()
  }

  #featureOffset(bit: number): number {
    return this.featureSections.get(bit)?.offset ?? 0
  }

  #readAttrs(): PerfDataEvsel[] {
    const h = this.header
    const c = new FileCursor(this.bytes, 'attrs', h.attrs.offset, h.attrs.offset + h.attrs.size)
    if (h.attrSize < 16 + 64)
      c.fail(16, `attr_size ${h.attrSize} cannot hold an attr and its ids section`)
    const nr = Math.floor(h.attrs.size / h.attrSize)
    if (nr === 0) c.fail(h.attrs.offset, 'no attrs')
    const out: PerfDataEvsel[] = []
    for (let i = 0; i < nr; i++) {
      const at = h.attrs.offset + i * h.attrSize
      const attr = readFileAttr(this.bytes, at, h.attrSize - 16, 'attrs')
      c.at = at + h.attrSize - 16
      const idsSection = `ids of attr ${i}`
      const idsOffset = c.size('ids offset')
      const idsSize = c.size('ids size')
      const ids = new FileCursor(this.bytes, idsSection, idsOffset, idsOffset + idsSize)
      if (idsSize % 8 !== 0) ids.fail(idsOffset, `size ${idsSize} is not a multiple of 8`)
      const idList: bigint[] = []
      while (ids.at < ids.end) idList.push(ids.u64())
      let ctx: PerfRecordContext
      try {
        ctx = recordContext(attr)
      } catch (e) {
        asDataError(e, 'attrs', at)
      }
      const format =
        attr.type === PERF_TYPE_TRACEPOINT ? this.formats.get(Number(attr.config)) : undefined
      const name = this.features.eventDesc?.[i]?.name ?? derivedName(attr, format)
      const evsel: PerfDataEvsel = { index: i, attr, ids: idList, name, ctx, format }
      for (const id of idList) this.#byId.set(id, evsel)
      out.push(evsel)
    }
    const first = out[0]!
    for (const e of out)
      if (
        e.attr.sample_id_all !== first.attr.sample_id_all ||
        (e.attr.sample_type & TRAILER_BITS) !== (first.attr.sample_type & TRAILER_BITS)
      )
        if (first.attr.sample_id_all)
          throw new PerfDataError(
            'attrs',
            h.attrs.offset + e.index * h.attrSize,
            `attr ${e.index}: its sample_id layout differs from attr 0's (perf: "non matching sample_id_all")`,
          )
    return out
  }

  /**
   * Every record of the data section in file order, located but not decoded: its offset,
   * header, event and time (cheap: nothing is allocated but the slot). The listing runs on
   * these; {@link decode} (or {@link records}) decodes them.
   *
   * @throws PerfDataError naming `data` for a bad header size or a record running past the section.
   */
  *slots(): Generator<PerfDataSlot> {
    const { offset, size } = this.header.data
    const end = offset + size
    const view = this.#view
    const first = this.evsels[0]!
    const layout = timeLayout(first.attr.sample_type)
    let at = offset
    while (at < end) {
      if (end - at < 8)
        throw new PerfDataError('data', at, `${end - at} bytes left cannot hold a record header`)
      const type = view.getUint32(at, true)
      const misc = view.getUint16(at + 4, true)
      const rsize = view.getUint16(at + 6, true)
      if (rsize < 8)
        throw new PerfDataError('data', at, `record size ${rsize} is below the 8-byte header`)
      if (rsize > end - at)
        throw new PerfDataError(
          'data',
          at,
          `record of ${rsize} bytes runs past the end of the data section at ${end}`,
        )
      let next = at + rsize
      let evsel: PerfDataEvsel | undefined
      let time: number | undefined
      if (type >= PERF_RECORD_USER_TYPE_START) {
        if (type === PERF_RECORD_AUXTRACE) {
          // the AUX data follows the record: u64 size is its first body field
          if (rsize < 16)
            throw new PerfDataError(
              `record ${recordTypeName(type)}`,
              at,
              `AUXTRACE record of ${rsize} bytes has no size`,
            )
          const aux = view.getBigUint64(at + 8, true)
          if (aux > BigInt(end - next))
            throw new PerfDataError(
              `record ${recordTypeName(type)}`,
              at + 8,
              `${aux} bytes of AUX data run past the data section`,
            )
          next += Number(aux)
        }
      } else {
        if (rsize % 8 !== 0)
          throw new PerfDataError(
            `record ${recordTypeName(type)}`,
            at,
            `size ${rsize} is not a multiple of 8`,
          )
        evsel = evselOf(this.evsels, this.#byId, view, at, type, rsize)
        // the time, where the layout puts it (a record too short for it is refused when decoded)
        const t =
          type === PERF_RECORD_SAMPLE
            ? layout.sampleTime < 0
              ? -1
              : at + layout.sampleTime
            : first.attr.sample_id_all && layout.trailerTime >= 0 && rsize >= 8 + layout.trailer
              ? at + rsize - layout.trailer + layout.trailerTime
              : -1
        if (t >= 0 && t + 8 <= at + rsize)
          time = view.getUint32(t, true) + view.getUint32(t + 4, true) * 0x1_0000_0000
      }
      yield { offset: at, type, misc, size: rsize, evsel, time }
      at = next
    }
  }

  /**
   * Every record of the data section in file order (perf's `reader__process_events`).
   *
   * @throws PerfDataError naming `data` (a bad header size, a record running past the
   *   section) or `record <TYPE>` (a body the decoder refuses).
   */
  *records(): Generator<PerfDataRecord> {
    for (const s of this.slots()) yield this.decode(s)
  }

  /**
   * Decode a located record (one of {@link slots}).
   *
   * @throws PerfDataError naming `record <TYPE>` for a body the decoder refuses; RangeError for
   *   a slot outside this file's data section.
   */
  decode(s: PerfDataSlot): PerfDataRecord {
    checkObject(s, 's')
    const { offset: dataAt, size: dataSize } = this.header.data
    checkInt(s.offset, 's.offset', dataAt, dataAt + dataSize - 8)
    checkInt(s.size, 's.size', 8, dataAt + dataSize - s.offset)
    checkInt(s.type, 's.type', 0, 0xffffffff)
    checkInt(s.misc, 's.misc', 0, 0xffff)
    if (s.evsel !== undefined && !this.evsels.includes(s.evsel))
      throw new RangeError('s.evsel: not an event of this file')
    const { offset: at, type, misc, size: rsize, evsel } = s
    const unknown = (): PerfUnknownRecord => ({
      type: 'unknown',
      raw_type: type,
      misc,
      size: rsize,
      data: this.bytes.slice(at + 8, at + rsize),
    })
    // perf's own records, and a kernel record whose id no attr has (perf counts and skips it:
    // without its event it has no layout)
    if (evsel === undefined)
      return { offset: at, type, misc, size: rsize, evsel, record: unknown(), time: undefined }
    let record: PerfRecord | PerfUnknownRecord
    try {
      record = decodeRecord(this.#view, at, evsel.ctx)
    } catch (e) {
      asDataError(e, `record ${recordTypeName(type)}`, at)
    }
    let time: bigint | undefined
    if (record.type === PERF_RECORD_SAMPLE)
      time = evsel.attr.sample_type & PERF_SAMPLE_TIME ? record.time : undefined
    else if (record.type !== 'unknown')
      time = evsel.attr.sample_id_all ? record.sample_id?.time : undefined
    return { offset: at, type, misc, size: rsize, evsel, record, time }
  }

  /**
   * The records in the order perf's tools deliver them (`ordered_events`): sorted by time
   * between FINISHED_ROUNDs; records without a time and perf's own records at once.
   */
  events(): Generator<PerfDataRecord> {
    return orderedEvents(this.records())
  }

  /**
   * The tracepoint fields of a SAMPLE's RAW payload, through the format of its event (the
   * TRACING_DATA format whose id is the event's `attr.config`).
   *
   * @returns undefined when the record is not a sample of a tracepoint with a known format.
   */
  traceFields(r: PerfDataRecord): PerfDataTraceFields | undefined {
    checkObject(checkObject(r, 'r')['record'], 'r.record')
    const format = r.evsel?.format
    if (format === undefined || r.record.type !== PERF_RECORD_SAMPLE) return undefined
    const raw = r.record.raw
    if (raw === undefined) return undefined
    return { format, fields: decodeEvent(format, raw, 0, raw.length) }
  }
}

/** The formats of TRACING_DATA, by id. */
function tracepointFormats(features: PerfDataFeatures, at: number): Map<number, EventFormat> {
  const out = new Map<number, EventFormat>()
  const td = features.tracingData
  if (td === undefined) return out
  const add = (text: string, system: string): void => {
    let f: EventFormat
    try {
      f = parseEventFormat(text, system, { longSize: td.longSize })
    } catch (e) {
      throw new PerfDataError(
        'feature TRACING_DATA',
        at,
        `format of ${system}: ${(e as Error).message}`,
      )
    }
    out.set(f.id, f)
  }
  for (const t of td.ftraceFormats) add(t, 'ftrace')
  for (const s of td.systems) for (const t of s.formats) add(t, s.name)
  return out
}
