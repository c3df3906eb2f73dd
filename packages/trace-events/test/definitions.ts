/** Event definitions covering every field kind, shared by the suites. */
import type { EventDefinition } from '../src/index.js'
import { defineEvent, EventIdAllocator, FTRACE_PRINT } from '../src/index.js'

const ids = new EventIdAllocator()

/** The reference's `onering/span` example (trace-files.md §3). */
export const SPAN: EventDefinition = defineEvent(
  {
    system: 'onering',
    name: 'span',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'level', type: 's32' },
      { name: 'dur', type: 'u64' },
      { name: 'name', type: 'string' },
      { name: 'tag', type: 'char', array: 8 },
    ],
  },
  ids,
)

/** Every scalar type, fixed arrays, dynamic arrays and strings, with alignment holes. */
export const EVERYTHING: EventDefinition = defineEvent(
  {
    system: 'onering',
    name: 'everything',
    fields: [
      { name: 'a8', type: 'u8' },
      { name: 'b64', type: 'u64' },
      { name: 'c16', type: 'u16' },
      { name: 'd8', type: 's8' },
      { name: 'e32', type: 's32' },
      { name: 'f16', type: 's16' },
      { name: 'g64', type: 's64' },
      { name: 'h', type: 'char' },
      { name: 'i', type: 'int' },
      { name: 'j', type: 'unsigned int' },
      { name: 'k', type: 'long' },
      { name: 'l', type: 'unsigned long' },
      { name: 'comm', type: 'char', array: 16 },
      { name: 'u16s', type: 'u16', array: 3 },
      { name: 's64s', type: 's64', array: 2 },
      { name: 'path', type: 'string' },
      { name: 'ids', type: 'u32', array: 'dynamic' },
      { name: 'deltas', type: 's64', array: 'dynamic' },
      { name: 'bytes', type: 'u8', array: 'dynamic' },
      { name: 'label', type: 'string' },
    ],
  },
  ids,
)

/** A trailing array that is not text. */
export const TRAILING: EventDefinition = defineEvent(
  {
    system: 'onering',
    name: 'samples',
    fields: [
      { name: 'count', type: 'u16' },
      { name: 'values', type: 'u32', array: 'trailing' },
    ],
  },
  ids,
)

/** A marker-like event of our own with a trailing text. */
export const NOTE: EventDefinition = defineEvent(
  {
    system: 'onering',
    name: 'note',
    fields: [
      { name: 'level', type: 'u8' },
      { name: 'text', type: 'char', array: 'trailing' },
    ],
  },
  ids,
)

/** All of them plus the built-in ftrace/print. */
export const USER_DEFINITIONS: readonly EventDefinition[] = [
  SPAN,
  EVERYTHING,
  TRAILING,
  NOTE,
  FTRACE_PRINT,
]
