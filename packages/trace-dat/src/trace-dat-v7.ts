/**
 * trace.dat version 7 (trace-cmd.dat.v7(5)): the 18-byte start, the compression (`none`, or
 * `zstd` and its version), the offset of the first options section, then sections {u16 id, u16
 * flags, u32 string id, u64 size}: headers, ftrace events, events format, kallsyms, printk,
 * command lines; the flyrecord buffer section (zeros to a page boundary, then each CPU's pages
 * verbatim — or, compressed, per CPU a u32 chunk count and chunks {u32 compressed size, u32
 * size, frame} of {@link PAGES_IN_CHUNK} pages); one options section (pointers to the sections,
 * the common options, BUFFER, DONE 0); the strings section last.
 *
 * @packageDocumentation
 */
import { writeSync } from 'node:fs'
import { TRACING_MAGIC } from '@onering/trace-events'
import { ByteWriter, utf8 } from './byte-writer.js'
import type { Compression } from './compression.js'
import { PAGES_IN_CHUNK } from './compression.js'
import type { FileOptions } from './file-options.js'
import { writeCommonOptions } from './file-options.js'
import type { TraceMetadata } from './metadata.js'
import { TRACECMD_OPTION as O } from './options.js'
import type { PageSpool } from './page-spool.js'
import { pageAlign } from './trace-dat-v6.js'

/** Section descriptions, as trace-cmd 3.1.6 names them in the strings section. */
const DESCRIPTIONS = [
  'options',
  'headers',
  'ftrace events',
  'events format',
  'kallsyms',
  'printk',
  'command lines',
  'strings',
] as const
/** A section description: a fixed one, or a buffer's (`buffer flyrecord <name>`). */
type Description = (typeof DESCRIPTIONS)[number] | `buffer flyrecord ${string}`

/** Flag of a compressed section. */
const SECTION_COMPRESSED = 1

/**
 * The strings section: the fixed descriptions and one `buffer flyrecord <name>` per buffer (the
 * top-level one's ends in a blank), the description trace-cmd looks a buffer section up by.
 */
function stringsSection(buffers: readonly string[]): {
  bytes: Uint8Array
  id: (d: Description) => number
} {
  const w = new ByteWriter()
  const ids = new Map<string, number>()
  for (const d of [...DESCRIPTIONS, ...buffers.map((n) => `buffer flyrecord ${n}`)]) {
    ids.set(d, w.length)
    w.cstring(d)
  }
  return { bytes: w.bytes().slice(), id: (d) => ids.get(d)! }
}

function textWithU64(w: ByteWriter, name: string, text: string): void {
  const b = utf8(text)
  w.cstring(name).u64(b.length).raw(b)
}

/** Sequential writes to a file descriptor. */
class FileOut {
  at = 0
  constructor(readonly fd: number) {}
  write(b: Uint8Array): void {
    writeSync(this.fd, b, 0, b.length, this.at)
    this.at += b.length
  }
}

/** One buffer of a version 7 file: the top-level one (name `""`) or an instance. */
export interface V7Buffer {
  /** Instance name, `""` for the top-level buffer. */
  readonly name: string
  /** Its trace clock name. */
  readonly clock: string
  /** Its CPUs' pages. */
  readonly spools: readonly PageSpool[]
}

/**
 * Write a version 7 file to `fd` with one buffer section and BUFFER option per buffer,
 * compressed with `compression` if given; returns its size.
 */
