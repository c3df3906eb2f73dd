/**
 * The TypeScript form of a C out-parameter (`unsigned long long *ts`, `int *len`): an object
 * whose `value` the call sets. A ported `unsigned long long ts; f(kb, &ts)` becomes
 * `const ts = { value: 0 }; f(kb, ts)`.
 *
 * @packageDocumentation
 */

/** A C out-parameter: the call stores its result in `value`. */
export interface OutParam<T> {
  /** What the call stored. */
  value: T
}

/**
 * @internal TypeError unless `out` is undefined, null or an object (an out-parameter the
 * caller may leave out, as C's NULL).
 */
export function checkOut(out: unknown, name: string): void {
  if (out !== undefined && out !== null && (typeof out !== 'object' || Array.isArray(out)))
    throw new TypeError(`${name}: expected an out-parameter object ({ value }), or null`)
}
