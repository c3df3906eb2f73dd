/**
 * perf events on trace events (`PERF_TYPE_TRACEPOINT`): the kernel's `kernel/trace/trace_event_perf.c`
 * (`perf_trace_init`, `perf_trace_destroy`), `perf_tp_event` and the `perf_trace_buf` rules of
 * `include/trace/perf.h`, on `@onering/trace-events` tracepoints.
 *
 * `perf_event_open({ type: PERF_TYPE_TRACEPOINT, config: <event id>, … })` finds the event's
 * `Tracepoint` in the calling thread and registers a probe on it. Each emission of the event in
 * that thread (an ftrace-face commit, or `Tracepoint.emit`) then reaches the probe, which — while
 * the event is enabled — counts it and, at each sample period, writes a PERF_RECORD_SAMPLE into
 * the event's ring (its own mapping's, or its SET_OUTPUT target's) as the kernel fills one for a
 * tracepoint:
 *
 * - `header.misc` = PERF_RECORD_MISC_USER (the event was raised in user space), IP = 0 (there
 *   is no code address of a JavaScript call site);
 * - TID = `process.pid` and the emitting thread's id: the payload's `common_pid`, the OS thread
 *   id the ftrace face fills in;
 * - TIME = the emission's CLOCK_MONOTONIC time when the event uses `use_clockid` with
 *   CLOCK_MONOTONIC (the same value as the ftrace record's timestamp), else this package's clock;
 * - ADDR = 0, ID / IDENTIFIER / STREAM_ID = the event id, CPU = the emitting ring's CPU, res 0,
 *   PERIOD = the sample period (1 for a tracepoint opened as perf does);
 * - RAW = u32 size, the payload (common fields included), zero padding: the size is the
 *   payload's rounded so that u32 + data is a multiple of 8 (`perf_trace_buf_alloc`'s
 *   `ALIGN(size + sizeof(u32), sizeof(u64)) - sizeof(u32)`, whose tail it zeroes).
 *
 * Enable/disable, PAUSE_OUTPUT, SET_OUTPUT, wakeup_events, REFRESH and loss accounting are the
 * event's and its ring's, as for every other record. Nothing is allocated per event (a record
 * that wraps past the end of the data area takes one view for `put`).
 *
 * @packageDocumentation
 */
import { monotonicNs } from '@onering/core'
import { findTracepoint } from '@onering/trace-events'
import type { Tracepoint, TracepointProbe } from '@onering/trace-events'
import {
  PERF_RECORD_MISC_USER,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
} from './constants.js'
import type { PerfEventAttr } from './attr-layout.js'
import { fail } from './errors.js'
import type { PerfEvent } from './event.js'
import { perfClock } from './time.js'
import { LITTLE_ENDIAN, sampleHeadOffsets } from './sample-layout.js'

const NO_U32 = new Uint32Array(0)

/** The `sample_type` bits a tracepoint event of onering fills. */
export const PERF_TRACEPOINT_SAMPLE_MASK: number =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_ADDR |
  PERF_SAMPLE_ID |
  PERF_SAMPLE_STREAM_ID |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD |
  PERF_SAMPLE_RAW

/** `CLOCK_MONOTONIC`: the clock id whose samples carry the ftrace side's timestamps. */
const CLOCK_MONOTONIC = 1
const TWO32 = 0x1_0000_0000

/**
 * The bytes PERF_SAMPLE_RAW's size word announces for a payload of `length` bytes: the payload
 * rounded up so that the u32 size and the data end on a u64 boundary
 * (`perf_trace_buf_alloc` / `perf_sample_save_raw_data`).
 *
 * @throws TypeError for a non-number; RangeError for a length that is not an integer 0..65535.
 */
export function perfRawSize(length: number): number {
  // a payload is at most 64 KiB (a record's size is a u16)
  if (typeof length !== 'number')
    throw new TypeError(`length: expected a number, got ${typeof length}`)
  if (!(length >= 0 && length <= 0xffff && (length | 0) === length))
    throw new RangeError(`length: ${length} is not a byte count of at most 65535`)
  return ((length + 4 + 7) & ~7) - 4
}

