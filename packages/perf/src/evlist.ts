/**
 * libperf's event list (`tools/lib/perf/evlist.c`) under libperf's names: a list of event
 * selectors (one attr each), opened on a set of CPUs, whose ring buffers are mapped the way
 * `perf_evlist__mmap` maps them — per CPU and per direction (forward / `write_backward`) the
 * FIRST event's fd is mmapped and every other event of that CPU and direction is redirected
 * into it with `PERF_EVENT_IOC_SET_OUTPUT` — and read with one {@link PerfMmap} consumer per
 * mapping.
 *
 * ```ts
 * const evlist = perf_evlist__new()
 * perf_evlist__add(evlist, { sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_ID, sample_period: 1 })
 * perf_evlist__open(evlist, [0, 1])
 * perf_evlist__mmap(evlist, 4)
 * perf_evlist__for_each_mmap(evlist, false, (map) => {
 *   if (perf_mmap__read_init(map) < 0) return
 *   for (let ev = perf_mmap__read_event(map); ev; ev = perf_mmap__read_event(map)) perf_mmap__consume(map)
 *   perf_mmap__read_done(map)
 * })
 * perf_evlist__close(evlist)
 * ```
 *
 * Per-thread (any-CPU) maps, the pollfd array and the AUX area are not implemented.
 *
 * @packageDocumentation
 */
import { validateAttr } from './attr-validate.js'
import type { PerfEventAttr, PerfEventAttrInit } from './attr.js'
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_ID,
  PERF_EVENT_IOC_SET_OUTPUT,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from './constants.js'
import { shown } from '@onering/trace-events/internal'
import { fail } from './errors.js'

/** A boolean argument (libperf's `bool`). */
function checkBool(name: string, v: unknown): void {
  if (typeof v !== 'boolean') fail('EINVAL', name, `expected a boolean, got ${shown(v)}`)
}
import { PerfEvent, perf_event_open } from './event.js'
import { ioctl } from './event-ioctl.js'
import { mmap, munmap } from './event-mmap.js'
import type { PerfMapping } from './event-mmap.js'
import { PerfMmap, perf_mmap__get, perf_mmap__munmap } from './mmap-reader.js'

/** One event selector (`struct perf_evsel`): an attr and its fd on each CPU of the list. */
export interface PerfEvsel {
  /** Position in the list. */
  readonly idx: number
  /** The validated attr every fd is opened with. */
  readonly attr: PerfEventAttr
  /** The opened events, one per CPU in the order of {@link PerfEvlist.cpus} (empty before open). */
  fds: PerfEvent[]
}

/** One ring buffer of the list: a {@link PerfMmap} and what libperf keeps next to it. */
export interface PerfEvlistMmap {
  /** The consumer. */
  readonly map: PerfMmap
  /** The CPU the ring belongs to. */
  readonly cpu: number
  /** `true` for an overwrite map (write_backward events, read-only mapping). */
  readonly overwrite: boolean
  /** The mapping of the first event's fd. */
  readonly mapping: PerfMapping
  /** Every event writing into it: the mmapped one first, then the redirected ones. */
  readonly events: PerfEvent[]
}

/** `struct perf_evlist`: the selectors, the CPUs they are opened on and the maps. */
export interface PerfEvlist {
  /** The event selectors, in the order they were added. */
  readonly entries: PerfEvsel[]
  /** The CPUs of the last {@link perf_evlist__open} (empty before). */
  cpus: number[]
  /** Forward maps, one per CPU with a forward event (`evlist->mmap`). */
  mmap: PerfEvlistMmap[]
  /** Overwrite maps, one per CPU with a write_backward event (`evlist->mmap_ovw`). */
  mmap_ovw: PerfEvlistMmap[]
}

function checkEvlist(evlist: unknown): PerfEvlist {
  if (
    typeof evlist !== 'object' ||
    evlist === null ||
    !Array.isArray((evlist as PerfEvlist).entries)
  )
    fail('EINVAL', 'evlist', 'expected an evlist from perf_evlist__new')
  return evlist as PerfEvlist
}

function opened(evlist: PerfEvlist): boolean {
  return evlist.entries.some((e) => e.fds.length > 0)
}

/**
 * `perf_evlist__new`: an empty event list.
 *
 * @returns the evlist
 */
export function perf_evlist__new(): PerfEvlist {
  return { entries: [], cpus: [], mmap: [], mmap_ovw: [] }
}

/**
 * `perf_evlist__add` (with `perf_evsel__new(attr)`): append a selector for `attr`. The attr is
 * validated now (a PerfError with the kernel's errno otherwise); nothing is opened.
 *
 * @param evlist - the list
 * @param attr - the event's attr
 * @returns the new selector
 * @throws PerfError `EBUSY` once the list is open, or the attr's validation error
 */
