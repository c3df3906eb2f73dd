/**
 * Error helpers. Every public entry point validates its arguments and throws a
 * `RangeError` or `TypeError` whose message starts with the argument name, so a
 * bad call never leaves the shared buffer half-modified.
 *
 * @packageDocumentation
 */

/**
 * Thrown when an operation needs exclusive access that another worker holds
 * (a writer already attached to a per-CPU ring, a reader holding a ring during
 * resize). Mirrors the kernel's `-EBUSY`.
 */
export class BusyError extends Error {
  /** Always `'EBUSY'`. */
  readonly code = 'EBUSY' as const
  /** @param message - what was busy */
  constructor(message: string) {
    super(message)
    this.name = 'BusyError'
  }
}

/** @internal */
export function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${name}: expected an integer, got ${typeof v}`)
  if (!Number.isInteger(v)) throw new RangeError(`${name}: expected an integer, got ${v}`)
  if (v < min || v > max) throw new RangeError(`${name}: ${v} is out of range [${min}, ${max}]`)
  return v
}

/** @internal */
export function checkPow2(name: string, v: unknown, min: number, max: number): number {
  checkInt(name, v, min, max)
  const n = v as number
  if ((n & (n - 1)) !== 0) throw new RangeError(`${name}: ${n} is not a power of two`)
  return n
}

/** @internal */
export function checkBytes(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array`)
  return v
}

/** @internal */
export function checkFunction(name: string, v: unknown): void {
  if (typeof v !== 'function') throw new TypeError(`${name}: expected a function`)
}

/**
 * An options object: undefined (no options), or a plain object whose keys are all in `known`.
 * An unknown key is refused by name, so a misspelt or misplaced option (`layout`, which the
 * client decides) never passes silently.
 *
 * @internal
 */
export function checkOptions<T extends object>(
  name: string,
  v: unknown,
  known: readonly (keyof T & string)[],
): Partial<T> {
  if (v === undefined) return {}
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TypeError(`${name}: expected an object, got ${v === null ? 'null' : typeof v}`)
  for (const key of Object.keys(v)) {
    if (!(known as readonly string[]).includes(key))
      throw new TypeError(`${name}: unknown option '${key}' (known: ${known.join(', ')})`)
    // null is not "absent": leave the key out (or undefined) for the default
    if ((v as Record<string, unknown>)[key] === null)
      throw new TypeError(`${name}.${key}: null is not a value (omit it for the default)`)
  }
  return v
}

/** @internal An optional boolean option: undefined or a boolean. */
export function checkFlag(name: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean')
    throw new TypeError(`${name}: expected a boolean, got ${typeof v}`)
  return v
}

/**
 * The explicit arguments of `RingWriter.reserve` (checked only when given, off the default
 * path): a timestamp is a non-negative safe integer — a fraction or a string would be stored
 * and shift the deltas of the records after it — and a tag an index in `[0, 2^31)`.
 *
 * @internal
 */
export function checkReserveArgs(timestamp: unknown, tag: unknown): void {
  if (timestamp !== undefined) {
    if (typeof timestamp !== 'number')
      throw new TypeError(`timestamp: expected a number, got ${typeof timestamp}`)
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new RangeError(`timestamp: ${timestamp} is not a non-negative safe integer`)
  }
  checkInt('tag', tag, 0, 0x7fffffff)
}

/**
 * A RingClient given as an argument: an object with a string id, a layout and the functions
 * the engine calls first. (The client is code the engine calls; its answers are checked where
 * they are used.)
 *
 * @internal
 */
export function checkClientShape(name: string, v: unknown): void {
  const c = v as {
    id?: unknown
    layout?: unknown
    recordSize?: unknown
    subbufHeaderBytes?: unknown
  }
  if (typeof v !== 'object' || v === null || typeof c.id !== 'string')
    throw new TypeError(`${name}: expected a RingClient (an object with a string id)`)
  if (c.layout !== 'paged' && c.layout !== 'contiguous')
    throw new TypeError(`${name}.layout: expected 'paged' or 'contiguous'`)
  if (typeof c.recordSize !== 'function')
    throw new TypeError(`${name}.recordSize: expected a function`)
  checkInt(`${name}.subbufHeaderBytes`, c.subbufHeaderBytes, 0, 1 << 16)
}
