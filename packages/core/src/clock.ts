/**
 * Clocks. Timestamps are integer nanoseconds held in JS numbers (exact up to 2^53 ns,
 * about 104 days of uptime for the monotonic clock).
 *
 * @packageDocumentation
 */
import { CLOCK_COUNTER, CLOCK_MONOTONIC } from './layout.js'

/** A user-supplied clock: returns an integer timestamp that never decreases. */
export type ClockFn = () => number

/**
 * Which clock a buffer uses.
 *
 * - `'monotonic'` (default): CLOCK_MONOTONIC nanoseconds, the same in every worker of the
 *   process (like the kernel's `trace_clock` "mono").
 * - `'counter'`: a per-ring counter that increases by one per record; the cheapest clock,
 *   ordering records of one ring only (like ftrace's "counter" clock, but per CPU).
 * - a function: called once per record; every worker that attaches must pass the same one.
 *
 * Independently of the clock, a writer can pass an explicit timestamp with each record.
 */
export type ClockOption = 'monotonic' | 'counter' | ClockFn

interface NodeProcessLike {
  hrtime?: { bigint?: () => bigint }
}

const proc = (globalThis as { process?: NodeProcessLike }).process
const hrtimeBigint = proc?.hrtime?.bigint

/**
 * `performance.now()` is cheaper than `process.hrtime.bigint()` and allocation-free; it
 * runs on the same CLOCK_MONOTONIC source but from a per-worker origin. The offset to
 * the process-wide hrtime origin is measured once per worker.
 */
const perfBaseNs: number = hrtimeBigint !== undefined ? measureBase() : performance.timeOrigin * 1e6

/**
 * The offset, from the tightest of a few `hrtime, now, hrtime` brackets: a single pair taken
 * cold (the first `performance.now()` of a thread is slow) or preempted between its two calls
 * put whole milliseconds of skew between the threads' clocks.
 */
function measureBase(): number {
  const hr = (): number => Number(hrtimeBigint!.call(proc!.hrtime))
  performance.now()
  hr()
  let best = Infinity
  let base = 0
  for (let k = 0; k < 5; k++) {
    const a = hr()
    const p = performance.now()
    const b = hr()
    if (b - a < best) {
      best = b - a
      base = (a + b) / 2 - p * 1e6
    }
  }
  return base
}

/**
 * @internal The timestamp of a record: `explicit` (validated) when given, else the buffer's
 * clock (`kind` is one of the CLOCK_* header values; the counter clock counts from `last`).
 */
export function recordTimestamp(
  kind: number,
  last: number,
  user: ClockFn | undefined,
  explicit: number | undefined,
): number {
  if (explicit === undefined)
    return kind === CLOCK_MONOTONIC ? monotonicNs() : kind === CLOCK_COUNTER ? last + 1 : user!()
  if (!(explicit >= 0 && explicit <= Number.MAX_SAFE_INTEGER))
    throw new RangeError(`timestamp: ${explicit} is not a non-negative safe integer`)
  return explicit
}

/** CLOCK_MONOTONIC nanoseconds, consistent across the workers of one process. */
export function monotonicNs(): number {
  return Math.floor(perfBaseNs + performance.now() * 1e6)
}
