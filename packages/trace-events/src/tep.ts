/**
 * libtraceevent's event-parsing handle (`event-parse.h`, 1.7.1) under its C names: a
 * `tep_handle` holding parsed event formats, comms and kernel symbols; lookups of events and
 * fields; the field getters with their C return codes and error texts; the record accessors.
 * `tep_print_event` is in `tep-print-event.ts`. Where C hands out pointers into a record this
 * hands out views (`subarray`), never copies.
 *
 * @packageDocumentation
 */
import { EventFormatError, PrintFmtError } from './errors.js'
import type { EventFormat } from './event-format.js'
import { findCommonField, findField, parseEventFormat } from './event-format.js'
import { EventPrinter } from './event-printer.js'
import { readNumber, readNumberField } from './field-decoder.js'
import type { FormatField } from './format-field.js'
import { FIELD_IS_DYNAMIC, FIELD_IS_RELATIVE } from './format-field.js'
import { Kallsyms } from './kallsyms.js'
import type { OutParam } from './out-param.js'
import { checkOut } from './out-param.js'
import type { TraceSeq } from './trace-seq.js'
import { checkSeq, seqAppend } from './trace-seq.js'

/** A value as an error message shows it: a number as itself, anything else by its type. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v)

/** `TEP_ERRNO__SUCCESS`. */
export const TEP_ERRNO__SUCCESS = 0
/** `TEP_ERRNO__MEM_ALLOC_FAILED`. */
export const TEP_ERRNO__MEM_ALLOC_FAILED = -99999
/** `TEP_ERRNO__PARSE_EVENT_FAILED`. */
export const TEP_ERRNO__PARSE_EVENT_FAILED = -99998
/** `TEP_ERRNO__READ_ID_FAILED`: the `ID:` line is missing or not a number. */
export const TEP_ERRNO__READ_ID_FAILED = -99997
/** `TEP_ERRNO__READ_FORMAT_FAILED`: a `field:` line cannot be parsed. */
export const TEP_ERRNO__READ_FORMAT_FAILED = -99996
/** `TEP_ERRNO__READ_PRINT_FAILED`: the `print fmt` cannot be parsed. */
export const TEP_ERRNO__READ_PRINT_FAILED = -99995

const ERRNO_TEXT = new Map<number, string>([
  [TEP_ERRNO__MEM_ALLOC_FAILED, 'failed to allocate memory'],
  [TEP_ERRNO__PARSE_EVENT_FAILED, 'failed to parse event'],
  [TEP_ERRNO__READ_ID_FAILED, 'failed to read event id'],
  [TEP_ERRNO__READ_FORMAT_FAILED, 'failed to read event format'],
  [TEP_ERRNO__READ_PRINT_FAILED, 'failed to read event print fmt'],
])

/** `TEP_EVENT_FL_ISFTRACE`: an event of the `ftrace` system. */
export const TEP_EVENT_FL_ISFTRACE = 0x01
/** `TEP_EVENT_FL_ISBPRINT`: `ftrace/bprint`. */
export const TEP_EVENT_FL_ISBPRINT = 0x04
/** `TEP_EVENT_FL_FAILED`: the print fmt could not be parsed; the event prints its raw fields. */
export const TEP_EVENT_FL_FAILED = 0x80000000

/**
 * `struct tep_record`: one event as a reader hands it out — its payload (`data`, starting at
 * `common_type`; a view into the page, as `kbuffer_read_event` returns it), `size` bytes of it,
 * its timestamp and CPU.
 */
export interface TepRecord {
  /** Timestamp (ns, or the buffer clock's unit). */
  ts: number
  /** The CPU (ring) it was read from. */
  cpu: number
  /** Payload bytes (`kbuffer_event_size`). */
  size: number
  /** The payload: `data[0, size)`. */
  data: Uint8Array
  /** Events the buffer dropped before this one (`kbuffer_missed_events`), if known. */
  missed_events?: number
  /** Offset of the record in its file or buffer, if known. */
  offset?: number
  /** Bytes of the record with its headers (`kbuffer_curr_size`), if known. */
  record_size?: number
}

