import { bridgeRatios } from './bridge.mjs'

/**
 * The ratios `npm run bench` reports, computed from the results of one run: each face against
 * the core, onering against its peers (postMessage, ringbuf.js) and against the memory ceiling.
 * A ratio whose two figures are not both present is left out; one that is not a ratio of two
 * positive numbers is a bug in this table and throws (it used to print NaN).
 *
 * @param {{ name: string, payload: number, nsPerEvent: number, eventsPerSec: number }[]} results
 * @param {number[]} SIZES the payload sizes of the one-writer cases
 * @returns {{ label: string, value: number, better: 'higher' | 'lower' }[]}
 */
export function computeRatios(results, SIZES) {
  const find = (name, payload) => results.find((r) => r.name === name && r.payload === payload)
  const ratios = []
  const ratio = (label, a, b, better = 'higher') => {
    if (a === undefined || b === undefined) return
    if (
      typeof a !== 'number' ||
      typeof b !== 'number' ||
      !(a > 0) ||
      !(b > 0) ||
      !Number.isFinite(a / b)
    )
      throw new TypeError(
        `bench ratio "${label}": ${String(a)} / ${String(b)} is not a ratio of two positive figures`,
      )
    ratios.push({ label, value: a / b, better })
  }
  // cost per event of result `a` over result `b` (lower is better)
  const nsRatio = (label, a, b) => ratio(label, a?.nsPerEvent, b?.nsPerEvent, 'lower')
  const xo = find('cross-worker onering per-CPU ring', 64)
  ratio(
    'onering / postMessage per event (cross-worker, 64 B, events/s)',
    xo?.eventsPerSec,
    find('cross-worker postMessage per event', 64)?.eventsPerSec,
  )
  ratio(
    'onering / postMessage 64 per message (cross-worker, 64 B, events/s)',
    xo?.eventsPerSec,
    find('cross-worker postMessage, 64 per message', 64)?.eventsPerSec,
  )
  ratio(
    'onering / ringbuf.js (cross-worker, 64 B, events/s)',
    xo?.eventsPerSec,
    find('cross-worker ringbuf.js push/pop', 64)?.eventsPerSec,
  )
  for (const s of SIZES) {
    nsRatio(
      `core write (counter) / memory ceiling, ${s} B (ns/event)`,
      find('core write (counter)', s),
      find('memory ceiling: Uint8Array.set copy', s),
    )
  }
  for (const clock of ['counter', 'monotonic']) {
    for (const s of SIZES) {
      nsRatio(
        `ftrace lock_reserve+unlock_commit / core reserve+commit (${clock}), ${s} B`,
        find(`ftrace lock_reserve+unlock_commit (${clock})`, s),
        find(`core reserve+commit (${clock})`, s),
      )
      nsRatio(
        `ftrace ring_buffer_write / core write (${clock}), ${s} B`,
        find(`ftrace ring_buffer_write (${clock})`, s),
        find(`core write (${clock})`, s),
      )
      // informative (not a face target): against a core ring that publishes every commit too
      nsRatio(
        `info: ftrace lock_reserve+unlock_commit / core reserve+commit publishBatch 1 (${clock}), ${s} B`,
        find(`ftrace lock_reserve+unlock_commit (${clock})`, s),
        find(`core reserve+commit publishBatch 1 (${clock})`, s),
      )
    }
    nsRatio(
      `perf SAMPLE (40 B record) perf_event_output_ip / core reserve+commit 40 B on the ring (${clock})`,
      find(`perf perf_event_output_ip SAMPLE (${clock})`, 40),
      find(`core reserve+commit, perf baseline (${clock})`, 32),
    )
    // informative (not a face target): against a core ring that publishes every record too
    nsRatio(
      `info: perf_event_output_ip / core reserve+commit publishBatch 1, 40 B on the ring (${clock})`,
      find(`perf perf_event_output_ip SAMPLE (${clock})`, 40),
      find(`core reserve+commit publishBatch 1, perf baseline (${clock})`, 32),
    )
    nsRatio(
      `info: perf_event_output_ip / core reserve+commit on a perf mapping, 40 B (${clock})`,
      find(`perf perf_event_output_ip SAMPLE (${clock})`, 40),
      find(`core reserve+commit on a perf mapping, perf baseline (${clock})`, 40),
    )
    nsRatio(
      `perf SAMPLE (40 B record) perf_event_output / core reserve+commit 40 B on the ring (${clock})`,
      find(`perf perf_event_output SAMPLE (${clock})`, 40),
      find(`core reserve+commit, perf baseline (${clock})`, 32),
    )
  }
  for (const s of SIZES) {
    nsRatio(
      `ftrace map_get_reader loop / core consume, ${s} B`,
      find('ftrace map_get_reader loop', s),
      find('core consume', s),
    )
  }
  nsRatio(
    'perf read_event loop (40 B) / core consume 40 B on the ring',
    find('perf perf_mmap__read_event loop', 40),
    find('core consume, perf baseline', 32),
  )
  bridgeRatios(find, nsRatio)
  return ratios
}
