/**
 * UTF-8 without allocation: the byte length of a JavaScript string and an encoder that writes
 * into an existing `Uint8Array` (TextEncoder's `encodeInto` needs a subarray per call). Lone
 * surrogates become U+FFFD, as TextEncoder does.
 *
 * @packageDocumentation
 */
import { badNumber, shown } from './args.js'

/** Bytes of `text` in UTF-8 (the `strlen` of what the kernel's `__assign_str` copies). */
export function utf8Length(text: string): number {
  if (typeof text !== 'string') badText(text)
  return utf8LengthUnchecked(text)
}

/** @internal {@link utf8Length} of a string the caller checked (the encoder's write path). */
export function utf8LengthUnchecked(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/**
 * Write `text` as UTF-8 at `bytes[at]`, at most `limit` bytes (a character that does not fit
 * whole is left out). Returns the bytes written. No allocation.
 */
export function writeUtf8(bytes: Uint8Array, at: number, text: string, limit: number): number {
  if (!(
    bytes instanceof Uint8Array &&
    typeof text === 'string' &&
    Number.isInteger(at) &&
    Number.isInteger(limit) &&
    at >= 0 &&
    limit >= 0 &&
    at + limit <= bytes.length
  ))
    badWriteArgs(bytes, at, text, limit)
  return writeUtf8Unchecked(bytes, at, text, limit)
}

/**
 * @internal {@link writeUtf8} for the encoder, whose `at` and `limit` lie inside its slot and
 * whose `text` it checked (the write path).
 */
export function writeUtf8Unchecked(
  bytes: Uint8Array,
  at: number,
  text: string,
  limit: number,
): number {
  let o = at
  const end = at + limit
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      if (o + 1 > end) break
      bytes[o++] = c
      continue
    }
    if (c < 0x800) {
      if (o + 2 > end) break
      bytes[o++] = 0xc0 | (c >> 6)
      bytes[o++] = 0x80 | (c & 0x3f)
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        if (o + 4 > end) break
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        bytes[o++] = 0xf0 | (c >> 18)
        bytes[o++] = 0x80 | ((c >> 12) & 0x3f)
        bytes[o++] = 0x80 | ((c >> 6) & 0x3f)
        bytes[o++] = 0x80 | (c & 0x3f)
        i++
        continue
      }
      c = 0xfffd
    }
    if (o + 3 > end) break
    bytes[o++] = 0xe0 | (c >> 12)
    bytes[o++] = 0x80 | ((c >> 6) & 0x3f)
    bytes[o++] = 0x80 | (c & 0x3f)
  }
  return o - at
}

/** The typed error for a `text` that is no string (cold). */
function badText(text: unknown): never {
  throw new TypeError(`text: expected a string, got ${shown(text)}`)
}

/** The typed error for the arguments `writeUtf8` refused (cold). */
function badWriteArgs(bytes: unknown, at: unknown, text: unknown, limit: unknown): never {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`bytes: expected a Uint8Array, got ${shown(bytes)}`)
  if (!(Number.isInteger(at) && (at as number) >= 0 && (at as number) <= bytes.length))
    badNumber('at', at, `a byte offset in [0, ${bytes.length}]`)
  if (typeof text !== 'string') badText(text)
  badNumber(
    'limit',
    limit,
    `a byte count that fits the ${bytes.length - (at as number)} bytes after at`,
  )
}
