/**
 * Writing an event's payload straight into a reserved slot: the kernel's
 * `trace_event_raw_event_*` body (`tstruct` assignments, `__assign_str`, `__data_loc`
 * words) without a ring buffer. An {@link EventEncoder} is made once per definition and reused;
 * its methods allocate nothing and use no BigInt, so it can run on a hot write path.
 *
 * @packageDocumentation
 */
import type { DefinedField, EventDefinition } from './event-definition.js'
import { utf8Length, utf8LengthUnchecked, writeUtf8Unchecked } from './utf8.js'
import { badNumber, shown } from './args.js'

const TWO_32 = 0x1_0000_0000

/** Payload bytes `__assign_str` stores for `text`: its UTF-8 bytes and a NUL. */
export function stringFieldSize(text: string): number {
  if (typeof text !== 'string') badText(text)
  return utf8Length(text) + 1
}

/**
 * Encodes events of one definition into caller-provided memory (for example the slot a ring
 * buffer's reserve returned). Use: {@link begin}, then the setters for every field (fixed-size
 * fields in any order, dynamic ones in the order their data should follow), then {@link end},
 * which returns the payload length. The caller sizes the slot with {@link size}.
 */
export class EventEncoder {
  /** The definition this encoder writes. */
  readonly definition: EventDefinition
  #bytes: Uint8Array = new Uint8Array(0)
  #view: DataView = new DataView(new ArrayBuffer(0))
  #base = 0
  #cursor = 0
  #limit = 0

  /** @param definition the event whose payloads this encoder writes. */
  constructor(definition: EventDefinition) {
    const d = definition as Partial<EventDefinition> | null
    if (
      typeof d !== 'object' ||
      d === null ||
      !Array.isArray(d.fields) ||
      !Number.isInteger(d.fixedSize) ||
      !Number.isInteger(d.structSize) ||
      !Number.isInteger(d.id) ||
      typeof d.name !== 'string'
    )
      throw new TypeError(
        `definition: expected an EventDefinition (from layoutEvent or defineEvent), got ${shown(definition)}`,
      )
    this.definition = definition
  }

  /**
   * Payload bytes of an event whose dynamic parts (`__data_loc` items and a trailing field)
   * take `dynamicBytes` bytes in total: {@link stringFieldSize} per string, element size ×
   * count per array.
   */
  size(dynamicBytes = 0): number {
    if (!(Number.isSafeInteger(dynamicBytes) && dynamicBytes >= 0))
      badNumber('dynamicBytes', dynamicBytes, 'a byte count')
    return this.definition.structSize + dynamicBytes
  }

  /**
   * Start an event at `bytes[offset]` (`view` must cover the same memory as `bytes`): write the
   * common fields (`common_type` = the id, `common_flags`, `common_preempt_count`,
   * `common_pid`), zero the fixed fields and put the dynamic-data cursor after them.
   *
   * @param capacity bytes available at `offset` (the reserved slot); setters never write past it.
   * @throws RangeError if the struct ({@link EventDefinition.structSize}) does not fit in
   *   `capacity` or the buffer.
   */
  begin(
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    capacity: number,
    pid: number,
    flags = 0,
    preemptCount = 0,
  ): void {
    const fixed = this.definition.fixedSize
    const struct = this.definition.structSize
    if (!(
      // the pair of the previous event (a ring's bytes and view) was checked then
      ((bytes === this.#bytes && view === this.#view) || samePair(bytes, view)) &&
      Number.isInteger(offset) &&
      Number.isInteger(capacity) &&
      offset >= 0 &&
      capacity >= struct &&
      offset + capacity <= bytes.length &&
      typeof pid === 'number' &&
      (pid | 0) === pid &&
      typeof flags === 'number' &&
      (flags & 0xff) === flags &&
      typeof preemptCount === 'number' &&
      (preemptCount & 0xff) === preemptCount
    ))
      badBegin(this.definition, bytes, view, offset, capacity, pid, flags, preemptCount)
    this.#bytes = bytes
    this.#view = view
    this.#base = offset
    this.#cursor = offset + fixed
    // the struct's tail padding follows the dynamic data: keep room for it
    this.#limit = offset + capacity - (struct - fixed)
    bytes.fill(0, offset + 8, offset + fixed)
    view.setUint16(offset, this.definition.id, true)
    view.setUint8(offset + 2, flags)
    view.setUint8(offset + 3, preemptCount)
    view.setInt32(offset + 4, pid, true)
  }

  #field(index: number): DefinedField {
    // a string or a bigint would index the array too: only numbers are indices
    const f = typeof index === 'number' ? this.definition.fields[index] : undefined
    if (f === undefined)
      throw new (typeof index === 'number' ? RangeError : TypeError)(
        `index: ${shown(index)} is not a field of ${this.definition.name}`,
      )
    return f
  }

  /** Store `value` in a `size`-byte integer; false (nothing stored) when it does not fit. */
  #put(at: number, size: number, value: number): boolean {
    const v = this.#view
    switch (size) {
      case 1:
        if (!(
          typeof value === 'number' &&
          value >= -0x80 &&
          value <= 0xff &&
          (value | 0) === value
        ))
          return false
        v.setUint8(at, value & 0xff)
        break
      case 2:
        if (!(
          typeof value === 'number' &&
          value >= -0x8000 &&
          value <= 0xffff &&
          (value | 0) === value
        ))
          return false
        v.setUint16(at, value & 0xffff, true)
        break
      case 4:
        if (!(typeof value === 'number' && ((value | 0) === value || value >>> 0 === value)))
          return false
        v.setUint32(at, value >>> 0, true)
        break
      default: {
        if (!Number.isSafeInteger(value)) return false
        const high = Math.floor(value / TWO_32)
        v.setUint32(at, value - high * TWO_32, true)
        v.setUint32(at + 4, high >>> 0, true)
      }
    }
    return true
  }

