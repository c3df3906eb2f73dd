/**
 * trace.dat version 6 (trace-cmd.dat.v6(5)): the tracing-data block (`@onering/trace-events`),
 * the CPU count, the options, `flyrecord` with one {offset, size} per CPU, zeros to a page
 * boundary, then each CPU's pages verbatim; each table is followed by the clock as {u64 size,
 * `[clock]`}, which trace-cmd reads there when the TRACECLOCK option is present. An instance (a
 * named buffer) is a BUFFER option {u64 offset, NUL name} whose offset points at its own
 * `flyrecord` label and {offset, size} table (one entry per CPU of the file, as trace-cmd's
 * `add_buffer_option_v6` and `tracecmd_buffer_instance_handle` lay them out); its pages follow
 * the top-level buffer's.
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
import { TRACECMD_OPTION } from './options.js'

/** A named buffer (instance) of a version 6 file. */
export interface V6Instance {
  /** Its name (non-empty). */
  readonly name: string
  /** Its CPUs' pages; no more CPUs than the file has (missing ones are written empty). */
  readonly spools: readonly PageSpool[]
}

/** Round `n` up to a multiple of `page`. */
export function pageAlign(n: number, page: number): number {
  return Math.ceil(n / page) * page
}

/** Write a version 6 file to `fd` (the top-level buffer, then instances); returns its size. */
export function writeV6(
  fd: number,
  meta: TraceMetadata,
  spools: readonly PageSpool[],
  options: FileOptions,
  instances: readonly V6Instance[] = [],
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
  // BUFFER: u64 offset of the instance's flyrecord table (patched below), NUL name
  const patch = instances.map((i) => {
    const name = new TextEncoder().encode(i.name)
    w.u16(TRACECMD_OPTION.BUFFER).u32(8 + name.length + 1)
    const at = w.length
    w.u64(0).raw(name).zeros(1)
    return at
  })
  w.u16(0)
  const cpus = spools.length
  // after each table trace-cmd reads the clock as {u64 size, "[clock]"} (its `save_clock`)
  const clock = new TextEncoder().encode(`[${options.clock}]`)
  const tableEnd = w.length + (10 + 16 * cpus + 8 + clock.length) * (1 + instances.length)
  let at = pageAlign(tableEnd, meta.pageSize)
  const blocks: { spool: PageSpool; at: number }[] = []
  const table = (list: readonly PageSpool[]): void => {
    w.text('flyrecord').zeros(1)
    for (let cpu = 0; cpu < cpus; cpu++) {
      const s = list[cpu]
      if (s === undefined || s.size === 0) {
        w.u64(0).u64(0)
        continue
      }
      blocks.push({ spool: s, at })
      w.u64(at).u64(s.size)
      at += s.size
    }
    w.u64(clock.length).raw(clock)
  }
  table(spools)
  instances.forEach((i, k) => {
    w.setU64(patch[k]!, w.length)
    table(i.spools)
  })
  const head = w.zeros(pageAlign(w.length, meta.pageSize) - w.length).bytes()
  writeSync(fd, head, 0, head.length, 0)
  for (const b of blocks) b.spool.writeTo(fd, b.at)
  return Math.max(at, head.length)
}
