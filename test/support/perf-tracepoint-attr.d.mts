/** IDENTIFIER | IP | TID | TIME | ID | STREAM_ID | CPU | PERIOD | RAW. */
export declare const TRACEPOINT_SAMPLE_TYPE: number
/** The attr fields {@link tracepointAttr} sets. */
export interface TracepointAttr {
  type: number
  config: bigint
  sample_type: number
  sample_period: number
  use_clockid: boolean
  clockid: number
}
/**
 * A PERF_TYPE_TRACEPOINT attr on the trace event `id`: {@link TRACEPOINT_SAMPLE_TYPE}, a sample
 * per emission, CLOCK_MONOTONIC; `extra` sets more fields or overrides these.
 */
export declare function tracepointAttr<E extends object = object>(
  id: number,
  extra?: E,
): TracepointAttr & E
