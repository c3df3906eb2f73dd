// The events of the bridge test program (test/bridge): three definitions, ids allocated in the
// same order in every thread, so the workers and the suite agree on them.
import { defineEvent, EventIdAllocator } from '@onering/trace-events'
import { defineSpanAndSample } from '../support/span-sample-events.mjs'

const ids = new EventIdAllocator()
export const { SPAN, SAMPLE } = defineSpanAndSample(ids, 'bridge', 'bridge')
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
