/**
 * Writing an event's payload straight into a reserved slot: the kernel's
 * `trace_event_raw_event_*` body (`tstruct` assignments, `__assign_str`, `__data_loc`
 * words) without a ring buffer. An {@link EventEncoder} is made once per definition and reused;
 * its methods allocate nothing and use no BigInt, so it can run on a hot write path.
 *
 * @packageDocumentation
 */
import type { DefinedField, EventDefinition } from './event-definition.js'
import { utf8Length, writeUtf8 } from './utf8.js'

const TWO_32 = 0x1_0000_0000

/** Payload bytes `__assign_str` stores for `text`: its UTF-8 bytes and a NUL. */
export function stringFieldSize(text: string): number {
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
    this.definition = definition
  }

  /**
   * Payload bytes of an event whose dynamic parts (`__data_loc` items and a trailing field)
   * take `dynamicBytes` bytes in total: {@link stringFieldSize} per string, element size ×
   * count per array.
   */
  size(dynamicBytes = 0): number {
    return this.definition.fixedSize + dynamicBytes
  }

  /**
   * Start an event at `bytes[offset]` (`view` must cover the same memory as `bytes`): write the
   * common fields (`common_type` = the id, `common_flags`, `common_preempt_count`,
   * `common_pid`), zero the fixed fields and put the dynamic-data cursor after them.
   *
   * @param capacity bytes available at `offset` (the reserved slot); setters never write past it.
   * @throws RangeError if the fixed part does not fit in `capacity` or the buffer.
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
    if (!(offset >= 0 && capacity >= fixed && offset + capacity <= bytes.length))
      throw new RangeError(
        `capacity: ${capacity} bytes at offset ${offset} cannot hold the ${fixed} fixed bytes of ${this.definition.name} in a ${bytes.length}-byte buffer`,
      )
    this.#bytes = bytes
    this.#view = view
    this.#base = offset
    this.#cursor = offset + fixed
    this.#limit = offset + capacity
    bytes.fill(0, offset + 8, offset + fixed)
    view.setUint16(offset, this.definition.id, true)
    view.setUint8(offset + 2, flags)
    view.setUint8(offset + 3, preemptCount)
    view.setInt32(offset + 4, pid, true)
  }

  #field(index: number): DefinedField {
    const f = this.definition.fields[index]
    if (f === undefined)
      throw new RangeError(`index: ${index} is not a field of ${this.definition.name}`)
    return f
  }

  #put(at: number, size: number, value: number): void {
    const v = this.#view
    switch (size) {
      case 1:
        v.setUint8(at, value & 0xff)
        break
      case 2:
        v.setUint16(at, value & 0xffff, true)
        break
      case 4:
        v.setUint32(at, value >>> 0, true)
        break
      default: {
        const high = Math.floor(value / TWO_32)
        v.setUint32(at, value - high * TWO_32, true)
        v.setUint32(at + 4, high >>> 0, true)
      }
    }
  }

  /**
   * Set a scalar field, or element `element` of a fixed array (two's complement for negative
   * values; 64-bit fields take any safe integer).
   */
  setNumber(index: number, value: number, element = 0): void {
    const f = this.#field(index)
    if (f.kind === 'scalar') this.#put(this.#base + f.offset, f.size, value)
    else if (f.kind === 'array' && element >= 0 && element < f.length)
      this.#put(this.#base + f.offset + element * f.elementSize, f.elementSize, value)
    else throw new RangeError(`setNumber: ${f.name}[${element}] is not a scalar or array element`)
  }

  /**
   * Set a 64-bit scalar field from its two 32-bit halves: for values above 2^53, such as kernel
   * addresses, without BigInt.
   */
  setNumber64(index: number, high: number, low: number): void {
    const f = this.#field(index)
    if (f.kind !== 'scalar' || f.size !== 8)
      throw new RangeError(`setNumber64: ${f.name} is not a 64-bit scalar`)
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
      throw new RangeError(`setString: ${f.name} is not a char array`)
    const bytes = this.#bytes
    if (f.kind === 'array') {
      const at = this.#base + f.offset
      const n = writeUtf8(bytes, at, text, f.length - 1)
      bytes.fill(0, at + n, at + f.length)
      return n + 1
    }
    const start = f.kind === 'trailing' ? this.#base + f.offset : this.#cursor
    const room = this.#limit - start - 1
    const n = writeUtf8(bytes, start, text, room < 0 ? 0 : room)
    if (n !== utf8Length(text) || room < 0)
      throw new RangeError(`setString: "${f.name}" does not fit in the reserved slot`)
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
      throw new RangeError(`setMarkerText: ${f.name} is not a trailing char[] field`)
    const start = this.#base + f.offset
    const nl = text.endsWith('\n') ? 0 : 1
    const room = this.#limit - start - 1 - nl
    const n = writeUtf8(this.#bytes, start, text, room < 0 ? 0 : room)
    if (room < 0 || n !== utf8Length(text))
      throw new RangeError(`setMarkerText: the text does not fit in the reserved slot`)
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
    if (f.kind === 'scalar') throw new RangeError(`setArray: ${f.name} is a scalar`)
    if (f.kind === 'array') {
      if (values.length > f.length)
        throw new RangeError(`setArray: ${values.length} values for ${f.name}[${f.length}]`)
      const at = this.#base + f.offset
      for (let k = 0; k < values.length; k++) this.#put(at + k * es, es, values[k]!)
      this.#bytes.fill(0, at + values.length * es, at + f.size)
      return
    }
    const start = f.kind === 'trailing' ? this.#base + f.offset : this.#cursor
    const n = values.length * es
    if (start + n > this.#limit || n > 0xffff)
      throw new RangeError(`setArray: ${values.length} values of ${f.name} do not fit`)
    for (let k = 0; k < values.length; k++) this.#put(start + k * es, es, values[k]!)
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

  /** Finish the event: returns the payload length (fixed part plus dynamic data written). */
  end(): number {
    return this.#cursor - this.#base
  }
}
