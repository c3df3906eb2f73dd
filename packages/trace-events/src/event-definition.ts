/**
 * Defining a trace event: the counterpart of the kernel's `TRACE_EVENT()` macro
 * (`include/trace/trace_events.h`). A definition names a system, an event, an id and typed
 * fields; it lays the fields out after the common fields at the offsets and alignment the
 * kernel's C struct would have on x86-64, and prints the `format` file tracefs would show for it
 * (`f_show` in `kernel/trace/trace_events.c`), with a `print fmt` that gives a readable line.
 *
 * @packageDocumentation
 */
import { EventIdAllocator } from './event-ids.js'
import type { EventFormat } from './event-format.js'
import { parseEventFormat } from './event-format.js'
import { badNumber, shown } from './args.js'

/** Integer field types, as the kernel writes them in `format` files. */
export type ScalarType =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'char'
  | 'int'
  | 'unsigned int'
  | 'long'
  | 'unsigned long'

/**
 * One field of a definition.
 *
 * - `{ name, type }`: a scalar (`__field(type, name)`); `unsigned long` / `long` are
 *   pointer-sized.
 * - `{ name, type, array: N }`: a fixed array (`__array(type, name, N)`); `char` arrays are
 *   strings.
 * - `{ name, type, array: 'dynamic' }`: a `__data_loc type[] name` array
 *   (`__dynamic_array`); `{ name, type: 'string' }` is `__data_loc char[]` (`__string`).
 * - `{ name, type, array: 'trailing' }`: a last `type name[]` field of size 0 that runs to the
 *   end of the event, as `ftrace/print`'s `char buf[]`.
 */
export interface FieldSpec {
  /** The C identifier of the field. */
  readonly name: string
  /** Element type, or `string` for a dynamic string. */
  readonly type: ScalarType | 'string'
  /** Fixed length, `dynamic` or `trailing`; absent for a scalar. */
  readonly array?: number | 'dynamic' | 'trailing'
}

/** What {@link defineEvent} takes. */
export interface EventSpec {
  /** The system (tracefs directory under `events/`), e.g. `onering`. */
  readonly system: string
  /** The event name, e.g. `span`. */
  readonly name: string
  /** A fixed id; without one the allocator hands one out. */
  readonly id?: number
  /** The fields after the common fields, in order. */
  readonly fields: readonly FieldSpec[]
  /**
   * The text after `print fmt: ` (a quoted format and its arguments). Without one a
   * `name=value` line of every field is generated.
   */
  readonly printFmt?: string
}

/** How a laid-out field is stored. */
export type FieldKind = 'scalar' | 'array' | 'dynamic' | 'trailing'

/** A field of a definition with its place in the payload. */
export interface DefinedField {
  /** The field name. */
  readonly name: string
  /** Its position among the definition's fields (what the encoder's setters take). */
  readonly index: number
  /** Storage kind. */
  readonly kind: FieldKind
  /** Element type (`char` for strings). */
  readonly type: ScalarType
  /** Bytes of one element. */
  readonly elementSize: number
  /** Whether the element type is signed (the format's `signed:`). */
  readonly signed: boolean
  /** Element count of a fixed array, else 0. */
  readonly length: number
  /** Byte offset in the payload. */
  readonly offset: number
  /** Bytes in the fixed part: element size × length, 4 for a `__data_loc` word, 0 if trailing. */
  readonly size: number
}

/** A defined event: its layout, its `format` text and that text parsed. */
export interface EventDefinition {
  /** The system. */
  readonly system: string
  /** The event name. */
  readonly name: string
  /** The event id (`common_type`). */
  readonly id: number
  /** The fields after the common fields, laid out. */
  readonly fields: readonly DefinedField[]
  /**
   * Bytes before any dynamic data: where the first `__data_loc` item goes and the payload size
   * of an event without dynamic data (the kernel's `offsetof(entry, __data)`).
   */
  readonly fixedSize: number
  /**
   * `sizeof(struct trace_event_raw_<name>)`: {@link fixedSize} rounded up to the struct's
   * alignment (its widest field's, at least `struct trace_entry`'s 4). The kernel reserves
   * `sizeof(*entry) + __data_size` (`trace_event_raw_event_*`), so this is the payload length of
   * an event without dynamic data, and an event with some is this plus their bytes (the items
   * themselves start at {@link fixedSize}, `offsetof(entry, __data)`; the rest is zero here).
   * perf's RAW sizes follow from it too.
   */
  readonly structSize: number
  /** The `format` file text, byte for byte as tracefs would print it. */
  readonly formatText: string
  /** {@link formatText} parsed, for the decoder and the printer. */
  readonly format: EventFormat
}

