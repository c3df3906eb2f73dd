import type { EventDefinition } from '@onering/trace-events'
/** onering/span: u32, s32, u64, a __data_loc string, char[8]. */
export declare const SPAN: EventDefinition
/** app/sample: s64, u16. */
export declare const SAMPLE: EventDefinition
/** Both. */
export declare const DEFINITIONS: EventDefinition[]
