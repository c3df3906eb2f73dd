/**
 * trace.dat version 6 (trace-cmd.dat.v6(5)): the tracing-data block (`@onering/trace-events`),
 * the CPU count, the options, `flyrecord` with one {offset, size} per CPU, zeros to a page
 * boundary, then each CPU's pages verbatim.
 *
 * @packageDocumentation
 */
import { TRACE_DAT_VERSION_6, writeTracingData } from '@onering/trace-events'
import { ByteWriter } from './byte-writer.js'
import type { FileOptions } from './file-options.js'
import { writeCommonOptions } from './file-options.js'
import type { TraceMetadata } from './metadata.js'
import type { PageSpool } from './page-spool.js'
import { writeSync } from 'node:fs'

/** Round `n` up to a multiple of `page`. */
export function pageAlign(n: number, page: number): number {
  return Math.ceil(n / page) * page
}

/** Write a version 6 file to `fd`; returns its size. */
export function writeV6(
  fd: number,
  meta: TraceMetadata,
  spools: readonly PageSpool[],
  options: FileOptions,
): number {
  const w = new ByteWriter()
  w.raw(
    writeTracingData({
      version: TRACE_DAT_VERSION_6,
      bigEndian: false,
      longSize: 8,
      pageSize: meta.pageSize,
      headerPage: meta.headerPage,
      headerEvent: meta.headerEvent,
      ftraceFormats: meta.ftraceFormats,
      systems: meta.systems,
      kallsyms: meta.kallsyms,
      printkFormats: '',
      cmdlines: meta.cmdlines,
    }),
  )
  w.u32(spools.length)
  w.text('options  ').zeros(1)
  writeCommonOptions(w, options)
  w.u16(0)
  w.text('flyrecord').zeros(1)
  let at = pageAlign(w.length + 16 * spools.length, meta.pageSize)
  const offsets: number[] = []
  for (const s of spools) {
    offsets.push(at)
    w.u64(at).u64(s.size)
    at += s.size
  }
  const head = w.zeros(pageAlign(w.length, meta.pageSize) - w.length).bytes()
  writeSync(fd, head, 0, head.length, 0)
  spools.forEach((s, k) => {
    s.writeTo(fd, offsets[k]!)
  })
  return at
}
