/**
 * The metadata a trace.dat carries about its events, gathered from what occurs in the pages:
 * the `format` of every event id seen (ftrace ones apart, the others grouped by system), a
 * kallsyms line for the `trace_marker` ip, and the cmdlines of every `common_pid` seen.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs'
import { entryHeaderText, FTRACE_PRINT, pageHeaderText } from '@onering/trace-events'
import type { EventDefinition, TracingSystem } from '@onering/trace-events'
import { TRACING_MARK_WRITE_KALLSYMS } from '@onering/ftrace'
import { TraceDatError } from './errors.js'

/** The metadata parts shared by trace.dat versions 6 and 7. */
export interface TraceMetadata {
  /** Page (sub-buffer) size of the data. */
  readonly pageSize: number
  /** `events/header_page` text. */
  readonly headerPage: string
  /** `events/header_event` text. */
  readonly headerEvent: string
  /** `events/ftrace/<event>/format` texts. */
  readonly ftraceFormats: readonly string[]
  /** Other systems and their formats. */
  readonly systems: readonly TracingSystem[]
  /** `/proc/kallsyms`-style text. */
  readonly kallsyms: string
  /** `saved_cmdlines`-style text. */
  readonly cmdlines: string
}

/** The name of thread `tid` of this process from `/proc/self/task/<tid>/comm`, if it is alive. */
export function liveThreadName(tid: number): string | undefined {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * Build the metadata for the event ids and pids that occur.
 *
 * @param definitions the events that may occur (`ftrace/print` is always known).
 * @param comms thread names by pid; pids without one are named from `/proc/self/task`, or left
 *   out (trace-cmd then prints `<...>`).
 * @throws TraceDatError naming the first CPU data that holds an event id without a definition.
 */
export function buildMetadata(
  pageSize: number,
  definitions: readonly EventDefinition[],
  ids: ReadonlyMap<number, string>,
  pids: ReadonlySet<number>,
  comms: ReadonlyMap<number, string>,
): TraceMetadata {
  const byId = new Map<number, EventDefinition>([[FTRACE_PRINT.id, FTRACE_PRINT]])
  for (const d of definitions) byId.set(d.id, d)
  const ftraceFormats: string[] = []
  const systems = new Map<string, string[]>()
  for (const [id, where] of [...ids].sort((a, b) => a[0] - b[0])) {
    const d = byId.get(id)
    if (d === undefined)
      throw new TraceDatError(where, 0, `event id ${id} occurs but no definition was given for it`)
    if (d.system === 'ftrace') ftraceFormats.push(d.formatText)
    else {
      const list = systems.get(d.system) ?? []
      list.push(d.formatText)
      systems.set(d.system, list)
    }
  }
  let cmdlines = ''
  for (const pid of [...pids].sort((a, b) => a - b)) {
    const name = comms.get(pid) ?? liveThreadName(pid)
    if (name !== undefined) cmdlines += `${pid} ${name}\n`
  }
  return {
    pageSize,
    headerPage: pageHeaderText(pageSize),
    headerEvent: entryHeaderText(),
    ftraceFormats,
    systems: [...systems].map(([name, formats]) => ({ name, formats })),
    kallsyms: ids.has(FTRACE_PRINT.id) ? TRACING_MARK_WRITE_KALLSYMS : '',
    cmdlines,
  }
}
