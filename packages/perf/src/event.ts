/**
 * perf events and their ring buffers under the kernel's names: `perf_event_open` gives a
 * {@link PerfEvent} (what the fd stands for), `mmap` maps its ring (one `@onering/core`
 * `RingBuffer` with the {@link PerfClient}), `ioctl` drives it, and the output functions are the
 * kernel side that writes records into the event's ring, or into the ring it was redirected to
 * with `PERF_EVENT_IOC_SET_OUTPUT`.
 *
 * @packageDocumentation
 */
import { RingBuffer } from '@onering/core'
import type { RingWriter } from '@onering/core'
import { validateAttr } from './attr.js'
import type { PerfEventAttr, PerfEventAttrInit, ValidateAttrOptions } from './attr.js'
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
  PERF_FLAG_FD_CLOEXEC,
  PERF_FLAG_FD_NO_GROUP,
  PERF_FLAG_FD_OUTPUT,
  PERF_FLAG_PID_CGROUP,
  PERF_IOC_FLAG_GROUP,
  PerfMmapPageOffset,
} from './constants.js'
import { fail } from './errors.js'
import { PerfClient } from './perf-client.js'
import { PerfAuxArea } from './aux-area.js'
import { initControlPage } from './control-page.js'
import { recordContext } from './records/context.js'
import type { PerfRecordContext } from './records/context.js'
import type { PerfSampleId } from './records/sample-id.js'
import { sizeOfSample, writeSample } from './records/sample.js'
import type { PerfSampleFields } from './records/sample.js'
import { sizeOfComm, writeComm } from './records/comm.js'
import type { PerfCommFields } from './records/comm.js'
import { sizeOfMmap2, writeMmap2 } from './records/mmap2.js'
import type { PerfMmap2Fields } from './records/mmap2.js'
import { sizeOfSwitch, writeSwitch } from './records/switch.js'
import type { PerfSwitchFields } from './records/switch.js'
import { EMPTY_SAMPLE, FAST_UNHANDLED, outputSampleFast, toSampleFields } from './sample-fast.js'
import type { PerfSampleInput, PerfU64Input } from './sample-fast.js'

/** The page size the mappings imitate. */
export const PAGE_SIZE = 4096
/** `PROT_READ`. */
export const PROT_READ = 1
/** `PROT_WRITE`. */
export const PROT_WRITE = 2
/** `MAP_SHARED`. */
export const MAP_SHARED = 1
/** `MAP_PRIVATE` (refused by perf: EINVAL). */
export const MAP_PRIVATE = 2
/** `POLLIN`: what {@link perf_event_poll} returns once a wakeup is due. */
export const POLLIN = 1
/** `POLLHUP`: the event's REFRESH limit ran out (it disabled itself). */
export const POLLHUP = 16

const OPEN_FLAGS =
  PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC

let nextId = 1n

/**
 * The perf clock of records written without an explicit time: ns of `performance.now()`.
 * @internal
 */
export function perfClock(): number {
  return Math.round(performance.now() * 1e6)
}

/**
 * A ring buffer (`struct perf_buffer`): the core ring of a mapping, or none for a
 * control-page-only mapping.
 * @internal
 */
class PerfRing {
  readonly client: PerfClient = new PerfClient(PAGE_SIZE)
  readonly rb: RingBuffer | null
  readonly writer: RingWriter | null
  readonly sab: SharedArrayBuffer
  readonly bytes: Uint8Array
  readonly dataSize: number
  readonly maxPayload: number
  /** Bytes written before a wakeup (`rb->watermark`). */
  readonly watermark: number
  readonly tags: Map<PerfEvent, number> = new Map<PerfEvent, number>()
  /** Events writing into this ring (the owner and the redirected ones). */
  readonly events: Set<PerfEvent> = new Set<PerfEvent>()
  mmapCount = 1
  paused: boolean
  /** Samples since the last wakeup (`rb->events`). */
  samples = 0
  /** `data_head` at the last poll. */
  polledHead = 0n
  /** The event whose mmap created the ring. */
  readonly owner: PerfEvent
  /** The AUX area (`rb->aux_pages`), while mapped. */
  _aux: PerfAuxArea | null = null
  /** `rb->aux_head`: kept across AUX areas, as the kernel keeps it. */
  auxHead = 0
  /** An AUX wakeup is pending (`rb->poll` set by `perf_output_wakeup`). */
  auxPoll = false
  /** The AUX mapping, while mapped. */
  auxMapping: PerfAuxMapping | null = null