  /**
   * Set a scalar field, or element `element` of a fixed array (two's complement for negative
   * values; 64-bit fields take any safe integer).
   */
  setNumber(index: number, value: number, element = 0): void {
    const f = this.#field(index)
    let at: number
    if (f.kind === 'scalar' && element === 0) at = this.#base + f.offset
    else if (
      f.kind === 'array' &&
      typeof element === 'number' &&
      element >= 0 &&
      element < f.length &&
      (element | 0) === element
    )
      at = this.#base + f.offset + element * f.elementSize
    else return badElement(f, element)
    if (!this.#put(at, f.elementSize, value)) badValue('value', value, f)
  }

  /**
   * Set a 64-bit scalar field from its two 32-bit halves: for values above 2^53, such as kernel
   * addresses, without BigInt.
   */
  setNumber64(index: number, high: number, low: number): void {
    const f = this.#field(index)
    if (f.kind !== 'scalar' || f.size !== 8)
      throw new RangeError(`index: field ${f.name} is not a 64-bit scalar`)
    if (!(typeof high === 'number' && high >>> 0 === high)) badNumber('high', high, 'a u32')
    if (!(typeof low === 'number' && low >>> 0 === low)) badNumber('low', low, 'a u32')
    this.#view.setUint32(this.#base + f.offset, low >>> 0, true)
    this.#view.setUint32(this.#base + f.offset + 4, high >>> 0, true)
  }

  /**
   * Set a `char` field from `text` as UTF-8: a fixed `char[N]` gets at most N − 1 bytes and
   * NUL padding (`strscpy_pad`); a `__data_loc char[]` field gets its offset/length word and the
   * bytes plus a NUL at the cursor (`__assign_str`); a trailing `char[]` gets the bytes plus a
   * NUL. Returns the bytes stored, NUL included.
   *
   * @throws RangeError if the field is not a char field or a dynamic string does not fit.
   */
  setString(index: number, text: string): number {
    const f = this.#field(index)
    if (f.type !== 'char' || f.kind === 'scalar')
      throw new RangeError(`index: field ${f.name} is not a char array`)
    if (typeof text !== 'string') badText(text)
    const bytes = this.#bytes
    if (f.kind === 'array') {
      const at = this.#base + f.offset
      const n = writeUtf8Unchecked(bytes, at, text, f.length - 1)
      bytes.fill(0, at + n, at + f.length)
      return n + 1
    }
    const start = f.kind === 'trailing' ? this.#base + f.offset : this.#cursor
    const room = this.#limit - start - 1
    const n = writeUtf8Unchecked(bytes, start, text, room < 0 ? 0 : room)
    if (n !== utf8LengthUnchecked(text) || room < 0)
      throw new RangeError(`text: "${f.name}" does not fit in the reserved slot`)
    bytes[start + n] = 0
    this.#cursor = start + n + 1
    if (f.kind === 'dynamic') this.#location(f, start, n + 1)
    return n + 1
  }

  /**
   * Set `ftrace/print`-style text: the text, then `\n` unless it ends with one, then NUL, into
   * a trailing `char[]` field (what `tracing_mark_write` stores). Returns the bytes stored.
   */
  setMarkerText(index: number, text: string): number {
    const f = this.#field(index)
    if (f.kind !== 'trailing' || f.type !== 'char')
      throw new RangeError(`index: field ${f.name} is not a trailing char[] field`)
    if (typeof text !== 'string') badText(text)
    const start = this.#base + f.offset
    const nl = text.endsWith('\n') ? 0 : 1
    const room = this.#limit - start - 1 - nl
    const n = writeUtf8Unchecked(this.#bytes, start, text, room < 0 ? 0 : room)
    if (room < 0 || n !== utf8LengthUnchecked(text))
      throw new RangeError(`text: the text does not fit in the reserved slot`)
    if (nl === 1) this.#bytes[start + n] = 0x0a
    this.#bytes[start + n + nl] = 0
    this.#cursor = start + n + nl + 1
    return n + nl + 1
  }

  /**
   * Set an array field from numbers: a fixed array (the rest zeroed), a `__data_loc` array
   * (offset/length word plus the elements at the cursor) or a trailing array.
   *
   * @throws RangeError if the field is scalar, the values do not fit, or a fixed array is shorter.
   */
  setArray(index: number, values: ArrayLike<number>): void {
    const f = this.#field(index)
    const es = f.elementSize
    if (f.kind === 'scalar') throw new RangeError(`index: field ${f.name} is a scalar`)
    if (typeof values !== 'object' || values === null || typeof values.length !== 'number')
      throw new TypeError(`values: expected an array of numbers, got ${shown(values)}`)
    if (f.kind === 'array') {
      if (values.length > f.length)
        throw new RangeError(`values: ${values.length} values for ${f.name}[${f.length}]`)
      const at = this.#base + f.offset
      for (let k = 0; k < values.length; k++)
        if (!this.#put(at + k * es, es, values[k]!)) badValue(`values[${k}]`, values[k], f)
      this.#bytes.fill(0, at + values.length * es, at + f.size)
      return
    }
    const start = f.kind === 'trailing' ? this.#base + f.offset : this.#cursor
    const n = values.length * es
    if (start + n > this.#limit || n > 0xffff)
      throw new RangeError(`values: ${values.length} values of ${f.name} do not fit`)
    for (let k = 0; k < values.length; k++)
      if (!this.#put(start + k * es, es, values[k]!)) badValue(`values[${k}]`, values[k], f)
    this.#cursor = start + n
    if (f.kind === 'dynamic') this.#location(f, start, n)
  }

  /** Write a `__data_loc` word: offset from the payload start in the low 16 bits, length high. */
  #location(f: DefinedField, start: number, length: number): void {
    const offset = start - this.#base
    if (offset > 0xffff || length > 0xffff)
      throw new RangeError(
        `${f.name}: __data_loc offset ${offset} / length ${length} exceed 16 bits`,
      )
    this.#view.setUint32(this.#base + f.offset, ((length << 16) | offset) >>> 0, true)
  }

  /**
   * Finish the event: returns the payload length, `sizeof(struct)` ({@link EventDefinition.structSize})
   * plus the dynamic data written, as the kernel reserves it.
   */
  end(): number {
    // the payload is sizeof(struct) + the dynamic bytes, as the kernel reserves it: the struct's
    // tail padding ends up after the dynamic data, zeroed
    const pad = this.definition.structSize - this.definition.fixedSize
    if (pad !== 0) this.#bytes.fill(0, this.#cursor, this.#cursor + pad)
    return this.#cursor - this.#base + pad
  }
}

/** A Uint8Array and a DataView of the same length (the same memory, as `begin` asks). */
function samePair(bytes: Uint8Array, view: DataView): boolean {
  return bytes instanceof Uint8Array && view instanceof DataView && view.byteLength === bytes.length
}

/** The typed error for a bad `text` (cold). */
function badText(text: unknown): never {
  throw new TypeError(`text: expected a string, got ${shown(text)}`)
}

/** The typed error for a value that does not fit its field (cold). */
function badValue(name: string, value: unknown, f: DefinedField): never {
  badNumber(
    name,
    value,
    f.elementSize === 8
      ? `a safe integer for ${f.name}`
      : `an integer of ${f.elementSize * 8} bits (signed or unsigned) for ${f.name}`,
  )
}

/** The typed error for an element of a field that has none (cold). */
function badElement(f: DefinedField, element: unknown): never {
  if (f.kind === 'scalar')
    throw new RangeError(`element: ${shown(element)} given for the scalar ${f.name} (only 0)`)
  if (f.kind !== 'array')
    throw new RangeError(`index: field ${f.name} is not a scalar or a fixed array`)
  badNumber('element', element, `an element index of ${f.name}[${f.length}]`)
}

/** The typed error for the arguments `begin` refused (cold). */
function badBegin(
  def: EventDefinition,
  bytes: unknown,
  view: unknown,
  offset: unknown,
  capacity: unknown,
  pid: unknown,
  flags: unknown,
  preemptCount: unknown,
): never {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`bytes: expected a Uint8Array, got ${shown(bytes)}`)
  if (!(view instanceof DataView))
    throw new TypeError(`view: expected a DataView, got ${shown(view)}`)
  if (view.byteLength !== bytes.length)
    throw new RangeError(
      `bytes: ${bytes.length} bytes, but the view has ${view.byteLength} (they must cover the same memory)`,
    )
  if (!(Number.isInteger(offset) && (offset as number) >= 0 && (offset as number) <= bytes.length))
    badNumber('offset', offset, `a byte offset in [0, ${bytes.length}]`)
  if (!(Number.isInteger(capacity) && (capacity as number) >= 0))
    badNumber('capacity', capacity, 'a byte count')
  if (
    (capacity as number) < def.structSize ||
    (offset as number) + (capacity as number) > bytes.length
  )
    throw new RangeError(
      `capacity: ${String(capacity)} bytes at offset ${String(offset)} cannot hold the ${def.structSize} fixed bytes of ${def.name} in a ${bytes.length}-byte buffer`,
    )
  if (!(typeof pid === 'number' && (pid | 0) === pid)) badNumber('pid', pid, 'an int32 pid')
  if (!(typeof flags === 'number' && (flags & 0xff) === flags))
    badNumber('flags', flags, 'a u8 (common_flags)')
  badNumber('preemptCount', preemptCount, 'a u8 (common_preempt_count)')
}
