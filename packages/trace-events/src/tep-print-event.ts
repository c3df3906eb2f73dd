/**
 * libtraceevent's `tep_print_event(tep, s, record, fmt, …)` (1.7.1): the event line of
 * `trace-cmd report`. `fmt` is printf-like; each conversion takes one of the `TEP_PRINT_*`
 * arguments — `TEP_PRINT_COMM`, `TEP_PRINT_NAME` (through the conversion's width and
 * precision), `TEP_PRINT_INFO`, `TEP_PRINT_INFO_RAW` (` name=value` per field, see
 * `tep-raw-fields.ts`) and `TEP_PRINT_LATENCY` (the conversion is ignored, as in C), `TEP_PRINT_PID`, `TEP_PRINT_CPU` (an integer conversion) and
 * `TEP_PRINT_TIME` (`%<precision>.<divisor>d`: `%6.1000d` prints microseconds as
 * `seconds.micros`). The INFO text is {@link EventPrinter}'s; an event whose print fmt could not
 * be parsed prints `[FAILED TO PARSE]` and its raw fields, as C does.
 *
 * @packageDocumentation
 */
import { cFormat } from './c-printf.js'
import { RawFieldPrinter } from './tep-raw-fields.js'
import type { TepEvent, TepHandle, TepRecord } from './tep.js'
import {
  checkRecord,
  checkTep,
  commonValue,
  TEP_EVENT_FL_FAILED,
  tep_data_comm_from_pid,
  tep_find_event_by_record,
} from './tep.js'
import type { TraceSeq } from './trace-seq.js'
import { checkSeq, seqAppend } from './trace-seq.js'

/** A value as an error message shows it: a number as itself, anything else by its type. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v)

/** `TEP_PRINT_INFO`: the event's print fmt text (`%s`). */
export const TEP_PRINT_INFO = 'INFO'
/** `TEP_PRINT_INFO_RAW`: the event's fields as ` name=value` (`%s`). */
export const TEP_PRINT_INFO_RAW = 'INFO_RAW'
/** `TEP_PRINT_COMM`: the comm of `common_pid` (`%s`, width and precision apply). */
export const TEP_PRINT_COMM = 'COMM'
/** `TEP_PRINT_LATENCY`: the latency flags `d`/`N`/`h`/`s` and preempt count (`%s`). */
export const TEP_PRINT_LATENCY = 'LATENCY'
/** `TEP_PRINT_NAME`: the event name (`%s`, width and precision apply). */
export const TEP_PRINT_NAME = 'NAME'
/** `TEP_PRINT_PID`: `common_pid` (an integer conversion). */
export const TEP_PRINT_PID = 1
/** `TEP_PRINT_TIME`: the record's timestamp (`%<precision>.<divisor>d`). */
export const TEP_PRINT_TIME = 2
/** `TEP_PRINT_CPU`: the record's CPU (an integer conversion). */
export const TEP_PRINT_CPU = 3

/** A `tep_print_event` argument. */
export type TepPrintArg =
  | typeof TEP_PRINT_INFO
  | typeof TEP_PRINT_INFO_RAW
  | typeof TEP_PRINT_COMM
  | typeof TEP_PRINT_LATENCY
  | typeof TEP_PRINT_NAME
  | typeof TEP_PRINT_PID
  | typeof TEP_PRINT_TIME
  | typeof TEP_PRINT_CPU

const TYPE_CHARS = 'duixXos'
const utf8 = new TextDecoder('utf-8')

/** Bytes (one character each) → text in the handle's encoding. */
function decode(tep: TepHandle, latin1: string): string {
  if (tep.encoding === 'latin1') return latin1
  const b = new Uint8Array(latin1.length)
  for (let k = 0; k < latin1.length; k++) b[k] = latin1.charCodeAt(k) & 0xff
  return utf8.decode(b)
}

