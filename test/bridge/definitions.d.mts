import type { EventDefinition } from '@onering/trace-events'
export declare const SPAN: EventDefinition
export declare const SAMPLE: EventDefinition
export declare const RPC: EventDefinition
export declare const DEFINITIONS: EventDefinition[]