  constructor(owner: PerfEvent, dataSize: number, writable: boolean) {
    this.owner = owner
    this.dataSize = dataSize
    const wm = owner.attr.watermark ? Math.min(dataSize, owner.attr.wakeup_watermark) : 0
    this.watermark = wm > 0 ? wm : Math.max(1, dataSize / 2)
    if (dataSize === 0) {
      // the kernel allows a control page alone (rdpmc self-monitoring): no data, paused
      this.rb = null
      this.writer = null
      this.sab = new SharedArrayBuffer(PAGE_SIZE)
      this.bytes = new Uint8Array(this.sab)
      initControlPage(this.bytes, 0, PAGE_SIZE)
      this.maxPayload = 0
      this.paused = true
      return
    }
    const backward = owner.attr.write_backward
    const rb = RingBuffer.create({
      client: this.client,
      cpus: 1,
      size: dataSize,
      mode: writable ? 'produce-consume' : 'overwrite',
      ...(writable ? {} : { tailPolicy: 'ignore' as const }),
      backward,
      clock: 'counter',
      publishBatch: 1,
    })
    this.rb = rb
    this.writer = rb.writer(0)
    this.sab = rb.sab
    this.bytes = new Uint8Array(rb.sab, rb.areaOffset(0), PAGE_SIZE + dataSize)
    this.maxPayload = rb.maxPayload
    this.paused = false
  }

  tagOf(ev: PerfEvent): number {
    let tag = this.tags.get(ev)
    if (tag === undefined) {
      tag = this.client.register(ev)
      this.tags.set(ev, tag)
    }
    return tag
  }

  head(): bigint {
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, PAGE_SIZE)
    return dv.getBigUint64(PerfMmapPageOffset.data_head, true)
  }

  /** `perf_output_wakeup` from the AUX side: poll reports POLLIN, waiters return. */
  _wakeAux(): void {
    this.auxPoll = true
    this.rb?.wakeWaiters(0)
  }
}

/** A mapping of an event's AUX area (`mmap` at `aux_offset`). */
export interface PerfAuxMapping {
  /** The shared memory holding the AUX bytes. */
  readonly sab: SharedArrayBuffer
  /** The AUX bytes (`aux_size` of them), what {@link PerfAuxMmap} reads. */
  readonly bytes: Uint8Array
  /** The event that was mmapped. */
  readonly event: PerfEvent
  /** The mmap length: `aux_size`. */
  readonly length: number
  /** The mmap offset: `aux_offset`. */
  readonly offset: number
  /** A read-only mapping: snapshot (overwrite) mode. */
  readonly snapshot: boolean
}

/** A mapping of an event's ring buffer: control page + data pages. */
export interface PerfMapping {
  /** The shared memory holding the ring. */
  readonly sab: SharedArrayBuffer
  /** The mapping: the control page, then the data pages (what `PerfMmap` reads). */
  readonly bytes: Uint8Array
  /** The event that was mmapped. */
  readonly event: PerfEvent
  /** The mmap length: 1 + 2^n pages. */
  readonly length: number
  /** The core ring (null for a control-page-only mapping). */
  readonly ring: RingBuffer | null
  /** The ring's writer, shared by every event writing into it (null without data pages). */
  readonly writer: RingWriter | null
  /** The tag of `event` on this ring, for `writer.reserve(size, time, tag)`. */
  tagOf(event: PerfEvent): number
}

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
  /** The limit of REFRESH ran out (poll reports POLLHUP). */
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
      if (ring !== null) ring.samples++
    }
    if (this.event_limit > 0 && --this.event_limit === 0) {
      this.enabled = false
      this.hup = true
    }
  }

  /** The `sample_id` trailer of a record this event writes at `time`. */
  sampleId(time: number): PerfSampleId {
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

function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail('EINVAL', field, `${String(v)} is not an integer in [${min}, ${max}]`)
  return v
}

