/**
 * perf events under the kernel's names: `perf_event_open` gives a {@link PerfEvent} (what the
 * fd stands for). The rest of the fd's life is in one module per kernel step, as in
 * `kernel/events/core.c`: `mmap`/`munmap` (`event-mmap.ts`) map its ring (`perf-buffer.ts`),
 * `ioctl` drives it (`event-ioctl.ts`), the output functions write records into the event's
 * ring or the ring it was redirected to with `PERF_EVENT_IOC_SET_OUTPUT` (`event-output.ts`),
 * and poll/wait report its wakeups (`event-poll.ts`).
 *
 * @packageDocumentation
 */
import type { PerfEventAttr, PerfEventAttrInit } from './attr.js'
import { validateAttr } from './attr-validate.js'
import type { ValidateAttrOptions } from './attr-validate.js'
import {
  PERF_FLAG_FD_CLOEXEC,
  PERF_FLAG_FD_NO_GROUP,
  PERF_FLAG_FD_OUTPUT,
  PERF_FLAG_PID_CGROUP,
} from './constants.js'
import { shown } from '@onering/trace-events/internal'
import { checkInt, fail, checkPlain } from './errors.js'
import type { PerfMapping } from './event-mmap.js'
import { attach } from './perf-buffer.js'
import { PERF_TYPE_TRACEPOINT } from './attr-constants.js'
import { perf_trace_add, perf_trace_check } from './tracepoint-event.js'
import type { PerfRing } from './perf-buffer.js'
import { recordContext } from './records/context.js'
import type { PerfRecordContext } from './records/context.js'
import type { PerfSampleId } from './records/sample-id.js'
import type { PerfU64Input } from './sample-layout.js'

const OPEN_FLAGS =
  PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC

let nextId = 1n

/** `nr_cpu_ids`: CPUs are numbered 0 .. NR_CPU_IDS − 1 (the core's limit of rings per buffer). */
export const NR_CPU_IDS = 1024
/** What `perf_event_open` returns: the event the fd stands for. */
export class PerfEvent {
  /** The event id (`PERF_EVENT_IOC_ID`, `PERF_SAMPLE_ID`). */
  readonly id: bigint
  /** The validated attr. */
  readonly attr: PerfEventAttr
  /** The monitored task (-1: any). */
  readonly pid: number
  /** The CPU (-1: any). */
  readonly cpu: number
  /** The open flags. */
  readonly flags: number
  /** The record context derived from the attr. */
  readonly ctx: PerfRecordContext
  /** The group leader (itself when it leads). */
  readonly group_leader: PerfEvent
  /** The other members when it leads a group. */
  readonly siblings: PerfEvent[] = []
  /** Counting / writing. */
  enabled: boolean
  /** Records of this event that were dropped (`event->lost_samples`). */
  lost_samples = 0
  /** @internal The counter value, without the periods still in `_countNum`. */
  _countBig = 0n
  /** @internal Periods added as numbers since `_countBig` was last updated (exact: < 2^53). */
  _countNum = 0
  /**
   * @internal The compiled fixed-size SAMPLE layout, a `SampleLayout` of `sample-fast.ts`
   * (null: variable size; undefined: not compiled yet).
   */
  _sampleLayout: object | null | undefined = undefined
  /** Overflows left before the event disables itself (REFRESH); 0: no limit. */
  event_limit = 0
  /**
   * The limit of REFRESH ran out: the kernel's `pending_kill = POLL_HUP`, the code of the SIGIO
   * notification (`poll` does not report it). ENABLE and REFRESH clear it.
   */
  hup = false
  /** @internal The ring it writes into: its own mapping's, or its SET_OUTPUT target's. */
  _ring: PerfRing | null = null
  /** @internal Its own mapping, when mmapped. */
  _mapping: PerfMapping | null = null

  /** @internal Use {@link perf_event_open}. */
  constructor(
    attr: PerfEventAttr,
    pid: number,
    cpu: number,
    flags: number,
    leader: PerfEvent | null,
  ) {
    this.id = nextId++
    this.attr = attr
    this.pid = pid
    this.cpu = cpu
    this.flags = flags
    this.ctx = recordContext(attr)
    this.enabled = !attr.disabled
    this.group_leader = leader ?? this
    if (leader !== null) leader.siblings.push(this)
  }

  /** The counter value (sample periods so far); RESET zeroes it. */
  get count(): bigint {
    if (this._countNum !== 0) {
      this._countBig += BigInt(this._countNum)
      this._countNum = 0
    }
    return this._countBig
  }

  set count(v: bigint) {
    this._countBig = v
    this._countNum = 0
  }

  /** @internal Add a sample's period to {@link PerfEvent.count} (a number adds no BigInt). */
  _countAdd(period: PerfU64Input): void {
    if (typeof period === 'bigint') {
      this._countBig += period
      return
    }
    const n = this._countNum + period
    if (n <= Number.MAX_SAFE_INTEGER) this._countNum = n
    else {
      this._countBig += BigInt(this._countNum) + BigInt(period)
      this._countNum = 0
    }
  }

  /**
   * @internal The bookkeeping of one PERF_RECORD_SAMPLE output, written (`ok`) or refused:
   * adds `period` to {@link PerfEvent.count}, counts a written record in its ring's `samples`
   * and counts toward the REFRESH limit (disabling the event and raising `hup` when it runs
   * out). Shared by `perf_event_output` and its fast path; allocates nothing.
   */
  _sampleDone(period: PerfU64Input, ok: boolean): void {
    this._countAdd(period)
    if (ok) {
      const ring = this._ring
      if (ring !== null) ring.sampleDone(this)
    }
    if (this.event_limit > 0 && --this.event_limit === 0) {
      this.enabled = false
      this.hup = true
    }
  }