export function writeV7(
  fd: number,
  meta: TraceMetadata,
  buffers: readonly V7Buffer[],
  options: FileOptions,
  compression?: Compression,
): number {
  const out = new FileOut(fd)
  const strings = stringsSection(buffers.map((b) => b.name))
  const head = new ByteWriter()
  head.raw(new Uint8Array(TRACING_MAGIC)).cstring('7')
  head.raw(new Uint8Array([0, 8])).u32(meta.pageSize)
  head.cstring(compression?.name ?? 'none').cstring(compression?.version ?? '')
  const firstOptions = head.length
  head.u64(0) // patched once the options section's place is known
  out.write(head.bytes())

  const sectionAt = new Map<number, number>()
  const section = (
    id: number,
    d: Description,
    body: (b: ByteWriter) => void,
    pack = true,
  ): void => {
    const b = new ByteWriter()
    body(b)
    sectionAt.set(id, out.at)
    const h = new ByteWriter()
    if (compression !== undefined && pack) {
      const c = compression.compress(b.bytes())
      h.u16(id)
        .u16(SECTION_COMPRESSED)
        .u32(strings.id(d))
        .u64(8 + c.length)
      h.u32(c.length).u32(b.length).raw(c)
    } else h.u16(id).u16(0).u32(strings.id(d)).u64(b.length).raw(b.bytes())
    out.write(h.bytes())
  }
  section(O.HEADER_INFO, 'headers', (b) => {
    textWithU64(b, 'header_page', meta.headerPage)
    textWithU64(b, 'header_event', meta.headerEvent)
  })
  section(O.FTRACE_EVENTS, 'ftrace events', (b) => {
    b.u32(meta.ftraceFormats.length)
    for (const f of meta.ftraceFormats) b.u64(utf8(f).length).text(f)
  })
  section(O.EVENT_FORMATS, 'events format', (b) => {
    b.u32(meta.systems.length)
    for (const s of meta.systems) {
      b.cstring(s.name).u32(s.formats.length)
      for (const f of s.formats) b.u64(utf8(f).length).text(f)
    }
  })
  section(O.KALLSYMS, 'kallsyms', (b) => b.u32(utf8(meta.kallsyms).length).text(meta.kallsyms))
  section(O.PRINTK, 'printk', (b) => b.u32(0))
  section(O.CMDLINES, 'command lines', (b) => b.u64(utf8(meta.cmdlines).length).text(meta.cmdlines))

  // per buffer, a buffer section: header (size patched), zeros to a page boundary, CPU blocks
  const placed = buffers.map((buffer) => {
    const bufferAt = out.at
    const flags = compression === undefined ? 0 : SECTION_COMPRESSED
    out.write(
      new ByteWriter()
        .u16(O.BUFFER)
        .u16(flags)
        .u32(strings.id(`buffer flyrecord ${buffer.name}`))
        .u64(0)
        .bytes(),
    )
    out.write(new Uint8Array(pageAlign(out.at, meta.pageSize) - out.at))
    const dataAt: number[] = []
    const dataSize: number[] = []
    for (const s of buffer.spools) {
      const start = out.at
      dataAt.push(start)
      if (compression === undefined) {
        s.writeTo(fd, start)
        out.at += s.size
      } else {
        const chunk = PAGES_IN_CHUNK * meta.pageSize
        out.write(new ByteWriter().u32(Math.ceil(s.size / chunk)).bytes())
        s.forEachChunk(chunk, (bytes) => {
          const c = compression.compress(bytes)
          out.write(new ByteWriter().u32(c.length).u32(bytes.length).bytes())
          out.write(c)
        })
      }
      dataSize.push(out.at - start)
    }
    const sizeField = new ByteWriter().u64(out.at - (bufferAt + 16)).bytes()
    writeSync(fd, sizeField, 0, 8, bufferAt + 8)
    return { buffer, bufferAt, dataAt, dataSize }
  })

  // the options section, then the strings
  const optionsAt = out.at
  const b = new ByteWriter()
  for (const id of [
    O.HEADER_INFO,
    O.FTRACE_EVENTS,
    O.EVENT_FORMATS,
    O.KALLSYMS,
    O.PRINTK,
    O.CMDLINES,
  ])
    b.u16(id).u32(8).u64(sectionAt.get(id)!)
  writeCommonOptions(b, options)
  for (const { buffer, bufferAt, dataAt, dataSize } of placed) {
    const buf = new ByteWriter()
    buf.u64(bufferAt).cstring(buffer.name).cstring(buffer.clock)
    buf.u32(meta.pageSize).u32(buffer.spools.length)
    buffer.spools.forEach((_, k) => buf.u32(k).u64(dataAt[k]!).u64(dataSize[k]!))
    b.u16(O.BUFFER).u32(buf.length).raw(buf.bytes())
  }
  b.u16(O.DONE).u32(8).u64(0)
  out.write(
    new ByteWriter()
      .u16(O.DONE)
      .u16(0)
      .u32(strings.id('options'))
      .u64(b.length)
      .raw(b.bytes())
      .bytes(),
  )
  out.write(
    new ByteWriter()
      .u16(O.STRINGS)
      .u16(0)
      .u32(strings.id('strings'))
      .u64(strings.bytes.length)
      .raw(strings.bytes)
      .bytes(),
  )
  const first = new ByteWriter().u64(optionsAt).bytes()
  writeSync(fd, first, 0, 8, firstOptions)
  return out.at
}
