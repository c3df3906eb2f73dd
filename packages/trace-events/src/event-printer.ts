/**
 * Printing an event through its `print fmt`: the text libtraceevent's `tep_print_event`
 * prints for `TEP_PRINT_INFO` (what `trace-cmd report` shows after the event name), with the
 * same C semantics — fields read unsigned (`tep_read_number`), casts that mask
 * (`eval_type_str`), `%d`/`%u`/`%x`/`%o` with `hh`/`h`/`l`/`ll`/`z` sizes, `%s` of a
 * pointer-sized field as bare hex, `%p` as glibc prints it, `%ps`/`%pS` through kallsyms,
 * `%pU`, `%pM`, `%pI4`/`%pI6c`/`%pISpc`. Where 1.7.1 differs from later libtraceevent this
 * follows 1.7.1 (the version trace-cmd 3.1.6 uses): `__print_array` as space-separated
 * decimals (later: `{0x…}`), and `%c`, a conversion 1.7 does not know, printed as `>c<`.
 * Print fmts outside the supported subset are refused when the printer is made
 * ({@link PrintFmtError}); the conformance suite lists which kernel formats those are.
 *
 * @packageDocumentation
 */
import { PrintFmtError } from './errors.js'
import type { EventFormat } from './event-format.js'
import { checkFormat, findAnyField } from './event-format.js'
import { checkPayload } from './field-decoder.js'
import type { FormatField } from './format-field.js'
import { FIELD_IS_ARRAY, FIELD_IS_RELATIVE } from './format-field.js'
import { Kallsyms } from './kallsyms.js'
import type { OpArg, PrintArg, PrintFmt } from './print-fmt.js'
import { formatText, parsePrintFmt } from './print-fmt.js'
import { formatIp4, formatIp6, formatIp6Compressed } from './ip-format.js'
import { checkOptionsObject, shown } from './args.js'

const M64 = (1n << 64n) - 1n

/** One piece of the format string: literal text or a conversion with its argument(s). */
type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'number' | 'string' | 'pointer'
      readonly spec: Spec
      readonly arg: PrintArg
      readonly lenArg: PrintArg | undefined
      /** the conversion as written (`%.*s`) */
      readonly text?: string
    }

/** A printf conversion: flags, width, precision, size (`ls` as libtraceevent counts it). */
interface Spec {
  readonly minus: boolean
  readonly zero: boolean
  readonly plus: boolean
  readonly hash: boolean
  readonly width: number | undefined
  readonly precision: number | undefined
  readonly ls: number
  readonly conv: string
}

/** Options of {@link EventPrinter}. */
export interface PrinterOptions {
  /** Symbols for `%ps` / `%pS` (libtraceevent `tep_parse_kallsyms`); without them they print hex. */
  readonly symbols?: Kallsyms
  /**
   * How the bytes libtraceevent would print become a string: `utf-8` (default) decodes them,
   * `latin1` keeps one character per byte.
   */
  readonly encoding?: 'utf-8' | 'latin1'
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c,
  )
}