/**
 * `perf_event_open(2)`. Validates the attr ({@link validateAttr}), the flags
 * (FD_NO_GROUP | FD_OUTPUT | PID_CGROUP | FD_CLOEXEC, else EINVAL) and `group_fd` (a
 * {@link PerfEvent} or -1, else EBADF). Without FD_NO_GROUP the new event joins the group of
 * `group_fd` (which must lead its group and be on the same CPU: EINVAL); with FD_OUTPUT its
 * output goes to `group_fd`'s ring (SET_OUTPUT at creation, same rules).
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
  if ((flags & ~OPEN_FLAGS) !== 0)
    fail('EINVAL', 'flags', `0x${flags.toString(16)} has bits besides PERF_FLAG_*`)
  checkInt('pid', pid, -1, 2 ** 31 - 1)
  checkInt('cpu', cpu, -1, 2 ** 31 - 1)
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
  const ev = new PerfEvent(a, pid, cpu, flags, leader)
  if (group !== null && flags & PERF_FLAG_FD_OUTPUT) attach(ev, group._ring)
  return ev
}

function checkOutput(a: PerfEventAttr, pid: number, cpu: number, target: PerfEvent): void {
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

function attach(ev: PerfEvent, ring: PerfRing | null): void {
  ev._ring?.events.delete(ev)
  ev._ring = ring
  ring?.events.add(ev)
}

// ---------------------------------------------------------------------------------------------
// mmap
// ---------------------------------------------------------------------------------------------

/**
 * `mmap(2)` of an event fd: the control page and the data pages of its ring.
 *
 * `length` must be (1 + 2^n) × 4096 (n ≥ 0), `flags` MAP_SHARED and `offset` 0, else EINVAL.
 * A non-zero `offset` maps the AUX area instead (see {@link PerfAuxMapping}, the kernel's
 * `perf_mmap_aux` rules: the ring must be mapped, `offset` must equal the control page's
 * `aux_offset`, which must be ≥ the main mapping's length; `length` must equal `aux_size`, a
 * power of two number of pages; a second AUX map must have the same offset and size; a
 * read-only AUX map is snapshot mode). PROT_WRITE gives a produce-consume ring (the reader's
 * `data_tail` is honoured); a read-only mapping is an overwrite ring that ignores the tail;
 * `attr.write_backward` makes it backward. A second mmap of the same event returns the same
 * mapping if the length matches (EINVAL otherwise); an event whose output is redirected, or an
 * inherited per-task event (cpu -1), cannot be mmapped (EINVAL). One page alone maps only the
 * control page: the ring is paused and nothing is written or counted, as in the kernel.
 *
 * @param event - the event
 * @param length - bytes to map
 * @param prot - PROT_READ, optionally | PROT_WRITE
 * @param flags - MAP_SHARED
 * @param offset - 0, or `aux_offset` for the AUX area
 * @returns the mapping
 */
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags?: number,
  offset?: 0,
): PerfMapping
/** `mmap(2)` of an event's AUX area: `offset` is the control page's `aux_offset`. */
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags: number,
  offset: number,
): PerfMapping | PerfAuxMapping
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags: number = MAP_SHARED,
  offset = 0,
): PerfMapping | PerfAuxMapping {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'fd', 'not a perf event')
  checkInt('length', length, 1, 2 ** 31 - 1)
  checkInt('prot', prot, 0, 7)
  checkInt('flags', flags, 0, 2 ** 31 - 1)
  if ((flags & 3) !== MAP_SHARED) fail('EINVAL', 'flags', 'perf buffers must be MAP_SHARED')
  checkInt('offset', offset, 0, Number.MAX_SAFE_INTEGER)
  if (offset % PAGE_SIZE !== 0)
    fail('EINVAL', 'offset', `${offset} is not a multiple of the page size`)
  if (length % PAGE_SIZE !== 0)
    fail('EINVAL', 'length', `${length} is not a multiple of the page size`)
  if (event.attr.inherit && event.cpu === -1)
    fail('EINVAL', 'fd', 'an inherited per-task event (cpu -1) cannot be mmapped')
  if (offset !== 0) return mmapAux(event, length, prot, offset)
  const nr = length / PAGE_SIZE - 1
  if (nr !== 0 && (nr & (nr - 1)) !== 0)
    fail('EINVAL', 'length', `${nr} data pages is not 0 nor a power of two`)
  if (nr * PAGE_SIZE > 2 ** 30) fail('ENOMEM', 'length', `${length} is too large`)
  const own = event._mapping
  if (own !== null) {
    if (own.length !== length)
      fail('EINVAL', 'length', `the buffer is already mapped with ${own.length} bytes`)
    const ring = event._ring
    if (ring !== null) ring.mmapCount++
    return own
  }
  if (event._ring !== null)
    fail('EINVAL', 'fd', 'the output of this event is redirected (SET_OUTPUT)')
  const ring = new PerfRing(event, nr * PAGE_SIZE, (prot & PROT_WRITE) !== 0)
  const mapping: PerfMapping = {
    sab: ring.sab,
    bytes: ring.bytes,
    event,
    length,
    ring: ring.rb,
    writer: ring.writer,
    tagOf: (ev: PerfEvent) => ring.tagOf(ev),
  }
  event._mapping = mapping
  attach(event, ring)
  ring.tagOf(event)
  return mapping
}

