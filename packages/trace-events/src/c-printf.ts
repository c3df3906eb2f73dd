/**
 * C's printf for the conversions libtraceevent's callers use (`trace_seq_printf`, the specs of
 * `tep_print_event`): `%d %i %u %x %X %o %c %s %p %%` with the flags `- + space # 0`, a width
 * and a precision (digits or `*`) and the sizes `hh h l ll z j t L q`, as glibc prints them.
 * Integers take a number or a bigint and are cut to the size the conversion names (`%d`: a C
 * `int`), strings take any value's text.
 *
 * @packageDocumentation
 */

/** One parsed conversion. */
interface Conv {
  minus: boolean
  plus: boolean
  space: boolean
  hash: boolean
  zero: boolean
  width: number
  precision: number
  bits: number
  conv: string
}

const SIZE = /^(hh|h|ll|l|L|q|j|z|Z|t)/
const MAX_WIDTH = 1 << 20

function toBig(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  throw new TypeError(
    `${what}: expected an integer (a number or a bigint) for an integer conversion`,
  )
}

function pad(body: string, c: Conv, zeroOk: boolean): string {
  const w = Math.min(c.width, MAX_WIDTH)
  if (body.length >= w) return body
  if (c.minus) return body + ' '.repeat(w - body.length)
  if (c.zero && zeroOk) {
    const sign = /^([-+ ]|0[xX])/.exec(body)?.[0] ?? ''
    return sign + '0'.repeat(w - body.length) + body.slice(sign.length)
  }
  return ' '.repeat(w - body.length) + body
}

/** One integer conversion of `value` (C semantics: cut to the conversion's size). */
function integer(c: Conv, value: bigint): string {
  const signed = c.conv === 'd' || c.conv === 'i'
  const v = signed ? BigInt.asIntN(c.bits, value) : BigInt.asUintN(c.bits, value)
  const neg = v < 0n
  const mag = neg ? -v : v
  let digits =
    c.conv === 'x'
      ? mag.toString(16)
      : c.conv === 'X'
        ? mag.toString(16).toUpperCase()
        : c.conv === 'o'
          ? mag.toString(8)
          : mag.toString(10)
  if (c.precision >= 0) {
    if (c.precision === 0 && mag === 0n) digits = ''
    if (digits.length < c.precision) digits = '0'.repeat(c.precision - digits.length) + digits
  }
  let prefix = ''
  if (signed) prefix = neg ? '-' : c.plus ? '+' : c.space ? ' ' : ''
  else if (c.hash && mag !== 0n && (c.conv === 'x' || c.conv === 'X')) prefix = `0${c.conv}`
  else if (c.hash && c.conv === 'o' && !digits.startsWith('0')) digits = `0${digits}`
  return pad(prefix + digits, c, c.precision < 0)
}

/** Parse the conversion starting at `fmt[i]` (just after `%`); `*` values come from `star`. */
function parseConv(fmt: string, i: number, star: () => number): [Conv, number] {
  const c: Conv = {
    minus: false,
    plus: false,
    space: false,
    hash: false,
    zero: false,
    width: 0,
    precision: -1,
    bits: 32,
    conv: '',
  }
  for (; ; i++) {
    const ch = fmt[i]
    if (ch === '-') c.minus = true
    else if (ch === '+') c.plus = true
    else if (ch === ' ') c.space = true
    else if (ch === '#') c.hash = true
    else if (ch === '0') c.zero = true
    else break
  }
  if (fmt[i] === '*') {
    const w = star()
    if (w < 0) {
      c.minus = true
      c.width = -w
    } else c.width = w
    i++
  } else
    while (fmt[i] !== undefined && fmt[i]! >= '0' && fmt[i]! <= '9')
      c.width = c.width * 10 + Number(fmt[i++])
  if (fmt[i] === '.') {
    i++
    c.precision = 0
    if (fmt[i] === '*') {
      const p = star()
      c.precision = p < 0 ? -1 : p
      i++
    } else
      while (fmt[i] !== undefined && fmt[i]! >= '0' && fmt[i]! <= '9')
        c.precision = c.precision * 10 + Number(fmt[i++])
  }
  const size = SIZE.exec(fmt.slice(i))?.[0] ?? ''
  i += size.length
  c.bits = size === 'hh' ? 8 : size === 'h' ? 16 : size === '' ? 32 : 64
  c.conv = fmt[i] ?? ''
  return [c, i + 1]
}

/**
 * `sprintf(fmt, args…)` as glibc prints it, for the conversions listed in the module comment.
 * `%p` prints `0x…` (`(nil)` for 0); `%s` of null prints `(null)`; an unknown conversion is
 * copied as written.
 *
 * @throws TypeError when an argument is missing or of the wrong kind (C: undefined behaviour).
 */
export function cFormat(fmt: string, args: readonly unknown[]): string {
  let out = ''
  let a = 0
  const next = (what: string): unknown => {
    if (a >= args.length) throw new TypeError(`args: no argument for ${what} in "${fmt}"`)
    return args[a++]
  }
  /** the name of the argument `next` took last */
  const last = (): string => `args[${a - 1}]`
  const star = (): number => Number(BigInt.asIntN(32, toBig(next('*'), last())))
  let i = 0
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i)
    if (pct < 0) {
      out += fmt.slice(i)
      break
    }
    out += fmt.slice(i, pct)
    if (fmt[pct + 1] === '%') {
      out += '%'
      i = pct + 2
      continue
    }
    const [c, end] = parseConv(fmt, pct + 1, star)
    i = end
    switch (c.conv) {
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o':
        out += integer(c, toBig(next(`%${c.conv}`), last()))
        break
      case 'c': {
        const v = Number(BigInt.asUintN(8, toBig(next('%c'), last())))
        out += pad(String.fromCharCode(v), c, false)
        break
      }
      case 's': {
        const v = next('%s')
        if (v !== null && v !== undefined && typeof v !== 'string' && typeof v !== 'number')
          throw new TypeError(`${last()}: expected a string for %s`)
        let t = v === null || v === undefined ? '(null)' : String(v)
        if (c.precision >= 0) t = t.slice(0, c.precision)
        out += pad(t, c, false)
        break
      }
      case 'p': {
        const v = BigInt.asUintN(64, toBig(next('%p'), last()))
        out += pad(v === 0n ? '(nil)' : `0x${v.toString(16)}`, c, false)
        break
      }
      default:
        out += fmt.slice(pct, end)
    }
  }
  return out
}
