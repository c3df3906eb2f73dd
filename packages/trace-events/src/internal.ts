/**
 * The package's internal subpath, `@onering/trace-events/internal`: the argument-check helpers
 * that `@onering/ftrace`, `@onering/perf` and `@onering/trace-dat` share with this package
 * (`args.ts`), so that the packages build their typed errors with one copy of them. Not a
 * public API: not re-exported by the package's main entry, not documented, and it may change in
 * any release.
 *
 * @internal
 * @packageDocumentation
 */
export { badNumber, badView, checkOptionsObject, shown } from './args.js'
