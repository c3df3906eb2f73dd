// The perf side of the tracepoint bridge, as the bridge tests and benchmarks open it: a
// PERF_TYPE_TRACEPOINT event on a trace event's id, a RAW sample per emission with every header
// field perf record asks for (several events in one ring: IDENTIFIER and ID), stamped with
// CLOCK_MONOTONIC, the ftrace side's clock.
import {
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_TYPE_TRACEPOINT,
} from '@onering/perf'

export const TRACEPOINT_SAMPLE_TYPE =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_ID |
  PERF_SAMPLE_STREAM_ID |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD |
  PERF_SAMPLE_RAW

export function tracepointAttr(id, extra = {}) {
  return {
    type: PERF_TYPE_TRACEPOINT,
    config: BigInt(id),
    sample_type: TRACEPOINT_SAMPLE_TYPE,
    sample_period: 1,
    use_clockid: true,
    clockid: 1, // CLOCK_MONOTONIC
    ...extra,
  }
}