/** Split the format string as libtraceevent's `parse_args` does. */
function pieces(fmt: PrintFmt): Piece[] {
  const out: Piece[] = []
  const f = fmt.format
  const args = [...fmt.args]
  let i = 0
  const take = (what: string): PrintArg => {
    const a = args.shift()
    if (a === undefined) throw new PrintFmtError(`no argument for ${what}`, i)
    return a
  }
  for (;;) {
    const literal = formatText(f, i)
    if (literal.text !== '') out.push({ kind: 'text', text: literal.text })
    i = literal.end
    if (i >= f.length) break
    const start = i
    i++
    let minus = false
    let zero = false
    let plus = false
    let hash = false
    let ls = 0
    let lenArg: PrintArg | undefined
    let width: number | undefined
    let precision: number | undefined
    let inPrecision = false
    for (;;) {
      const ch = f[i]
      if (ch === undefined)
        throw new PrintFmtError(`unfinished conversion "${f.slice(start)}"`, start)
      if (ch === '-') minus = true
      else if (ch === '+') plus = true
      else if (ch === '#') hash = true
      else if (ch === '.') {
        inPrecision = true
        precision = 0
      } else if (ch >= '0' && ch <= '9') {
        if (inPrecision) precision = precision! * 10 + Number(ch)
        else if (ch === '0' && width === undefined) zero = true
        else width = (width ?? 0) * 10 + Number(ch)
      } else if (ch === '*') {
        if (lenArg !== undefined) throw new PrintFmtError('two * in one conversion', i)
        lenArg = take('*')
      } else if (ch === 'h') ls--
      else if (ch === 'l') ls++
      else if (ch === 'L') ls = 2
      else if (ch === 'z' || ch === 'Z') ls = 1
      else break
      i++
    }
    const conv = f[i]!
    i++
    const spec: Spec = { minus, zero, plus, hash, width, precision, ls, conv }
    if ('duixXo'.includes(conv)) {
      if (ls < -2 || ls > 2) throw new PrintFmtError(`bad size in "${f.slice(start, i)}"`, start)
      out.push({ kind: 'number', spec, arg: take(conv), lenArg })
    } else if (conv === 's')
      out.push({ kind: 'string', spec, arg: take('%s'), lenArg, text: f.slice(start, i) })
    else if (conv === 'p') {
      const ext = f[i]
      if (ext !== undefined && 'FSfs'.includes(ext)) {
        i++
        out.push({ kind: 'pointer', spec: { ...spec, conv: ext }, arg: take('%p'), lenArg })
      } else if (ext === 'U') {
        i++
        let variant = ''
        if (f[i] !== undefined && 'LlBb'.includes(f[i]!)) variant = f[i++]!
        let arg = take('%pU')
        while (arg.k === 'cast') arg = arg.item
        if (arg.k !== 'field') throw new PrintFmtError('%pU of an expression', start)
        out.push({ kind: 'pointer', spec: { ...spec, conv: `U${variant}` }, arg, lenArg })
      } else if (ext === 'I' || ext === 'i') {
        // libtraceevent's parse_arg_format_pointer decides how many letters belong to it
        const kind = f[i + 1]
        if (kind !== '4' && kind !== '6' && kind !== 'S')
          throw new PrintFmtError(`%p${ext}${kind ?? ''} is not supported`, start)
        let j = i + 2
        let mods = ''
        if (kind === 'S') while (f[j] !== undefined && 'pfs'.includes(f[j]!)) mods += f[j++]!
        if (kind !== '6' && f[j] !== undefined && 'hnlb'.includes(f[j]!)) mods += f[j++]!
        if (kind !== '4' && f[j] === 'c') mods += f[j++]!
        i = j
        let arg = take('%pI')
        while (arg.k === 'cast') arg = arg.item
        if (arg.k !== 'field' && !(kind === 'S' && arg.k === 'dynarray'))
          throw new PrintFmtError(`%p${ext}${kind} of an expression`, start)
        out.push({ kind: 'pointer', spec: { ...spec, conv: `${ext}${kind}${mods}` }, arg, lenArg })
      } else if (ext === 'M' || ext === 'm') {
        i++
        let variant = ''
        if (f[i] === 'R' || f[i] === 'F') variant = f[i++]!
        let arg = take('%pM')
        while (arg.k === 'cast') arg = arg.item
        if (arg.k !== 'field') throw new PrintFmtError(`%p${ext} of an expression`, start)
        out.push({ kind: 'pointer', spec: { ...spec, conv: `${ext}${variant}` }, arg, lenArg })
      } else if (ext === 'h') throw new PrintFmtError(`%p${ext} is not supported`, start)
      else out.push({ kind: 'pointer', spec, arg: take('%p'), lenArg })
    } else {
      // libtraceevent 1.7 knows no other conversion (not even %c): it prints ">c<" and takes
      // no argument
      out.push({ kind: 'text', text: `>${conv}<` })
    }
  }
  return out
}

/** C's strtoull(text, NULL, 0): the leading number (0 for a name), saturated at 2^64 - 1. */
function strtoull(text: string): bigint {
  let v = 0n
  const hex = /^0[xX]([0-9a-fA-F]+)/.exec(text)
  const oct = /^0([0-7]*)/.exec(text)
  const dec = /^[0-9]+/.exec(text)
  if (hex !== null) v = BigInt(`0x${hex[1]!}`)
  else if (oct !== null) v = oct[1] === '' ? 0n : BigInt(`0o${oct[1]!}`)
  else if (dec !== null) v = BigInt(dec[0])
  return v > M64 ? M64 : v
}

