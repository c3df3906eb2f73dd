// The events of the bridge test program (test/bridge): three definitions, ids allocated in the
// same order in every thread, so the workers and the suite agree on them.
import { defineEvent, EventIdAllocator } from '@onering/trace-events'

const ids = new EventIdAllocator()
export const SPAN = defineEvent(
  {
    system: 'bridge',
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
    system: 'bridge',
    name: 'sample',
    fields: [
      { name: 'value', type: 's64' },
      { name: 'slot', type: 'u16' },
    ],
  },
  ids,
)
export const RPC = defineEvent(
  {
    system: 'rpc',
    name: 'call',
    fields: [
      { name: 'status', type: 'u16' },
      { name: 'bytes', type: 'u32' },
      { name: 'method', type: 'string' },
    ],
  },
  ids,
)
export const DEFINITIONS = [SPAN, SAMPLE, RPC]
