/**
 * trace.dat option ids (trace-cmd's `enum tracecmd_file_options`, `trace-cmd.h`) and the
 * values this package writes for them.
 *
 * @packageDocumentation
 */
import { shown } from '@onering/trace-events/internal'

/** The option names of {@link TRACECMD_OPTION}. */
export type TracecmdOptionName =
  | 'DONE'
  | 'DATE'
  | 'CPUSTAT'
  | 'BUFFER'
  | 'TRACECLOCK'
  | 'UNAME'
  | 'HOOK'
  | 'OFFSET'
  | 'CPUCOUNT'
  | 'VERSION'
  | 'PROCMAPS'
  | 'TRACEID'
  | 'TIME_SHIFT'
  | 'GUEST'
  | 'TSC2NSEC'
  | 'STRINGS'
  | 'HEADER_INFO'
  | 'FTRACE_EVENTS'
  | 'EVENT_FORMATS'
  | 'KALLSYMS'
  | 'PRINTK'
  | 'CMDLINES'
  | 'BUFFER_TEXT'

/** Option (and v7 section) ids of trace.dat. */
export const TRACECMD_OPTION: Readonly<Record<TracecmdOptionName, number>> = Object.freeze({
  DONE: 0,
  DATE: 1,
  CPUSTAT: 2,
  BUFFER: 3,
  TRACECLOCK: 4,
  UNAME: 5,
  HOOK: 6,
  OFFSET: 7,
  CPUCOUNT: 8,
  VERSION: 9,
  PROCMAPS: 10,
  TRACEID: 11,
  TIME_SHIFT: 12,
  GUEST: 13,
  TSC2NSEC: 14,
  STRINGS: 15,
  HEADER_INFO: 16,
  FTRACE_EVENTS: 17,
  EVENT_FORMATS: 18,
  KALLSYMS: 19,
  PRINTK: 20,
  CMDLINES: 21,
  BUFFER_TEXT: 22,
})

/** The clocks a Linux `trace_clock` file lists, in the kernel's order (x86-64). */
export const TRACE_CLOCKS: readonly string[] = Object.freeze([
  'local',
  'global',
  'counter',
  'uptime',
  'perf',
  'mono',
  'mono_raw',
  'boot',
  'tai',
  'x86-tsc',
])

/**
 * The `trace_clock` file text with `clock` in brackets, as the TRACECLOCK option carries it
 * (`[local] global counter …`).
 *
 * @throws RangeError for a clock the kernel does not list.
 */
export function traceClockText(clock: string): string {
  if (!TRACE_CLOCKS.includes(clock))
    throw new RangeError(
      `clock: ${shown(clock)} is not a kernel trace clock (${TRACE_CLOCKS.join(', ')})`,
    )
  return TRACE_CLOCKS.map((c) => (c === clock ? `[${c}]` : c)).join(' ') + '\n'
}