/** libtraceevent's `eval_type_str` (non-pointer): what a cast keeps of a value. */
function castValue(v: bigint, type: string): bigint {
  if (type.endsWith('*') || type.startsWith('struct')) return v
  switch (type) {
    case 'u8':
      return v & 0xffn
    case 'u16':
      return v & 0xffffn
    case 'u32':
      return v & 0xffffffffn
    case 's8':
      return BigInt.asUintN(8, BigInt.asIntN(8, v))
    case 's16':
      return BigInt.asUintN(16, BigInt.asIntN(16, v))
    case 's32':
      return BigInt.asUintN(32, BigInt.asIntN(32, v))
  }
  const t = type.startsWith('unsigned ') ? type.slice(9) : type
  if (t === 'char') return v & 0xffn
  if (t === 'short') return v & 0xffffn
  if (t === 'int') return v & 0xffffffffn
  return v
}

/** Pad a converted value to the spec's width. */
/** The widest field a conversion pads to (a `*` width from a corrupt payload can be 2^31). */
const MAX_WIDTH = 4096

function pad(s: string, spec: Spec, zeroAllowed: boolean): string {
  const w = Math.min(spec.width ?? 0, MAX_WIDTH)
  if (s.length >= w) return s
  if (spec.minus) return s + ' '.repeat(w - s.length)
  if (spec.zero && zeroAllowed) {
    const sign = /^[-+ ]|^0[xX]/.exec(s)?.[0] ?? ''
    return sign + '0'.repeat(w - s.length) + s.slice(sign.length)
  }
  return ' '.repeat(w - s.length) + s
}

function widthBits(ls: number): number {
  return ls <= -2 ? 8 : ls === -1 ? 16 : ls === 0 ? 32 : 64
}

/** C printf of an integer conversion (the value already cast as libtraceevent casts it). */
function formatNumber(v: bigint, spec: Spec, lenArg: number | undefined): string {
  const s2: Spec = lenArg === undefined ? spec : { ...spec, width: lenArg }
  const bits = widthBits(spec.ls)
  let body: string
  let prefix = ''
  if (spec.conv === 'd' || spec.conv === 'i') {
    const n = BigInt.asIntN(bits, v)
    body = (n < 0n ? -n : n).toString()
    prefix = n < 0n ? '-' : spec.plus ? '+' : ''
  } else {
    const n = BigInt.asUintN(bits, v)
    if (spec.conv === 'u') body = n.toString()
    else if (spec.conv === 'o') {
      body = n.toString(8)
      if (spec.hash && !body.startsWith('0')) body = `0${body}`
    } else {
      body = n.toString(16)
      if (spec.conv === 'X') body = body.toUpperCase()
      if (spec.hash && n !== 0n) prefix = spec.conv === 'X' ? '0X' : '0x'
    }
  }
  if (spec.precision !== undefined) {
    if (spec.precision === 0 && body === '0') body = ''
    body = body.padStart(Math.min(spec.precision, MAX_WIDTH), '0')
  }
  return pad(prefix + body, s2, spec.precision === undefined)
}

/** C printf `%s` with flags, width and precision. */
function formatString(s: string, spec: Spec, lenArg: number | undefined): string {
  let t = s
  let width = spec.width
  let precision = spec.precision
  if (lenArg !== undefined) {
    if (precision !== undefined) precision = lenArg
    else width = lenArg
  }
  if (precision !== undefined) t = t.slice(0, precision)
  return pad(t, { ...spec, width, zero: false }, false)
}

/**
 * libtraceevent's `arg_num_eval`: the parse-time value of a __print_flags / __print_symbolic
 * table expression, in signed 64-bit arithmetic with only the operators it knows
 * (undefined where it gives up).
 */
