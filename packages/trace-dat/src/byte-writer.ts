/**
 * A growable little-endian byte builder for the metadata parts of a trace.dat (headers,
 * formats, options: kilobytes, never the page data).
 *
 * @packageDocumentation
 */

const encoder = new TextEncoder()

/** Appends integers, strings and bytes; {@link ByteWriter.bytes} is the result. */
export class ByteWriter {
  #buf = new Uint8Array(4096)
  #dv = new DataView(this.#buf.buffer)
  /** Bytes written so far. */
  length = 0

  #room(n: number): number {
    const at = this.length
    if (at + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, at + n))
      next.set(this.#buf.subarray(0, at))
      this.#buf = next
      this.#dv = new DataView(next.buffer)
    }
    this.length = at + n
    return at
  }

  /** Append a u16. */
  u16(v: number): this {
    this.#dv.setUint16(this.#room(2), v, true)
    return this
  }

  /** Append a u32. */
  u32(v: number): this {
    this.#dv.setUint32(this.#room(4), v >>> 0, true)
    return this
  }

  /** Append a u64 (any safe integer). */
  u64(v: number): this {
    const at = this.#room(8)
    this.#dv.setUint32(at, v % 0x1_0000_0000, true)
    this.#dv.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true)
    return this
  }

  /** Overwrite a u64 at `at` (a placeholder written before). */
  setU64(at: number, v: number): void {
    this.#dv.setUint32(at, v % 0x1_0000_0000, true)
    this.#dv.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true)
  }

  /** Append raw bytes. */
  raw(b: Uint8Array): this {
    // #room may replace #buf: take the offset first
    const at = this.#room(b.length)
    this.#buf.set(b, at)
    return this
  }

  /** Append a string as UTF-8, without a NUL. */
  text(s: string): this {
    return this.raw(encoder.encode(s))
  }

  /** Append a string as UTF-8 and a NUL. */
  cstring(s: string): this {
    return this.text(s).raw(new Uint8Array(1))
  }

  /** Append `n` zero bytes. */
  zeros(n: number): this {
    const at = this.#room(n)
    this.#buf.fill(0, at, this.length)
    return this
  }

  /** The bytes written (a copy-free view). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.length)
  }
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s)
}
