/**
 * Bounds-checked little-endian cursors shared by the record emitters and decoders.
 *
 * A {@link ByteWriter} with a `null` view only measures, so one routine gives both the size
 * and the bytes of a record (they cannot disagree). A {@link ByteReader} never reads outside
 * `[pos, end)` and turns every overrun into a {@link PerfError} EINVAL.
 *
 * @internal
 * @packageDocumentation
 */

import { fail } from '../errors.js'

const U64_MAX = (1n << 64n) - 1n
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')

/** Round `n` up to a multiple of 8. @internal */
export function align8(n: number): number {
  return (n + 7) & ~7
}

/** Number of set bits of a u64 mask. @internal */
export function popcount64(mask: bigint): number {
  let n = 0
  let m = BigInt.asUintN(64, mask)
  while (m !== 0n) {
    m &= m - 1n
    n++
  }
  return n
}

/** Writes (or, with a `null` view, only measures) a record body. @internal */
export class ByteWriter {
  /** Current byte position. */
  pos: number
  /** The view written into; `null` to measure only. */
  readonly view: DataView | null
  /** Record name used as the prefix of field names in errors. */
  readonly what: string

  /**
   * @param view - the view, or `null` to measure
   * @param pos - the start position
   * @param what - the record name for error messages
   */
  constructor(view: DataView | null, pos: number, what: string) {
    this.view = view
    this.pos = pos
    this.what = what
  }

  private int(name: string, v: unknown, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      fail('EINVAL', `${this.what}.${name}`, `expected an integer in [0, ${max}], got ${String(v)}`)
    }
    return v
  }

  /** Write a u8. */
  u8(name: string, v: unknown): void {
    const n = this.int(name, v, 0xff)
    this.view?.setUint8(this.pos, n)
    this.pos += 1
  }

  /** Write a u16. */
  u16(name: string, v: unknown): void {
    const n = this.int(name, v, 0xffff)
    this.view?.setUint16(this.pos, n, true)
    this.pos += 2
  }

  /** Write a u32. */
  u32(name: string, v: unknown): void {
    const n = this.int(name, v, 0xffffffff)
    this.view?.setUint32(this.pos, n, true)
    this.pos += 4
  }

  /** Write a u64 given as a bigint in [0, 2^64). */
  u64(name: string, v: unknown): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      fail('EINVAL', `${this.what}.${name}`, `expected a bigint in [0, 2^64), got ${String(v)}`)
    }
    this.view?.setBigUint64(this.pos, v, true)
    this.pos += 8
  }

  /** Write a u64 given as an exact non-negative number (counts and sizes). */
  u64n(name: string, v: unknown): void {
    const n = this.int(name, v, Number.MAX_SAFE_INTEGER)
    this.view?.setBigUint64(this.pos, BigInt(n), true)
    this.pos += 8
  }

  /** Write bytes as they are. */
  bytes(name: string, v: unknown): void {
    if (!(v instanceof Uint8Array)) fail('EINVAL', `${this.what}.${name}`, 'expected a Uint8Array')
    if (this.view)
      new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, v.length).set(v)
    this.pos += v.length
  }

  /** Write `n` zero bytes. */
  zeros(n: number): void {
    if (this.view) new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n).fill(0)
    this.pos += n
  }

  /** Write zeros up to the next multiple of 8 from `start`. */
  padTo8(start: number): void {
    this.zeros(align8(this.pos - start) - (this.pos - start))
  }

  /** Write a string as UTF-8, NUL-terminated and zero-padded to a multiple of 8 bytes. */
  string(name: string, v: unknown): void {
    if (typeof v !== 'string') fail('EINVAL', `${this.what}.${name}`, 'expected a string')
    if (v.includes('\0')) fail('EINVAL', `${this.what}.${name}`, 'contains a NUL character')
    const b = encoder.encode(v)
    this.bytes(name, b)
    this.zeros(align8(b.length + 1) - b.length)
  }

  /** Throw EINVAL naming `name` (a missing or inconsistent field). */
  missing(name: string, why: string): never {
    return fail('EINVAL', `${this.what}.${name}`, why)
  }
}

