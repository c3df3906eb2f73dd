/**
 * Wakeups of an event's ring, the kernel's `perf_poll`: POLLIN once enough was written since
 * the last poll (bytes: `rb->watermark`; samples: `wakeup_events`), or once the AUX area woke
 * it; POLLHUP once a REFRESH limit ran out. {@link perf_event_wait} is the blocking poll, on
 * the core reader's `waitAsync`.
 *
 * @packageDocumentation
 */
import { POLLHUP, POLLIN } from './constants.js'
import { checkInt, fail } from './errors.js'
import { PerfEvent } from './event.js'
import type { PerfRing } from './perf-buffer.js'

/**
 * A wakeup is due: `rb->watermark` bytes since the last poll (always, as in the kernel) or,
 * without `attr.watermark`, `wakeup_events` samples.
 */
function due(event: PerfEvent, ring: PerfRing): boolean {
  const head = ring.head()
  const moved = head >= ring.polledHead ? head - ring.polledHead : ring.polledHead - head
  if (moved >= BigInt(ring.watermark)) return true
  const n = event.attr.watermark ? 0 : event.attr.wakeup_events
  return n > 0 && ring.samples >= n
}

/**
 * `poll(2)` on an event fd, without blocking: POLLIN once `wakeup_watermark` bytes (default
 * half the data area; the byte watermark always applies, as in the kernel) or, without
 * `attr.watermark`, `wakeup_events` samples were written since the last poll that returned
 * POLLIN, or once the AUX area woke it (`aux_watermark` bytes, a TRUNCATED record, or no
 * space at `perf_aux_output_begin`); POLLHUP once a REFRESH limit ran out; else 0.
 *
 * @param event - the event (its own ring, or the one it is redirected to)
 * @returns POLLIN | POLLHUP bits
 */
export function perf_event_poll(event: PerfEvent): number {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  let r = event.hup ? POLLHUP : 0
  const ring = event._ring
  if (ring?.auxPoll) {
    ring.auxPoll = false
    r |= POLLIN
  }
  if (ring === null || ring.dataSize === 0) return r
  if (due(event, ring)) {
    r |= POLLIN
    ring.polledHead = ring.head()
    ring.samples = 0
  }
  return r
}

/**
 * Wait (asynchronously, with the core reader's `waitAsync`) until {@link perf_event_poll}
 * would report POLLIN, or `timeoutMs` passes.
 *
 * @param event - the event
 * @param timeoutMs - the longest wait
 * @returns the poll bits (0 on timeout)
 */
export async function perf_event_wait(event: PerfEvent, timeoutMs: number): Promise<number> {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  checkInt('timeoutMs', timeoutMs, 0, 2 ** 31 - 1)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = perf_event_poll(event)
    if (r !== 0) return r
    const ring = event._ring
    const rb = ring === null ? null : ring.rb
    const left = deadline - Date.now()
    if (ring === null || rb === null || left <= 0) return 0
    const n = event.attr.watermark ? 0 : event.attr.wakeup_events
    const head = ring.head()
    const moved = Number(head >= ring.polledHead ? head - ring.polledHead : ring.polledHead - head)
    const wm =
      n > 0
        ? { records: Math.max(1, n - ring.samples), timeout: left }
        : { bytes: Math.max(1, ring.watermark - moved), timeout: left }
    await rb.reader().waitAsync(0, wm)
  }
}
