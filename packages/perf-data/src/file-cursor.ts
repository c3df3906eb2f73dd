/**
 * A bounded little-endian reader over a perf.data held in memory: every read is checked against
 * the end of the current section (and so against the file), and a failure is a
 * {@link PerfDataError} naming that section and the byte offset. Sizes read from the file are
 * checked here before anything is allocated or looped over.
 *
 * @packageDocumentation
 */
import { PerfDataError } from './errors.js'

const utf8 = new TextDecoder('utf-8')

/** @internal A cursor over `[at, end)` of the file bytes, for one named section. */
export class FileCursor {
  readonly bytes: Uint8Array
  readonly view: DataView
  readonly section: string
  at: number
  readonly end: number

  constructor(bytes: Uint8Array, section: string, at: number, end: number) {
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.section = section
    if (!(at >= 0 && at <= end && end <= bytes.length))
      throw new PerfDataError(
        section,
        at,
        `section [${at}, ${end}) is not inside the ${bytes.length}-byte file`,
      )
    this.at = at
    this.end = end
  }

  fail(at: number, message: string): never {
    throw new PerfDataError(this.section, at, message)
  }

  need(n: number): void {
    if (n > this.end - this.at)
      this.fail(this.at, `needs ${n} bytes, only ${this.end - this.at} left in the section`)
  }

  u16(): number {
    this.need(2)
    const v = this.view.getUint16(this.at, true)
    this.at += 2
    return v
  }

  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.at, true)
    this.at += 4
    return v
  }

  u64(): bigint {
    this.need(8)
    const v = this.view.getBigUint64(this.at, true)
    this.at += 8
    return v
  }

  /** A u64 that is a size or offset: it must be a safe integer no larger than the file. */
  size(what: string): number {
    const where = this.at
    const v = this.u64()
    if (v > BigInt(this.bytes.length))
      this.fail(where, `${what} ${v} is larger than the ${this.bytes.length}-byte file`)
    return Number(v)
  }

  /** A count of items of at least `minItem` bytes each that must fit in what is left. */
  count(value: number, minItem: number, what: string, where: number): number {
    if (value * minItem > this.end - this.at)
      this.fail(where, `${what} ${value} cannot fit in the ${this.end - this.at} bytes left`)
    return value
  }

  take(n: number): Uint8Array {
    this.need(n)
    const b = this.bytes.subarray(this.at, this.at + n)
    this.at += n
    return b
  }

  /** `perf_header_string`: u32 len, then len bytes holding a NUL-terminated string. */
  headerString(what: string): string {
    const where = this.at
    const len = this.u32()
    if (len > this.end - this.at)
      this.fail(where, `${what}: string length ${len} runs past the section`)
    const raw = this.take(len)
    const nul = raw.indexOf(0)
    return utf8.decode(nul < 0 ? raw : raw.subarray(0, nul))
  }
}
