/**
 * Reading a trace.dat, version 6 or 7 (uncompressed, or compressed with a codec you pass), into
 * its metadata, options and per-CPU page data. Every length and offset is checked against the
 * file; bad input throws {@link TraceDatError} naming the section and byte offset, never reads
 * outside the input and never allocates more than a bounded multiple of it.
 *
 * @packageDocumentation
 */
import { readTracingData, TracingDataError, TRACING_MAGIC } from '@onering/trace-events'
import type { TracingData, TracingSystem } from '@onering/trace-events'
import { ByteReader } from './byte-reader.js'
import type { Compression } from './compression.js'
import { checkOptionsObject } from '@onering/trace-events/internal'
import { TraceDatError, checkOptional } from './errors.js'
import { TRACECMD_OPTION as O } from './options.js'

/** Largest uncompressed size a compressed section or chunk may claim. */
const MAX_UNCOMPRESSED = 1 << 28

/** One CPU's page data of a buffer. */
export interface TraceDatCpu {
  /** The CPU number. */
  readonly cpu: number
  /** Its pages (in place, or decompressed). */
  readonly data: Uint8Array
}

/** A buffer (the top-level one, or an instance) of a trace.dat. */
export interface TraceDatBuffer {
  /** Instance name; `""` for the top-level buffer. */
  readonly name: string
  /** Its trace clock (`local`, `mono`, `counter`, …). */
  readonly clock: string
  /** Page (sub-buffer) size. */
  readonly pageSize: number
  /** Its CPUs' data. */
  readonly cpus: readonly TraceDatCpu[]
}

/** The options of a file that a reader looks at. */
export interface TraceDatFileOptions {
  /** TRACECLOCK: the `trace_clock` text. */
  readonly traceClock?: string
  /** UNAME. */
  readonly uname?: string
  /** VERSION of the writer. */
  readonly version?: string
  /** CPUCOUNT. */
  readonly cpuCount?: number
  /** DATE: the offset (ns) added to every timestamp, as a hex string. */
  readonly date?: string
  /** CPUSTAT texts, one per CPU. */
  readonly cpuStats: readonly string[]
}

/**
 * A trace.dat's contents: the tracing-data parts (as `@onering/trace-events` reads them from a
 * version 6 block), the options and the buffers.
 */
export interface TraceDatFile extends Omit<TracingData, 'version' | 'bigEndian'> {
  /** 6 or 7. */
  readonly version: 6 | 7
  /** Compression algorithm (`none` for version 6 and uncompressed version 7). */
  readonly compression: string
  /** Options. */
  readonly options: TraceDatFileOptions
  /** Buffers with page data: the top-level one first. */
  readonly buffers: readonly TraceDatBuffer[]
}

/** Options of {@link readTraceDat}. */
export interface ReadTraceDatOptions {
  /** The codec of a compressed version 7 file (`await zstdCompression()`). */
  readonly compression?: Compression
}

/** The clock in brackets of a `trace_clock` text (`[mono] …` → `mono`); `local` without one. */
export function clockOf(traceClock: string | undefined): string {
  checkOptional('traceClock', traceClock, 'string')
  return /\[([^\]]+)\]/.exec(traceClock ?? '')?.[1] ?? 'local'
}

function nulString(b: Uint8Array): string {
  const n = b.indexOf(0)
  return new TextDecoder().decode(n < 0 ? b : b.subarray(0, n))
}

interface OptionsState {
  traceClock?: string
  uname?: string
  version?: string
  cpuCount?: number
  date?: string
  cpuStats: string[]
}

/** Record an option common to both versions; false if it is not one of them. */
function commonOption(o: OptionsState, id: number, payload: Uint8Array, r: ByteReader): boolean {
  switch (id) {
    case O.TRACECLOCK:
      o.traceClock = nulString(payload)
      return true
    case O.UNAME:
      o.uname = nulString(payload)
      return true
    case O.VERSION:
      o.version = nulString(payload)
      return true
    case O.DATE:
      o.date = nulString(payload)
      return true
    case O.CPUSTAT:
      o.cpuStats.push(nulString(payload))
      return true
    case O.CPUCOUNT:
      if (payload.length < 4) throw r.error(`CPUCOUNT: ${payload.length} bytes, 4 needed`)
      o.cpuCount = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true)
      return true
    default:
      return false
  }
}

