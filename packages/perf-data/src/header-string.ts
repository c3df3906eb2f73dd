/**
 * perf's header strings (`do_write_string` / `do_read_string` in linux
 * `tools/perf/util/header.c`): `u32 len`, then `len` bytes holding the NUL-terminated text
 * padded with zeros to a multiple of 64 (`NAME_ALIGN`).
 *
 * @packageDocumentation
 */
import { PERF_HEADER_STRING_ALIGN } from './file-format.js'

const encoder = new TextEncoder()

/** @internal Bytes of the header string of `text`. */
export function headerStringBytes(text: string): Uint8Array {
  const body = encoder.encode(text)
  if (body.includes(0)) throw new RangeError(`header string ${JSON.stringify(text)} holds a NUL`)
  const len = Math.ceil((body.length + 1) / PERF_HEADER_STRING_ALIGN) * PERF_HEADER_STRING_ALIGN
  const out = new Uint8Array(4 + len)
  new DataView(out.buffer).setUint32(0, len, true)
  out.set(body, 4)
  return out
}

/** @internal Bytes of a string list: u32 count, then the strings. */
export function headerStringListBytes(list: readonly string[]): Uint8Array {
  const parts = list.map(headerStringBytes)
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + p.length, 0))
  new DataView(out.buffer).setUint32(0, list.length, true)
  let at = 4
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
