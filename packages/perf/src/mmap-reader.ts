/**
 * libperf's ring-buffer consumer (`tools/lib/perf/mmap.c`) under libperf's names: the
 * `perf_mmap__*` functions over a {@link PerfMmap} (`perf-mmap.ts`, which also describes the
 * memory model and the safety bounds) and the records they return ({@link PerfMmapEvent}).
 *
 * Usage (libperf's documented loop):
 *
 * ```ts
 * const map = new PerfMmap(bytes)                 // or { overwrite: true } for a read-only/backward ring
 * if (perf_mmap__read_init(map) === 0) {
 *   for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
 *     handle(ev.header.type, ev.bytes)           // ev.bytes: valid until the next read_event/consume
 *     perf_mmap__consume(map)
 *   }
 *   perf_mmap__read_done(map)
 * }
 * ```
 *
 * **Errors.** After construction nothing throws on bad ring contents; errors are reported as
 * libperf does: `perf_mmap__read_init` returns `0`, `-EAGAIN` (-11: less than `flush` bytes,
 * or a forward ring that the producer overran — "failed to keep up", resynced to the head),
 * `-ENOENT` (-2: the map was unmapped) or `-EINVAL` (-22: a backward/overwrite ring whose
 * headers cannot be walked); `perf_mmap__read_event` returns `null` at the end of the data
 * and on a malformed header. The constructor throws a `PerfError` `EINVAL` when the control
 * page's geometry is impossible (`data_offset`/`data_size` not a power of two, outside the
 * bytes, …) or an option is bad; `perf_mmap__read_head`/`perf_mmap__write_tail` throw
 * `PerfError` `ENOENT` on an unmapped map (where libperf would dereference NULL).
 *
 * @packageDocumentation
 */
import { fail } from './errors.js'
import { PerfMmap } from './perf-mmap.js'
import type { PerfMmapEvent } from './perf-mmap-event.js'

// the consumer and its records, with the functions over them (index.ts and the tests import them here)
export { PerfMmap } from './perf-mmap.js'
export type { PerfMmapOptions } from './perf-mmap.js'
export { PerfMmapEvent } from './perf-mmap-event.js'

function checkMap(map: unknown): PerfMmap {
  if (!(map instanceof PerfMmap)) fail('EINVAL', 'map', 'expected a PerfMmap')
  return map
}

/**
 * `perf_mmap__mmap_len`: bytes of the mapping, `mask + 1 + page_size`.
 *
 * @param map - the map
 * @returns control page + data area bytes
 */
export function perf_mmap__mmap_len(map: PerfMmap): number {
  checkMap(map)
  return map.mask + 1 + map.page_size
}

/**
 * `perf_mmap__read_head`: load `data_head` (`Atomics.load` on shared memory: an acquire).
 *
 * @param map - the map
 * @returns the free-running u64 head
 * @throws PerfError `ENOENT` when the map is unmapped
 */
export function perf_mmap__read_head(map: PerfMmap): bigint {
  return checkMap(map).readHead()
}

/**
 * `perf_mmap__write_tail`: store `data_tail` (`Atomics.store` on shared memory: a release;
 * call it only after the bytes up to `tail` were read).
 *
 * @param map - the map
 * @param tail - the free-running u64 tail
 * @throws PerfError `ENOENT` when the map is unmapped, `EINVAL` when `tail` is not a u64
 */
export function perf_mmap__write_tail(map: PerfMmap, tail: bigint): void {
  checkMap(map).writeTail(tail)
}

/**
 * `perf_mmap__read_init`: take the head and set the range to read. Forward: `start = prev`,
 * `end = head`; overwrite: `start = head`, `end = prev`. If the range is bigger than the
 * data area, a forward map "failed to keep up": `prev` jumps to the head, the tail is
 * published (`consume`) and -EAGAIN returned; an overwrite map walks the ring from the head
 * with `overwrite_rb_find_range` to recover the newest `data_size` bytes.
 *
 * @param map - the map
 * @returns 0; -EAGAIN (-11) when fewer than `flush` bytes are ready or after a keep-up
 *   failure; -ENOENT (-2) when unmapped; -EINVAL (-22) when a backward ring's headers cannot
 *   be walked
 */
export function perf_mmap__read_init(map: PerfMmap): number {
  return checkMap(map).readInit()
}

/**
 * `perf_mmap__read_event`: the next record of the range, or `null` at its end or on a
 * malformed header. A forward map refreshes `end` from `data_head` on every call and moves
 * `prev` past the record. See {@link PerfMmapEvent} for how long the result is valid.
 *
 * @param map - the map
 * @returns the record, or `null`
 */
export function perf_mmap__read_event(map: PerfMmap): PerfMmapEvent | null {
  return checkMap(map).readEvent()
}

/**
 * `perf_mmap__consume`: on a forward map publish `data_tail = prev` (everything returned so
 * far may now be overwritten). When only one reference is left and the ring is empty, drop
 * it (the map unmaps itself). A no-op on an unmapped map.
 *
 * @param map - the map
 */
export function perf_mmap__consume(map: PerfMmap): void {
  checkMap(map).consume()
}

/**
 * `perf_mmap__read_done`: end of a read pass. Overwrite map: `prev = data_head`, so the next
 * `read_init` covers only newer data (mandatory there). Forward map: `prev = end`, the head
 * the last `read_event` saw (libperf reloads `data_head`, which can skip records a concurrent
 * producer has just published; see the module notes).
 *
 * @param map - the map
 */
export function perf_mmap__read_done(map: PerfMmap): void {
  checkMap(map).readDone()
}

/**
 * `perf_mmap__get`: take a reference (libperf does this for each fd redirected into the map
 * with `PERF_EVENT_IOC_SET_OUTPUT`).
 *
 * @param map - the map
 */
export function perf_mmap__get(map: PerfMmap): void {
  checkMap(map).get()
}

/**
 * `perf_mmap__put`: drop a reference; the last one unmaps. A map starts with 2 (libperf's
 * evlist: one for the evlist, one dropped when the fd reports POLLHUP, after which
 * `perf_mmap__consume` drops the last one once the ring is drained).
 *
 * @param map - the map
 * @throws PerfError `EINVAL` when there is no reference left
 */
export function perf_mmap__put(map: PerfMmap): void {
  checkMap(map).put()
}

/**
 * `perf_mmap__munmap`: forget the mapping; `read_init` then returns -ENOENT and
 * `read_event` null.
 *
 * @param map - the map
 */
export function perf_mmap__munmap(map: PerfMmap): void {
  checkMap(map).munmap()
}
