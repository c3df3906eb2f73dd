/**
 * One `perf_event_attr` as perf.data stores it (in the attrs section, an EVENT_DESC feature or a
 * pipe-mode HEADER_ATTR record): written at perf 6.1's size (128 bytes, `PERF_ATTR_SIZE_VER7`),
 * read at its own `size` through `@onering/perf`'s `decodeAttr`.
 *
 * @packageDocumentation
 */
import { decodeAttr, encodeAttr, makeAttr, PerfError } from '@onering/perf'
import type { PerfEventAttr, PerfEventAttrInit } from '@onering/perf'
import { PerfDataError } from './errors.js'
import { PERF_FILE_ATTR_SIZE_61 } from './file-format.js'

/** @internal The 128 bytes of `attr` with `size` 128, as perf 6.1 writes it. */
export function fileAttrBytes(attr: PerfEventAttrInit, what: string): Uint8Array {
  const a = makeAttr(attr)
  if (a.config3 !== 0n)
    throw new RangeError(`${what}.config3: perf 6.1 files have no config3 (attr size 128)`)
  const bytes = encodeAttr({ ...a, size: PERF_FILE_ATTR_SIZE_61 })
  return bytes.subarray(0, PERF_FILE_ATTR_SIZE_61)
}

/**
 * @internal Decode the attr at `bytes[at, at + room)`; its own `size` (0 = 64) must fit in
 * `room`. Errors become PerfDataErrors of `section` at `at`.
 */
export function readFileAttr(
  bytes: Uint8Array,
  at: number,
  room: number,
  section: string,
): PerfEventAttr {
  if (room < 8) throw new PerfDataError(section, at, `${room} bytes cannot hold an attr`)
  const size = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getUint32(4, true)
  const own = size === 0 ? 64 : size
  if (own > room)
    throw new PerfDataError(
      section,
      at + 4,
      `attr.size ${size} is larger than its ${room}-byte slot`,
    )
  try {
    return decodeAttr(bytes.subarray(at, at + own))
  } catch (e) {
    if (e instanceof PerfError) throw new PerfDataError(section, at, `attr: ${e.message}`)
    throw e
  }
}
