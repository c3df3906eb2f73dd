/**
 * The package's error class: a perf.data that cannot be read (or a listing that cannot be
 * printed) names the section and the byte offset in the file.
 *
 * @packageDocumentation
 */

/**
 * A perf.data problem: the section being read or written (`file header`, `attrs`, `ids of attr
 * 2`, `data`, `feature HOSTNAME`, `record 17 (SAMPLE)`, …) and the byte offset in the file
 * where it starts.
 */
export class PerfDataError extends Error {
  /** The section: `file header`, `attrs`, `data`, `feature TRACING_DATA`, … */
  readonly section: string
  /** Byte offset in the file where the problem starts. */
  readonly offset: number

  /** @param section the section; @param offset byte offset; @param message what is wrong. */
  constructor(section: string, offset: number, message: string) {
    super(`perf.data, ${section} at byte ${offset}: ${message}`)
    this.name = 'PerfDataError'
    this.section = section
    this.offset = offset
  }
}