export function perf_evlist__add(evlist: PerfEvlist, attr: PerfEventAttrInit): PerfEvsel {
  checkEvlist(evlist)
  if (opened(evlist)) fail('EBUSY', 'evlist', 'is already open')
  const evsel: PerfEvsel = { idx: evlist.entries.length, attr: validateAttr(attr), fds: [] }
  evlist.entries.push(evsel)
  return evsel
}

/**
 * `perf_evlist__open`: open every selector on each CPU (`perf_event_open(attr, -1, cpu, -1,
 * 0)`). On failure everything opened so far is dropped and the error thrown.
 *
 * @param evlist - the list
 * @param cpus - the CPUs (distinct non-negative integers, at least one)
 * @throws PerfError `EINVAL` for a bad CPU list or an empty list, `EBUSY` when already open,
 *   or the error of `perf_event_open`
 */
export function perf_evlist__open(evlist: PerfEvlist, cpus: readonly number[]): void {
  checkEvlist(evlist)
  const list: unknown = cpus
  if (!Array.isArray(list) || cpus.length === 0)
    fail('EINVAL', 'cpus', 'expected a non-empty array of CPUs')
  for (const c of cpus)
    if (!Number.isInteger(c) || c < 0 || c > 2 ** 31 - 1)
      fail('EINVAL', 'cpus', `${String(c)} is not a CPU number`)
  if (new Set(cpus).size !== cpus.length) fail('EINVAL', 'cpus', 'has duplicates')
  if (evlist.entries.length === 0) fail('EINVAL', 'evlist', 'has no events')
  if (opened(evlist)) fail('EBUSY', 'evlist', 'is already open')
  try {
    for (const evsel of evlist.entries)
      for (const cpu of cpus) evsel.fds.push(perf_event_open(evsel.attr, -1, cpu))
  } catch (e) {
    for (const evsel of evlist.entries) evsel.fds = []
    throw e
  }
  evlist.cpus = [...cpus]
}

function* allMaps(evlist: PerfEvlist): Generator<PerfEvlistMmap> {
  yield* evlist.mmap
  yield* evlist.mmap_ovw
}

/**
 * `perf_evlist__mmap`: map the rings. `pages` data pages per ring (a power of two). For each
 * CPU and each direction (`attr.write_backward` → an overwrite map, PROT_READ; otherwise
 * PROT_READ | PROT_WRITE) the first event's fd is mmapped with `(pages + 1) × 4096` bytes and
 * a {@link PerfMmap} (refcnt 2) created on it; every other event of that CPU and direction is
 * redirected with `PERF_EVENT_IOC_SET_OUTPUT` and takes a reference (`perf_mmap__get`).
 * On failure what was mapped is unmapped again.
 *
 * @param evlist - an open list
 * @param pages - data pages per ring: a power of two ≥ 1
 * @throws PerfError `EINVAL` when `pages` is not a power of two, the list is not open or is
 *   already mapped; or the error of `mmap` / `ioctl`
 */
export function perf_evlist__mmap(evlist: PerfEvlist, pages: number): void {
  checkEvlist(evlist)
  if (
    typeof pages !== 'number' ||
    !Number.isInteger(pages) ||
    pages < 1 ||
    pages > 1 << 20 ||
    pages & (pages - 1)
  )
    fail('EINVAL', 'pages', `${String(pages)} is not a power of two`)
  if (!opened(evlist)) fail('EINVAL', 'evlist', 'is not open')
  if (evlist.mmap.length + evlist.mmap_ovw.length > 0) fail('EINVAL', 'evlist', 'is already mapped')
  const length = (pages + 1) * PAGE_SIZE
  try {
    evlist.cpus.forEach((cpu, i) => {
      const byDir = new Map<boolean, PerfEvlistMmap>()
      for (const evsel of evlist.entries) {
        const fd = evsel.fds[i]
        if (fd === undefined) continue
        const overwrite = evsel.attr.write_backward
        const out = byDir.get(overwrite)
        if (out === undefined) {
          const prot = overwrite ? PROT_READ : PROT_READ | PROT_WRITE
          const mapping = mmap(fd, length, prot, MAP_SHARED, 0)
          let m: PerfEvlistMmap
          try {
            m = {
              map: new PerfMmap(mapping.bytes, { overwrite }),
              cpu,
              overwrite,
              mapping,
              events: [fd],
            }
          } catch (e) {
            munmap(mapping)
            throw e
          }
          byDir.set(overwrite, m)
          ;(overwrite ? evlist.mmap_ovw : evlist.mmap).push(m)
        } else {
          const first = out.events[0]
          if (first === undefined) fail('EINVAL', 'evlist', 'map without events')
          ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, first)
          perf_mmap__get(out.map)
          out.events.push(fd)
        }
      }
    })
  } catch (e) {
    perf_evlist__munmap(evlist)
    throw e
  }
}

