/**
 * Reading field values out of an event payload through a parsed format: libtraceevent's
 * `tep_read_number`, `tep_read_number_field`, `tep_get_field_raw` and the `__data_loc`
 * decoding of `dynamic_offset`, with its bounds rules (a location past the payload reads as
 * empty, never outside it).
 *
 * @packageDocumentation
 */
import type { EventFormat } from './event-format.js'
import { checkFormat } from './event-format.js'
import type { FormatField } from './format-field.js'
import {
  DATA_LOC_LENGTH_SHIFT,
  DATA_LOC_OFFSET_MASK,
  FIELD_IS_ARRAY,
  FIELD_IS_DYNAMIC,
  FIELD_IS_RELATIVE,
  FIELD_IS_SIGNED,
  FIELD_IS_STRING,
} from './format-field.js'
import { badNumber, shown } from './args.js'

/**
 * A decoded field value: a number for integers up to 4 bytes, a bigint for 8-byte integers,
 * a string for string fields (`TEP_FIELD_IS_STRING`), an array of numbers or bigints for other
 * arrays, and the raw bytes for fields of any other size.
 */
export type FieldValue =
  number | bigint | string | Uint8Array | readonly number[] | readonly bigint[]

const utf8 = new TextDecoder('utf-8')

/** The last `Uint8Array` a view was made for, and that view: one `DataView` per page/record. */
let viewBytes: Uint8Array | null = null
let viewLength = 0
let cachedView: DataView = new DataView(new ArrayBuffer(0))

/**
 * A `DataView` over exactly `bytes`: the one made for the previous call when `bytes` is the same
 * array (every field of an event, every event of a page), so reading a field allocates nothing.
 */
function viewOf(bytes: Uint8Array): DataView {
  if (bytes !== viewBytes || viewLength !== bytes.byteLength) {
    cachedView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    viewBytes = bytes
    viewLength = bytes.byteLength
  }
  return cachedView
}

/**
 * libtraceevent `tep_read_number`: an unsigned little-endian integer of `size` bytes at `at`
 * (a number for 1, 2 and 4 bytes, a bigint for 8). Other sizes give 0, as libtraceevent does.
 */
export function readNumber(view: DataView, at: number, size: number): number | bigint {
  if (!(view instanceof DataView)) throw new TypeError('view: expected a DataView')
  if (!(
    Number.isInteger(at) &&
    at >= 0 &&
    at + (size === 1 || size === 2 || size === 4 || size === 8 ? size : 0) <= view.byteLength
  ))
    badNumber(
      'at',
      at,
      `a byte offset of a ${String(size)}-byte number in the view's ${view.byteLength} bytes`,
    )
  switch (size) {
    case 1:
      return view.getUint8(at)
    case 2:
      return view.getUint16(at, true)
    case 4:
      return view.getUint32(at, true)
    case 8:
      return view.getBigUint64(at, true)
    default:
      return 0
  }
}

function readSigned(view: DataView, at: number, size: number, signed: boolean): number | bigint {
  if (!signed) return readNumber(view, at, size)
  switch (size) {
    case 1:
      return view.getInt8(at)
    case 2:
      return view.getInt16(at, true)
    case 4:
      return view.getInt32(at, true)
    default:
      return view.getBigInt64(at, true)
  }
}

/** RangeError unless `[base, base + length)` lies inside `bytes`. */
/** @internal A payload of `length` bytes at `base` of `bytes`. */
export function checkPayload(bytes: Uint8Array, base: number, length: number): void {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`bytes: expected a Uint8Array, got ${shown(bytes)}`)
  if (!(Number.isInteger(base) && base >= 0 && base <= bytes.length))
    badNumber('base', base, `a byte offset in [0, ${bytes.length}]`)
  if (!(Number.isInteger(length) && length >= 0)) badNumber('length', length, 'a byte count')
  if (base + length > bytes.length)
    throw new RangeError(
      `length: payload [${base}, ${base + length}) runs past the ${bytes.length} bytes of \`bytes\``,
    )
}

/** A field of a parsed format (its numbers are what the decoders index with). */
function checkField(field: FormatField): void {
  const f = field as Partial<FormatField> | null
  if (
    typeof f !== 'object' ||
    f === null ||
    !Number.isInteger(f.offset) ||
    !Number.isInteger(f.size) ||
    !Number.isInteger(f.flags) ||
    !Number.isInteger(f.elementSize) ||
    f.offset! < 0 ||
    f.size! < 0
  )
    throw new TypeError(`field: expected a FormatField (from a parsed format), got ${shown(field)}`)
}

/**
 * libtraceevent `tep_read_number_field`: the field's bytes of the payload at `base` as an
 * unsigned integer, or `undefined` when the field's size is not 1, 2, 4 or 8 or it lies
 * outside the `length` bytes of the payload.
 *
 * @throws RangeError if the payload is not inside `bytes`.
 */
export function readNumberField(
  field: FormatField,
  bytes: Uint8Array,
  base: number,
  length: number,
): number | bigint | undefined {
  checkField(field)
  checkPayload(bytes, base, length)
  const s = field.size
  if ((s !== 1 && s !== 2 && s !== 4 && s !== 8) || field.offset + s > length) return undefined
  return readNumber(viewOf(bytes), base + field.offset, s)
}

/** Where a field's data is: payload-relative offset and length (`tep_get_field_raw`). */
export interface FieldLocation {
  /** Offset from the start of the payload. */
  offset: number
  /** Length in bytes. */
  length: number
}