/** `struct tep_event`: one parsed event format of a handle. */
export class TepEvent {
  /** The handle it belongs to. */
  readonly tep: TepHandle
  /** The parsed format (fields, print fmt text). */
  readonly format: EventFormat
  /** `event->id`. */
  readonly id: number
  /** `event->name`. */
  readonly name: string
  /** `event->system`. */
  readonly system: string
  /** `TEP_EVENT_FL_*` bits. */
  flags: number
  /** @internal the INFO printer (latin1: one character per byte); null when the print fmt failed */
  printer: EventPrinter | null

  /** @internal made by tep_parse_event / tep_parse_format */
  constructor(tep: TepHandle, format: EventFormat) {
    this.tep = tep
    this.format = format
    this.id = format.id
    this.name = format.name
    this.system = format.system
    this.flags = format.system === 'ftrace' ? TEP_EVENT_FL_ISFTRACE : 0
    if (this.flags !== 0 && format.name === 'bprint') this.flags |= TEP_EVENT_FL_ISBPRINT
    this.printer = null
  }
}

/** `struct tep_handle`: make it with {@link tep_alloc}. */
export class TepHandle {
  /** @internal events sorted by id */ readonly events: TepEvent[] = []
  /** @internal */ readonly byId: Map<number, TepEvent> = new Map<number, TepEvent>()
  /** @internal */ lastEvent: TepEvent | null = null
  /** @internal pid → comm */ readonly comms: Map<number, string> = new Map<number, string>()
  /** @internal */ symbols: Kallsyms | undefined
  /** @internal */ longSize = 8
  /** @internal */ pageSize = 0
  /** @internal */ cpus = 0
  /** @internal */ freed = false
  /**
   * How printed bytes become text (not in C, which prints bytes): `utf-8` (default) decodes
   * them, `latin1` keeps one character per byte, so that the text is byte-for-byte C's.
   */
  encoding: 'utf-8' | 'latin1' = 'utf-8'
}

/** @internal TypeError unless `tep` is a live handle. */
export function checkTep(tep: unknown): TepHandle {
  if (!(tep instanceof TepHandle)) throw new TypeError('tep: expected a tep_handle from tep_alloc')
  if (tep.freed) throw new TypeError('tep: the handle was freed (tep_free)')
  return tep
}

/** @internal TypeError unless `event` is a tep_event. */
export function checkEvent(event: unknown): TepEvent {
  if (!(event instanceof TepEvent))
    throw new TypeError('event: expected a tep_event (tep_find_event, tep_parse_format)')
  return event
}

/** @internal TypeError unless `record` is a tep_record whose payload lies in its data. */
export function checkRecord(record: unknown): TepRecord {
  const r = record as TepRecord | null
  if (typeof r !== 'object' || r === null || !(r.data instanceof Uint8Array))
    throw new TypeError('record: expected a tep_record with a Uint8Array data')
  if (!Number.isInteger(r.size) || r.size < 0 || r.size > r.data.length)
    throw new RangeError(`record.size: ${shown(r.size)} is not a byte count inside record.data`)
  return r
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError('name: expected a field name')
  return name
}

/** `tep_alloc()`: a new handle (long size 8, little-endian). */
export function tep_alloc(): TepHandle {
  return new TepHandle()
}

/** `tep_free(tep)`: release the handle; later calls with it throw. */
export function tep_free(tep: TepHandle): void {
  const t = checkTep(tep)
  t.freed = true
  t.events.length = 0
  t.byId.clear()
  t.comms.clear()
}

/** `tep_set_long_size(tep, long_size)`: the traced machine's `long` (4 or 8). */
export function tep_set_long_size(tep: TepHandle, long_size: number): void {
  const t = checkTep(tep)
  if (long_size !== 4 && long_size !== 8)
    throw new RangeError(`long_size: ${shown(long_size)} is not 4 or 8`)
  t.longSize = long_size
}