function checkMagic(r: ByteReader): string {
  const magic = r.raw(TRACING_MAGIC.length, 'magic')
  for (let k = 0; k < TRACING_MAGIC.length; k++)
    if (magic[k] !== TRACING_MAGIC[k]) throw r.error('not a trace.dat (bad magic)', k)
  return r.cstring('version')
}

/**
 * Read a trace.dat (version 6 or 7) from its bytes.
 *
 * @throws TraceDatError naming the section and byte offset for a truncated or corrupt file, a
 *   big-endian file, a latency (text) file, or a compressed file without its codec.
 */
export function readTraceDat(bytes: Uint8Array, options: ReadTraceDatOptions = {}): TraceDatFile {
  checkOptionsObject('options', options, ['compression'])
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array')
  const r = new ByteReader(bytes, 0, 'file header')
  const version = checkMagic(r)
  const endian = r.raw(1, 'endianness')[0]
  if (endian !== 0) throw r.error('big-endian files are not supported', r.at - 1)
  if (version === '6') return readV6(bytes)
  if (version === '7') return readV7(bytes, r, options)
  throw r.error(`version "${version}" is not 6 or 7`, TRACING_MAGIC.length)
}

function readV6(bytes: Uint8Array): TraceDatFile {
  let block
  try {
    block = readTracingData(bytes)
  } catch (e) {
    if (e instanceof TracingDataError) throw new TraceDatError(e.section, e.offset, e.message)
    throw e
  }
  const d = block.data
  const r = new ByteReader(bytes, block.end, 'cpu count')
  const cpus = r.u32('cpu count')
  if (cpus > 4096) throw r.error(`${cpus} CPUs`, r.at - 4)
  const o: OptionsState = { cpuStats: [] }
  const instances: { name: string; at: number }[] = []
  const list = flyrecordV6(bytes, r, cpus, o, instances)
  const clock = clockOf(o.traceClock)
  const buffers: TraceDatBuffer[] = [{ name: '', clock, pageSize: d.pageSize, cpus: list }]
  for (const { name, at } of instances) {
    const ir = new ByteReader(bytes, at, `buffer "${name}"`)
    buffers.push({
      name,
      clock,
      pageSize: d.pageSize,
      cpus: flyrecordV6(bytes, ir, cpus, { cpuStats: [] }, undefined),
    })
  }
  return {
    version: 6,
    longSize: d.longSize,
    pageSize: d.pageSize,
    compression: 'none',
    headerPage: d.headerPage,
    headerEvent: d.headerEvent,
    ftraceFormats: d.ftraceFormats,
    systems: d.systems,
    kallsyms: d.kallsyms,
    printkFormats: d.printkFormats,
    cmdlines: d.cmdlines,
    options: o,
    buffers,
  }
}

/**
 * A version 6 `[options] flyrecord` part at `r`: the options (recorded in `o`; BUFFER options
 * added to `instances`, which is undefined inside an instance, where a BUFFER is refused), the
 * label and the {offset, size} table of `cpus` CPUs, each checked to lie inside the file.
 */
function flyrecordV6(
  bytes: Uint8Array,
  r: ByteReader,
  cpus: number,
  o: OptionsState,
  instances: { name: string; at: number }[] | undefined,
): TraceDatCpu[] {
  const where = instances === undefined ? `${r.section} ` : ''
  r.section = `${where}options`
  let label = r.text(10, 'label')
  if (label === 'options  \0') {
    for (;;) {
      const id = r.u16('option id')
      if (id === O.DONE) break
      const size = r.u32('option size')
      const start = r.at
      const payload = r.raw(size, `option ${id}`)
      if (id === O.BUFFER) {
        if (instances === undefined) throw r.error('a BUFFER option inside an instance', start)
        const p = new ByteReader(bytes, start, 'BUFFER option', start + size)
        const at = p.u64('buffer offset')
        const name = p.cstring('name')
        if (at >= bytes.length) throw p.error(`buffer ${name} at ${at} passes the end`, start)
        if (instances.some((i) => i.at === at || i.name === name))
          throw p.error(`buffer ${name} at ${at} repeats another`, start)
        instances.push({ name, at })
      } else commonOption(o, id, payload, r)
    }
    label = r.text(10, 'label')
  }
  if (label === 'latency  \0') throw r.error('a latency (text) file has no page data', r.at - 10)
  if (label !== 'flyrecord\0') throw r.error(`"${label}" is not flyrecord`, r.at - 10)
  r.section = `${where}flyrecord`
  const list: TraceDatCpu[] = []
  for (let cpu = 0; cpu < cpus; cpu++) {
    const at = r.at
    const offset = r.u64(`cpu ${cpu} offset`)
    const size = r.u64(`cpu ${cpu} size`)
    if (offset + size > bytes.length)
      throw new TraceDatError(
        `${r.section} cpu ${cpu} data`,
        at,
        `${size} bytes at ${offset} pass the end (${bytes.length})`,
      )
    list.push({ cpu, data: bytes.subarray(offset, offset + size) })
  }
  return list
}

