/**
 * `close(2)` of an event fd (`perf_release` → `perf_event_release_kernel`): the event is
 * disabled, leaves its ring and its group, and an event on a tracepoint unregisters its probe
 * (`perf_trace_destroy`). Its mapping, if any, stays until `munmap`, as a mapping outlives the fd.
 *
 * @packageDocumentation
 */
import { fail } from './errors.js'
import { PerfEvent } from './event.js'
import { attach } from './perf-buffer.js'
import { perf_trace_destroy } from './tracepoint-event.js'

const closed = new WeakSet<PerfEvent>()

/**
 * `close(fd)` of a perf event: disable it, unregister its tracepoint probe (a
 * `PERF_TYPE_TRACEPOINT` event), take it out of its group and, when its output went to another
 * event's ring (SET_OUTPUT), out of that ring. Returns 0.
 *
 * @param event - the event
 * @throws PerfError EBADF for a non-event or an event already closed
 */
export function close(event: PerfEvent): number {
  if (!(event instanceof PerfEvent) || closed.has(event))
    fail('EBADF', 'event', 'not an open perf event')
  closed.add(event)
  event.enabled = false
  perf_trace_destroy(event)
  const leader = event.group_leader
  if (leader !== event) {
    const k = leader.siblings.indexOf(event)
    if (k >= 0) leader.siblings.splice(k, 1)
  }
  if (event.redirected) attach(event, null)
  return 0
}