/** `tep_get_long_size(tep)`. */
export function tep_get_long_size(tep: TepHandle): number {
  return checkTep(tep).longSize
}

/** `tep_set_page_size(tep, page_size)`: the sub-buffer size of the traced buffers. */
export function tep_set_page_size(tep: TepHandle, page_size: number): void {
  const t = checkTep(tep)
  if (!Number.isInteger(page_size) || page_size < 0 || page_size > 2 ** 31 - 1)
    throw new RangeError(`page_size: ${shown(page_size)} is not a size`)
  t.pageSize = page_size
}

/** `tep_get_page_size(tep)` (0 until set). */
export function tep_get_page_size(tep: TepHandle): number {
  return checkTep(tep).pageSize
}

/** `tep_set_cpus(tep, cpus)`. */
export function tep_set_cpus(tep: TepHandle, cpus: number): void {
  const t = checkTep(tep)
  if (!Number.isInteger(cpus) || cpus < 0 || cpus > 2 ** 31 - 1)
    throw new RangeError(`cpus: ${shown(cpus)} is not a CPU count`)
  t.cpus = cpus
}

/** `tep_get_cpus(tep)` (0 until set). */
export function tep_get_cpus(tep: TepHandle): number {
  return checkTep(tep).cpus
}

function formatText(buf: unknown, size: unknown): string {
  let text: string
  if (typeof buf === 'string') text = buf
  else if (buf instanceof Uint8Array) text = new TextDecoder().decode(buf)
  else throw new TypeError('buf: expected the format text (a string or bytes)')
  if (size === undefined) return text
  if (!Number.isInteger(size) || (size as number) < 0)
    throw new RangeError(
      `size: ${typeof size === 'number' ? size : typeof size} is not a byte count`,
    )
  if (buf instanceof Uint8Array) return new TextDecoder().decode(buf.subarray(0, size as number))
  return text.slice(0, size as number)
}

/** The INFO printer of a format (latin1: one character per byte), with the handle's symbols. */
function printerFor(tep: TepHandle, format: EventFormat): EventPrinter {
  return new EventPrinter(
    format,
    tep.symbols === undefined
      ? { encoding: 'latin1' }
      : { symbols: tep.symbols, encoding: 'latin1' },
  )
}

/** Parse a format into a new event of `tep`; the C return code and the event (or null). */
function parseEvent(tep: TepHandle, text: string, sys: unknown): [number, TepEvent | null] {
  if (typeof sys !== 'string') throw new TypeError('sys: expected the system name')
  let format: EventFormat
  try {
    format = parseEventFormat(text, sys, { longSize: tep.longSize })
  } catch (e) {
    if (!(e instanceof EventFormatError)) throw e
    return [
      /ID|name/.test(e.message) && e.line <= 2
        ? TEP_ERRNO__READ_ID_FAILED
        : TEP_ERRNO__READ_FORMAT_FAILED,
      null,
    ]
  }
  const event = new TepEvent(tep, format)
  try {
    event.printer = printerFor(tep, format)
  } catch (e) {
    if (!(e instanceof PrintFmtError)) throw e
    event.flags |= TEP_EVENT_FL_FAILED
  }
  // add_event: sorted by id; a second format with the same id is added as well (C does too)
  let at = tep.events.length
  while (at > 0 && tep.events[at - 1]!.id > event.id) at--
  tep.events.splice(at, 0, event)
  if (!tep.byId.has(event.id)) tep.byId.set(event.id, event)
  return [TEP_ERRNO__SUCCESS, event]
}

/**
 * `tep_parse_event(tep, buf, size, sys)`: parse a tracefs `format` file into the handle.
 * Returns 0, or a `TEP_ERRNO__*` code when the name, ID or fields cannot be read. As in C, a
 * print fmt that cannot be parsed still adds the event (flagged `TEP_EVENT_FL_FAILED`; it
 * prints `[FAILED TO PARSE]` and its raw fields) and returns 0.
 */
