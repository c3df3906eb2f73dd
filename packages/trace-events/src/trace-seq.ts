/**
 * libtraceevent's `struct trace_seq` (`trace-seq.h`) under its C names: the growing text buffer
 * `tep_print_event` and the field getters print into. `buffer` is the text, `len` its length in
 * bytes (UTF-8, as C counts it).
 *
 * @packageDocumentation
 */
import { cFormat } from './c-printf.js'
import { utf8Length } from './utf8.js'

/** `TRACE_SEQ__GOOD`: the buffer is usable. */
export const TRACE_SEQ__GOOD = 0
/** `TRACE_SEQ__BUFFER_POISONED`: used after `trace_seq_destroy`. */
export const TRACE_SEQ__BUFFER_POISONED = 1
/** `TRACE_SEQ__MEM_ALLOC_FAILED`: an allocation failed (never set here). */
export const TRACE_SEQ__MEM_ALLOC_FAILED = 2

/** `struct trace_seq`: make one with `new TraceSeq()` or pass one to {@link trace_seq_init}. */
export class TraceSeq {
  /** The text printed so far. */
  buffer = ''
  /** Its length in bytes (UTF-8). */
  len = 0
  /** Bytes already handed out by `trace_seq_do_printf` (C's `readpos`). */
  readpos = 0
  /** `enum trace_seq_fail`. */
  state: number = TRACE_SEQ__GOOD
}

/** @internal TypeError unless `s` is a usable trace_seq. */
export function checkSeq(s: unknown): TraceSeq {
  if (!(s instanceof TraceSeq)) throw new TypeError('s: expected a TraceSeq')
  if (s.state === TRACE_SEQ__BUFFER_POISONED)
    throw new TypeError(
      's: the trace_seq was destroyed (trace_seq_destroy); trace_seq_init it first',
    )
  return s
}

/** @internal append text */
export function seqAppend(s: TraceSeq, text: string): number {
  s.buffer += text
  const n = utf8Length(text)
  s.len += n
  return n
}

/** `trace_seq_init(s)`: empty it and make it usable (also after `trace_seq_destroy`). */
export function trace_seq_init(s: TraceSeq): void {
  if (!(s instanceof TraceSeq)) throw new TypeError('s: expected a TraceSeq')
  s.buffer = ''
  s.len = 0
  s.readpos = 0
  s.state = TRACE_SEQ__GOOD
}

/** `trace_seq_reset(s)`: empty it. */
export function trace_seq_reset(s: TraceSeq): void {
  checkSeq(s)
  s.buffer = ''
  s.len = 0
  s.readpos = 0
}

/** `trace_seq_destroy(s)`: free the text; the seq must be `trace_seq_init`ed before reuse. */
export function trace_seq_destroy(s: TraceSeq): void {
  checkSeq(s)
  s.buffer = ''
  s.len = 0
  s.readpos = 0
  s.state = TRACE_SEQ__BUFFER_POISONED
}

/**
 * `trace_seq_printf(s, fmt, …)`: append C-`printf` text (`%d %u %x %o %c %s %p` with flags,
 * width, precision and sizes). Returns the bytes appended.
 *
 * @throws TypeError for a missing or mistyped argument (undefined behaviour in C).
 */
export function trace_seq_printf(s: TraceSeq, fmt: string, ...args: unknown[]): number {
  checkSeq(s)
  if (typeof fmt !== 'string') throw new TypeError('fmt: expected a printf format string')
  return seqAppend(s, cFormat(fmt, args))
}

/** `trace_seq_vprintf(s, fmt, args)`: {@link trace_seq_printf} with the arguments in an array. */
export function trace_seq_vprintf(s: TraceSeq, fmt: string, args: readonly unknown[]): number {
  checkSeq(s)
  if (typeof fmt !== 'string') throw new TypeError('fmt: expected a printf format string')
  if (!Array.isArray(args)) throw new TypeError('args: expected an array (C: a va_list)')
  return seqAppend(s, cFormat(fmt, args))
}

/** `trace_seq_puts(s, str)`: append a string; returns the bytes appended. */
export function trace_seq_puts(s: TraceSeq, str: string): number {
  checkSeq(s)
  if (typeof str !== 'string') throw new TypeError('str: expected a string')
  return seqAppend(s, str)
}

/** `trace_seq_putc(s, c)`: append one byte (a character code 0..255, or a one-letter string). */
export function trace_seq_putc(s: TraceSeq, c: number | string): number {
  checkSeq(s)
  if (typeof c === 'string' ? c.length !== 1 : !Number.isInteger(c) || c < 0 || c > 255)
    throw new RangeError('c: expected a byte (0..255) or a one-character string')
  return seqAppend(s, typeof c === 'string' ? c : String.fromCharCode(c))
}

/** `trace_seq_terminate(s)`: NUL-terminate (a no-op: the text is a JavaScript string). */
export function trace_seq_terminate(s: TraceSeq): void {
  checkSeq(s)
}

/**
 * `trace_seq_do_fprintf(s, fp)`: write the text to a stream (`process.stdout`, a file
 * `WriteStream`, anything with `write(string)`); returns the bytes written.
 */
export function trace_seq_do_fprintf(s: TraceSeq, fp: { write(text: string): unknown }): number {
  checkSeq(s)
  if (typeof fp !== 'object' || fp === null || typeof fp.write !== 'function')
    throw new TypeError('fp: expected a stream with write(text)')
  fp.write(s.buffer)
  return s.len
}

/** `trace_seq_do_printf(s)`: write the text to `process.stdout`; returns the bytes written. */
export function trace_seq_do_printf(s: TraceSeq): number {
  return trace_seq_do_fprintf(s, process.stdout)
}
