/**
 * The parser of kernel event `format` files (tracefs `events/<system>/<event>/format`): the
 * counterpart of libtraceevent's `tep_parse_format` / `event_read_format`. It reads what the
 * kernel prints (`f_show` in `kernel/trace/trace_events.c`) and derives every field's flags,
 * array length and element size by libtraceevent's rules, so that decoding through the result
 * gives libtraceevent's values.
 *
 * @packageDocumentation
 */
import { EventFormatError } from './errors.js'
import type { FormatField } from './format-field.js'
import {
  FIELD_IS_ARRAY,
  FIELD_IS_DYNAMIC,
  FIELD_IS_LONG,
  FIELD_IS_POINTER,
  FIELD_IS_RELATIVE,
  FIELD_IS_SIGNED,
  FIELD_IS_STRING,
} from './format-field.js'
import { badNumber, checkOptionsObject, shown } from './args.js'

/** A parsed event format (libtraceevent's `struct tep_event`, without the parsed print args). */
export interface EventFormat {
  /** The event's system (directory under `events/`), as given to the parser. */
  readonly system: string
  /** `name:` line. */
  readonly name: string
  /** `ID:` line: the value of `common_type` in this event's payloads. */
  readonly id: number
  /** The fields before the first blank line (`common_type`, `common_flags`, …). */
  readonly commonFields: readonly FormatField[]
  /** The event's own fields. */
  readonly fields: readonly FormatField[]
  /** The text after `print fmt: `: a quoted format string and its arguments. */
  readonly printFmt: string
}

/** libtraceevent's `type_size`: the element size of a dynamic array of a fixed-width type. */
function typeSize(name: string): number {
  switch (name) {
    case 'u8':
    case 's8':
    case 'char':
      return 1
    case 'u16':
    case 's16':
      return 2
    case 'u32':
    case 's32':
      return 4
    case 'u64':
    case 's64':
      return 8
    default:
      return 0
  }
}

/** C's `strtoul(text, NULL, 0)` for the numbers a format holds (decimal, 0x hex, 0 octal). */
function strtoul(text: string): number {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text)
  if (m === null) return 0
  const t = m[1]!
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16)
  if (t.length > 1 && t.startsWith('0')) return parseInt(t, 8)
  return parseInt(t, 10)
}

const TOKEN = /[A-Za-z_0-9]+|\S/g

/**
 * Parse one `field:` declaration with its offset, size and signed values into a field with
 * libtraceevent's flags (`event_read_fields`).
 */
function parseField(
  decl: string,
  offset: number,
  size: number,
  signed: boolean,
  longSize: number,
  line: number,
): FormatField {
  const tokens: string[] = Array.from(decl.match(TOKEN) ?? [])
  const open = tokens.indexOf('[')
  let type: string
  let name: string
  let flags = 0
  let arrayLength = 0
  let sizeDynamic = 0
  if (open < 0) {
    if (tokens.length < 2) throw new EventFormatError(`no type found in "${decl}"`, line)
    name = tokens[tokens.length - 1]!
    const typeTokens = tokens.slice(0, -1)
    type = typeTokens.join(' ')
    if (typeTokens.includes('*')) flags |= FIELD_IS_POINTER
  } else {
    const close = tokens.indexOf(']', open)
    if (close < 0 || open === 0) throw new EventFormatError(`unbalanced [ in "${decl}"`, line)
    flags |= FIELD_IS_ARRAY
    const inner = tokens.slice(open + 1, close)
    let brackets = '['
    for (let k = 0; k < inner.length; k++) {
      const between =
        k > 0 && /^[A-Za-z_0-9]/.test(inner[k]!) && /^[A-Za-z_0-9]/.test(inner[k - 1]!)
      brackets += (between ? ' ' : '') + inner[k]!
    }
    brackets += ']'
    arrayLength = inner.length > 0 ? strtoul(inner[inner.length - 1]!) : 0
    const before = tokens.slice(0, open)
    const after = tokens.slice(close + 1)
    if (before.slice(0, -1).includes('*')) flags |= FIELD_IS_POINTER
    if (after.length > 0) {
      // `type [] item`: the token before the brackets belongs to the type
      if (after.length !== 1) throw new EventFormatError(`unexpected "${after.join(' ')}"`, line)
      name = after[0]!
      type = before.join(' ') + brackets
      sizeDynamic = typeSize(before[before.length - 1]!)
    } else {
      if (before.length < 2) throw new EventFormatError(`no type found in "${decl}"`, line)
      name = before[before.length - 1]!
      type = before.slice(0, -1).join(' ') + brackets
    }
  }
  if (
    (flags & FIELD_IS_ARRAY) !== 0 &&
    (type.includes('char') || type.includes('u8') || type.includes('s8'))
  )
    flags |= FIELD_IS_STRING
  if (type.startsWith('__data_loc')) flags |= FIELD_IS_DYNAMIC
  if (type.startsWith('__rel_loc')) flags |= FIELD_IS_DYNAMIC | FIELD_IS_RELATIVE
  if (type.includes('long')) flags |= FIELD_IS_LONG
  // the pre-3.10 dynamic string: a 2-byte offset, the string runs to the end of the event
  if ((flags & FIELD_IS_DYNAMIC) !== 0 && size === 2) flags |= FIELD_IS_STRING | FIELD_IS_ARRAY
  if (signed) flags |= FIELD_IS_SIGNED
  let elementSize = size
  if ((flags & (FIELD_IS_ARRAY | FIELD_IS_DYNAMIC)) !== 0) {
    if (arrayLength !== 0) elementSize = Math.trunc(size / arrayLength)
    else if ((flags & FIELD_IS_DYNAMIC) !== 0) elementSize = sizeDynamic
    else if ((flags & FIELD_IS_STRING) !== 0) elementSize = 1
    else if ((flags & FIELD_IS_LONG) !== 0) elementSize = longSize
    else elementSize = 0
  }
  return { type, name, offset, size, flags, arrayLength, elementSize }
}

