/**
 * The tracing-data metadata block: what trace.dat version 6 keeps after its magic (trace-cmd
 * `trace-cmd.dat.v6(5)`, items 1–13) and what perf.data's `HEADER_TRACING_DATA` feature holds
 * (the same bytes with the version string `0.6`, written by perf's `tracing_data_get`): magic
 * `17 08 44 "tracing"`, version, endianness, long size, page size, `header_page`,
 * `header_event`, the ftrace formats, each system's formats, kallsyms, printk formats and
 * saved cmdlines. trace.dat v7 splits the same parts into sections; a v6 file goes on after
 * the cmdlines with its CPU count, options and `flyrecord` table.
 *
 * Pure functions over `Uint8Array`. The reader checks every length against the input and
 * throws {@link TracingDataError} naming the section and byte offset; it never reads outside
 * the input and never allocates more than the input's size.
 *
 * @packageDocumentation
 */
import { TracingDataError } from './errors.js'
import { badNumber, shown } from './args.js'

/** The 3 magic bytes and `tracing` that start the block. */
export const TRACING_MAGIC: readonly number[] = Object.freeze([
  0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67,
])

/** trace.dat's version string for this layout. */
export const TRACE_DAT_VERSION_6 = '6'
/** perf's `HEADER_TRACING_DATA` version string (`tracing_data` in perf's trace-event-info.c). */
export const PERF_TRACING_DATA_VERSION = '0.6'

/** One system and its event formats (trace.dat item 10). */
export interface TracingSystem {
  /** The system name (`sched`, `onering`). */
  readonly name: string
  /** The `format` text of each of its events. */
  readonly formats: readonly string[]
}