/**
 * `perf_evlist__next_mmap`: the map after `map` (the first when `map` is null) among the
 * forward maps, or the overwrite maps when `overwrite`.
 *
 * @param evlist - the list
 * @param map - the current map, or null
 * @param overwrite - which array
 * @returns the next map, or null after the last
 */
export function perf_evlist__next_mmap(
  evlist: PerfEvlist,
  map: PerfMmap | null,
  overwrite: boolean,
): PerfMmap | null {
  if (map !== null && !(map instanceof PerfMmap))
    fail('EINVAL', 'map', `expected null or a PerfMmap of the list, got ${shown(map)}`)
  checkBool('overwrite', overwrite)
  const maps = (overwrite ? checkEvlist(evlist).mmap_ovw : checkEvlist(evlist).mmap).map(
    (m) => m.map,
  )
  if (map === null) return maps[0] ?? null
  const i = maps.indexOf(map)
  return i < 0 ? null : (maps[i + 1] ?? null)
}

/**
 * `perf_evlist__for_each_mmap`: call `fn` for every forward map (or every overwrite map when
 * `overwrite`), in CPU order.
 *
 * @param evlist - the list
 * @param overwrite - the overwrite maps instead of the forward ones
 * @param fn - called with the map, its CPU and its evlist entry
 */
export function perf_evlist__for_each_mmap(
  evlist: PerfEvlist,
  overwrite: boolean,
  fn: (map: PerfMmap, cpu: number, entry: PerfEvlistMmap) => void,
): void {
  const maps = [...perf_evlist__mmaps(evlist, overwrite)]
  if (typeof fn !== 'function') fail('EINVAL', 'fn', `expected a function, got ${shown(fn)}`)
  for (const m of maps) fn(m.map, m.cpu, m)
}

/**
 * The maps as an iterator (the iterator form of {@link perf_evlist__for_each_mmap}).
 *
 * @param evlist - the list
 * @param overwrite - the overwrite maps instead of the forward ones
 * @returns the entries, in CPU order
 */
export function perf_evlist__mmaps(
  evlist: PerfEvlist,
  overwrite: boolean,
): IterableIterator<PerfEvlistMmap> {
  const l = checkEvlist(evlist)
  checkBool('overwrite', overwrite)
  return (overwrite ? l.mmap_ovw : l.mmap).values()
}

/**
 * The selector an event id (`PERF_SAMPLE_ID`, `PERF_EVENT_IOC_ID`) belongs to, and the CPU of
 * that fd (what perf's `evlist__id2evsel` answers).
 *
 * @param evlist - the list
 * @param id - the event id
 * @returns the selector and CPU, or null for an unknown id
 */
export function perf_evlist__id2evsel(
  evlist: PerfEvlist,
  id: bigint,
): { evsel: PerfEvsel; cpu: number } | null {
  const l = checkEvlist(evlist)
  if (typeof id !== 'bigint') fail('EINVAL', 'id', `expected a bigint sample id, got ${typeof id}`)
  for (const evsel of l.entries)
    for (const [i, fd] of evsel.fds.entries())
      if (ioctl(fd, PERF_EVENT_IOC_ID) === id) return { evsel, cpu: l.cpus[i] ?? -1 }
  return null
}

/**
 * `perf_evlist__enable`: `PERF_EVENT_IOC_ENABLE` on every fd.
 *
 * @param evlist - the list
 */
export function perf_evlist__enable(evlist: PerfEvlist): void {
  for (const evsel of checkEvlist(evlist).entries)
    for (const fd of evsel.fds) ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)
}

/**
 * `perf_evlist__disable`: `PERF_EVENT_IOC_DISABLE` on every fd.
 *
 * @param evlist - the list
 */
export function perf_evlist__disable(evlist: PerfEvlist): void {
  for (const evsel of checkEvlist(evlist).entries)
    for (const fd of evsel.fds) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0)
}

/**
 * `perf_evlist__munmap`: unmap every map (`perf_mmap__munmap`, then `munmap` of the ring,
 * which detaches the redirected events). A no-op when nothing is mapped.
 *
 * @param evlist - the list
 */
export function perf_evlist__munmap(evlist: PerfEvlist): void {
  const l = checkEvlist(evlist)
  for (const m of allMaps(l)) {
    perf_mmap__munmap(m.map)
    if (m.mapping.event.mmapped) munmap(m.mapping)
  }
  l.mmap = []
  l.mmap_ovw = []
}

/**
 * `perf_evlist__close`: unmap, disable and drop every fd (the list can be opened again).
 *
 * @param evlist - the list
 */
export function perf_evlist__close(evlist: PerfEvlist): void {
  const l = checkEvlist(evlist)
  perf_evlist__munmap(l)
  for (const evsel of l.entries) {
    for (const fd of evsel.fds) fd.enabled = false
    evsel.fds = []
  }
  l.cpus = []
}