const FIELD_LINE =
  /^\s*field\s*:\s*(.*?)\s*;\s*offset\s*:\s*([^;\s]+)\s*;\s*size\s*:\s*([^;\s]+)\s*;(?:\s*signed\s*:\s*([^;\s]+)\s*;)?\s*$/

/** Options of {@link parseEventFormat}. */
export interface ParseFormatOptions {
  /** The size of `long` on the traced machine (libtraceevent's `tep_set_long_size`); default 8. */
  longSize?: number
}

/**
 * Parse a kernel event `format` text (libtraceevent `tep_parse_format(tep, &event, buf, size,
 * sys)`).
 *
 * @param text the whole format file.
 * @param system the system the event belongs to (the directory name; the text does not say).
 * @param options the traced machine's `long` size.
 * @throws EventFormatError naming the line of a malformed name, ID, field or missing print fmt.
 */
export function parseEventFormat(
  text: string,
  system: string,
  options: ParseFormatOptions = {},
): EventFormat {
  if (typeof text !== 'string') throw new TypeError('text: expected the format file as a string')
  if (typeof system !== 'string')
    throw new TypeError(`system: expected the system name, got ${shown(system)}`)
  checkOptionsObject('options', options, ['longSize'])
  const longSize = options.longSize ?? 8
  if (longSize !== 4 && longSize !== 8) badNumber('options.longSize', longSize, '4 or 8')
  const lines = text.split('\n')
  let at = 0
  const expect = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(lines[at] ?? '')
    if (m === null)
      throw new EventFormatError(
        `expected ${what}, found ${JSON.stringify(lines[at] ?? '<end>')}`,
        at + 1,
      )
    at++
    return m
  }
  const name = expect(/^name:\s*(\S+)\s*$/, '"name: <event>"')[1]!
  const idText = expect(/^ID:\s*(\S+)\s*$/, '"ID: <number>"')[1]!
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(idText))
    throw new EventFormatError(`ID "${idText}" is not a number`, at)
  const id = strtoul(idText)
  expect(/^format:\s*$/, '"format:"')
  const readFields = (): FormatField[] => {
    const out: FormatField[] = []
    while (at < lines.length && lines[at]!.trim() !== '') {
      const m = FIELD_LINE.exec(lines[at]!)
      if (m === null)
        throw new EventFormatError(
          `expected "field:<decl>; offset:<n>; size:<n>; signed:<n>;", found ${JSON.stringify(lines[at])}`,
          at + 1,
        )
      const num = (t: string, what: string): number => {
        if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t))
          throw new EventFormatError(`${what} "${t}" is not a number`, at + 1)
        return strtoul(t)
      }
      const offset = num(m[2]!, 'offset')
      const size = num(m[3]!, 'size')
      const signed = m[4] !== undefined && num(m[4], 'signed') !== 0
      out.push(parseField(m[1]!, offset, size, signed, longSize, at + 1))
      at++
    }
    return out
  }
  const commonFields = readFields()
  at++ // the blank line ending the common fields
  const fields = readFields()
  while (at < lines.length && lines[at]!.trim() === '') at++
  const pm = /^print fmt:\s?(.*)$/.exec(lines[at] ?? '')
  if (pm === null) throw new EventFormatError('expected "print fmt: …"', at + 1)
  // a print fmt is one line in kernel output; keep any continuation lines as the kernel wrote them
  const rest = lines
    .slice(at + 1)
    .join('\n')
    .replace(/\n+$/, '')
  const printFmt = rest === '' ? pm[1]! : `${pm[1]!}\n${rest}`
  return { system, name, id, commonFields, fields, printFmt }
}

/**
 * @internal An EventFormat argument: an object with the field lists `parseEventFormat` (or a
 * definition's `format`) gives.
 */
export function checkFormat(format: unknown): void {
  const f = format as Partial<EventFormat> | null
  if (
    typeof f !== 'object' ||
    f === null ||
    !Array.isArray(f.fields) ||
    !Array.isArray(f.commonFields)
  )
    throw new TypeError('format: expected an EventFormat (from parseEventFormat or a definition)')
}

/** libtraceevent `tep_find_field`: an event field (not a common one) by name. */
export function findField(format: EventFormat, name: string): FormatField | undefined {
  checkFormat(format)
  if (typeof name !== 'string') throw new TypeError(`name: expected a string, got ${typeof name}`)
  return format.fields.find((f) => f.name === name)
}

/** libtraceevent `tep_find_common_field`: a common field by name. */
export function findCommonField(format: EventFormat, name: string): FormatField | undefined {
  checkFormat(format)
  if (typeof name !== 'string') throw new TypeError(`name: expected a string, got ${typeof name}`)
  return format.commonFields.find((f) => f.name === name)
}

/** libtraceevent `tep_find_any_field`: a common field by name, else an event field. */
export function findAnyField(format: EventFormat, name: string): FormatField | undefined {
  return findCommonField(format, name) ?? findField(format, name)
}
