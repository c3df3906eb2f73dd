/**
 * libtraceevent's raw field printing (`tep_print_fields` / `print_selected_fields`, what
 * `TEP_PRINT_INFO_RAW` and `[FAILED TO PARSE]` print): ` name=value` for every event field. A
 * field the print fmt prints directly (`REC->x`, under casts) is printed with that conversion,
 * as libtraceevent's `print_field` finds it in the parsed print fmt — searching on from where
 * the previous field was found, with `0x` in front when the literal text before it ends in
 * `0x`; other fields (arrays, strings, fields the print fmt does not print) as
 * `print_field_raw` prints them.
 *
 * @packageDocumentation
 */
import { cFormat } from './c-printf.js'
import type { EventFormat } from './event-format.js'
import { EventPrinter } from './event-printer.js'
import { fieldLocation, readNumber } from './field-decoder.js'
import type { FormatField } from './format-field.js'
import {
  FIELD_IS_ARRAY,
  FIELD_IS_LONG,
  FIELD_IS_POINTER,
  FIELD_IS_SIGNED,
  FIELD_IS_STRING,
} from './format-field.js'
import type { PrintArg } from './print-fmt.js'
import { formatText, parsePrintFmt } from './print-fmt.js'
import type { Kallsyms } from './kallsyms.js'

/** A piece of the parsed print fmt: literal text, or one conversion and its argument. */
type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'arg'
      readonly field: string | undefined
      /** prints this conversion alone; null when it cannot be rebuilt (a `*` argument) */
      readonly printer: EventPrinter | null
    }

/** The source text of a field argument under casts (`(unsigned long) REC->x`), or undefined. */
function fieldArg(a: PrintArg): { name: string; text: string } | undefined {
  let text = ''
  let x = a
  while (x.k === 'cast') {
    text += `(${x.type}) `
    x = x.item
  }
  return x.k === 'field' ? { name: x.name, text: `${text}REC->${x.name}` } : undefined
}

