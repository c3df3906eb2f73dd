/**
 * `struct perf_file_header` (104 bytes) and `struct perf_file_section` (linux
 * `tools/perf/util/header.h`): magic, header size, attr entry size, the attrs, data and
 * (obsolete) event_types sections, and the 256-bit `adds_features` bitmap. Read with the checks
 * of perf's `perf_file_header__read` / `perf_session__read_header`, written as perf 6.1 writes
 * it (`perf_session__write_header`).
 *
 * @packageDocumentation
 */
import { checkBytes, checkInt, checkObject } from './check.js'
import { PerfDataError } from './errors.js'
import { FileCursor } from './file-cursor.js'
import { PERF_FILE_HEADER_SIZE, PERF_MAGIC, PERF_PIPE_HEADER_SIZE } from './file-format.js'

/** `struct perf_file_section`: where a part of the file is. */
export interface PerfFileSection {
  /** Byte offset in the file. */
  readonly offset: number
  /** Length in bytes. */
  readonly size: number
}

/** `struct perf_file_header`, decoded. */
export interface PerfFileHeader {
  /** `size`: 104 (perf also reads the old 72-byte header without a feature bitmap). */
  readonly size: number
  /** `attr_size`: bytes of one attrs entry (`perf_event_attr` + its 16-byte ids section). */
  readonly attrSize: number
  /** The attrs section. */
  readonly attrs: PerfFileSection
  /** The data section: the records. */
  readonly data: PerfFileSection
  /** The obsolete event_types section (zeros from perf 6.1). */
  readonly eventTypes: PerfFileSection
  /** The set bits of `adds_features`, ascending (see `PerfFeature`). */
  readonly features: readonly number[]
}

const MAGIC_BYTES = new TextEncoder().encode(PERF_MAGIC)

function section(c: FileCursor): PerfFileSection {
  const offset = c.size('section offset')
  const size = c.size('section size')
  return { offset, size }
}

/**
 * `perf_file_header__read`: decode and check the header at the start of `bytes`. A pipe-mode
 * header (size 16) is reported as such by {@link isPipeHeader}; this function reads file mode.
 *
 * @param bytes the whole file.
 * @throws PerfDataError (`file header`) for a short file, a bad or byte-swapped magic, a
 *   header size perf does not know, a zero `attr_size`, sections outside the file, or attrs
 *   and data that overlap or start inside the header.
 */
export function decodeFileHeader(bytes: Uint8Array): PerfFileHeader {
  checkBytes(bytes, 'bytes')
  const c = new FileCursor(bytes, 'file header', 0, bytes.length)
  c.need(16)
  checkMagic(bytes)
  c.at = 8
  const size = c.size('header size')
  if (size === PERF_PIPE_HEADER_SIZE)
    c.fail(8, 'header size 16 is pipe mode; read it with readPerfDataPipe')
  if (size !== PERF_FILE_HEADER_SIZE && size !== 72)
    c.fail(8, `header size ${size} is neither 104 nor the old 72`)
  c.need(size - 16)
  const attrSize = c.size('attr_size')
  if (attrSize === 0) c.fail(16, 'attr_size is 0')
  const attrs = section(c)
  const data = section(c)
  const eventTypes = section(c)
  const features: number[] = []
  if (size === PERF_FILE_HEADER_SIZE)
    for (let w = 0; w < 4; w++) {
      const word = c.view.getBigUint64(72 + 8 * w, true)
      for (let k = 0; k < 64; k++) if ((word >> BigInt(k)) & 1n) features.push(w * 64 + k)
    }
  const inside = (s: PerfFileSection, name: string, at: number): void => {
    if (s.offset + s.size > bytes.length)
      c.fail(
        at,
        `${name} section [${s.offset}, ${s.offset + s.size}) runs past the ${bytes.length}-byte file`,
      )
    if (s.size > 0 && s.offset < size)
      c.fail(at, `${name} section starts at ${s.offset}, inside the ${size}-byte header`)
  }
  inside(attrs, 'attrs', 24)
  inside(data, 'data', 40)
  if (
    attrs.size > 0 &&
    data.size > 0 &&
    attrs.offset < data.offset + data.size &&
    data.offset < attrs.offset + attrs.size
  )
    c.fail(24, 'attrs and data sections overlap')
  return { size, attrSize, attrs, data, eventTypes, features }
}

function checkMagic(bytes: Uint8Array): void {
  for (let k = 0; k < 8; k++)
    if (bytes[k] !== MAGIC_BYTES[k]) {
      const text = new TextDecoder('latin1').decode(bytes.subarray(0, 8))
      const why =
        text === '2ELIFREP'
          ? 'a file of the other byte order (not supported)'
          : text === 'PERFFILE'
            ? 'the version-1 format (not supported)'
            : 'not a perf.data file'
      throw new PerfDataError('file header', k, `magic ${JSON.stringify(text)}: ${why}`)
    }
}

/**
 * Whether `bytes` starts with a pipe-mode header (`PERFILE2`, size 16), as `perf record -o -`
 * writes.
 */
export function isPipeHeader(bytes: Uint8Array): boolean {
  checkBytes(bytes, 'bytes')
  if (bytes.length < 16) return false
  for (let k = 0; k < 8; k++) if (bytes[k] !== MAGIC_BYTES[k]) return false
  return new DataView(bytes.buffer, bytes.byteOffset, 16).getBigUint64(8, true) === 16n
}

/**
 * Encode a 104-byte `perf_file_header`.
 *
 * @throws RangeError for a feature bit outside 0..255 or a negative/unsafe offset or size.
 */
export function encodeFileHeader(h: Omit<PerfFileHeader, 'size' | 'eventTypes'>): Uint8Array {
  checkObject(h, 'h')
  checkObject(h.attrs, 'h.attrs')
  checkObject(h.data, 'h.data')
  if (!Array.isArray(h.features))
    throw new TypeError('h.features: expected an array of feature bits')
  const out = new Uint8Array(PERF_FILE_HEADER_SIZE)
  const dv = new DataView(out.buffer)
  out.set(MAGIC_BYTES, 0)
  const u64 = (at: number, v: number, what: string): void => {
    dv.setBigUint64(at, BigInt(checkInt(v, what, 0, Number.MAX_SAFE_INTEGER)), true)
  }
  u64(8, PERF_FILE_HEADER_SIZE, 'size')
  u64(16, h.attrSize, 'attrSize')
  u64(24, h.attrs.offset, 'attrs.offset')
  u64(32, h.attrs.size, 'attrs.size')
  u64(40, h.data.offset, 'data.offset')
  u64(48, h.data.size, 'data.size')
  for (const bit of h.features) {
    checkInt(bit, 'h.features', 0, 255)
    const at = 72 + 8 * Math.floor(bit / 64)
    dv.setBigUint64(at, dv.getBigUint64(at, true) | (1n << BigInt(bit % 64)), true)
  }
  return out
}
