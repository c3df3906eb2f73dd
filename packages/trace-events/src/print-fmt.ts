/**
 * The parser of an event's `print fmt` (the kernel's `TP_printk` as `format` files show it):
 * the subset of libtraceevent's print-fmt language (`event_read_print`, `process_arg`) that
 * {@link EventPrinter} prints — a quoted format and C expressions over `REC->field`, casts,
 * arithmetic, comparisons, `?:`, `x[i]`, `__get_str`, `__get_dynamic_array(_len)`, `__print_flags`,
 * `__print_symbolic`, `__print_hex(_str)` and `__print_array`. Anything else (other helper
 * functions, `sizeof`) is refused with a {@link PrintFmtError}.
 *
 * @packageDocumentation
 */
import { PrintFmtError } from './errors.js'
import { shown } from './args.js'

/** An argument expression of a print fmt. */
export type PrintArg =
  | { readonly k: 'num'; readonly text: string }
  | { readonly k: 'str'; readonly value: string }
  | { readonly k: 'field'; readonly name: string }
  | { readonly k: 'getstr'; readonly name: string }
  | { readonly k: 'dynarray'; readonly name: string }
  | { readonly k: 'dynlen'; readonly name: string }
  | { readonly k: 'cast'; readonly type: string; readonly item: PrintArg }
  | { readonly k: 'null' }
  | OpArg
  | {
      readonly k: 'flags'
      readonly value: PrintArg
      readonly delim: string
      readonly table: readonly (readonly [PrintArg, PrintArg])[]
    }
  | {
      readonly k: 'symbolic'
      readonly value: PrintArg
      readonly table: readonly (readonly [PrintArg, PrintArg])[]
    }
  | { readonly k: 'hex'; readonly spaced: boolean; readonly data: PrintArg; readonly len: PrintArg }
  | {
      readonly k: 'array'
      readonly data: PrintArg
      readonly count: PrintArg
      readonly size: PrintArg
    }

/**
 * An operator node as libtraceevent builds it (`TEP_PRINT_OP`): a unary operator has a `null`
 * left; `a ? b : c` is `?` with left `a` and right `:` (left `b`, right `c`).
 */
export interface OpArg {
  readonly k: 'op'
  /** The operator token. */
  op: string
  /** libtraceevent's `op.prio` (0 for unary and `?`). */
  prio: number
  /** Left operand. */
  left: PrintArg
  /** Right operand. */
  right: PrintArg
}

/** A parsed print fmt: the format string (escapes still as written) and its arguments. */
export interface PrintFmt {
  /** The format string between the quotes, adjacent literals joined. */
  readonly format: string
  /** The argument expressions, in order. */
  readonly args: readonly PrintArg[]
}

interface Token {
  t: 'str' | 'char' | 'num' | 'id' | 'op'
  v: string
  at: number
}

const OPS3 = new Set(['...'])
const OPS2 = new Set(['->', '==', '!=', '<=', '>=', '<<', '>>', '&&', '||'])

function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i
    if (c === '"' || c === "'") {
      let j = i + 1
      let v = ''
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          v += src[j]! + src[j + 1]!
          j += 2
        } else v += src[j++]!
      }
      if (j >= src.length) throw new PrintFmtError('unterminated quote', at)
      out.push({ t: c === '"' ? 'str' : 'char', v, at })
      i = j + 1
      continue
    }
    const num = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*/.exec(src.slice(i))
    if (num !== null) {
      out.push({ t: 'num', v: num[1]!, at })
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z_0-9]*/.exec(src.slice(i))
    if (id !== null) {
      out.push({ t: 'id', v: id[0], at })
      i += id[0].length
      continue
    }
    const three = src.slice(i, i + 3)
    const two = src.slice(i, i + 2)
    const op = OPS3.has(three) ? three : OPS2.has(two) ? two : c
    out.push({ t: 'op', v: op, at })
    i += op.length
  }
  return out
}