function constValue(a: PrintArg): bigint | undefined {
  switch (a.k) {
    case 'num':
      return BigInt.asIntN(64, strtoull(a.text))
    case 'cast': {
      const v = constValue(a.item)
      return v === undefined
        ? undefined
        : BigInt.asIntN(64, castValue(BigInt.asUintN(64, v), a.type))
    }
    case 'op': {
      const l = a.left.k === 'null' && (a.op === '-' || a.op === '+') ? 0n : constValue(a.left)
      const r = constValue(a.right)
      if (r === undefined || (l === undefined && a.op !== '~')) return undefined
      const L = l ?? 0n
      const b = (x: boolean): bigint => (x ? 1n : 0n)
      const w = (x: bigint): bigint => BigInt.asIntN(64, x)
      switch (a.op) {
        case '|':
          return L | r
        case '||':
          return b(L !== 0n || r !== 0n)
        case '&':
          return L & r
        case '&&':
          return b(L !== 0n && r !== 0n)
        case '<':
          return b(L < r)
        case '<<':
          return w(L << (r & 63n))
        case '<=':
          return b(L <= r)
        case '>':
          return b(L > r)
        case '>>':
          return L >> (r & 63n)
        case '>=':
          return b(L >= r)
        case '==':
          return b(L === r)
        case '!=':
          return b(L !== r)
        case '-':
          return w(L - r)
        case '+':
          return w(L + r)
        case '~':
          return w(~r)
        default:
          return undefined
      }
    }
    default:
      return undefined
  }
}

/** libtraceevent's `arg_eval`: a table entry as the string it keeps. */
function constText(a: PrintArg): string | undefined {
  if (a.k === 'num') return a.text
  if (a.k === 'str') return a.value
  if (a.k === 'cast') return constText(a.item)
  if (a.k === 'op') {
    const v = constValue(a)
    return v === undefined ? undefined : v.toString()
  }
  return undefined
}

/** The softirq and hrtimer names libtraceevent's `eval_flag` knows. */
const KNOWN_FLAGS: Readonly<Record<string, number>> = {
  HI_SOFTIRQ: 0,
  TIMER_SOFTIRQ: 1,
  NET_TX_SOFTIRQ: 2,
  NET_RX_SOFTIRQ: 3,
  BLOCK_SOFTIRQ: 4,
  IRQ_POLL_SOFTIRQ: 5,
  TASKLET_SOFTIRQ: 6,
  SCHED_SOFTIRQ: 7,
  HRTIMER_SOFTIRQ: 8,
  RCU_SOFTIRQ: 9,
  HRTIMER_NORESTART: 0,
  HRTIMER_RESTART: 1,
}

/** libtraceevent's `eval_flag`: a kept table value back to a number (signed; -1 if unknown). */
function flagValue(text: string): bigint {
  if (/^[0-9]/.test(text)) return BigInt.asIntN(64, strtoull(text))
  const known = KNOWN_FLAGS[text]
  return known === undefined ? -1n : BigInt(known)
}

/** A __print_flags / __print_symbolic table as libtraceevent keeps it. */
interface Table {
  readonly values: readonly bigint[]
  readonly names: readonly string[]
}

const latin1 = new TextDecoder('latin1')
const utf8Decoder = new TextDecoder('utf-8')

/**
 * Prints events of one format as libtraceevent's `tep_print_event(…, "%s", TEP_PRINT_INFO)`
 * does. Made once per format (the print fmt is parsed then), used for every event.
 */
export class EventPrinter {
  /** The format this printer prints. */
  readonly format: EventFormat
  readonly #pieces: Piece[]
  readonly #symbols: Kallsyms | undefined
  readonly #tables = new Map<PrintArg, Table>()
  readonly #utf8: boolean
  #bytes: Uint8Array = new Uint8Array(0)
  #view: DataView = new DataView(new ArrayBuffer(0))
  /** Fields by name, found once each (the print fmt names the same fields for every event). */
  readonly #fields = new Map<string, FormatField>()
  #base = 0
  #length = 0