/** C's `atoi` of the digits at `text[i]`. */
function atoi(text: string, i: number): number {
  let n = 0
  while (i < text.length && text[i]! >= '0' && text[i]! <= '9') {
    n = (n * 10 + Number(text[i])) | 0
    i++
  }
  return n
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** `print_event_time`. */
function eventTime(format: string, ts: number): string {
  const prec = isDigit(format[1]) ? atoi(format, 1) : 0
  const dot = format.indexOf('.')
  const div = dot >= 0 && isDigit(format[dot + 1]) ? atoi(format, dot + 1) : 0
  let time = BigInt.asUintN(64, BigInt(Math.trunc(ts)))
  if (div !== 0) {
    const d = BigInt.asUintN(64, BigInt(div))
    time = BigInt.asUintN(64, time + BigInt(Math.trunc(div / 2))) / d
  }
  let p10 = 1
  for (let pr = prec; pr > 0; pr--) p10 = Math.imul(p10, 10)
  if (p10 > 1) {
    const p = BigInt(p10)
    return cFormat('%5llu.%0*llu', [time / p, prec, time % p])
  }
  return cFormat('%12llu', [time])
}

/** `data_latency_format`. */
function latency(tep: TepHandle, data: Uint8Array): string {
  const flags = commonValue(tep, data, 'common_flags')
  const pc = commonValue(tep, data, 'common_preempt_count') >>> 0
  const hard = (flags & 0x08) !== 0
  const soft = (flags & 0x10) !== 0
  let out =
    ((flags & 0x01) !== 0 ? 'd' : (flags & 0x02) !== 0 ? 'X' : '.') +
    ((flags & 0x04) !== 0 ? 'N' : '.') +
    (hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.')
  out += (pc & 0xf) !== 0 ? (pc & 0xf).toString(16) : '.'
  out += (pc & 0xf0) !== 0 ? (pc >>> 4).toString(16) : '.'
  // libtraceevent reads both through the lock-depth slot: one field, printed twice
  const first = tep.events[0]?.format.commonFields
  const lockDepth = first?.some((f) => f.name === 'common_lock_depth') === true
  const migrate = first?.some((f) => f.name === 'common_migrate_disable') === true
  if (migrate) {
    const v = commonValue(tep, data, lockDepth ? 'common_lock_depth' : 'common_migrate_disable')
    out += v < 0 ? '.' : String(v)
  }
  if (lockDepth) {
    const v = commonValue(tep, data, 'common_lock_depth')
    out += v < 0 ? '.' : String(v)
  }
  return out
}

/** Each event's raw-fields printer, made on first use, with the symbols it was made with. */
const rawPrinters = new WeakMap<TepEvent, { symbols: unknown; printer: RawFieldPrinter }>()

/** `print_event_info`: the INFO text (one character per byte). */
function info(event: TepEvent, record: TepRecord, raw: boolean): string {
  const failed = (event.flags & TEP_EVENT_FL_FAILED) !== 0 || event.printer === null
  if (!raw && !failed) return event.printer!.print(record.data, 0, record.size)
  const symbols = event.tep.symbols ?? null
  let r = rawPrinters.get(event)
  if (r?.symbols !== symbols) {
    r = { symbols, printer: new RawFieldPrinter(event.format, failed, symbols ?? undefined) }
    rawPrinters.set(event, r)
  }
  return (raw ? '' : '[FAILED TO PARSE]') + r.printer.print(record.data, record.size)
}

/**
 * `tep_print_event(tep, s, record, fmt, …)`: append the record's line to `s` (see the module
 * comment for `fmt` and the arguments). An unknown event prints `[UNKNOWN EVENT]`; a
 * conversion without an integer or string type prints `[UNKNOWN TYPE]`; a string argument that
 * is no `TEP_PRINT_*` name prints `[UNKNOWN TEP TYPE …]`; an unknown integer argument prints
 * nothing — all as C.
 *
 * @throws TypeError when an argument is missing or of the wrong kind for its conversion (C:
 * undefined behaviour).
 */
export function tep_print_event(
  tep: TepHandle,
  s: TraceSeq,
  record: TepRecord,
  fmt: string,
  ...args: TepPrintArg[]
): void {
  const t = checkTep(tep)
  checkSeq(s)
  const rec = checkRecord(record)
  if (typeof fmt !== 'string') throw new TypeError('fmt: expected a format string')
  if (!Number.isInteger(rec.cpu)) throw new TypeError(`record.cpu: ${shown(rec.cpu)} is not a CPU`)
  if (typeof rec.ts !== 'number' || !(rec.ts >= 0))
    throw new TypeError(`record.ts: ${shown(rec.ts)} is not a timestamp`)
  const event = tep_find_event_by_record(t, rec)
  if (event === null) {
    seqAppend(s, '[UNKNOWN EVENT]')
    return
  }
  let out = ''
  let a = 0
  let i = 0
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i)
    if (pct < 0) {
      out += fmt.slice(i)
      break
    }
    out += fmt.slice(i, pct)
    // tep_print_event_param_type: the spec runs to the first of d u i x X o s
    let j = pct + 1
    while (j < fmt.length && !TYPE_CHARS.includes(fmt[j]!)) j++
    if (j >= fmt.length) {
      out += '[UNKNOWN TYPE]'
      break
    }
    const spec = fmt.slice(pct, Math.min(j + 1, pct + 31))
    i = j + 1
    if (a >= args.length) throw new TypeError(`args: no argument for "${fmt.slice(pct, j + 1)}"`)
    const arg = args[a++] as unknown
    if (fmt[j] === 's') {
      if (typeof arg !== 'string')
        throw new TypeError(`args[${a - 1}]: "${spec}" takes a TEP_PRINT_* name, got ${shown(arg)}`)
      if (arg.startsWith(TEP_PRINT_LATENCY)) out += latency(t, rec.data)
      else if (arg.startsWith(TEP_PRINT_COMM))
        out += cFormat(spec, [tep_data_comm_from_pid(t, commonValue(t, rec.data, 'common_pid'))])
      else if (arg.startsWith(TEP_PRINT_INFO_RAW)) out += decode(t, info(event, rec, true))
      else if (arg.startsWith(TEP_PRINT_INFO)) out += decode(t, info(event, rec, false))
      else if (arg.startsWith(TEP_PRINT_NAME)) out += cFormat(spec, [event.name])
      else out += `[UNKNOWN TEP TYPE ${arg}]`
    } else {
      if (typeof arg !== 'number' || !Number.isInteger(arg))
        throw new TypeError(
          `args[${a - 1}]: "${spec}" takes TEP_PRINT_PID, TEP_PRINT_CPU or TEP_PRINT_TIME, got ${shown(arg)}`,
        )
      if (arg === TEP_PRINT_CPU) out += cFormat(spec, [rec.cpu])
      else if (arg === TEP_PRINT_PID) out += cFormat(spec, [commonValue(t, rec.data, 'common_pid')])
      else if (arg === TEP_PRINT_TIME) out += eventTime(spec, rec.ts)
    }
  }
  seqAppend(s, out)
}