/** libtraceevent's `get_op_prio` (lower binds tighter). */
const PRIO: Readonly<Record<string, number>> = {
  '~': 4,
  '!': 4,
  '*': 6,
  '/': 6,
  '%': 6,
  '+': 7,
  '-': 7,
  '<<': 8,
  '>>': 8,
  '<': 9,
  '>': 9,
  '<=': 9,
  '>=': 9,
  '==': 10,
  '!=': 10,
  '&': 11,
  '^': 12,
  '|': 13,
  '&&': 14,
  '||': 15,
  '?': 16,
}

/** Replace every property of `target` by those of `source` (C's `*target = *source`). */
function overwrite(target: PrintArg, source: PrintArg): void {
  const t = target as unknown as Record<string, unknown>
  for (const key of Object.keys(t)) Reflect.deleteProperty(t, key)
  Object.assign(t, source)
}

const TYPE_WORDS = new Set([
  'unsigned',
  'signed',
  'char',
  'short',
  'int',
  'long',
  'void',
  'const',
  'struct',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  '__u8',
  '__u16',
  '__u32',
  '__u64',
  '__s8',
  '__s16',
  '__s32',
  '__s64',
  'bool',
  'size_t',
  'pid_t',
  'gfp_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
])

class Parser {
  readonly #tokens: Token[]
  #i = 0
  readonly #end: number

  constructor(tokens: Token[], end: number) {
    this.#tokens = tokens
    this.#end = end
  }

  peek(offset = 0): Token | undefined {
    return this.#tokens[this.#i + offset]
  }