  /** The `sample_id` trailer of a record this event writes at `time`. */
  sampleId(time: number): PerfSampleId {
    if (!(Number.isSafeInteger(time) && time >= 0))
      fail('EINVAL', 'time', `${shown(time)} is not a time (a non-negative safe integer)`)
    return {
      pid: Math.max(this.pid, 0),
      tid: Math.max(this.pid, 0),
      time: BigInt(time),
      id: this.id,
      stream_id: this.id,
      cpu: Math.max(this.cpu, 0),
      res: 0,
      identifier: this.id,
    }
  }

  /** True while the event has a mapping of its own. */
  get mmapped(): boolean {
    return this._mapping !== null
  }

  /** True when its output goes to another event's ring (SET_OUTPUT). */
  get redirected(): boolean {
    return this._ring !== null && this._mapping === null
  }
}

/**
 * `perf_event_open(2)`. Validates the attr ({@link validateAttr}), the flags
 * (FD_NO_GROUP | FD_OUTPUT | PID_CGROUP | FD_CLOEXEC, else EINVAL) and `group_fd` (a
 * {@link PerfEvent} or -1, else EBADF). Without FD_NO_GROUP the new event joins the group of
 * `group_fd` (which must lead its group and be on the same CPU: EINVAL); with FD_OUTPUT its
 * output goes to `group_fd`'s ring (SET_OUTPUT at creation, same rules).
 *
 * With `attr.type` PERF_TYPE_TRACEPOINT, `attr.config` is the id of an `@onering/trace-events`
 * event whose tracepoint exists in the calling thread (EINVAL otherwise), and the event gets a
 * PERF_RECORD_SAMPLE per emission of it there (see `tracepoint-event.ts`).
 *
 * @param attr - the attr
 * @param pid - the task (-1: any task; with -1, `cpu` must not be -1)
 * @param cpu - the CPU (-1: any CPU)
 * @param group_fd - the group leader / output event, or -1
 * @param flags - PERF_FLAG_*
 * @param options - system facts for {@link validateAttr}
 * @returns the event
 */
export function perf_event_open(
  attr: PerfEventAttrInit,
  pid: number,
  cpu: number,
  group_fd: PerfEvent | -1 = -1,
  flags = 0,
  options: ValidateAttrOptions = {},
): PerfEvent {
  checkInt('flags', flags, 0, 2 ** 31 - 1)
  checkPlain('options', options)
  if ((flags & ~OPEN_FLAGS) !== 0)
    fail('EINVAL', 'flags', `0x${flags.toString(16)} has bits besides PERF_FLAG_*`)
  checkInt('pid', pid, -1, 2 ** 31 - 1)
  // perf_event_alloc: a cpu at or above nr_cpu_ids is EINVAL. Here a CPU is a ring of the core,
  // which holds at most NR_CPU_IDS of them.
  checkInt('cpu', cpu, -1, NR_CPU_IDS - 1)
  if (pid === -1 && cpu === -1) fail('EINVAL', 'pid', 'pid -1 needs a cpu')
  if (flags & PERF_FLAG_PID_CGROUP && cpu === -1)
    fail('EINVAL', 'cpu', 'a cgroup event needs a cpu')
  if (group_fd !== -1 && !(group_fd instanceof PerfEvent))
    fail('EBADF', 'group_fd', 'not a perf event fd nor -1')
  const a = validateAttr(attr, options)
  const group = group_fd === -1 ? null : group_fd
  let leader: PerfEvent | null = null
  if (group !== null && (flags & PERF_FLAG_FD_NO_GROUP) === 0) {
    if (group.group_leader !== group) fail('EINVAL', 'group_fd', 'is not a group leader')
    if (group.cpu !== cpu) fail('EINVAL', 'group_fd', 'the group leader is on another cpu')
    leader = group
  }
  if (group !== null && flags & PERF_FLAG_FD_OUTPUT) {
    // check the SET_OUTPUT rules before creating the event
    checkOutput(a, pid, cpu, group)
  }
  // PERF_TYPE_TRACEPOINT: the trace event's tracepoint (tracepoint-event.ts)
  const tp = a.type === PERF_TYPE_TRACEPOINT ? perf_trace_check(a) : null
  const ev = new PerfEvent(a, pid, cpu, flags, leader)
  if (group !== null && flags & PERF_FLAG_FD_OUTPUT) attach(ev, group._ring)
  if (tp !== null) perf_trace_add(ev, tp)
  return ev
}

/**
 * The rules of `PERF_EVENT_IOC_SET_OUTPUT` (the kernel's `perf_event_set_output`), checked
 * for an event with attr `a` on `pid`/`cpu` whose output would go to `target`'s ring: same
 * cpu, same task for a per-task event, same direction, same clock, and a mapped ring (EINVAL).
 * @internal
 */
export function checkOutput(a: PerfEventAttr, pid: number, cpu: number, target: PerfEvent): void {
  if (target.cpu !== cpu) fail('EINVAL', 'output', 'the output event is on another cpu')
  if (cpu === -1 && target.pid !== pid)
    fail('EINVAL', 'output', 'a per-task output event must monitor the same task')
  if (target.attr.write_backward !== a.write_backward)
    fail('EINVAL', 'output', 'cannot mix forward and backward (write_backward) events')
  if (
    target.attr.use_clockid !== a.use_clockid ||
    (a.use_clockid && target.attr.clockid !== a.clockid)
  )
    fail('EINVAL', 'output', 'the output event uses another clock')
  const ring = target._ring
  if (ring === null || ring.mmapCount === 0)
    fail('EINVAL', 'output', 'the output event has no mapped ring buffer')
}