  /**
   * @param format a parsed format ({@link parseEventFormat} or a definition's `format`).
   * @param options symbols for `%ps` and the output encoding.
   * @throws PrintFmtError if the print fmt uses what this printer does not support.
   */
  constructor(format: EventFormat, options: PrinterOptions = {}) {
    checkFormat(format)
    checkOptionsObject('options', options, ['symbols', 'encoding'])
    if (
      options.encoding !== undefined &&
      options.encoding !== 'utf-8' &&
      options.encoding !== 'latin1'
    )
      throw new TypeError(
        `options.encoding: expected 'utf-8' or 'latin1', got ${shown(options.encoding)}`,
      )
    if (options.symbols !== undefined && !(options.symbols instanceof Kallsyms))
      throw new TypeError(`options.symbols: expected a Kallsyms, got ${shown(options.symbols)}`)
    this.format = format
    if (format.system === 'ftrace' && format.name === 'bprint')
      throw new PrintFmtError('ftrace/bprint prints its binary trace_printk arguments', 0)
    this.#pieces = pieces(parsePrintFmt(format.printFmt))
    this.#symbols = options.symbols
    this.#utf8 = (options.encoding ?? 'utf-8') === 'utf-8'
    // resolve every field now, as libtraceevent's parser does
    const check = (a: PrintArg): void => {
      switch (a.k) {
        case 'field':
        case 'getstr':
        case 'dynarray':
        case 'dynlen':
          if (findAnyField(format, a.name) === undefined)
            throw new PrintFmtError(`no field "${a.name}" in ${format.name}`, 0)
          return
        case 'cast':
          check(a.item)
          return
        case 'op':
          check(a.left)
          check(a.right)
          return
        case 'flags':
        case 'symbolic': {
          check(a.value)
          const values: bigint[] = []
          const names: string[] = []
          for (const [v, n] of a.table) {
            const vt = constText(v)
            const nt = constText(n)
            if (vt === undefined || nt === undefined)
              throw new PrintFmtError(`a ${a.k} table entry libtraceevent cannot evaluate`, 0)
            values.push(flagValue(vt))
            names.push(nt)
          }
          this.#tables.set(a, { values, names })
          return
        }
        case 'hex':
          if (a.data.k !== 'field' && a.data.k !== 'dynarray')
            throw new PrintFmtError('__print_hex of an expression', 0)
          check(a.data)
          check(a.len)
          return
        case 'array':
          if (a.data.k !== 'field' && a.data.k !== 'dynarray')
            throw new PrintFmtError('__print_array of an expression', 0)
          check(a.data)
          check(a.count)
          check(a.size)
          return
        default:
      }
    }
    for (const p of this.#pieces) if (p.kind !== 'text') check(p.arg)
  }

  /**
   * The INFO text of the event whose payload is `bytes[base, base + length)`.
   *
   * @throws RangeError if the payload is not inside `bytes`.
   */
  print(bytes: Uint8Array, base: number, length: number): string {
    checkPayload(bytes, base, length)
    // one view per page / record: the events of one page share it
    if (bytes !== this.#bytes || this.#view.byteLength !== bytes.byteLength) {
      this.#bytes = bytes
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    }
    this.#base = base
    this.#length = length
    let out = ''
    for (const p of this.#pieces) {
      if (p.kind === 'text') {
        out += p.text
        continue
      }
      const lenArg =
        p.lenArg === undefined ? undefined : Number(BigInt.asIntN(32, this.#num(p.lenArg)))
      if (p.kind === 'number') out += formatNumber(this.#num(p.arg), p.spec, lenArg)
      else if (p.kind === 'string')
        // libtraceevent passes a negative * length on to no argument at all; glibc then
        // prints the conversion as written
        out += lenArg !== undefined && lenArg < 0 ? p.text! : this.#str(p.arg, p.spec, lenArg)
      else out += this.#pointer(p.arg, p.spec)
    }
    if (!this.#utf8) return out
    // strings were built one character per byte: decode the bytes as UTF-8 (ASCII, the usual
    // case, decodes to itself)
    let ascii = true
    for (let k = 0; k < out.length; k++)
      if (out.charCodeAt(k) >= 0x80) {
        ascii = false
        break
      }
    if (ascii) return out
    const b = new Uint8Array(out.length)
    for (let k = 0; k < out.length; k++) {
      const c = out.charCodeAt(k)
      if (c > 0xff) return out
      b[k] = c
    }
    return utf8Decoder.decode(b)
  }

  #field(name: string): FormatField {
    let f = this.#fields.get(name)
    if (f === undefined) {
      f = findAnyField(this.format, name)!
      this.#fields.set(name, f)
    }
    return f
  }

  #read(offset: number, size: number): bigint {
    if (offset + size > this.#length) return 0n
    const at = this.#base + offset
    const v = this.#view
    switch (size) {
      case 1:
        return BigInt(v.getUint8(at))
      case 2:
        return BigInt(v.getUint16(at, true))
      case 4:
        return BigInt(v.getUint32(at, true))
      case 8:
        return v.getBigUint64(at, true)
      default:
        return 0n
    }
  }

  /** libtraceevent `dynamic_offset_field`: payload offset and length of a __data_loc item. */
  #dynamic(name: string): [number, number] {
    const f = this.#field(name)
    if (f.offset + f.size > this.#length) return [0, 0]
    const word = Number(this.#read(f.offset, f.size))
    const o = word & 0xffff
    const l = f.size === 2 ? this.#length - o : (word >>> 16) & 0xffff
    let offset = o > this.#length ? 0 : o
    const len = o + l > this.#length ? 0 : l
    if ((f.flags & FIELD_IS_RELATIVE) !== 0) offset += f.offset + f.size
    return [offset, len]
  }

  /** libtraceevent `eval_num_arg`, in unsigned 64-bit arithmetic. */
  #num(a: PrintArg): bigint {
    switch (a.k) {
      case 'num':
        return strtoull(a.text)
      case 'field': {
        const f = this.#field(a.name)
        return this.#read(f.offset, f.size)
      }
      case 'cast':
        return castValue(this.#num(a.item), a.type)
      case 'dynlen':
        return BigInt(this.#dynamic(a.name)[1])
      case 'op': {
        if (a.op === '?') {
          const branches = a.right as OpArg
          return this.#num(a.left) !== 0n ? this.#num(branches.left) : this.#num(branches.right)
        }
        if (a.op === '[') return this.#index(a)
        const l = this.#num(a.left)
        const r = this.#num(a.right)
        const b = (x: boolean): bigint => (x ? 1n : 0n)
        switch (a.op) {
          case '+':
            return (l + r) & M64
          case '-':
            return (l - r) & M64
          case '*':
            return (l * r) & M64
          case '/':
            return r === 0n ? 0n : l / r
          case '%':
            return r === 0n ? 0n : l % r
          case '&':
            return l & r
          case '|':
            return l | r
          case '<<':
            return (l << (r & 63n)) & M64
          case '>>':
            return l >> (r & 63n)
          case '==':
            return b(l === r)
          case '!=':
            return b(l !== r)
          case '<':
            return b(l < r)
          case '>':
            return b(l > r)
          case '<=':
            return b(l <= r)
          case '>=':
            return b(l >= r)
          case '&&':
            return b(l !== 0n && r !== 0n)
          case '||':
            return b(l !== 0n || r !== 0n)
          case '!':
            return b(r === 0n)
          case '~':
            return ~r & M64
          default:
            return 0n
        }
      }
      default:
        // strings, flags, symbols, hex and arrays have no numeric value; a dynamic array's
        // address is a host pointer in libtraceevent
        return 0n
    }
  }

  /**
   * libtraceevent's `[` in `eval_num_arg`: element `i` of a field (at i × element size) or of a
   * `__get_dynamic_array` (at byte i: libtraceevent does not scale it), read at the element
   * size (the long size when unknown), then through a pointer cast on the left if any.
   */
  #index(a: OpArg): bigint {
    const i = this.#num(a.right)
    let left = a.left
    let cast: string | undefined
    while (left.k === 'cast') {
      cast ??= left.type
      left = left.item
    }
    let offset: bigint
    let size = 8
    if (left.k === 'dynarray') {
      offset = BigInt(this.#dynamic(left.name)[0]) + i
      const es = this.#field(left.name).elementSize
      if (es !== 0) size = es
    } else if (left.k === 'field') {
      const f = this.#field(left.name)
      size = f.elementSize
      offset = BigInt(f.offset) + i * BigInt(f.elementSize)
    } else return 0n
    if (offset + BigInt(size) > BigInt(this.#length)) return 0n
    let v = this.#read(Number(offset), size)
    if (cast?.endsWith('*')) v = castValue(v, cast.slice(0, -2))
    return v
  }

  /** Bytes from `from` up to a NUL (or `to`), one character per byte. */
  #cString(from: number, to: number): string {
    const b = this.#bytes
    let end = from
    while (end < to && b[end] !== 0) end++
    return latin1.decode(b.subarray(from, end))
  }

  /** The address of an array argument's data (a field or `__get_dynamic_array`). */
  #arrayData(a: PrintArg): number | undefined {
    if (a.k === 'dynarray') return this.#dynamic(a.name)[0]
    if (a.k === 'field') return this.#field(a.name).offset
    return undefined
  }

  /** libtraceevent `print_str_arg`. */
  #str(a: PrintArg, spec: Spec, lenArg: number | undefined): string {
    switch (a.k) {
      case 'num':
        return formatString(a.text, spec, lenArg)
      case 'str':
        return formatString(unescape(a.value), spec, lenArg)
      case 'field': {
        const f = this.#field(a.name)
        if ((f.flags & FIELD_IS_ARRAY) === 0 && f.size === 8)
          return this.#read(f.offset, 8).toString(16)
        const len = f.size !== 0 ? f.size : this.#length - f.offset
        const from = this.#base + f.offset
        const to = Math.min(from + Math.max(len, 0), this.#base + this.#length)
        return formatString(this.#cString(from, to), spec, lenArg)
      }
      case 'getstr': {
        const [o, l] = this.#dynamic(a.name)
        if (l === 0) return ''
        const from = this.#base + o
        return formatString(this.#cString(from, this.#base + this.#length), spec, lenArg)
      }
      case 'flags': {
        const t = this.#tables.get(a)!
        let v = this.#num(a.value)
        let out = ''
        let printed = false
        for (let k = 0; k < t.values.length; k++) {
          const fv = t.values[k]!
          if (v === 0n && fv < 0n) {
            out += formatString(t.names[k]!, spec, lenArg)
            break
          }
          const fu = BigInt.asUintN(64, fv)
          if (fv > 0n && (v & fu) === fu) {
            if (printed && a.delim !== '') out += a.delim
            out += formatString(t.names[k]!, spec, lenArg)
            printed = true
            v &= ~fu & M64
          }
        }
        if (v !== 0n) {
          if (printed && a.delim !== '') out += a.delim
          out += `0x${v.toString(16)}`
        }
        return out
      }
      case 'symbolic': {
        const t = this.#tables.get(a)!
        const v = this.#num(a.value)
        const sv = BigInt.asIntN(64, v)
        for (let k = 0; k < t.values.length; k++)
          if (t.values[k] === sv) return formatString(t.names[k]!, spec, lenArg)
        return `0x${v.toString(16)}`
      }
      case 'hex': {
        const at = this.#arrayData(a.data)
        if (at === undefined) return '' // refused when the printer was made
        // libtraceevent reads past the record when the length says so; we stop at its end
        const n = Math.min(Number(this.#num(a.len)), this.#length - at)
        let out = ''
        for (let k = 0; k < n; k++) {
          if (k > 0 && a.spaced) out += ' '
          out += (this.#bytes[this.#base + at + k] ?? 0).toString(16).padStart(2, '0')
        }
        return out
      }
      case 'array': {
        const at = this.#arrayData(a.data)
        if (at === undefined) return '' // refused when the printer was made
        const n = Number(BigInt.asIntN(32, this.#num(a.count)))
        let es = Number(this.#num(a.size))
        let out = ''
        let p = at
        for (let k = 0; k < n && p + Math.max(es, 1) <= this.#length; k++) {
          if (k > 0) out += ' '
          if (es === 1 || es === 2 || es === 4 || es === 8) out += this.#read(p, es).toString()
          else {
            out += `BAD SIZE:${es} 0x${this.#read(p, 1).toString(16)}`
            es = 1
          }
          p += es
        }
        return out
      }
      case 'op': {
        // the only operator a string argument can hold is ?:
        if (a.op !== '?') return ''
        const branches = a.right as OpArg
        return this.#num(a.left) !== 0n
          ? this.#str(branches.left, spec, lenArg)
          : this.#str(branches.right, spec, lenArg)
      }
      default:
        // a cast, an operator or a dynamic array address prints nothing in libtraceevent
        return ''
    }
  }

  /** libtraceevent `print_uuid_arg`: a 16-byte field as a UUID (`l`/`L`: GUID byte order). */
  #uuid(name: string, variant: string): string {
    const f = this.#field(name)
    if (f.size !== 16) return 'INVALIDUUID'
    const guid = variant === 'l' || variant === 'L'
    const upper = variant === 'L' || variant === 'B'
    let out = ''
    for (let i = 0; i < 16; i++) {
      const index = guid && i < 8 ? [3, 2, 1, 0, 5, 4, 7, 6][i]! : i
      const b = (this.#bytes[this.#base + f.offset + index] ?? 0).toString(16).padStart(2, '0')
      out += upper ? b.toUpperCase() : b
      if (i === 3 || i === 5 || i === 7 || i === 9) out += '-'
    }
    return out
  }

  /** libtraceevent `print_ip_arg`: `%pI4`, `%pI6[c]`, `%pIS[p][c]` of a field (or dynamic array). */
  #ip(a: PrintArg, conv: string): string {
    const i = conv[0]!
    const kind = conv[1]!
    const mods = conv.slice(2)
    const reverse = mods.includes('h') || mods.includes('l') // a little-endian file
    const bytes = this.#bytes
    let offset: number
    let len: number
    if (a.k === 'dynarray') [offset, len] = this.#dynamic(a.name)
    else {
      const f = this.#field((a as { name: string }).name)
      offset = f.offset
      len = f.size
    }
    const at = this.#base + offset
    if (kind === '4') return len !== 4 ? 'INVALIDIPv4' : formatIp4(bytes, at, i === 'i', reverse)
    if (kind === '6') {
      if (len !== 16) return 'INVALIDIPv6'
      return i === 'I' && mods.includes('c')
        ? formatIp6Compressed(bytes, at)
        : formatIp6(bytes, at, i === 'I')
    }
    // a struct sockaddr: family 2 (AF_INET) or 10 (AF_INET6), port in network order
    const family = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8)
    const port = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)
    const withPort = i === 'I' && mods.includes('p')
    if (family === 2) {
      if (len < 16) return 'INVALIDIPv4'
      return formatIp4(bytes, at + 4, i === 'i', reverse) + (withPort ? `:${port}` : '')
    }
    if (family === 10) {
      if (len < 28) return 'INVALIDIPv6'
      const addr =
        i === 'I' && mods.includes('c')
          ? formatIp6Compressed(bytes, at + 8)
          : formatIp6(bytes, at + 8, i === 'I')
      return withPort ? `[${addr}]:${port}` : addr
    }
    return ''
  }

  /** libtraceevent `print_mac_arg`: a 6-byte field as `aa:bb:…` (`%pm` no colons, `F` dashes, `R` reversed). */
  #mac(name: string, conv: string): string {
    const f = this.#field(name)
    if (f.size !== 6) return 'INVALIDMAC'
    const sep = conv.startsWith('m') ? '' : conv[1] === 'F' ? '-' : ':'
    const reverse = conv[1] === 'R'
    const parts: string[] = []
    for (let k = 0; k < 6; k++)
      parts.push(
        (this.#bytes[this.#base + f.offset + (reverse ? 5 - k : k)] ?? 0)
          .toString(16)
          .padStart(2, '0'),
      )
    return parts.join(sep)
  }

  /** libtraceevent `print_arg_pointer`. */
  #pointer(a: PrintArg, spec: Spec): string {
    if ((spec.conv.startsWith('M') || spec.conv.startsWith('m')) && a.k === 'field')
      return this.#mac(a.name, spec.conv)
    if (spec.conv.startsWith('I') || spec.conv.startsWith('i')) return this.#ip(a, spec.conv)
    if (spec.conv.startsWith('U') && a.k === 'field') return this.#uuid(a.name, spec.conv.slice(1))
    const v = this.#num(a)
    if (spec.conv === 'p') return v === 0n ? '(nil)' : `0x${v.toString(16)}`
    const sym = this.#symbols?.lookup(v)
    if (sym === undefined) return `0x${v.toString(16)}`
    return spec.conv === 'S' || spec.conv === 'F'
      ? `${sym.name}+0x${(v - sym.address).toString(16)}`
      : sym.name
  }
}
