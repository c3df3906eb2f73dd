// The events the test program emits (shared by the workers and the suite; ids are allocated in
// the same order everywhere).
import { defineEvent, EventIdAllocator } from '@onering/trace-events'

const ids = new EventIdAllocator()
export const SPAN = defineEvent(
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
export const SAMPLE = defineEvent(
  {
    system: 'app',
    name: 'sample',
    fields: [
      { name: 'value', type: 's64' },
      { name: 'slot', type: 'u16' },
    ],
  },
  ids,
)
export const DEFINITIONS = [SPAN, SAMPLE]