/** `perf_mmap_aux`: map the AUX area of the event's ring. */
function mmapAux(event: PerfEvent, length: number, prot: number, offset: number): PerfAuxMapping {
  const ring = event._ring
  if (ring === null) fail('EINVAL', 'fd', 'the event has no ring buffer: map it first (offset 0)')
  const page = new DataView(ring.bytes.buffer, ring.bytes.byteOffset, PAGE_SIZE)
  const auxOffset = Number(page.getBigUint64(PerfMmapPageOffset.aux_offset, true))
  const auxSize = Number(page.getBigUint64(PerfMmapPageOffset.aux_size, true))
  const nr = length / PAGE_SIZE
  const aux = ring._aux
  if (auxOffset < ring.dataSize + PAGE_SIZE)
    fail(
      'EINVAL',
      'aux_offset',
      `${auxOffset} is below the end of the ring (${ring.dataSize + PAGE_SIZE})`,
    )
  if (auxOffset !== offset)
    fail('EINVAL', 'offset', `${offset} is not the control page's aux_offset ${auxOffset}`)
  if (aux !== null && aux.offset !== offset)
    fail('EINVAL', 'offset', `the AUX area is already mapped at ${aux.offset}`)
  if (auxSize !== length)
    fail('EINVAL', 'length', `${length} is not the control page's aux_size ${auxSize}`)
  if (aux !== null && aux.size !== length)
    fail('EINVAL', 'length', `the AUX area is already mapped with ${aux.size} bytes`)
  if ((nr & (nr - 1)) !== 0) fail('EINVAL', 'length', `${nr} pages is not a power of two`)
  if (length > 2 ** 30) fail('ENOMEM', 'length', `${length} is too large`)
  let area = aux
  if (area !== null) area.mmapCount++
  else {
    area = new PerfAuxArea(
      ring.bytes,
      length,
      offset,
      (prot & PROT_WRITE) !== 0,
      event.attr.aux_watermark,
      ring.auxHead,
    )
    ring._aux = area
    ring.auxMapping = {
      sab: area.sab,
      bytes: area.data,
      event,
      length,
      offset,
      snapshot: area.overwrite,
    }
  }
  // the AUX mapping holds the ring (rb->mmap_count)
  ring.mmapCount++
  return ring.auxMapping!
}

/**
 * `munmap(2)` of a mapping from {@link mmap}. When the last mapping of the AUX area goes, the
 * area is freed (`aux_head` is kept for a later one). When the last mapping of a ring goes
 * (the AUX mappings count), every event redirected into it is detached and the ring is freed.
 *
 * @param mapping - a mapping from {@link mmap}
 */