/** What the probe of one event needs, laid out once at open. */
interface TracepointSampleLayout {
  readonly event: PerfEvent
  readonly tracepoint: Tracepoint
  readonly probe: TracepointProbe
  /** Bytes of the record before RAW's size word (header included). */
  readonly fixed: number
  readonly raw: boolean
  readonly identifier: number
  readonly ip: number
  readonly tid: number
  readonly time: number
  readonly addr: number
  readonly id: number
  readonly streamId: number
  readonly cpu: number
  readonly period: number
  /** The event id as u32 halves. */
  readonly idLo: number
  readonly idHi: number
  /** TIME is the emission's CLOCK_MONOTONIC time (use_clockid with CLOCK_MONOTONIC). */
  readonly mono: boolean
  /** Hits left before the next sample (sample_period > 1). */
  left: number
  /** The ring of the last sample, and the event's tag on it (`PerfRing.tagOf`, cached). */
  ring: unknown
  tag: number
  /** The perf ring's bytes of the last sample, as u32 words (little-endian hosts). */
  dst: Uint8Array | null
  dstU32: Uint32Array
  /** The emitter's bytes of the last payload, as u32 words. */
  src: Uint8Array | null
  srcU32: Uint32Array
}

const layouts = new WeakMap<PerfEvent, TracepointSampleLayout>()
const scratch = new Uint8Array(65536 + 512)
const scratchView = new DataView(scratch.buffer)

/**
 * The checks `perf_trace_init` makes for `attr` on `pid` (before the event exists): the
 * tracepoint of `attr.config` in this thread (EINVAL when there is none, as the kernel's lookup
 * of an unknown id), and the `sample_type` this package can fill (EOPNOTSUPP for CALLCHAIN,
 * READ, REGS, STACK, BRANCH_STACK …: onering has no such data for a trace event).
 * @internal
 */
export function perf_trace_check(a: PerfEventAttr): Tracepoint {
  const id = a.config
  const tp = id <= 0xffffn ? findTracepoint(Number(id)) : undefined
  if (tp === undefined)
    fail('EINVAL', 'config', `${String(id)} is not the id of a trace event of this thread`)
  const extra = a.sample_type & ~PERF_TRACEPOINT_SAMPLE_MASK
  if (extra !== 0)
    fail(
      'EOPNOTSUPP',
      'sample_type',
      `0x${extra.toString(16)}: a tracepoint event of onering fills IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD and RAW only`,
    )
  return tp
}

/**
 * `perf_trace_init` after the event exists: lay its samples out and register its probe on the
 * tracepoint (`TRACE_REG_PERF_REGISTER`).
 * @internal
 */
export function perf_trace_add(event: PerfEvent, tp: Tracepoint): void {
  const st = event.attr.sample_type
  const {
    identifier,
    ip,
    tid,
    time,
    addr,
    id,
    stream_id: streamId,
    cpu,
    period,
    end: o,
  } = sampleHeadOffsets(st)
  const idNum = Number(event.id)
  const L: TracepointSampleLayout = {
    event,
    tracepoint: tp,
    probe: (data, offset, length, t, c) => {
      hit(L, data, offset, length, t, c)
    },
    fixed: o,
    raw: (st & PERF_SAMPLE_RAW) !== 0,
    identifier,
    ip,
    tid,
    time,
    addr,
    id,
    streamId,
    cpu,
    period,
    idLo: idNum >>> 0,
    idHi: Math.floor(idNum / TWO32),
    mono: event.attr.use_clockid && event.attr.clockid === CLOCK_MONOTONIC,
    left: 0,
    ring: null,
    tag: 0,
    dst: null,
    dstU32: NO_U32,
    src: null,
    srcU32: NO_U32,
  }
  layouts.set(event, L)
  tp.register(L.probe)
}

/**
 * `perf_trace_destroy`: unregister the probe of a tracepoint event (`close`). False when the
 * event is not a registered tracepoint event.
 * @internal
 */
export function perf_trace_destroy(event: PerfEvent): boolean {
  const L = layouts.get(event)
  if (L === undefined) return false
  L.tracepoint.unregister(L.probe)
  layouts.delete(event)
  return true
}

