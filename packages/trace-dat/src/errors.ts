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
    super(`trace.dat, ${section} at byte ${offset}: ${message}`)
    this.name = 'TraceDatError'
    this.section = section
    this.offset = offset
  }
}
