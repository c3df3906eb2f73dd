/**
 * The error type of this package: every failure carries the errno the kernel would return
 * (or, for the codec, the errno that best describes a malformed record), and its message
 * starts with the offending field or argument.
 *
 * @packageDocumentation
 */
import { shown } from '@onering/trace-events/internal'

/** The errno numbers (Linux, asm-generic) that {@link PerfError} can carry. */
export const PERF_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
} as const

/** An errno name that {@link PerfError} can carry. */
export type PerfErrno = keyof typeof PERF_ERRNO

/**
 * A perf failure, named like the kernel's errno.
 *
 * `errno` is the name (`'EINVAL'`), `errnoNumber` the negative number a syscall would return
 * (`-22`), and `field` (when known) the attr field, record field or argument at fault; the
 * message starts with that field.
 */
export class PerfError extends Error {
  /** The errno name, e.g. `'EINVAL'`. */
  readonly errno: PerfErrno
  /** The negative errno number, e.g. `-22` for EINVAL. */
  readonly errnoNumber: number
  /** The offending field or argument, when there is one. */
  readonly field: string | undefined

  /**
   * @param errno - the errno name
   * @param message - what went wrong; should start with the field name
   * @param field - the offending field or argument
   */
  constructor(errno: PerfErrno, message: string, field?: string) {
    if (typeof errno !== 'string' || !Object.hasOwn(PERF_ERRNO, errno))
      throw new TypeError(`errno: ${shown(errno)} is not an errno name of PERF_ERRNO`)
    super(`${errno}: ${message}`)
    this.name = 'PerfError'
    this.errno = errno
    this.errnoNumber = -PERF_ERRNO[errno]
    this.field = field
  }
}

/**
 * Throw a {@link PerfError} whose message starts with `field`.
 *
 * @param errno - the errno name
 * @param field - the offending field or argument
 * @param what - the rest of the message
 * @internal
 */
export function fail(errno: PerfErrno, field: string, what: string): never {
  throw new PerfError(errno, `${field}: ${what}`, field)
}

/**
 * Check an integer argument: `v` must be an integer in [`min`, `max`], else EINVAL naming
 * `field`.
 *
 * @param field - the argument's name
 * @param v - the value
 * @param min - the smallest allowed value
 * @param max - the largest allowed value
 * @returns `v`
 * @internal
 */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail('EINVAL', field, `${String(v)} is not an integer in [${min}, ${max}]`)
  return v
}

/**
 * An options or fields object: `undefined` (the defaults) or a plain object none of whose keys
 * is `null` (leave a key out for its default); else EINVAL naming it.
 *
 * @param name - the argument's name
 * @param v - the value
 * @internal
 */
export function checkPlain(name: string, v: unknown): void {
  if (v === undefined) return
  const proto = typeof v === 'object' && v !== null ? (Object.getPrototypeOf(v) as unknown) : 0
  if (proto !== Object.prototype && proto !== null)
    fail('EINVAL', name, `expected an object, got ${shown(v)}`)
  for (const [key, value] of Object.entries(v as object))
    if (value === null)
      fail('EINVAL', `${name}.${key}`, 'null is not a value (omit it for the default)')
}

/**
 * An optional boolean argument: `undefined` or a boolean, else EINVAL naming it.
 * @internal
 */
export function checkOptBool(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean')
    fail('EINVAL', name, `expected a boolean, got ${shown(v)}`)
}
