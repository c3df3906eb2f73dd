/**
 * One field of a parsed event format, described the way libtraceevent describes it
 * (`struct tep_format_field`): C type text, name, offset, size, the `TEP_FIELD_IS_*` flags,
 * array length and element size.
 *
 * @packageDocumentation
 */

/** `TEP_FIELD_IS_ARRAY`: the declaration has `[…]`. */
export const FIELD_IS_ARRAY = 1
/** `TEP_FIELD_IS_POINTER`: the type has a `*`. */
export const FIELD_IS_POINTER = 2
/** `TEP_FIELD_IS_SIGNED`: `signed:1` in the format line. */
export const FIELD_IS_SIGNED = 4
/** `TEP_FIELD_IS_STRING`: an array whose type mentions `char`, `u8` or `s8`. */
export const FIELD_IS_STRING = 8
/** `TEP_FIELD_IS_DYNAMIC`: a `__data_loc` (or `__rel_loc`) field: a u32 offset/length word. */
export const FIELD_IS_DYNAMIC = 16
/** `TEP_FIELD_IS_LONG`: the type mentions `long`. */
export const FIELD_IS_LONG = 32
/** `TEP_FIELD_IS_RELATIVE`: a `__rel_loc` field, whose offset counts from the end of the word. */
export const FIELD_IS_RELATIVE = 256

/**
 * A field of an event format (`struct tep_format_field`). Offsets count from the start of the
 * event payload, where `common_type` is.
 */
export interface FormatField {
  /** The C type as libtraceevent rebuilds it (`unsigned long`, `char[16]`, `__data_loc char[]`). */
  readonly type: string
  /** The field name (`common_pid`, `prev_comm`). */
  readonly name: string
  /** Byte offset in the payload. */
  readonly offset: number
  /** Size in bytes (4 for a `__data_loc` word, 0 for a trailing `[]`). */
  readonly size: number
  /** `FIELD_IS_*` bits, as libtraceevent computes them. */
  readonly flags: number
  /** The number in `[N]` (0 for `[]` or a non-array). */
  readonly arrayLength: number
  /** libtraceevent's `elementsize`: bytes per element of an array, the size otherwise. */
  readonly elementSize: number
}

/** The low 16 bits of a `__data_loc` word: the data's offset (`TEP_OFFSET_LEN_MASK`). */
export const DATA_LOC_OFFSET_MASK = 0xffff
/** The shift of the length in a `__data_loc` word (`TEP_LEN_SHIFT`). */
export const DATA_LOC_LENGTH_SHIFT = 16