/**
 * The bytes a field covers in a payload of `length` bytes: for `__data_loc` / `__rel_loc`
 * fields what the offset/length word says (libtraceevent's `dynamic_offset`: a location past
 * the payload becomes offset 0 / length 0), for a trailing `[]` field of size 0 the rest of the
 * payload, else the field itself.
 */
export function fieldLocation(
  field: FormatField,
  bytes: Uint8Array,
  base: number,
  length: number,
): FieldLocation {
  checkField(field)
  checkPayload(bytes, base, length)
  locate(field, bytes, base, length)
  return { offset: locOffset, length: locLength }
}

/** Where {@link locate} put the last field's data (no object per field). */
let locOffset = 0
let locLength = 0

/** {@link fieldLocation} into `locOffset` / `locLength`, the payload already checked. */
function locate(field: FormatField, bytes: Uint8Array, base: number, length: number): void {
  if ((field.flags & FIELD_IS_DYNAMIC) !== 0) {
    if (field.offset + field.size > length) {
      locOffset = 0
      locLength = 0
      return
    }
    const word = Number(readNumber(viewOf(bytes), base + field.offset, field.size))
    const o = word & DATA_LOC_OFFSET_MASK
    const l = field.size === 2 ? length - o : (word >>> DATA_LOC_LENGTH_SHIFT) & 0xffff
    let offset = o > length ? 0 : o
    let len = o + l > length ? 0 : l
    if ((field.flags & FIELD_IS_RELATIVE) !== 0) {
      offset += field.offset + field.size
      if (offset + len > length) {
        offset = 0
        len = 0
      }
    }
    locOffset = offset
    locLength = len
    return
  }
  if (field.offset >= length) {
    locOffset = 0
    locLength = 0
  } else {
    locOffset = field.offset
    locLength =
      field.size === 0 ? length - field.offset : Math.min(field.size, length - field.offset)
  }
}

/** The text of a string field: its bytes up to the first NUL, as UTF-8. */
function cString(bytes: Uint8Array, from: number, to: number): string {
  let end = from
  let ascii = true
  while (end < to) {
    const b = bytes[end]!
    if (b === 0) break
    if (b >= 0x80) ascii = false
    end++
  }
  // short ASCII text (most field strings) is built without a subarray and a TextDecoder call
  if (ascii && end - from <= SHORT_ASCII) {
    let text = ''
    for (let k = from; k < end; k++) text += String.fromCharCode(bytes[k]!)
    return text
  }
  return utf8.decode(bytes.subarray(from, end))
}

/** Up to this many ASCII bytes a string is built by character. */
const SHORT_ASCII = 64

/**
 * The value of `field` in the payload of `length` bytes at `bytes[base]` (see
 * {@link FieldValue}). Integers are signed when the format says `signed:1`. A field that does
 * not fit in the payload reads as 0, an empty string or an empty array.
 */
export function readField(
  field: FormatField,
  bytes: Uint8Array,
  base: number,
  length: number,
): FieldValue {
  checkField(field)
  checkPayload(bytes, base, length)
  return fieldValue(field, bytes, base, length)
}

/** {@link readField} of a checked payload. */
function fieldValue(
  field: FormatField,
  bytes: Uint8Array,
  base: number,
  length: number,
): FieldValue {
  const view = viewOf(bytes)
  const signed = (field.flags & FIELD_IS_SIGNED) !== 0
  if ((field.flags & (FIELD_IS_ARRAY | FIELD_IS_DYNAMIC)) === 0) {
    const s = field.size
    if (s === 1 || s === 2 || s === 4 || s === 8) {
      if (field.offset + s > length) return s === 8 ? 0n : 0
      return readSigned(view, base + field.offset, s, signed)
    }
    locate(field, bytes, base, length)
    return bytes.slice(base + locOffset, base + locOffset + locLength)
  }
  locate(field, bytes, base, length)
  const from = base + locOffset
  const locLen = locLength
  if ((field.flags & FIELD_IS_STRING) !== 0) return cString(bytes, from, from + locLen)
  const es = field.elementSize
  if (es === 1 || es === 2 || es === 4 || es === 8) {
    const count = Math.floor(locLen / es)
    if (es === 8) {
      const out: bigint[] = []
      for (let k = 0; k < count; k++) out.push(readSigned(view, from + k * 8, 8, signed) as bigint)
      return out
    }
    const out: number[] = []
    for (let k = 0; k < count; k++) out.push(readSigned(view, from + k * es, es, signed) as number)
    return out
  }
  return bytes.slice(from, from + locLen)
}

/**
 * Every field of an event payload by name, common fields first (what `trace-cmd report -R`
 * prints, as values).
 *
 * @param format the parsed format of the event.
 * @param bytes the buffer holding the payload.
 * @param base the payload's first byte (where `common_type` is).
 * @param length the payload's length in bytes.
 * @throws RangeError if `[base, base + length)` is not inside `bytes`.
 */
export function decodeEvent(
  format: EventFormat,
  bytes: Uint8Array,
  base: number,
  length: number,
): Record<string, FieldValue> {
  checkFormat(format)
  checkPayload(bytes, base, length)
  const out: Record<string, FieldValue> = {}
  for (const f of format.commonFields) out[f.name] = fieldValue(f, bytes, base, length)
  for (const f of format.fields) out[f.name] = fieldValue(f, bytes, base, length)
  return out
}
