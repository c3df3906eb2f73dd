/**
 * `ioctl(2)` on an event fd, the kernel's `_perf_ioctl`: one switch on the request, which
 * reads as the table of requests. `PERF_EVENT_IOC_SET_OUTPUT` (`setOutput`) redirects
 * the event's output into another event's ring.
 *
 * @packageDocumentation
 */
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_ID,
  PERF_EVENT_IOC_MODIFY_ATTRIBUTES,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_PERIOD,
  PERF_EVENT_IOC_QUERY_BPF,
  PERF_EVENT_IOC_REFRESH,
  PERF_EVENT_IOC_RESET,
  PERF_EVENT_IOC_SET_BPF,
  PERF_EVENT_IOC_SET_FILTER,
  PERF_EVENT_IOC_SET_OUTPUT,
  PERF_IOC_FLAG_GROUP,
} from './constants.js'
import { checkInt, fail } from './errors.js'
import { PerfEvent, checkOutput } from './event.js'
import { attach } from './perf-buffer.js'

function describe(v: unknown): string {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v
}

/** `perf_event_for_each`: `f` on the event, or with PERF_IOC_FLAG_GROUP on its whole group. */
function forEach(event: PerfEvent, arg: unknown, f: (ev: PerfEvent) => void): void {
  if (arg !== undefined && arg !== 0 && arg !== PERF_IOC_FLAG_GROUP)
    fail('EINVAL', 'arg', `${describe(arg)} is not 0 nor PERF_IOC_FLAG_GROUP`)
  if (arg !== PERF_IOC_FLAG_GROUP) {
    f(event)
    return
  }
  const leader = event.group_leader
  f(leader)
  for (const s of leader.siblings) f(s)
}

/**
 * `ioctl(2)` on an event fd: ENABLE, DISABLE, RESET (with PERF_IOC_FLAG_GROUP: the whole
 * group), REFRESH (n more overflows, then the event disables itself; 0 only enables; EINVAL for
 * an inherited or a counting event), PERIOD, ID (returns the id), SET_OUTPUT (a target event or -1),
 * PAUSE_OUTPUT (non-zero pauses, 0 resumes). SET_FILTER, SET_BPF, QUERY_BPF and
 * MODIFY_ATTRIBUTES are EOPNOTSUPP here; any other request is ENOTTY.
 *
 * @param event - the event
 * @param request - PERF_EVENT_IOC_*
 * @param arg - the request's argument
 * @returns the id for PERF_EVENT_IOC_ID, else 0
 */
export function ioctl(event: PerfEvent, request: number, arg?: unknown): number | bigint {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'fd', 'not a perf event')
  switch (request) {
    case PERF_EVENT_IOC_ENABLE:
      forEach(event, arg, (ev) => {
        ev.enabled = true
        ev.hup = false
      })
      return 0
    case PERF_EVENT_IOC_DISABLE:
      forEach(event, arg, (ev) => {
        ev.enabled = false
      })
      return 0
    case PERF_EVENT_IOC_RESET:
      forEach(event, arg, (ev) => {
        ev.count = 0n
      })
      return 0
    case PERF_EVENT_IOC_REFRESH: {
      // _perf_event_refresh: EINVAL for an inherited or a counting event; 0 only enables
      if (event.attr.inherit) fail('EINVAL', 'arg', 'REFRESH of an inherited event')
      const a = event.attr
      if ((a.freq ? a.sample_freq : a.sample_period) === 0)
        fail('EINVAL', 'fd', 'REFRESH of a counting (not sampling) event')
      const n = checkInt('arg', arg, 0, 2 ** 31 - 1)
      event.event_limit += n
      event.enabled = true
      event.hup = false
      return 0
    }
    case PERF_EVENT_IOC_PERIOD: {
      const v = typeof arg === 'bigint' ? Number(arg) : arg
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
        fail('EINVAL', 'arg', `${String(arg)} is not a positive period`)
      event.attr.sample_period = v
      event.attr.sample_freq = v
      return 0
    }
    case PERF_EVENT_IOC_ID:
      return event.id
    case PERF_EVENT_IOC_SET_OUTPUT:
      setOutput(event, arg)
      return 0
    case PERF_EVENT_IOC_PAUSE_OUTPUT: {
      const ring = event._ring
      if (ring === null || ring.dataSize === 0)
        fail('EINVAL', 'fd', 'PAUSE_OUTPUT needs a ring buffer with data pages')
      if (typeof arg !== 'number' && typeof arg !== 'bigint' && typeof arg !== 'boolean')
        fail('EINVAL', 'arg', 'expected a number')
      ring.paused = Number(arg) !== 0
      return 0
    }
    case PERF_EVENT_IOC_SET_FILTER:
    case PERF_EVENT_IOC_SET_BPF:
    case PERF_EVENT_IOC_QUERY_BPF:
    case PERF_EVENT_IOC_MODIFY_ATTRIBUTES:
      return fail('EOPNOTSUPP', 'request', `0x${request.toString(16)} is not supported here`)
    default:
      return fail('ENOTTY', 'request', `${String(request)} is not a perf ioctl`)
  }
}

/**
 * `PERF_EVENT_IOC_SET_OUTPUT` (the kernel's `perf_event_set_output`): `arg` -1 detaches the
 * event's output, a target event redirects it into the target's ring (`checkOutput`'s
 * rules; an mmapped event cannot be redirected: EINVAL).
 */
function setOutput(event: PerfEvent, arg: unknown): void {
  if (arg !== -1 && !(arg instanceof PerfEvent))
    fail('EBADF', 'arg', 'SET_OUTPUT takes a perf event fd or -1')
  if (arg === event) fail('EINVAL', 'arg', 'cannot redirect an event to itself')
  if (arg instanceof PerfEvent) checkOutput(event.attr, event.pid, event.cpu, arg)
  if (event.mmapped) fail('EINVAL', 'fd', 'cannot redirect the output of an mmapped event')
  attach(event, arg === -1 ? null : arg._ring)
}
