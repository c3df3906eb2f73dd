/**
 * The package's error class: a trace.dat that cannot be written or read names the section and
 * the byte offset in the file.
 *
 * @packageDocumentation
 */
import { shown } from '@onering/trace-events/internal'

/** A trace.dat problem: the section being written or read and the byte offset in the file. */
export class TraceDatError extends Error {
  /** The section: `file header`, `options`, `flyrecord`, `cpu 3 data`, … */
  readonly section: string
  /** Byte offset in the file where the problem starts. */
  readonly offset: number

  /** @param section the section; @param offset byte offset; @param message what is wrong. */
  constructor(section: string, offset: number, message: string) {
    if (typeof section !== 'string')
      throw new TypeError(`section: expected a section name, got ${shown(section)}`)
    if (!(Number.isSafeInteger(offset) && offset >= 0))
      throw new (typeof offset === 'number' ? RangeError : TypeError)(
        `offset: expected a byte offset, got ${shown(offset)}`,
      )
    super(`trace.dat, ${section} at byte ${offset}: ${message}`)
    this.name = 'TraceDatError'
    this.section = section
    this.offset = offset
  }
}

/** @internal An optional argument of a type: `undefined` or `typeof v === type`. */
export function checkOptional(name: string, v: unknown, type: 'string' | 'boolean'): void {
  if (v !== undefined && typeof v !== type)
    throw new TypeError(`${name}: expected a ${type}, got ${shown(v)}`)
}