/** Names of the v7 sections, for errors. */
const SECTION_NAMES: Record<number, string> = {
  [O.DONE]: 'options section',
  [O.BUFFER]: 'buffer section',
  [O.HEADER_INFO]: 'headers section',
  [O.FTRACE_EVENTS]: 'ftrace events section',
  [O.EVENT_FORMATS]: 'events format section',
  [O.KALLSYMS]: 'kallsyms section',
  [O.PRINTK]: 'printk section',
  [O.CMDLINES]: 'command lines section',
}

function decompress(
  r: ByteReader,
  codec: Compression | undefined,
  data: Uint8Array,
  size: number,
): Uint8Array {
  if (codec === undefined) throw r.error('compressed data but no codec (pass compression)')
  if (size > MAX_UNCOMPRESSED) throw r.error(`${size} uncompressed bytes claimed`)
  try {
    return codec.decompress(data, size)
  } catch (e) {
    throw r.error(`${codec.name}: ${(e as Error).message}`)
  }
}

function readV7(bytes: Uint8Array, r: ByteReader, options: ReadTraceDatOptions): TraceDatFile {
  const longSize = r.raw(1, 'long size')[0]!
  if (longSize !== 4 && longSize !== 8) throw r.error(`long size ${longSize}`, r.at - 1)
  const pageSize = r.u32('page size')
  if (pageSize < 64 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0)
    throw r.error(`page size ${pageSize}`, r.at - 4)
  r.section = 'compression'
  const compression = r.cstring('compression name')
  r.cstring('compression version')
  const codec = compression === 'none' ? undefined : options.compression
  if (compression !== 'none' && codec?.name !== compression)
    throw r.error(`a ${compression}-compressed file needs its codec (pass compression)`)
  r.section = 'file header'
  let next = r.u64('first options offset')

  /** The body of the section at `at` (decompressed), checked to be `id`. */
  const section = (at: number, id: number): ByteReader => {
    const name = SECTION_NAMES[id] ?? `section ${id}`
    const h = new ByteReader(bytes, at, name)
    const got = h.u16('section id')
    if (got !== id) throw h.error(`section id ${got}, expected ${id}`, at)
    const flags = h.u16('flags')
    h.u32('string id')
    const size = h.u64('size')
    h.raw(size, 'body') // the whole body lies inside the file
    if ((flags & 1) === 0) return new ByteReader(bytes, at + 16, name, at + 16 + size)
    const c = new ByteReader(bytes, at + 16, name, at + 16 + size)
    const csize = c.u32('compressed size')
    const usize = c.u32('uncompressed size')
    const out = decompress(c, codec, c.raw(csize, 'compressed data'), usize)
    return new ByteReader(out, 0, `${name} (decompressed)`)
  }

  const o: OptionsState = { cpuStats: [] }
  const pointers = new Map<number, number>()
  const buffers: {
    at: number
    name: string
    clock: string
    pageSize: number
    cpus: { cpu: number; offset: number; size: number }[]
  }[] = []
  const seen = new Set<number>()
  while (next !== 0) {
    if (seen.has(next)) throw new TraceDatError('options section', next, 'options chain loops')
    seen.add(next)
    const s = section(next, O.DONE)
    for (;;) {
      const id = s.u16('option id')
      const size = s.u32('option size')
      const start = s.at
      const payload = s.raw(size, `option ${id}`)
      if (id === O.DONE) {
        const p = new ByteReader(s.bytes, start, s.section, start + size)
        next = p.u64('next options offset')
        break
      }
      if (commonOption(o, id, payload, s)) continue
      if (id >= O.HEADER_INFO && id <= O.CMDLINES) {
        const p = new ByteReader(s.bytes, start, s.section, start + size)
        pointers.set(id, p.u64(`option ${id} offset`))
      } else if (id === O.BUFFER) {
        const p = new ByteReader(s.bytes, start, 'BUFFER option', start + size)
        const at = p.u64('buffer offset')
        const name = p.cstring('name')
        const clock = p.cstring('clock')
        const ps = p.u32('page size')
        const n = p.u32('cpu count')
        if (n * 20 > size) throw p.error(`${n} CPUs in ${size} bytes`)
        const cpus = []
        for (let k = 0; k < n; k++)
          cpus.push({ cpu: p.u32('cpu'), offset: p.u64('data offset'), size: p.u64('data size') })
        buffers.push({ at, name, clock, pageSize: ps, cpus })
      }
    }
  }

  const meta = (id: number): ByteReader => {
    const at = pointers.get(id)
    if (at === undefined)
      throw new TraceDatError('options section', 0, `no ${SECTION_NAMES[id]} pointer`)
    return section(at, id)
  }
  const h = meta(O.HEADER_INFO)
  const textAfter = (label: string): string => {
    const got = h.cstring('label')
    if (got !== label) throw h.error(`"${got}" is not ${label}`)
    return h.text(h.u64(`${label} size`), label)
  }
  const headerPage = textAfter('header_page')
  const headerEvent = textAfter('header_event')
  const f = meta(O.FTRACE_EVENTS)
  const ftraceFormats: string[] = []
  for (let n = f.u32('count'), k = 0; k < n; k++)
    ftraceFormats.push(f.text(f.u64('size'), 'format'))
  const e = meta(O.EVENT_FORMATS)
  const systems: TracingSystem[] = []
  for (let n = e.u32('count'), k = 0; k < n; k++) {
    const name = e.cstring('system name')
    const formats: string[] = []
    for (let m = e.u32('event count'), j = 0; j < m; j++)
      formats.push(e.text(e.u64('size'), 'format'))
    systems.push({ name, formats })
  }
  const ks = meta(O.KALLSYMS)
  const kallsyms = ks.text(ks.u32('size'), 'kallsyms')
  const pk = meta(O.PRINTK)
  const printkFormats = pk.text(pk.u32('size'), 'printk')
  const cl = meta(O.CMDLINES)
  const cmdlines = cl.text(cl.u64('size'), 'cmdlines')

  const out: TraceDatBuffer[] = []
  for (const b of buffers) {
    const hdr = new ByteReader(bytes, b.at, 'buffer section')
    if (hdr.u16('section id') !== O.BUFFER) throw hdr.error('not a buffer section', b.at)
    const compressed = (hdr.u16('flags') & 1) !== 0
    const cpus: TraceDatCpu[] = b.cpus.map((c) => {
      const name = `cpu ${c.cpu} data`
      if (!compressed) {
        if (c.offset + c.size > bytes.length)
          throw new TraceDatError(name, c.offset, `${c.size} bytes pass the end (${bytes.length})`)
        return { cpu: c.cpu, data: bytes.subarray(c.offset, c.offset + c.size) }
      }
      const z = new ByteReader(bytes, c.offset, name)
      const chunks = z.u32('chunk count')
      const parts: Uint8Array[] = []
      let total = 0
      for (let k = 0; k < chunks; k++) {
        const csize = z.u32('compressed size')
        const usize = z.u32('uncompressed size')
        if (total + usize > MAX_UNCOMPRESSED) throw z.error(`${total + usize} bytes of pages`)
        parts.push(decompress(z, codec, z.raw(csize, 'chunk'), usize))
        total += usize
      }
      const data = new Uint8Array(total)
      let at = 0
      for (const p of parts) {
        data.set(p, at)
        at += p.length
      }
      return { cpu: c.cpu, data }
    })
    out.push({ name: b.name, clock: b.clock, pageSize: b.pageSize, cpus })
  }
  out.sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : 0))
  return {
    version: 7,
    longSize,
    pageSize,
    compression,
    headerPage,
    headerEvent,
    ftraceFormats,
    systems,
    kallsyms,
    printkFormats,
    cmdlines,
    options: o,
    buffers: out,
  }
}