function put64(dv: DataView, at: number, lo: number, hi: number): void {
  dv.setUint32(at, lo, true)
  dv.setUint32(at + 4, hi, true)
}

/** The sample period of a hit, or 0 when this hit only counts (`perf_swevent_event`). */
function periodOf(L: TracepointSampleLayout, a: PerfEventAttr): number {
  if (a.freq) return 1
  const p = a.sample_period
  if (p === 0) return 0
  if (p === 1) return 1
  if (L.left <= 0) L.left = p
  return --L.left === 0 ? p : 0
}

/** The probe: `perf_tp_event` → `perf_swevent_event` → `perf_event_output` for one event. */
function hit(
  L: TracepointSampleLayout,
  data: Uint8Array,
  offset: number,
  length: number,
  emitted: number,
  cpu: number,
): void {
  const ev = L.event
  if (!ev.enabled) return
  const a = ev.attr
  if (a.exclude_user) return // raised in user space (perf_exclude_event)
  const commonPid =
    data[offset + 4]! |
    (data[offset + 5]! << 8) |
    (data[offset + 6]! << 16) |
    (data[offset + 7]! << 24)
  if (ev.pid > 0 && commonPid !== ev.pid) return // a per-task event of another thread
  ev._countAdd(1) // perf_swevent_event: the count is of hits, whatever the period
  const period = periodOf(L, a)
  if (period === 0) return
  const ring = ev._ring
  const w = ring === null ? null : ring.writer
  if (ring === null || w === null) {
    overflowDone(ev, false)
    return
  }
  const rawSize = L.raw ? ((length + 4 + 7) & ~7) - 4 : 0
  const size = L.raw ? L.fixed + 4 + rawSize : L.fixed
  if (ring.paused || size > ring.maxPayload) {
    w.drop(1)
    ev.lost_samples++
    overflowDone(ev, false)
    return
  }
  const t = emitted >= 0 && L.mono ? emitted : L.mono ? monotonicNs() : perfClock()
  if (L.ring !== ring) {
    L.tag = ring.tagOf(ev)
    L.ring = ring
  }
  const off = w.reserve(size, t, L.tag)
  if (off < 0) {
    ev.lost_samples++
    overflowDone(ev, false)
    return
  }
  if (!w.wrapped && LITTLE_ENDIAN && (off & 7) === 0) {
    writeWords(L, w.bytes, off, size, commonPid, t, cpu, period, data, offset, length, rawSize)
  } else {
    const direct = !w.wrapped
    const dv = direct ? w.view : scratchView
    const bytes = direct ? w.bytes : scratch
    const o = direct ? off : 0
    dv.setUint32(o, PERF_RECORD_SAMPLE, true)
    dv.setUint16(o + 4, PERF_RECORD_MISC_USER, true)
    dv.setUint16(o + 6, size, true)
    if (L.identifier >= 0) put64(dv, o + L.identifier, L.idLo, L.idHi)
    if (L.ip >= 0) put64(dv, o + L.ip, 0, 0)
    if (L.tid >= 0) {
      dv.setUint32(o + L.tid, PROCESS_PID, true)
      dv.setInt32(o + L.tid + 4, commonPid, true)
    }
    if (L.time >= 0) {
      const lo = t >>> 0
      put64(dv, o + L.time, lo, (t - lo) / TWO32)
    }
    if (L.addr >= 0) put64(dv, o + L.addr, 0, 0)
    if (L.id >= 0) put64(dv, o + L.id, L.idLo, L.idHi)
    if (L.streamId >= 0) put64(dv, o + L.streamId, L.idLo, L.idHi)
    if (L.cpu >= 0) put64(dv, o + L.cpu, cpu, 0)
    if (L.period >= 0) put64(dv, o + L.period, period, 0)
    if (L.raw) {
      const r = o + L.fixed
      dv.setUint32(r, rawSize, true)
      for (let i = 0; i < length; i++) bytes[r + 4 + i] = data[offset + i]!
      for (let i = length; i < rawSize; i++) bytes[r + 4 + i] = 0
    }
    if (!direct) w.put(off, scratch.subarray(0, size))
  }
  w.commit()
  ring.outputDone()
  overflowDone(ev, true)
}