export function tep_parse_event(
  tep: TepHandle,
  buf: string | Uint8Array,
  size: number | undefined,
  sys: string,
): number {
  const t = checkTep(tep)
  return parseEvent(t, formatText(buf, size), sys)[0]
}

/**
 * `tep_parse_format(tep, &event, buf, size, sys)`: {@link tep_parse_event} that also hands out
 * the new event in `eventp.value` (null when none was made).
 */
export function tep_parse_format(
  tep: TepHandle,
  eventp: OutParam<TepEvent | null> | null,
  buf: string | Uint8Array,
  size: number | undefined,
  sys: string,
): number {
  const t = checkTep(tep)
  checkOut(eventp, 'eventp')
  const [rc, event] = parseEvent(t, formatText(buf, size), sys)
  if (eventp) eventp.value = event
  return rc
}

/** `tep_strerror(tep, errnum, buf, buflen)`: the text of a `TEP_ERRNO__*` code (or `strerror`'s). */
export function tep_strerror(tep: TepHandle, errnum: number): string {
  checkTep(tep)
  if (!Number.isInteger(errnum)) throw new TypeError(`errnum: ${shown(errnum)} is not an int`)
  return ERRNO_TEXT.get(errnum) ?? (errnum >= 0 ? `errno ${errnum}` : 'unknown error')
}

/** `tep_find_event(tep, id)`: the event with that id, or null. */
export function tep_find_event(tep: TepHandle, id: number): TepEvent | null {
  const t = checkTep(tep)
  if (!Number.isInteger(id)) throw new TypeError(`id: ${shown(id)} is not an event id`)
  return t.byId.get(id) ?? null
}

/**
 * `tep_find_event_by_name(tep, sys, name)`: the first event (by id) named `name`, of system
 * `sys` unless `sys` is null; or null.
 */
export function tep_find_event_by_name(
  tep: TepHandle,
  sys: string | null,
  name: string,
): TepEvent | null {
  const t = checkTep(tep)
  if (sys !== null && typeof sys !== 'string')
    throw new TypeError('sys: expected a system name or null')
  if (typeof name !== 'string') throw new TypeError('name: expected an event name')
  const last = t.lastEvent
  if (last !== null && last.name === name && (sys === null || last.system === sys)) return last
  const event = t.events.find((e) => e.name === name && (sys === null || e.system === sys)) ?? null
  t.lastEvent = event
  return event
}

/** `tep_get_events_count(tep)`. */
export function tep_get_events_count(tep: TepHandle): number {
  return checkTep(tep).events.length
}

/** `tep_get_event(tep, index)`: the event at `index` of the id-sorted list, or null. */
export function tep_get_event(tep: TepHandle, index: number): TepEvent | null {
  const t = checkTep(tep)
  if (!Number.isInteger(index)) throw new TypeError(`index: ${shown(index)} is not an int`)
  return t.events[index] ?? null
}

/** `tep_get_first_event(tep)`: the event with the lowest id, or null. */
export function tep_get_first_event(tep: TepHandle): TepEvent | null {
  return checkTep(tep).events[0] ?? null
}

/** `tep_find_field(event, name)`: an event field (not a common one), or null. */
export function tep_find_field(event: TepEvent, name: string): FormatField | null {
  return findField(checkEvent(event).format, checkName(name)) ?? null
}

/** `tep_find_common_field(event, name)`: a common field (`common_pid`, …), or null. */
export function tep_find_common_field(event: TepEvent, name: string): FormatField | null {
  return findCommonField(checkEvent(event).format, checkName(name)) ?? null
}

/** `tep_find_any_field(event, name)`: a common field, else an event field, or null. */
export function tep_find_any_field(event: TepEvent, name: string): FormatField | null {
  const e = checkEvent(event)
  checkName(name)
  return findCommonField(e.format, name) ?? findField(e.format, name) ?? null
}

/** `tep_event_fields(event)`: the event's own fields. */
export function tep_event_fields(event: TepEvent): readonly FormatField[] {
  return checkEvent(event).format.fields
}