/** The common fields every event starts with (`struct trace_entry`), as the kernel prints them. */
export const COMMON_FIELDS_TEXT: string =
  '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n' +
  '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n' +
  '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n' +
  '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n'

/** Bytes of the common fields (`sizeof(struct trace_entry)`). */
export const COMMON_FIELDS_SIZE = 8

const SCALARS: Readonly<Record<ScalarType, readonly [size: number, signed: boolean]>> = {
  u8: [1, false],
  u16: [2, false],
  u32: [4, false],
  u64: [8, false],
  s8: [1, true],
  s16: [2, true],
  s32: [4, true],
  s64: [8, true],
  char: [1, false], // the kernel builds with -funsigned-char since 6.2
  int: [4, true],
  'unsigned int': [4, false],
  long: [8, true],
  'unsigned long': [8, false],
}

const IDENT = /^[A-Za-z_][A-Za-z_0-9]*$/
const RESERVED_NAMES = new Set([
  'common_type',
  'common_flags',
  'common_preempt_count',
  'common_pid',
])

/** The printf conversion the generated print fmt uses for a scalar type. */
function conversion(type: ScalarType): string {
  switch (type) {
    case 'u64':
      return '%llu'
    case 's64':
      return '%lld'
    case 'long':
      return '%ld'
    case 'unsigned long':
      return '%lu'
    case 's8':
    case 's16':
    case 's32':
    case 'int':
      return '%d'
    default:
      return '%u'
  }
}

/** The generated print fmt: `"a=%u b=%s", REC->a, __get_str(b)`. */
function defaultPrintFmt(fields: readonly DefinedField[]): string {
  const parts: string[] = []
  const args: string[] = []
  for (const f of fields) {
    const isChar = f.type === 'char'
    switch (f.kind) {
      case 'scalar':
        parts.push(`${f.name}=${conversion(f.type)}`)
        args.push(`REC->${f.name}`)
        break
      case 'array':
        parts.push(`${f.name}=%s`)
        args.push(
          isChar
            ? `REC->${f.name}`
            : `__print_array(REC->${f.name}, ${f.length}, ${f.elementSize})`,
        )
        break
      case 'dynamic':
        parts.push(`${f.name}=%s`)
        args.push(
          isChar
            ? `__get_str(${f.name})`
            : `__print_array(__get_dynamic_array(${f.name}), __get_dynamic_array_len(${f.name}) / ${f.elementSize}, ${f.elementSize})`,
        )
        break
      case 'trailing':
        if (isChar) {
          parts.push(`${f.name}=%s`)
          args.push(`REC->${f.name}`)
        }
        break
    }
  }
  return [`"${parts.join(' ')}"`, ...args].join(', ')
}

function fieldLine(f: DefinedField): string {
  const decl =
    f.kind === 'scalar'
      ? `${f.type} ${f.name}`
      : f.kind === 'array'
        ? `${f.type} ${f.name}[${f.length}]`
        : f.kind === 'dynamic'
          ? `__data_loc ${f.type}[] ${f.name}`
          : `${f.type} ${f.name}[]`
  return `\tfield:${decl};\toffset:${f.offset};\tsize:${f.size};\tsigned:${f.signed ? 1 : 0};\n`
}

/**
 * Define an event (the kernel's `TRACE_EVENT`): lay out its fields after the 8 bytes of
 * common fields, each aligned to its element size as in the kernel's C struct (x86-64), and
 * print its `format` text.
 *
 * @param spec system, name, optional id, fields and optional print fmt.
 * @param ids where the id comes from (and where a fixed `spec.id` is reserved).
 * @throws TypeError for a bad name or field type; RangeError for a bad array length, a
 *   trailing field that is not last or shares the event with `__data_loc` fields, or an id that
 *   collides.
 */
export function defineEvent(spec: EventSpec, ids: EventIdAllocator): EventDefinition {
  checkSpec(spec)
  if (!(ids instanceof EventIdAllocator))
    throw new TypeError(`ids: expected an EventIdAllocator, got ${shown(ids)}`)
  const id = spec.id === undefined ? ids.next() : ids.reserve(spec.id)
  return layoutEvent(spec, id)
}

