/**
 * A bounds-checked little-endian cursor over a trace.dat: every read is checked against the
 * input and a short or bad read throws {@link TraceDatError} naming the section and offset.
 *
 * @packageDocumentation
 */
import { TraceDatError } from './errors.js'

const decoder = new TextDecoder('utf-8')

/** Reads integers and strings at a position, within `[0, end)` of the bytes. */
export class ByteReader {
  readonly bytes: Uint8Array
  readonly #dv: DataView
  /** Current position. */
  at: number
  /** The section being read, for errors. */
  section: string
  /** Exclusive end of what may be read. */
  end: number

  constructor(bytes: Uint8Array, at: number, section: string, end: number = bytes.length) {
    this.bytes = bytes
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.at = at
    this.section = section
    this.end = Math.min(end, bytes.length)
  }

  /** A TraceDatError at the current position. */
  error(message: string, at: number = this.at): TraceDatError {
    return new TraceDatError(this.section, at, message)
  }

  #need(n: number, what: string): number {
    const at = this.at
    if (!(n >= 0) || at + n > this.end)
      throw this.error(`${what}: ${n} bytes needed, ${Math.max(this.end - at, 0)} left`)
    this.at = at + n
    return at
  }

  u16(what: string): number {
    return this.#dv.getUint16(this.#need(2, what), true)
  }

  u32(what: string): number {
    return this.#dv.getUint32(this.#need(4, what), true)
  }

  /** A u64 that must be a safe integer (offsets and sizes). */
  u64(what: string): number {
    const at = this.#need(8, what)
    const high = this.#dv.getUint32(at + 4, true)
    if (high >= 0x200000) throw this.error(`${what}: ${high} * 2^32 is not a usable size`, at)
    return high * 0x1_0000_0000 + this.#dv.getUint32(at, true)
  }

  /** `n` bytes, in place. */
  raw(n: number, what: string): Uint8Array {
    const at = this.#need(n, what)
    return this.bytes.subarray(at, at + n)
  }

  /** `n` bytes as UTF-8 text. */
  text(n: number, what: string): string {
    return decoder.decode(this.raw(n, what))
  }

  /** A NUL-terminated string. */
  cstring(what: string): string {
    const start = this.at
    const nul = this.bytes.subarray(start, this.end).indexOf(0)
    if (nul < 0) throw this.error(`${what}: no NUL before the end`)
    this.at = start + nul + 1
    return decoder.decode(this.bytes.subarray(start, start + nul))
  }
}
