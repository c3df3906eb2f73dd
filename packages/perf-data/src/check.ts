/**
 * Argument checks of the public functions: a TypeError or RangeError whose message starts with
 * the argument's name.
 *
 * @packageDocumentation
 */

/** @internal */
export function checkBytes(v: unknown, name: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array`)
  return v
}

/** @internal */
export function checkObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v))
    throw new TypeError(`${name}: expected an object`)
  return v as Record<string, unknown>
}

/** @internal An integer in [min, max]. */
export function checkInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${name}: expected a number`)
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${name}: ${v} is not an integer in [${min}, ${max}]`)
  return v
}

/** @internal */
export function checkString(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new TypeError(`${name}: expected a string`)
  return v
}

/** @internal A u64 as a bigint. */
export function checkU64(v: unknown, name: string): bigint {
  if (typeof v !== 'bigint') throw new TypeError(`${name}: expected a bigint`)
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`${name}: ${v} is not a u64`)
  return v
}

/** @internal An optional boolean. */
export function checkBool(v: unknown, name: string): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${name}: expected a boolean`)
  return v
}

/** @internal An array (checked without narrowing the caller's type). */
export function checkArray(v: unknown, name: string, what: string): void {
  if (!Array.isArray(v)) throw new TypeError(`${name}: expected an array of ${what}`)
}