/** `tep_event_common_fields(event)`: the common fields. */
export function tep_event_common_fields(event: TepEvent): readonly FormatField[] {
  return checkEvent(event).format.commonFields
}

function checkField(field: unknown): FormatField {
  const f = field as FormatField | null
  if (
    typeof f !== 'object' ||
    f === null ||
    !Number.isInteger(f.offset) ||
    !Number.isInteger(f.size)
  )
    throw new TypeError('field: expected a tep_format_field (tep_find_field)')
  return f
}

/**
 * `tep_read_number_field(field, data, &value)`: the field of the payload `data` as an unsigned
 * integer in `value.value` (a number for 1, 2 and 4 bytes, a bigint for 8). Returns 0, or -1
 * when the field's size is not 1, 2, 4 or 8 (or, unlike C, it lies past `data`).
 */
export function tep_read_number_field(
  field: FormatField | null,
  data: Uint8Array,
  value: OutParam<number | bigint>,
): number {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: expected the payload bytes')
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('value: expected an out-parameter object ({ value })')
  if (field === null) return -1
  const v = readNumberField(checkField(field), data, 0, data.length)
  if (v === undefined) return -1
  value.value = v
  return 0
}

/**
 * `tep_read_number(tep, ptr, size)`: the unsigned integer of `size` bytes at `ptr` (a number
 * for 1, 2, 4 bytes, a bigint for 8; 0 for another size, as C).
 */
export function tep_read_number(tep: TepHandle, ptr: Uint8Array, size: number): number | bigint {
  checkTep(tep)
  if (!(ptr instanceof Uint8Array)) throw new TypeError('ptr: expected bytes')
  if (!Number.isInteger(size)) throw new TypeError(`size: ${shown(size)} is not an int`)
  if ((size === 1 || size === 2 || size === 4 || size === 8) && size > ptr.length)
    throw new RangeError(`ptr: ${ptr.length} bytes do not hold ${size}`)
  return readNumber(new DataView(ptr.buffer, ptr.byteOffset, ptr.byteLength), 0, size)
}

function getFieldVal(
  s: TraceSeq | null,
  field: FormatField | undefined,
  name: string,
  record: TepRecord,
  val: OutParam<number | bigint>,
  err: number | boolean,
): number {
  if (field === undefined) {
    if (err && s) seqAppend(s, `<CANT FIND FIELD ${name}>`)
    return -1
  }
  const v = readNumberField(field, record.data, 0, record.size)
  if (v === undefined) {
    if (err && s) seqAppend(s, ` ${name}=INVALID`)
    return -1
  }
  val.value = v
  return 0
}

function fieldValArgs(
  s: unknown,
  event: unknown,
  name: unknown,
  record: unknown,
  val: unknown,
  err: unknown,
): void {
  if (s !== null) checkSeq(s)
  checkEvent(event)
  checkName(name)
  checkRecord(record)
  if (typeof val !== 'object' || val === null || Array.isArray(val))
    throw new TypeError('val: expected an out-parameter object ({ value })')
  if (typeof err !== 'boolean' && !Number.isInteger(err))
    throw new TypeError(`err: expected a boolean or an int, got ${shown(err)}`)
}

/**
 * `tep_get_field_val(s, event, name, record, &val, err)`: the event field `name` of `record` in
 * `val.value`. Returns 0, or -1 — then, with `err`, `s` gets `<CANT FIND FIELD name>` (no such
 * field) or ` name=INVALID` (not a 1/2/4/8-byte field).
 */
export function tep_get_field_val(
  s: TraceSeq | null,
  event: TepEvent,
  name: string,
  record: TepRecord,
  val: OutParam<number | bigint>,
  err: number | boolean,
): number {
  fieldValArgs(s, event, name, record, val, err)
  return getFieldVal(s, findField(event.format, name), name, record, val, err)
}