export function munmap(mapping: PerfMapping | PerfAuxMapping): void {
  const ev = mapping.event
  const ring = ev._ring
  if ('offset' in mapping) {
    const area = ring?._aux ?? null
    if (ring === null || area === null || ring.auxMapping !== mapping)
      fail('EINVAL', 'mapping', 'not mapped')
    if (--area.mmapCount === 0) {
      ring.auxHead = area.head
      ring._aux = null
      ring.auxMapping = null
      area.free()
    }
    release(ring)
    return
  }
  if (ev._mapping !== mapping || ring === null) fail('EINVAL', 'mapping', 'not mapped')
  release(ring)
}

function release(ring: PerfRing): void {
  if (--ring.mmapCount > 0) return
  for (const other of [...ring.events]) attach(other, null)
  ring.owner._mapping = null
  ring.writer?.close()
  ring.rb?.free()
}

// ---------------------------------------------------------------------------------------------
// ioctl
// ---------------------------------------------------------------------------------------------

function describe(v: unknown): string {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v
}

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
 * group), REFRESH, PERIOD, ID (returns the id), SET_OUTPUT (a target event or -1),
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
      if (event.attr.inherit) fail('EINVAL', 'arg', 'REFRESH of an inherited event')
      const n = checkInt('arg', arg, 0, 2 ** 31 - 1)
      if (n === 0) fail('EINVAL', 'arg', 'REFRESH needs a positive count')
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

function setOutput(event: PerfEvent, arg: unknown): void {
  if (arg !== -1 && !(arg instanceof PerfEvent))
    fail('EBADF', 'arg', 'SET_OUTPUT takes a perf event fd or -1')
  if (arg === event) fail('EINVAL', 'arg', 'cannot redirect an event to itself')
  if (arg instanceof PerfEvent) checkOutput(event.attr, event.pid, event.cpu, arg)
  if (event.mmapped) fail('EINVAL', 'fd', 'cannot redirect the output of an mmapped event')
  attach(event, arg === -1 ? null : arg._ring)
}

// ---------------------------------------------------------------------------------------------
// Output (the kernel side)
// ---------------------------------------------------------------------------------------------

const scratch = new Uint8Array(65536)
const scratchView = new DataView(scratch.buffer)

/**
 * `perf_output_begin` … `perf_output_end` for one record of `size` bytes that `write` lays out
 * at offset 0 of a scratch view. Returns true when the record was written.
 */
function output(
  event: PerfEvent,
  size: number,
  time: number,
  write: (dv: DataView) => void,
): boolean {
  if (!event.enabled) return false
  const ring = event._ring
  if (ring === null) return false
  const w = ring.writer
  // a control page alone: paused, nothing counted (the kernel counts only with data pages)
  if (w === null) return false
  if (ring.paused || size > ring.maxPayload) {
    w.drop(1)
    event.lost_samples++
    return false
  }
  const off = w.reserve(size, time, ring.tagOf(event))
  if (off < 0) {
    event.lost_samples++
    return false
  }
  try {
    write(scratchView)
  } catch (e) {
    w.discard()
    throw e
  }
  w.put(off, scratch.subarray(0, size))
  w.commit()
  return true
}

/** @internal A record's time: the perf clock when not given, else a safe non-negative integer (EINVAL). */
export function timeOf(time: bigint | number | undefined): number {
  if (time === undefined) return perfClock()
  const t = Number(time)
  if (!Number.isSafeInteger(t) || t < 0) fail('EINVAL', 'time', `${String(time)} is not a time`)
  return t
}

/**
 * Emit a PERF_RECORD_SAMPLE of `event` (`perf_event_output`): its fields default from the
 * event (id, identifier, stream_id, pid/tid, cpu, period, time). Counts toward
 * `wakeup_events` and the REFRESH limit, and adds the period to `event.count`. Returns true
 * when it was written; a refused record counts in `event.lost_samples` and the next record
 * carries the LOST.
 *
 * The u64 scalar fields may be bigints or exact non-negative numbers. When the event's
 * `sample_type` selects only fixed-size fields (see `PERF_SAMPLE_FIXED_SIZE_MASK`), the record
 * is written straight into the ring without allocating (given numbers); see also
 * `perf_event_output_ip` for hot loops. A field present with the value `undefined` is
 * treated as absent on that path.
 *
 * @param event - the sampling event
 * @param sample - the sample's fields
 * @returns whether the record was written
 * @throws PerfError EINVAL for a missing or invalid field or time
 */
