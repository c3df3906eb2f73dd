/**
 * The package's error class: a trace.dat that cannot be written or read names the section and
 * the byte offset in the file.
 *
 * @packageDocumentation
 */

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

/** @internal How a bad value reads in a message (`an array`, `null`, `"x"`, `1.5`). */
export function shown(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `bigint ${v}`
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined) return String(v)
  return `a ${typeof v}`
}

/**
 * @internal An options argument: `undefined`, or a plain object whose keys are all `known` and
 * none of them null (leave a key out for its default).
 */
export function checkOptions(name: string, v: unknown, known: readonly string[]): void {
  if (v === undefined) return
  const proto = typeof v === 'object' && v !== null ? (Object.getPrototypeOf(v) as unknown) : 0
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`${name}: expected an options object, got ${shown(v)}`)
  for (const [key, value] of Object.entries(v as object)) {
    if (!known.includes(key))
      throw new TypeError(`${name}: unknown option '${key}' (known: ${known.join(', ')})`)
    if (value === null)
      throw new TypeError(`${name}.${key}: null is not a value (omit it for the default)`)
  }
}

/** @internal An optional argument of a type: `undefined` or `typeof v === type`. */
export function checkOptional(name: string, v: unknown, type: 'string' | 'boolean'): void {
  if (v !== undefined && typeof v !== type)
    throw new TypeError(`${name}: expected a ${type}, got ${shown(v)}`)
}