/** The shape of an {@link EventSpec}: names that are C identifiers, an array of fields. */
function checkSpec(spec: EventSpec): void {
  const s = spec as Partial<Record<keyof EventSpec, unknown>> | null
  if (typeof s !== 'object' || s === null || Array.isArray(s))
    throw new TypeError(`spec: expected an EventSpec object, got ${shown(spec)}`)
  if (typeof s.system !== 'string' || !IDENT.test(s.system))
    throw new TypeError(`system: ${shown(s.system)} is not a C identifier`)
  if (typeof s.name !== 'string' || !IDENT.test(s.name))
    throw new TypeError(`name: ${shown(s.name)} is not a C identifier`)
  if (!Array.isArray(s.fields))
    throw new TypeError(`fields: expected an array of field specs, got ${shown(s.fields)}`)
  ;(s.fields as unknown[]).forEach((f, k) => {
    if (typeof f !== 'object' || f === null || typeof (f as FieldSpec).name !== 'string')
      throw new TypeError(`fields[${k}]: expected { name, type, array? }, got ${shown(f)}`)
  })
  if (s.printFmt !== undefined && typeof s.printFmt !== 'string')
    throw new TypeError(`printFmt: expected a string, got ${shown(s.printFmt)}`)
}

/**
 * Lay out a definition with a given id, without an allocator: for the built-in ftrace events,
 * whose ids are the kernel's.
 */
export function layoutEvent(spec: EventSpec, id: number): EventDefinition {
  checkSpec(spec)
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) badNumber('id', id, 'a u16 event id')
  const fields: DefinedField[] = []
  const seen = new Set<string>()
  let end = COMMON_FIELDS_SIZE
  let hasDynamic = false
  // struct trace_entry: u16, u8, u8, int — aligned to 4
  let structAlign = 4
  spec.fields.forEach((fs, index) => {
    if (!IDENT.test(fs.name) || RESERVED_NAMES.has(fs.name))
      throw new TypeError(`fields[${index}].name: "${fs.name}" is not a usable C identifier`)
    if (seen.has(fs.name)) throw new TypeError(`fields[${index}].name: "${fs.name}" repeats`)
    seen.add(fs.name)
    const type: ScalarType = fs.type === 'string' ? 'char' : fs.type
    const scalar = SCALARS[type]
    if (scalar === undefined)
      throw new TypeError(`fields[${index}].type: "${fs.type as string}" is not a field type`)
    const [elementSize, signed] = scalar
    const array = fs.type === 'string' ? 'dynamic' : fs.array
    let kind: FieldKind
    let length = 0
    let size: number
    let align: number
    if (array === undefined) {
      kind = 'scalar'
      size = elementSize
      align = elementSize
    } else if (array === 'dynamic') {
      kind = 'dynamic'
      size = 4
      align = 4
      hasDynamic = true
    } else if (array === 'trailing') {
      if (index !== spec.fields.length - 1)
        throw new RangeError(`fields[${index}]: a trailing [] field must be the last field`)
      kind = 'trailing'
      size = 0
      align = elementSize
    } else {
      if (!Number.isInteger(array) || array < 1 || array * elementSize > 0xffff)
        throw new RangeError(`fields[${index}].array: ${array} is not a usable array length`)
      kind = 'array'
      length = array
      size = array * elementSize
      align = elementSize
    }
    const offset = Math.ceil(end / align) * align
    end = offset + size
    if (align > structAlign) structAlign = align
    fields.push({ name: fs.name, index, kind, type, elementSize, signed, length, offset, size })
  })
  if (hasDynamic && fields.some((f) => f.kind === 'trailing'))
    throw new RangeError('fields: a trailing [] field cannot share an event with __data_loc fields')
  const printFmt = spec.printFmt ?? defaultPrintFmt(fields)
  const formatText =
    `name: ${spec.name}\nID: ${id}\nformat:\n` +
    COMMON_FIELDS_TEXT +
    '\n' +
    fields.map(fieldLine).join('') +
    '\n' +
    `print fmt: ${printFmt}\n`
  return {
    system: spec.system,
    name: spec.name,
    id,
    fields,
    fixedSize: end,
    structSize: Math.ceil(end / structAlign) * structAlign,
    formatText,
    format: parseEventFormat(formatText, spec.system),
  }
}
