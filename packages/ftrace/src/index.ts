/**
 * `@onering/ftrace`: the Linux ftrace `ring_buffer` API and byte format on top of `@onering/core`.
 *
 * Under construction: this package exports nothing yet and is not published.
 *
 * @packageDocumentation
 */
export {}
