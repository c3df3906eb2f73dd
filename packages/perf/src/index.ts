/**
 * `@onering/perf`: the Linux perf_event mmap ring-buffer API and record format on top of
 * `@onering/core`.
 *
 * Under construction: this package exports nothing yet and is not published.
 *
 * @packageDocumentation
 */
export {}
