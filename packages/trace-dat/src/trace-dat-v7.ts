/**
 * trace.dat version 7 (trace-cmd.dat.v7(5)), uncompressed: the 18-byte start, `none` as the
 * compression, the offset of the options section, then sections {u16 id, u16 flags, u32 string
 * id, u64 size}: headers, ftrace events, events format, kallsyms, printk, command lines; one
 * options section (pointers to those, the common options, BUFFER, DONE 0); the flyrecord buffer
 * section (zeros to a page boundary, each CPU's pages verbatim); the strings section last.
 *
 * @packageDocumentation
 */
import { writeSync } from 'node:fs'
import { TRACING_MAGIC } from '@onering/trace-events'
import { ByteWriter, utf8 } from './byte-writer.js'
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
  'buffer flyrecord',
  'strings',
] as const
type Description = (typeof DESCRIPTIONS)[number]

function stringsSection(): { bytes: Uint8Array; id: (d: Description) => number } {
  const w = new ByteWriter()
  const ids = new Map<string, number>()
  for (const d of DESCRIPTIONS) {
    ids.set(d, w.length)
    w.cstring(d)
  }
  return { bytes: w.bytes().slice(), id: (d) => ids.get(d)! }
}

function textWithU64(w: ByteWriter, name: string, text: string): void {
  const b = utf8(text)
  w.cstring(name).u64(b.length).raw(b)
}

/** Write a version 7 file to `fd`; returns its size. */
export function writeV7(
  fd: number,
  meta: TraceMetadata,
  spools: readonly PageSpool[],
  options: FileOptions,
): number {
  const strings = stringsSection()
  const w = new ByteWriter()
  w.raw(new Uint8Array(TRACING_MAGIC)).cstring('7')
  w.raw(new Uint8Array([0, 8])).u32(meta.pageSize)
  w.cstring('none').cstring('')
  const firstOptions = w.length
  w.u64(0)

  const sectionAt = new Map<number, number>()
  const section = (id: number, d: Description, body: (b: ByteWriter) => void): void => {
    const b = new ByteWriter()
    body(b)
    sectionAt.set(id, w.length)
    w.u16(id).u16(0).u32(strings.id(d)).u64(b.length).raw(b.bytes())
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

  // the options section: its size does not depend on the offsets it holds
  const optionsAt = w.length
  w.setU64(firstOptions, optionsAt)
  const optionsBody = (bufferAt: number, dataAt: readonly number[]): Uint8Array => {
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
    const buf = new ByteWriter()
    buf.u64(bufferAt).cstring('').cstring(options.clock).u32(meta.pageSize).u32(spools.length)
    spools.forEach((s, k) => buf.u32(k).u64(dataAt[k]!).u64(s.size))
    b.u16(O.BUFFER).u32(buf.length).raw(buf.bytes())
    b.u16(O.DONE).u32(8).u64(0)
    return b.bytes().slice()
  }
  const probe = optionsBody(
    0,
    spools.map(() => 0),
  )
  const bufferAt = optionsAt + 16 + probe.length
  let at = pageAlign(bufferAt + 16, meta.pageSize)
  const dataAt: number[] = []
  for (const s of spools) {
    dataAt.push(at)
    at += s.size
  }
  const body = optionsBody(bufferAt, dataAt)
  w.u16(O.DONE).u16(0).u32(strings.id('options')).u64(body.length).raw(body)
  const dataStart = dataAt[0] ?? pageAlign(bufferAt + 16, meta.pageSize)
  w.u16(O.BUFFER)
    .u16(0)
    .u32(strings.id('buffer flyrecord'))
    .u64(at - (bufferAt + 16))
  w.zeros(dataStart - w.length)
  const head = w.bytes()
  writeSync(fd, head, 0, head.length, 0)
  spools.forEach((s, k) => {
    s.writeTo(fd, dataAt[k]!)
  })
  const tail = new ByteWriter()
  tail.u16(O.STRINGS).u16(0).u32(strings.id('strings')).u64(strings.bytes.length).raw(strings.bytes)
  const t = tail.bytes()
  writeSync(fd, t, 0, t.length, at)
  return at + t.length
}
