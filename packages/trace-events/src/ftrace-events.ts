/**
 * The built-in ftrace events this package defines. `ftrace/print` (id 5,
 * `struct print_entry` in `kernel/trace/trace_entries.h`) is what a write to `trace_marker`
 * produces: the kernel's `ip` of the marker write (printed with `%ps`, so a file needs a
 * kallsyms entry for it to print a name) and the text, to which the kernel appends `\n` when it
 * does not end with one, NUL-terminated.
 *
 * @packageDocumentation
 */
import type { EventDefinition } from './event-definition.js'
import { layoutEvent } from './event-definition.js'
import { FTRACE_EVENT_IDS } from './event-ids.js'
import { utf8Length } from './utf8.js'
import { shown } from './args.js'

/** `ftrace/print`: `unsigned long ip; char buf[];` with print fmt `"%ps: %s"`. */
export const FTRACE_PRINT: EventDefinition = layoutEvent(
  {
    system: 'ftrace',
    name: 'print',
    fields: [
      { name: 'ip', type: 'unsigned long' },
      { name: 'buf', type: 'char', array: 'trailing' },
    ],
    printFmt: '"%ps: %s", (void *)REC->ip, REC->buf',
  },
  FTRACE_EVENT_IDS['print']!,
)

/**
 * Payload bytes of the `print` event a `trace_marker` write of `text` produces
 * (`tracing_mark_write`): 16 bytes of fields, the text, a `\n` unless the text ends with one,
 * and a NUL.
 */
export function printEventSize(text: string): number {
  if (typeof text !== 'string') throw new TypeError(`text: expected a string, got ${shown(text)}`)
  return FTRACE_PRINT.structSize + utf8Length(text) + (text.endsWith('\n') ? 1 : 2)
}