  next(): Token {
    const t = this.#tokens[this.#i++]
    if (t === undefined) throw new PrintFmtError('unexpected end of the print fmt', this.#end)
    return t
  }

  expect(v: string): void {
    const t = this.next()
    if (t.v !== v || t.t === 'str') throw new PrintFmtError(`expected "${v}", found "${t.v}"`, t.at)
  }

  done(): boolean {
    return this.#i >= this.#tokens.length
  }

  ident(): string {
    const t = this.next()
    if (t.t !== 'id') throw new PrintFmtError(`expected a field name, found "${t.v}"`, t.at)
    return t.v
  }

  string(): string {
    let t = this.next()
    if (t.t !== 'str') throw new PrintFmtError(`expected a string, found "${t.v}"`, t.at)
    let s = t.v
    while (this.peek()?.t === 'str') {
      t = this.next()
      s += t.v
    }
    return s
  }

  /** The next token if it continues an expression with an operator (libtraceevent OP type). */
  opAhead(): Token | undefined {
    const t = this.peek()
    if (t?.t !== 'op' || t.v === ':') return undefined
    if (t.v === '[') return t
    return PRIO[t.v] !== undefined && t.v !== '~' && t.v !== '!' ? t : undefined
  }

  /** A whole argument: libtraceevent's `process_arg` then `process_op`. */
  expr(): PrintArg {
    const arg = this.unary()
    const t = this.opAhead()
    if (t !== undefined) {
      this.next()
      this.processOp(arg, t.v)
    }
    return arg
  }

  /**
   * libtraceevent's `process_op`, reproduced with its quirks: the right operand is one
   * primary; a parenthesized right operand whose operator binds looser is rotated up (so
   * `a & (b | c)` evaluates as `(a & b) | c`); an operator binding as tight or tighter than
   * the current one continues the right operand (equal priorities group to the right).
   */
  processOp(arg: PrintArg, op: string): void {
    let right: PrintArg | undefined
    if (op === '[') {
      // libtraceevent's process_array: `[` is an operator of priority 0 whose right side is
      // the index
      const index = this.expr()
      this.expect(']')
      overwrite(arg, { k: 'op', op: '[', prio: 0, left: { ...arg }, right: index })
    } else if (op === '?') {
      const test = { ...arg }
      const yes = this.unary()
      for (let t = this.opAhead(); t !== undefined; t = this.opAhead()) {
        this.next()
        this.processOp(yes, t.v)
      }
      this.expect(':')
      const no = this.unary()
      const branches: OpArg = { k: 'op', op: ':', prio: 0, left: yes, right: no }
      overwrite(arg, { k: 'op', op: '?', prio: 0, left: test, right: branches })
    } else {
      const left = { ...arg }
      const node: OpArg = { k: 'op', op, prio: PRIO[op]!, left, right: { k: 'null' } }
      overwrite(arg, node)
      const r = this.unary()
      right = r
      const a = arg as OpArg
      if (r.k === 'op' && PRIO[op]! < (PRIO[r.op] ?? -1)) {
        a.right = r.left
        const tmp = { ...a } as PrintArg
        overwrite(arg, r)
        overwrite(r, tmp)
        ;(arg as OpArg).left = r
      } else a.right = r
    }
    const t = this.opAhead()
    if (t === undefined) return
    this.next()
    const prio = PRIO[t.v] ?? -1 // get_op_prio('[') is -1
    if (prio > (arg as OpArg).prio || right === undefined) this.processOp(arg, t.v)
    else this.processOp(right, t.v)
  }

  unary(): PrintArg {
    const t = this.peek()
    if (t === undefined) throw new PrintFmtError('unexpected end of the print fmt', this.#end)
    if (t.t === 'op' && (t.v === '!' || t.v === '~' || t.v === '-' || t.v === '+')) {
      this.next()
      return { k: 'op', op: t.v, prio: 0, left: { k: 'null' }, right: this.unary() }
    }
    if (t.t === 'op' && t.v === '(') {
      if (this.castAhead()) return this.cast()
      // `(REC)->field`
      if (this.peek(1)?.v === 'REC' && this.peek(2)?.v === ')' && this.peek(3)?.v === '->') {
        this.next()
        this.next()
        this.next()
        this.next()
        return { k: 'field', name: this.ident() }
      }
      this.next()
      const e = this.expr()
      this.expect(')')
      // libtraceevent's process_paren: a name in parentheses followed by an item or `(` was a
      // typecast (`(__kernel_rwf_t)0x1`)
      const n = this.peek()
      if (
        e.k === 'num' &&
        /^[A-Za-z_]/.test(e.text) &&
        n !== undefined &&
        (n.t === 'id' || n.t === 'num' || n.v === '(')
      )
        return { k: 'cast', type: e.text, item: this.unary() }
      return e
    }
    return this.primary()
  }

  /**
   * Whether the `(` ahead starts a cast: `(type words [*])` whose first word is a C type
   * keyword, or any words followed by an operand (libtraceevent's `process_paren` rule).
   */
  castAhead(): boolean {
    let k = 1
    for (
      let t = this.peek(k);
      t !== undefined && (t.t === 'id' || t.v === '*');
      t = this.peek(++k)
    ) {
      if (t.v === 'REC') return false
    }
    if (k === 1 || this.peek(k)?.v !== ')') return false
    if (TYPE_WORDS.has(this.peek(1)!.v)) return true
    const after = this.peek(k + 1)
    return after !== undefined && (after.t === 'id' || after.t === 'num' || after.v === '(')
  }

  cast(): PrintArg {
    this.expect('(')
    const words: string[] = []
    for (;;) {
      const t = this.next()
      if (t.v === ')') break
      if (t.t !== 'id' && t.v !== '*') throw new PrintFmtError(`bad cast near "${t.v}"`, t.at)
      words.push(t.v)
    }
    return { k: 'cast', type: words.join(' '), item: this.unary() }
  }

  table(): (readonly [PrintArg, PrintArg])[] {
    const out: [PrintArg, PrintArg][] = []
    while (this.peek()?.v === ',') {
      this.next()
      this.expect('{')
      const value = this.expr()
      this.expect(',')
      const name = this.expr()
      this.expect('}')
      out.push([value, name])
    }
    return out
  }

  primary(): PrintArg {
    const t = this.next()
    if (t.t === 'num') return { k: 'num', text: t.v }
    if (t.t === 'str') {
      let s = t.v
      while (this.peek()?.t === 'str') s += this.next().v
      return { k: 'str', value: s }
    }
    // a character constant is an atom of its text, as in libtraceevent (a digit reads as its
    // value, anything else as 0)
    if (t.t === 'char') return { k: 'num', text: t.v }
    if (t.t !== 'id') throw new PrintFmtError(`unexpected "${t.v}"`, t.at)
    switch (t.v) {
      case 'REC': {
        this.expect('->')
        return { k: 'field', name: this.ident() }
      }
      case '__get_str':
      case '__get_rel_str':
      case '__get_dynamic_array':
      case '__get_rel_dynamic_array':
      case '__get_dynamic_array_len':
      case '__get_rel_dynamic_array_len': {
        // the __rel_loc forms read the same: the field's flags say the offset is relative
        this.expect('(')
        const name = this.ident()
        this.expect(')')
        const base = t.v.replace('_rel', '')
        return {
          k:
            base === '__get_str'
              ? 'getstr'
              : base === '__get_dynamic_array'
                ? 'dynarray'
                : 'dynlen',
          name,
        }
      }
      case '__print_flags': {
        this.expect('(')
        const value = this.expr()
        this.expect(',')
        const delim = this.string()
        const table = this.table()
        this.expect(')')
        return { k: 'flags', value, delim, table }
      }
      case '__print_symbolic': {
        this.expect('(')
        const value = this.expr()
        const table = this.table()
        this.expect(')')
        return { k: 'symbolic', value, table }
      }
      case '__print_hex':
      case '__print_hex_str': {
        this.expect('(')
        const data = this.expr()
        this.expect(',')
        const len = this.expr()
        this.expect(')')
        return { k: 'hex', spaced: t.v === '__print_hex', data, len }
      }
      case '__print_array': {
        this.expect('(')
        const data = this.expr()
        this.expect(',')
        const count = this.expr()
        this.expect(',')
        const size = this.expr()
        this.expect(')')
        return { k: 'array', data, count, size }
      }
      default:
        // a C constant libtraceevent cannot know (an enum name): an atom that reads as 0 in
        // arithmetic and as its name in a __print_flags / __print_symbolic table
        if (this.peek()?.v === '(') throw new PrintFmtError(`"${t.v}" is not supported`, t.at)
        return { k: 'num', text: t.v }
    }
  }
}

/**
 * Parse the text after `print fmt: ` (libtraceevent's `event_read_print`).
 *
 * @throws PrintFmtError for what {@link EventPrinter} does not print, with the position.
 */
export function parsePrintFmt(text: string): PrintFmt {
  if (typeof text !== 'string')
    throw new TypeError(`text: expected the print fmt text, got ${shown(text)}`)
  const p = new Parser(tokenize(text), text.length)
  const format = p.string()
  const args: PrintArg[] = []
  while (!p.done()) {
    p.expect(',')
    args.push(p.expr())
  }
  return { format, args }
}

/** @internal A run of literal text in a format string and where it stops. */
export interface FormatText {
  /** The text, escapes and `%%` resolved. */
  readonly text: string
  /** The index of the `%` that starts the next conversion, or the format's length. */
  readonly end: number
}

/**
 * @internal The literal text of the format string `f` from `start` to its next conversion, as
 * libtraceevent's `parse_args` reads it: `\n`, `\t`, `\r` and `\<c>` (as `c`) escapes, `%%` as
 * `%`.
 */
export function formatText(f: string, start: number): FormatText {
  let text = ''
  let i = start
  while (i < f.length) {
    const c = f[i]!
    if (c === '\\' && i + 1 < f.length) {
      const n = f[i + 1]!
      text += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n
      i += 2
    } else if (c !== '%') {
      text += c
      i++
    } else if (f[i + 1] === '%') {
      text += '%'
      i += 2
    } else break
  }
  return { text, end: i }
}
