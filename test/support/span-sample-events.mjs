// The span and sample events of the test programs that emit trace events from worker threads
// (test/bridge, packages/trace-dat/test): a span (u32, s32, u64, a __data_loc string, char[8];
// the reference's `onering/span` example, trace-files.md §3) and a sample (s64, u16). Each
// program names their systems and allocates their ids from its own allocator, defining them in
// the same order in every thread so the workers and the suite agree on them.
import { defineEvent } from '@onering/trace-events'

export function defineSpanAndSample(ids, spanSystem, sampleSystem) {
  const SPAN = defineEvent(
    {
      system: spanSystem,
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
  const SAMPLE = defineEvent(
    {
      system: sampleSystem,
      name: 'sample',
      fields: [
        { name: 'value', type: 's64' },
        { name: 'slot', type: 'u16' },
      ],
    },
    ids,
  )
  return { SPAN, SAMPLE }
}