export function perf_event_output(
  event: PerfEvent,
  sample: PerfSampleFields | PerfSampleInput = EMPTY_SAMPLE,
): boolean {
  if (!event.enabled) return false
  const fast = outputSampleFast(event, sample, sample.ip, sample.time, sample.period)
  if (fast !== FAST_UNHANDLED) return fast === 1
  const t = timeOf(sample.time)
  const sid = event.sampleId(t)
  const fields: PerfSampleFields = {
    ...sid,
    period: BigInt(event.attr.freq ? 1 : event.attr.sample_period || 1),
    ...toSampleFields(sample),
  }
  const size = sizeOfSample(fields, event.ctx)
  const ok = output(event, size, t, (dv) => writeSample(dv, 0, fields, event.ctx))
  event._sampleDone(fields.period ?? 1n, ok)
  return ok
}

/**
 * Emit any record of `event`: `size` bytes laid out by `write` at offset 0 of a view (for
 * example with a `write*` emitter of this package). Side-band records do not count toward
 * `wakeup_events`.
 *
 * @param event - the event
 * @param size - the record's size (a multiple of 8)
 * @param write - writes the whole record (header included) at offset 0
 * @param time - the time of the LOST record's `sample_id`, if one goes in front
 * @returns whether the record was written
 */
export function perf_event_emit(
  event: PerfEvent,
  size: number,
  write: (dv: DataView, offset: number) => unknown,
  time?: bigint | number,
): boolean {
  checkInt('size', size, 8, 65528)
  if (size % 8 !== 0) fail('EINVAL', 'size', `${size} is not a multiple of 8`)
  return output(event, size, timeOf(time), (dv) => {
    write(dv, 0)
  })
}

function sideband<F extends { sample_id?: PerfSampleId }>(
  event: PerfEvent,
  wanted: boolean,
  fields: F,
  time: bigint | number | undefined,
  sizeOf: (f: F, ctx: PerfRecordContext) => number,
  writeF: (dv: DataView, off: number, f: F, ctx: PerfRecordContext) => number,
): boolean {
  if (!wanted || !event.enabled) return false
  const t = timeOf(time)
  const f: F = { ...fields, sample_id: fields.sample_id ?? event.sampleId(t) }
  const size = sizeOf(f, event.ctx)
  return output(event, size, t, (dv) => writeF(dv, 0, f, event.ctx))
}

/**
 * `perf_event_comm`: a PERF_RECORD_COMM with the event's `sample_id` trailer, written when
 * `attr.comm` is set.
 *
 * @returns whether the record was written
 */
export function perf_event_comm(
  event: PerfEvent,
  fields: PerfCommFields,
  time?: bigint | number,
): boolean {
  return sideband(event, event.attr.comm, fields, time, sizeOfComm, writeComm)
}

/**
 * `perf_event_mmap` (MMAP2 form): a PERF_RECORD_MMAP2 with the event's `sample_id` trailer,
 * written when `attr.mmap2` and `attr.mmap` (or `mmap_data`) are set.
 *
 * @returns whether the record was written
 */
export function perf_event_mmap2(
  event: PerfEvent,
  fields: PerfMmap2Fields,
  time?: bigint | number,
): boolean {
  const a = event.attr
  return sideband(event, a.mmap2 && (a.mmap || a.mmap_data), fields, time, sizeOfMmap2, writeMmap2)
}

/**
 * `perf_event_switch`: a PERF_RECORD_SWITCH (misc SWITCH_OUT for a switch out) with the
 * event's `sample_id` trailer, written when `attr.context_switch` is set.
 *
 * @returns whether the record was written
 */
export function perf_event_switch(
  event: PerfEvent,
  fields: PerfSwitchFields = {},
  time?: bigint | number,
): boolean {
  return sideband(event, event.attr.context_switch, fields, time, sizeOfSwitch, writeSwitch)
}

// ---------------------------------------------------------------------------------------------
// Wakeups
// ---------------------------------------------------------------------------------------------

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
