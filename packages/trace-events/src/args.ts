/**
 * The typed errors of the trace-events, ftrace and trace-dat argument checks (ftrace and
 * trace-dat import them, and perf imports `shown`, through the internal subpath
 * `@onering/trace-events/internal`, `internal.ts`). The checks stay inline
 * in the functions that make them (a few integer comparisons on the write and read paths);
 * building the error is left to these cold helpers, so the checking functions stay small.
 *
 * @packageDocumentation
 */

/** @internal How a bad value reads in a message (`array`, `null`, `bigint 1`, `"x"`, `1.5`). */
export function shown(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `bigint ${v}`
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined) return String(v)
  return `a ${typeof v}`
}

/**
 * @internal A bad number argument: a TypeError for what is no number, a RangeError for a number
 * that is not `what` (an integer in the stated range).
 */
export function badNumber(name: string, v: unknown, what: string): never {
  if (typeof v !== 'number') throw new TypeError(`${name}: expected ${what}, got ${shown(v)}`)
  throw new RangeError(`${name}: ${v} is not ${what}`)
}

/** @internal A bad DataView argument. */
export function badView(name: string, v: unknown): never {
  throw new TypeError(`${name}: expected a DataView, got ${shown(v)}`)
}

/**
 * @internal An options argument: `undefined`, or a plain object whose keys are all `known` and
 * none of them null (leave a key out for its default).
 */
export function checkOptionsObject(name: string, v: unknown, known: readonly string[]): void {
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
