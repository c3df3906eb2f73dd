/**
 * The package's error classes. Every one names where the input went wrong: the line of a
 * `format` file, the position in a `print fmt`, or the section and byte offset of a tracing-data
 * block.
 *
 * @packageDocumentation
 */
import { badNumber, shown } from './args.js'

/**
 * A kernel event `format` file (tracefs `events/<system>/<event>/format`) that cannot be parsed,
 * as libtraceevent's `tep_parse_format` would refuse it (`TEP_ERRNO__READ_FORMAT_FAILED`,
 * `TEP_ERRNO__READ_ID_FAILED`, …).
 */
export class EventFormatError extends Error {
  /** 1-based line of the format text where parsing stopped. */
  readonly line: number

  /** @param message what is wrong; @param line 1-based line of the format text. */
  constructor(message: string, line: number) {
    if (!(Number.isSafeInteger(line) && line >= 0)) badNumber('line', line, 'a line number')
    super(`format line ${line}: ${message}`)
    this.name = 'EventFormatError'
    this.line = line
  }
}

/**
 * A `print fmt` this package does not print (libtraceevent would print some of these, for
 * example `%pI4` or helpers such as `__get_bitmask`): the reason and the character position in
 * the print fmt text.
 */
export class PrintFmtError extends Error {
  /** 0-based character position in the print fmt text (the part after `print fmt: `). */
  readonly position: number

  /** @param message what is unsupported or malformed; @param position character position. */
  constructor(message: string, position: number) {
    if (!(Number.isSafeInteger(position) && position >= 0))
      badNumber('position', position, 'a character position')
    super(`print fmt at ${position}: ${message}`)
    this.name = 'PrintFmtError'
    this.position = position
  }
}

/**
 * A truncated or corrupt tracing-data block (the metadata of trace.dat version 6 and of
 * perf.data's `HEADER_TRACING_DATA`): the section being read and the byte offset in the input.
 */
export class TracingDataError extends Error {
  /** The section being read: `magic`, `header_page`, `ftrace formats`, `kallsyms`, … */
  readonly section: string
  /** Byte offset in the input where the bad or missing bytes start. */
  readonly offset: number

  /** @param section the section being read; @param offset byte offset; @param message what is wrong. */
  constructor(section: string, offset: number, message: string) {
    if (typeof section !== 'string')
      throw new TypeError(`section: expected a section name, got ${shown(section)}`)
    if (!(Number.isSafeInteger(offset) && offset >= 0)) badNumber('offset', offset, 'a byte offset')
    super(`tracing data, ${section} at byte ${offset}: ${message}`)
    this.name = 'TracingDataError'
    this.section = section
    this.offset = offset
  }
}