/** The contents of a tracing-data block. */
export interface TracingData {
  /** `6` for trace.dat, `0.6` for perf (blocks older than `0.6` have no cmdlines). */
  readonly version: string
  /** The traced machine's byte order (trace.dat byte 12). */
  readonly bigEndian: boolean
  /** `sizeof(long)` on the traced machine: 4 or 8. */
  readonly longSize: number
  /** The traced machine's page size. */
  readonly pageSize: number
  /** `events/header_page` text. */
  readonly headerPage: string
  /** `events/header_event` text. */
  readonly headerEvent: string
  /** `events/ftrace/<event>/format` texts. */
  readonly ftraceFormats: readonly string[]
  /** The other systems with their format texts. */
  readonly systems: readonly TracingSystem[]
  /** `/proc/kallsyms` text (may be empty). */
  readonly kallsyms: string
  /** `printk_formats` text (may be empty). */
  readonly printkFormats: string
  /** `saved_cmdlines` text (may be empty; absent before version 0.6). */
  readonly cmdlines: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')

/** Whether a version string has the cmdlines part (perf reads it from "0.6" on). */
function hasCmdlines(version: string): boolean {
  const v = Number(version)
  return !Number.isFinite(v) || v >= 0.6
}

/**
 * Encode a tracing-data block.
 *
 * @param data the block's contents; `version` is `6` for trace.dat, `0.6` for perf.data.
 * @throws RangeError for a long size other than 4/8, a page size that is not a positive u32, a
 *   version string that is empty or holds a NUL, a system name that is empty or holds a NUL,
 *   or a section longer than its u32 length field allows.
 */
export function writeTracingData(data: TracingData): Uint8Array {
  checkTracingData(data)
  if (data.version === '' || data.version.includes('\0'))
    throw new RangeError('data.version: must be a non-empty string without NUL')
  if (data.longSize !== 4 && data.longSize !== 8)
    badNumber('data.longSize', data.longSize, '4 or 8')
  if (!Number.isInteger(data.pageSize) || data.pageSize <= 0 || data.pageSize > 0xffffffff)
    badNumber('data.pageSize', data.pageSize, 'a positive u32')
  const le = !data.bigEndian
  const chunks: Uint8Array[] = []
  let total = 0
  const push = (b: Uint8Array): void => {
    chunks.push(b)
    total += b.length
  }
  const u32 = (v: number, what: string): void => {
    if (v > 0xffffffff) throw new RangeError(`${what}: ${v} bytes do not fit a u32 length`)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, v, le)
    push(b)
  }
  const u64 = (v: number): void => {
    const b = new Uint8Array(8)
    const dv = new DataView(b.buffer)
    dv.setUint32(le ? 0 : 4, v >>> 0, le)
    dv.setUint32(le ? 4 : 0, Math.floor(v / 0x1_0000_0000), le)
    push(b)
  }
  const cstr = (s: string): void => {
    push(encoder.encode(s))
    push(new Uint8Array(1))
  }
  push(Uint8Array.from(TRACING_MAGIC))
  cstr(data.version)
  const head = new Uint8Array(6)
  head[0] = data.bigEndian ? 1 : 0
  head[1] = data.longSize
  new DataView(head.buffer).setUint32(2, data.pageSize, le)
  push(head)
  const text64 = (label: string, s: string): void => {
    cstr(label)
    const b = encoder.encode(s)
    u64(b.length)
    push(b)
  }
  text64('header_page', data.headerPage)
  text64('header_event', data.headerEvent)
  const formats = (list: readonly string[], what: string): void => {
    u32(list.length, what)
    for (const f of list) {
      const b = encoder.encode(f)
      u64(b.length)
      push(b)
    }
  }
  formats(data.ftraceFormats, 'ftraceFormats')
  u32(data.systems.length, 'systems')
  data.systems.forEach((s, k) => {
    if (s.name === '' || s.name.includes('\0'))
      throw new RangeError(`systems[${k}].name: must be a non-empty string without NUL`)
    cstr(s.name)
    formats(s.formats, `systems[${k}].formats`)
  })
  const text32 = (s: string, what: string): void => {
    const b = encoder.encode(s)
    u32(b.length, what)
    push(b)
  }
  text32(data.kallsyms, 'kallsyms')
  text32(data.printkFormats, 'printkFormats')
  if (hasCmdlines(data.version)) {
    const b = encoder.encode(data.cmdlines)
    u64(b.length)
    push(b)
  } else if (data.cmdlines !== '')
    throw new RangeError(`cmdlines: version ${data.version} blocks carry no cmdlines`)
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** What {@link readTracingData} returns: the contents and where the block ended. */
export interface TracingDataRead {
  /** The block's contents. */
  readonly data: TracingData
  /** Offset of the first byte after the block (a trace.dat v6 goes on with its CPU count). */
  readonly end: number
}

/**
 * Decode a tracing-data block starting at `bytes[offset]`.
 *
 * @throws TracingDataError naming the section and byte offset of a bad magic, an unknown
 *   version (7 keeps these parts in sections), a bad long size, or any length that runs past
 *   the input.
 */
/** The shape of a {@link TracingData}: every key there, of its type. */
function checkTracingData(data: TracingData): void {
  const d = data as Partial<Record<keyof TracingData, unknown>> | null
  if (typeof d !== 'object' || d === null || Array.isArray(d))
    throw new TypeError(`data: expected a TracingData object, got ${shown(data)}`)
  for (const key of [
    'version',
    'headerPage',
    'headerEvent',
    'kallsyms',
    'printkFormats',
    'cmdlines',
  ] as const)
    if (typeof d[key] !== 'string')
      throw new TypeError(`data.${key}: expected a string, got ${shown(d[key])}`)
  if (typeof d.bigEndian !== 'boolean')
    throw new TypeError(`data.bigEndian: expected a boolean, got ${shown(d.bigEndian)}`)
  if (!Array.isArray(d.ftraceFormats) || !d.ftraceFormats.every((f) => typeof f === 'string'))
    throw new TypeError(
      `data.ftraceFormats: expected an array of format texts, got ${shown(d.ftraceFormats)}`,
    )
  if (!Array.isArray(d.systems))
    throw new TypeError(`data.systems: expected an array of systems, got ${shown(d.systems)}`)
  ;(d.systems as unknown[]).forEach((s, k) => {
    const sys = s as Partial<TracingSystem> | null
    if (
      typeof sys !== 'object' ||
      sys === null ||
      typeof sys.name !== 'string' ||
      !Array.isArray(sys.formats) ||
      !sys.formats.every((f) => typeof f === 'string')
    )
      throw new TypeError(`data.systems[${k}]: expected { name: string, formats: string[] }`)
  })
}

export function readTracingData(bytes: Uint8Array, offset = 0): TracingDataRead {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array')
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length)
    badNumber('offset', offset, `an offset inside the ${bytes.length}-byte input`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = offset
  let section = 'magic'
  let le = true
  const fail = (where: number, message: string): never => {
    throw new TracingDataError(section, where, message)
  }
  const need = (n: number): void => {
    if (n > bytes.length - at)
      fail(at, `needs ${n} bytes, only ${bytes.length - at} left in the ${bytes.length}-byte input`)
  }
  const u32 = (): number => {
    need(4)
    const v = view.getUint32(at, le)
    at += 4
    return v
  }
  const u64 = (): number => {
    need(8)
    const lo = view.getUint32(at + (le ? 0 : 4), le)
    const hi = view.getUint32(at + (le ? 4 : 0), le)
    if (hi > 0x1fffff)
      fail(at, `length 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is beyond any input`)
    at += 8
    return hi * 0x1_0000_0000 + lo
  }
  const text = (n: number): string => {
    need(n)
    const s = decoder.decode(bytes.subarray(at, at + n))
    at += n
    return s
  }
  const cstr = (max: number): string => {
    const limit = Math.min(bytes.length, at + max)
    let end = at
    while (end < limit && bytes[end] !== 0) end++
    if (end >= limit) fail(at, `no NUL-terminated string within ${max} bytes`)
    const s = decoder.decode(bytes.subarray(at, end))
    at = end + 1
    return s
  }
  need(TRACING_MAGIC.length)
  for (let k = 0; k < TRACING_MAGIC.length; k++)
    if (bytes[at + k] !== TRACING_MAGIC[k])
      fail(at + k, 'not a tracing-data block (magic 17 08 44 "tracing")')
  at += TRACING_MAGIC.length
  section = 'version'
  const versionAt = at
  const version = cstr(16)
  if (!/^\d+(\.\d+)?$/.test(version)) fail(versionAt, `version "${version}" is not a number`)
  if (Number(version) >= 7)
    fail(
      versionAt,
      `version ${version} keeps these parts in sections (trace.dat v7), not in this block`,
    )
  section = 'file header'
  need(6)
  const endian = bytes[at]!
  if (endian > 1) fail(at, `endianness byte ${endian} is not 0 (little) or 1 (big)`)
  le = endian === 0
  const longSize = bytes[at + 1]!
  if (longSize !== 4 && longSize !== 8) fail(at + 1, `long size ${longSize} is not 4 or 8`)
  at += 2
  const pageSize = u32()
  const labelled = (label: string): string => {
    section = label
    const where = at
    const got = cstr(label.length + 1)
    if (got !== label) fail(where, `expected "${label}"`)
    return text(u64())
  }
  const headerPage = labelled('header_page')
  const headerEvent = labelled('header_event')
  const formats = (): string[] => {
    const countAt = at
    const count = u32()
    // every format takes at least its 8-byte size: a count the input cannot hold is corrupt
    if (count > (bytes.length - at) / 8) fail(countAt, `${count} formats cannot fit in the input`)
    const out: string[] = []
    for (let k = 0; k < count; k++) out.push(text(u64()))
    return out
  }
  section = 'ftrace formats'
  const ftraceFormats = formats()
  section = 'event formats'
  const systemsAt = at
  const systemCount = u32()
  if (systemCount > (bytes.length - at) / 5)
    fail(systemsAt, `${systemCount} systems cannot fit in the input`)
  const systems: TracingSystem[] = []
  for (let k = 0; k < systemCount; k++) {
    section = 'event formats'
    const name = cstr(bytes.length - at)
    section = `event formats of ${name}`
    systems.push({ name, formats: formats() })
  }
  section = 'kallsyms'
  const kallsyms = text(u32())
  section = 'printk formats'
  const printkFormats = text(u32())
  section = 'cmdlines'
  const cmdlines = hasCmdlines(version) ? text(u64()) : ''
  return {
    data: {
      version,
      bigEndian: !le,
      longSize,
      pageSize,
      headerPage,
      headerEvent,
      ftraceFormats,
      systems,
      kallsyms,
      printkFormats,
      cmdlines,
    },
    end: at,
  }
}