const SPEC = /^[-+#.0-9*hlLzZ]*/

/** The length of a `%p` extension at `f[i]` (after the `p`), as libtraceevent reads it. */
function pointerExt(f: string, i: number): number {
  const e = f[i]
  if (e !== undefined && 'FSfs'.includes(e)) return 1
  if (e === 'U') return f[i + 1] !== undefined && 'LlBb'.includes(f[i + 1]!) ? 2 : 1
  if (e === 'M' || e === 'm') return f[i + 1] === 'R' || f[i + 1] === 'F' ? 2 : 1
  if (e === 'I' || e === 'i') {
    const kind = f[i + 1]
    let j = i + 2
    if (kind === 'S') while (f[j] !== undefined && 'pfs'.includes(f[j]!)) j++
    if (kind !== '6' && f[j] !== undefined && 'hnlb'.includes(f[j]!)) j++
    if (kind !== '4' && f[j] === 'c') j++
    return j - i
  }
  return 0
}

/** Split a print fmt as libtraceevent's `parse_args` does. */
function pieces(format: EventFormat, symbols: Kallsyms | undefined): Piece[] {
  const fmt = parsePrintFmt(format.printFmt)
  const f = fmt.format
  const out: Piece[] = []
  let arg = 0
  let i = 0
  for (;;) {
    const literal = formatText(f, i)
    if (literal.text !== '') out.push({ kind: 'text', text: literal.text })
    i = literal.end
    if (i >= f.length) break
    const spec = SPEC.exec(f.slice(i + 1))![0]
    let end = i + 1 + spec.length
    const conv = f[end]
    end++
    if (conv === 'p') end += pointerExt(f, end)
    const stars = spec.split('*').length - 1
    const a = fmt.args[arg + stars]
    const known = conv !== undefined && 'diuxXospc'.includes(conv)
    if (!known) {
      // libtraceevent 1.7 prints an unknown conversion as text
      out.push({ kind: 'text', text: `>${conv ?? ''}<` })
      i = end
      continue
    }
    arg += stars + 1
    const fa = a === undefined ? undefined : fieldArg(a)
    let printer: EventPrinter | null = null
    if (fa !== undefined && stars === 0) {
      const one = { ...format, printFmt: `"${f.slice(i, end)}", ${fa.text}` }
      try {
        printer = new EventPrinter(
          one,
          symbols === undefined ? { encoding: 'latin1' } : { symbols, encoding: 'latin1' },
        )
      } catch {
        printer = null
      }
    }
    out.push({ kind: 'arg', field: fa?.name, printer })
    i = end
  }
  return out
}

const isPrintable = (c: number): boolean => (c >= 0x20 && c <= 0x7e) || (c >= 9 && c <= 13)

/** The raw fields of one event format: made once, used for every record. */
export class RawFieldPrinter {
  readonly #format: EventFormat
  /** null: the print fmt failed, every field prints raw */
  readonly #pieces: Piece[] | null
  /** fields whose raw print dropped TEP_FIELD_IS_STRING (libtraceevent does that, for good) */
  readonly #notString = new Set<FormatField>()

  constructor(format: EventFormat, failed: boolean, symbols: Kallsyms | undefined) {
    this.#format = format
    this.#pieces = failed ? null : pieces(format, symbols)
  }

  /** ` name=value` for every event field of the payload `data[0, size)`. */
  print(data: Uint8Array, size: number): string {
    let out = ''
    let at = 0
    // libtraceevent's parse pointer: NULL once a match was the last piece (then every later
    // field prints raw)
    let exhausted = false
    for (const f of this.#format.fields) {
      out += ` ${f.name}=`
      const p = this.#pieces
      let found = -1
      let has0x = false
      if (
        p !== null &&
        !exhausted &&
        (f.flags & (FIELD_IS_ARRAY | FIELD_IS_STRING)) === 0 &&
        p.length > 0
      ) {
        let k = at
        do {
          const piece = p[k]!
          if (piece.kind === 'text') has0x = piece.text.length > 1 && piece.text.endsWith('0x')
          else if (piece.field === f.name) {
            found = k
            break
          } else has0x = false
          k = (k + 1) % p.length
        } while (k !== at)
      }
      const piece = found < 0 ? undefined : p![found]
      if (piece?.kind === 'arg' && piece.printer !== null) {
        out += (has0x ? '0x' : '') + piece.printer.print(data, 0, size)
        at = found + 1
        exhausted = at === p!.length
      } else out += this.#raw(f, data, size)
    }
    return out
  }

  /** `print_field_raw`. */
  #raw(field: FormatField, data: Uint8Array, size: number): string {
    if ((field.flags & FIELD_IS_ARRAY) !== 0) {
      const loc = fieldLocation(field, data, 0, size)
      const isString = (field.flags & FIELD_IS_STRING) !== 0 && !this.#notString.has(field)
      let printable = true
      for (let i = 0; i < loc.length && data[loc.offset + i] !== 0; i++)
        if (!isPrintable(data[loc.offset + i]!)) {
          printable = false
          break
        }
      if (isString && printable) {
        let end = loc.offset
        while (end < data.length && data[end] !== 0) end++
        let t = ''
        for (let k = loc.offset; k < end; k++) t += String.fromCharCode(data[k]!)
        return t
      }
      const bytes: string[] = []
      for (let i = 0; i < loc.length; i++)
        bytes.push((data[loc.offset + i] ?? 0).toString(16).padStart(2, '0'))
      this.#notString.add(field)
      return `ARRAY[${bytes.join(', ')}]`
    }
    const s = field.size
    const ok = (s === 1 || s === 2 || s === 4 || s === 8) && field.offset + s <= size
    const val = ok
      ? BigInt(
          readNumber(new DataView(data.buffer, data.byteOffset, data.byteLength), field.offset, s),
        )
      : 0n
    if ((field.flags & FIELD_IS_POINTER) !== 0) return cFormat('0x%llx', [val])
    if ((field.flags & FIELD_IS_SIGNED) !== 0) {
      switch (s) {
        case 4:
          return (field.flags & FIELD_IS_LONG) !== 0 ? cFormat('0x%x', [val]) : cFormat('%d', [val])
        case 2:
          return cFormat('%2hd', [val])
        case 1:
          return cFormat('%1hhd', [val])
        default:
          return cFormat('%lld', [val])
      }
    }
    return (field.flags & FIELD_IS_LONG) !== 0 ? cFormat('0x%llx', [val]) : cFormat('%llu', [val])
  }
}