/**
 * The record at `off` (8-aligned) of the ring's `bytes`, stored as u32 words (a little-endian
 * host): header, the fixed fields, RAW's size, the payload by words where it is 4-aligned, the
 * zero padding.
 */
function writeWords(
  L: TracepointSampleLayout,
  bytes: Uint8Array,
  off: number,
  size: number,
  commonPid: number,
  t: number,
  cpu: number,
  period: number,
  data: Uint8Array,
  offset: number,
  length: number,
  rawSize: number,
): void {
  if (L.dst !== bytes) {
    L.dst = bytes
    L.dstU32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)
  }
  const u = L.dstU32
  const k = off >> 2
  u[k] = PERF_RECORD_SAMPLE
  u[k + 1] = (PERF_RECORD_MISC_USER | (size << 16)) >>> 0
  const idLo = L.idLo
  const idHi = L.idHi
  if (L.identifier >= 0) {
    u[k + (L.identifier >> 2)] = idLo
    u[k + (L.identifier >> 2) + 1] = idHi
  }
  if (L.ip >= 0) {
    u[k + (L.ip >> 2)] = 0
    u[k + (L.ip >> 2) + 1] = 0
  }
  if (L.tid >= 0) {
    u[k + (L.tid >> 2)] = PROCESS_PID
    u[k + (L.tid >> 2) + 1] = commonPid >>> 0
  }
  if (L.time >= 0) {
    const lo = t >>> 0
    u[k + (L.time >> 2)] = lo
    u[k + (L.time >> 2) + 1] = (t - lo) / TWO32
  }
  if (L.addr >= 0) {
    u[k + (L.addr >> 2)] = 0
    u[k + (L.addr >> 2) + 1] = 0
  }
  if (L.id >= 0) {
    u[k + (L.id >> 2)] = idLo
    u[k + (L.id >> 2) + 1] = idHi
  }
  if (L.streamId >= 0) {
    u[k + (L.streamId >> 2)] = idLo
    u[k + (L.streamId >> 2) + 1] = idHi
  }
  if (L.cpu >= 0) {
    u[k + (L.cpu >> 2)] = cpu
    u[k + (L.cpu >> 2) + 1] = 0
  }
  if (L.period >= 0) {
    u[k + (L.period >> 2)] = period
    u[k + (L.period >> 2) + 1] = 0
  }
  if (!L.raw) return
  const r = k + (L.fixed >> 2)
  u[r] = rawSize
  // the payload: whole words while both sides are 4-aligned, then bytes; the padding zeroed
  const at = (r + 1) << 2
  let i = 0
  if (((data.byteOffset + offset) & 3) === 0) {
    if (L.src !== data) {
      L.src = data
      L.srcU32 = new Uint32Array(data.buffer, data.byteOffset, data.byteLength >> 2)
    }
    const s = L.srcU32
    const sk = offset >> 2
    const words = length >> 2
    for (let j = 0; j < words; j++) u[r + 1 + j] = s[sk + j]!
    i = words << 2
  }
  for (; i < length; i++) bytes[at + i] = data[offset + i]!
  for (; i < rawSize; i++) bytes[at + i] = 0
}

/**
 * The bookkeeping of one overflow (`__perf_event_overflow`), written (`ok`) or refused: a
 * written sample counts toward its ring's `wakeup_events`, and every overflow toward the REFRESH
 * limit (which disables the event and raises `hup` when it runs out).
 */
function overflowDone(ev: PerfEvent, ok: boolean): void {
  if (ok) {
    const ring = ev._ring
    if (ring !== null) ring.sampleDone(ev)
  }
  if (ev.event_limit > 0 && --ev.event_limit === 0) {
    ev.enabled = false
    ev.hup = true
  }
}

/** `task_tgid_nr(current)`: the process id every sample's TID field carries. */
const PROCESS_PID: number = globalThis.process?.pid ?? 0
