/**
 * perf's delivery order (linux `tools/perf/util/ordered-events.c` as `perf script` uses it):
 * kernel records with a timestamp wait in a queue; each FINISHED_ROUND delivers, sorted by time
 * (file order among equal times), every queued record no newer than the newest timestamp seen
 * before the *previous* round, and the end of the data delivers the rest. Records without a
 * timestamp (time 0 or absent — synthesized ones, files without `sample_id_all`) and perf's own
 * records (type ≥ 64) are delivered at once, in file order.
 *
 * @packageDocumentation
 */
import { PERF_RECORD_FINISHED_ROUND, PERF_RECORD_USER_TYPE_START } from './file-format.js'

/** What the queue needs of a record: its type and its time (undefined when it has none). */
export interface OrderedItem {
  /** `header.type`. */
  readonly type: number
  /** The record's timestamp (SAMPLE TIME or the `sample_id` trailer's), if any. */
  readonly time: bigint | number | undefined
}

const NO_TIME = (1n << 64n) - 1n
const NO_TIME_NUMBER = 2 ** 64 // ~0ULL read as a double

/** @internal Yield `items` in perf's delivery order. */
export function* orderedEvents<T extends OrderedItem>(items: Iterable<T>): Generator<T> {
  let queue: T[] = []
  let nextFlush: bigint | number = 0
  let maxTimestamp: bigint | number = 0
  let lastFlush: bigint | number = 0
  const flush = function* (limit: bigint | number | undefined): Generator<T> {
    if (queue.length === 0) return
    // a stable sort keeps file order among equal timestamps, as perf's queue inserts after them
    const due = limit === undefined ? queue : queue.filter((e) => e.time! <= limit)
    if (due.length === 0) return
    queue = limit === undefined ? [] : queue.filter((e) => e.time! > limit)
    due.sort((a, b) => (a.time! < b.time! ? -1 : a.time! > b.time! ? 1 : 0))
    lastFlush = due[due.length - 1]!.time!
    yield* due
  }
  for (const item of items) {
    if (item.type >= PERF_RECORD_USER_TYPE_START) {
      if (item.type === PERF_RECORD_FINISHED_ROUND) {
        yield* flush(nextFlush)
        nextFlush = maxTimestamp
      }
      yield item
      continue
    }
    const t = item.time
    // perf: no time, or a time below the last flush ("Timestamp below last timeslice flush"),
    // is delivered at once

    if (t === undefined || t == 0 || t === NO_TIME || t === NO_TIME_NUMBER || t < lastFlush) {
      yield item
      continue
    }
    queue.push(item)
    if (t > maxTimestamp) maxTimestamp = t
  }
  yield* flush(undefined)
}
