import type { EventDefinition, EventIdAllocator } from '@onering/trace-events'
/**
 * `<spanSystem>/span` (u32 seq, s32 level, u64 dur, a __data_loc string name, char[8] tag) and
 * `<sampleSystem>/sample` (s64 value, u16 slot), with ids from `ids`, in that order.
 */
export declare function defineSpanAndSample(
  ids: EventIdAllocator,
  spanSystem: string,
  sampleSystem: string,
): { SPAN: EventDefinition; SAMPLE: EventDefinition }
