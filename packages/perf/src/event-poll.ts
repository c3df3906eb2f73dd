/**
 * Wakeups of an event's ring, the kernel's `perf_poll`: POLLIN once a wakeup is pending
 * (`rb->poll`, set when a record moved `rb->wakeup`: `rb->watermark` bytes, or `wakeup_events`
 * samples — see `PerfRing.outputDone` / `sampleDone`), or once the AUX area woke it.
 * {@link perf_event_wait} is the blocking poll, on the core reader's `waitAsync`.
 *
 * @packageDocumentation
 */
import { POLLIN } from './constants.js'
import { checkInt, fail } from './errors.js'
import { PerfEvent } from './event.js'

/**
 * `poll(2)` on an event fd, without blocking: POLLIN when a wakeup is pending, which the poll
 * takes (`atomic_xchg(&rb->poll, 0)`); a wakeup comes from the record that takes the bytes
 * written past `rb->wakeup` + `rb->watermark` (`wakeup_watermark` bytes, default half the data
 * area; it always applies, as in the kernel, and `rb->wakeup` then moves on by the watermark),
 * or, without `attr.watermark`, from every `wakeup_events`-th sample written into the ring, or
 * from the AUX area (`aux_watermark` bytes, a TRUNCATED record, or no space at
 * `perf_aux_output_begin`); else 0. A REFRESH limit that ran out is no POLLHUP: the kernel
 * reports it only in the SIGIO notification (`pending_kill = POLL_HUP`, here
 * {@link PerfEvent.hup}); `perf_poll` answers EPOLLHUP only for an event whose task exited,
 * which has no counterpart here.
 *
 * @param event - the event (its own ring, or the one it is redirected to)
 * @returns POLLIN or 0
 */
export function perf_event_poll(event: PerfEvent): number {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  let r = 0
  const ring = event._ring
  if (ring?.auxPoll) {
    ring.auxPoll = false
    r |= POLLIN
  }
  if (ring === null || ring.dataSize === 0) return r
  if (ring.pollPending) {
    ring.pollPending = false
    r |= POLLIN
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
    // the bytes still to write before the next watermark wakeup
    const bytes = ring.wakeupStamp + ring.watermark + 1 - ring.written()
    const wm =
      n > 0
        ? { records: Math.max(1, n - ring.samples), timeout: left }
        : { bytes: Math.max(1, bytes), timeout: left }
    await rb.reader().waitAsync(0, wm)
  }
}