/** Reads a record body within `[pos, end)`; every overrun is a PerfError EINVAL. @internal */
export class ByteReader {
  /** Current byte position. */
  pos: number
  /** One past the last readable byte. */
  readonly end: number
  /** The view read from. */
  readonly view: DataView
  /** Record name used as the prefix of field names in errors. */
  readonly what: string

  /**
   * @param view - the view
   * @param pos - the first byte
   * @param end - one past the last byte
   * @param what - the record name for error messages
   */
  constructor(view: DataView, pos: number, end: number, what: string) {
    this.view = view
    this.pos = pos
    this.end = end
    this.what = what
  }

  /** Bytes left. */
  get remaining(): number {
    return this.end - this.pos
  }

  private need(name: string, n: number): void {
    if (n > this.end - this.pos) {
      fail(
        'EINVAL',
        `${this.what}.${name}`,
        `needs ${n} bytes but the record has ${this.end - this.pos} left`,
      )
    }
  }

  /** Read a u8. */
  u8(name: string): number {
    this.need(name, 1)
    const v = this.view.getUint8(this.pos)
    this.pos += 1
    return v
  }

  /** Read a u16. */
  u16(name: string): number {
    this.need(name, 2)
    const v = this.view.getUint16(this.pos, true)
    this.pos += 2
    return v
  }

  /** Read a u32. */
  u32(name: string): number {
    this.need(name, 4)
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  /** Read a u64 as a bigint. */
  u64(name: string): bigint {
    this.need(name, 8)
    const v = this.view.getBigUint64(this.pos, true)
    this.pos += 8
    return v
  }

  /** Read a u64 that must be a small enumeration value (< 2^32), as a number. */
  u64small(name: string): number {
    const v = this.u64(name)
    if (v > 0xffffffffn)
      fail('EINVAL', `${this.what}.${name}`, `0x${v.toString(16)} is out of range`)
    return Number(v)
  }

  /**
   * Read a u64 element count and check that `count * elemSize` bytes are left (so a huge count
   * can neither overrun nor loop).
   */
  count(name: string, elemSize: number): number {
    return this.checkCount(name, this.u64(name), elemSize)
  }

  /** Check that `v` elements of `elemSize` bytes fit in what is left; return `v` as a number. */
  checkCount(name: string, v: bigint, elemSize: number): number {
    const fit = Math.floor(this.remaining / elemSize)
    if (v > BigInt(fit)) {
      fail(
        'EINVAL',
        `${this.what}.${name}`,
        `${v} entries of ${elemSize} bytes do not fit in the ${this.remaining} bytes left`,
      )
    }
    return Number(v)
  }

  /** Copy `n` bytes out (the copy never aliases the ring). */
  bytes(name: string, n: number): Uint8Array {
    this.need(name, n)
    const v = new Uint8Array(n)
    v.set(new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n))
    this.pos += n
    return v
  }

  /** Skip `n` bytes. */
  skip(name: string, n: number): void {
    this.need(name, n)
    this.pos += n
  }

  /** Skip the zero padding up to the next multiple of 8 from `start`. */
  skipPadTo8(name: string, start: number): void {
    this.skip(name, align8(this.pos - start) - (this.pos - start))
  }

  /**
   * Read a NUL-terminated string that fills the rest of the body (the padding after the NUL is
   * consumed); EINVAL without a NUL.
   */
  string(name: string): string {
    const start = this.view.byteOffset + this.pos
    const area = new Uint8Array(this.view.buffer, start, this.remaining)
    const nul = area.indexOf(0)
    if (nul < 0) fail('EINVAL', `${this.what}.${name}`, 'is not NUL-terminated within the record')
    const s = decoder.decode(area.slice(0, nul))
    this.pos = this.end
    return s
  }

  /** Throw EINVAL naming `name`. */
  invalid(name: string, why: string): never {
    return fail('EINVAL', `${this.what}.${name}`, why)
  }

  /** Check that the body was consumed exactly. */
  done(): void {
    if (this.pos !== this.end) {
      fail('EINVAL', this.what, `${this.end - this.pos} unexpected bytes after the body`)
    }
  }
}

/** `Array.isArray` that keeps the element type of a readonly array. @internal */
export function isArray<T>(v: readonly T[] | undefined): v is readonly T[] {
  return Array.isArray(v)
}
