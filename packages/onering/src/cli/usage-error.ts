/**
 * The error a CLI command reports as one line (`onering: <message>`) and a non-zero exit,
 * without a stack.
 *
 * @packageDocumentation
 */

/** A mistake in how the command was called (or an unusable output directory). */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  /** The exit code. */
  readonly code: number
  constructor(message: string, code = 2) {
    super(message)
    this.code = code
  }
}