/** `tep_get_common_field_val(…)`: {@link tep_get_field_val} for a common field. */
export function tep_get_common_field_val(
  s: TraceSeq | null,
  event: TepEvent,
  name: string,
  record: TepRecord,
  val: OutParam<number | bigint>,
  err: number | boolean,
): number {
  fieldValArgs(s, event, name, record, val, err)
  return getFieldVal(s, findCommonField(event.format, name), name, record, val, err)
}

/** `tep_get_any_field_val(…)`: {@link tep_get_field_val} for a common field, else an event field. */
export function tep_get_any_field_val(
  s: TraceSeq | null,
  event: TepEvent,
  name: string,
  record: TepRecord,
  val: OutParam<number | bigint>,
  err: number | boolean,
): number {
  fieldValArgs(s, event, name, record, val, err)
  const f = findCommonField(event.format, name) ?? findField(event.format, name)
  return getFieldVal(s, f, name, record, val, err)
}

/**
 * `tep_get_field_raw(s, event, name, record, &len, err)`: the bytes of event field `name` in
 * `record` — a view into `record.data`, no copy — and their length in `len.value` (for a
 * `__data_loc` field what its offset/length word says). Null when there is no such field (with
 * `err`, `s` gets `<CANT FIND FIELD name>`). Unlike C the view never leaves `record.data`.
 */
export function tep_get_field_raw(
  s: TraceSeq | null,
  event: TepEvent,
  name: string,
  record: TepRecord,
  len: OutParam<number> | null,
  err: number | boolean,
): Uint8Array | null {
  if (s !== null) checkSeq(s)
  checkEvent(event)
  checkName(name)
  checkRecord(record)
  checkOut(len, 'len')
  if (typeof err !== 'boolean' && !Number.isInteger(err))
    throw new TypeError(`err: expected a boolean or an int, got ${shown(err)}`)
  const field = findField(event.format, name)
  if (field === undefined) {
    if (err && s) seqAppend(s, `<CANT FIND FIELD ${name}>`)
    return null
  }
  let offset = field.offset
  let n = field.size
  if ((field.flags & FIELD_IS_DYNAMIC) !== 0) {
    const data = record.data
    const word =
      field.offset + field.size <= data.length
        ? Number(
            readNumber(
              new DataView(data.buffer, data.byteOffset, data.byteLength),
              field.offset,
              field.size,
            ),
          )
        : 0
    n = word >>> 16
    offset = word & 0xffff
    if ((field.flags & FIELD_IS_RELATIVE) !== 0) offset += field.offset + field.size
  }
  if (len) len.value = n
  return record.data.subarray(offset, offset + n)
}

/**
 * @internal Read a common field through the handle's first event, as libtraceevent's
 * `__parse_common` (-1 when the handle has no event or the event no such field).
 */
export function commonValue(tep: TepHandle, data: Uint8Array, name: string): number {
  const first = tep.events[0]
  const f = first === undefined ? undefined : findCommonField(first.format, name)
  if (f === undefined) return -1
  const v = readNumberField(f, data, 0, data.length)
  return v === undefined ? 0 : Number(BigInt.asIntN(32, BigInt(v)))
}

/** `tep_data_type(tep, rec)`: the record's `common_type` (its event id). */
export function tep_data_type(tep: TepHandle, rec: TepRecord): number {
  return commonValue(checkTep(tep), checkRecord(rec).data, 'common_type')
}

/** `tep_data_pid(tep, rec)`: the record's `common_pid`. */
export function tep_data_pid(tep: TepHandle, rec: TepRecord): number {
  return commonValue(checkTep(tep), checkRecord(rec).data, 'common_pid')
}

/** `tep_data_preempt_count(tep, rec)`: the record's `common_preempt_count`. */
export function tep_data_preempt_count(tep: TepHandle, rec: TepRecord): number {
  return commonValue(checkTep(tep), checkRecord(rec).data, 'common_preempt_count')
}

/** `tep_data_flags(tep, rec)`: the record's `common_flags` (`TRACE_FLAG_*`). */
export function tep_data_flags(tep: TepHandle, rec: TepRecord): number {
  return commonValue(checkTep(tep), checkRecord(rec).data, 'common_flags')
}

/** `tep_find_event_by_record(tep, record)`: the event of the record's `common_type`, or null. */
export function tep_find_event_by_record(tep: TepHandle, record: TepRecord): TepEvent | null {
  const t = checkTep(tep)
  return t.byId.get(commonValue(t, checkRecord(record).data, 'common_type')) ?? null
}

function checkPid(pid: unknown): number {
  if (!Number.isInteger(pid) || (pid as number) < -(2 ** 31) || (pid as number) >= 2 ** 31)
    throw new RangeError(`pid: ${shown(pid)} is not an int`)
  return pid as number
}

/**
 * `tep_register_comm(tep, comm, pid)`: map `pid` to `comm`. Returns 0, or -1 when the pid
 * already has a comm (C: `EEXIST`); pid 0 is always `<idle>`.
 */
export function tep_register_comm(tep: TepHandle, comm: string | null, pid: number): number {
  const t = checkTep(tep)
  if (comm !== null && typeof comm !== 'string') throw new TypeError('comm: expected a string')
  checkPid(pid)
  if (pid === 0) return 0
  if (t.comms.has(pid)) return -1
  t.comms.set(pid, comm ?? '<...>')
  return 0
}

/** `tep_override_comm(tep, comm, pid)`: map `pid` to `comm`, replacing an earlier comm. */
export function tep_override_comm(tep: TepHandle, comm: string, pid: number): number {
  const t = checkTep(tep)
  if (typeof comm !== 'string') throw new TypeError('comm: expected a string')
  checkPid(pid)
  if (pid !== 0) t.comms.set(pid, comm)
  return 0
}

/** `tep_is_pid_registered(tep, pid)`. */
export function tep_is_pid_registered(tep: TepHandle, pid: number): boolean {
  return checkTep(tep).comms.has(checkPid(pid))
}

/**
 * `tep_parse_saved_cmdlines(tep, buf)`: register every `<pid> <comm>` line of tracefs
 * `saved_cmdlines` text. Returns 0, or -1 at the first line that is not one (the lines before
 * it stay registered).
 */
export function tep_parse_saved_cmdlines(tep: TepHandle, buf: string): number {
  const t = checkTep(tep)
  if (typeof buf !== 'string') throw new TypeError('buf: expected the saved_cmdlines text')
  for (const line of buf.split('\n')) {
    if (line === '') continue
    const m = /^\s*([-+]?\d+)\s+(.+)$/.exec(line)
    if (m === null) return -1
    const pid = Number(m[1])
    if (pid >= -(2 ** 31) && pid < 2 ** 31) tep_register_comm(t, m[2]!, pid)
  }
  return 0
}

/** `tep_data_comm_from_pid(tep, pid)`: the comm of `pid`: `<idle>` for 0, `<...>` when unknown. */
export function tep_data_comm_from_pid(tep: TepHandle, pid: number): string {
  const t = checkTep(tep)
  checkPid(pid)
  if (pid === 0) return '<idle>'
  return t.comms.get(pid) ?? '<...>'
}

/**
 * `tep_parse_kallsyms(tep, kallsyms)`: the symbols `%ps` / `%pS` print (`/proc/kallsyms`
 * text), for every event of the handle. Returns 0.
 *
 * @throws TypeError naming the line that is not a kallsyms line.
 */
export function tep_parse_kallsyms(tep: TepHandle, kallsyms: string): number {
  const t = checkTep(tep)
  if (typeof kallsyms !== 'string') throw new TypeError('kallsyms: expected /proc/kallsyms text')
  try {
    t.symbols = Kallsyms.parse(kallsyms)
  } catch (e) {
    // Kallsyms.parse names its own argument `text`; here it is `kallsyms`
    if (e instanceof TypeError)
      throw new TypeError(`kallsyms: ${e.message.replace(/^text: /, '')}`, { cause: e })
    throw e
  }
  for (const e of t.events) if (e.printer !== null) e.printer = printerFor(t, e.format)
  return 0
}
