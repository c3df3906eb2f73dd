/**
 * The fast path of PERF_RECORD_SAMPLE output. When every field an event's `sample_type` selects
 * has a fixed size, the record's layout is compiled once per event (lazily, on the first
 * sample; `sample-layout.ts`) and each sample is written straight into the ring at the offset
 * `writer.reserve` returns: no field object, no BigInt when the caller passes numbers, no
 * scratch copy unless the record wraps past the end of the data area. The bytes are exactly
 * those of the generic encoder (`writeSample`). Variable-size bits (CALLCHAIN, RAW,
 * BRANCH_STACK, REGS_USER, STACK_USER, REGS_INTR, AUX) and READ with PERF_FORMAT_GROUP take the
 * generic path, as does any sample whose fields the fast path does not accept (a missing or
 * invalid field: the generic path then throws its usual error).
 *
 * @packageDocumentation
 */
import { PERF_RECORD_SAMPLE } from './constants.js'
import type { PerfEvent } from './event.js'
import type { PerfSampleFields } from './records/sample.js'
import { LITTLE_ENDIAN, SAMPLE_U64_KEYS, layoutOf, scratchView } from './sample-layout.js'
import type { PerfSampleInput, PerfU64Input, SampleLayout } from './sample-layout.js'
import { perfClock } from './time.js'

const U64_MAX = (1n << 64n) - 1n
/** 2^-32: the high word of a safe integer is `(v - lo) * INV_TWO32`, exact (no division). */
const INV_TWO32 = 1 / 4294967296
/** The default (empty) sample: nothing to validate. @internal */
export const EMPTY_SAMPLE: PerfSampleInput = Object.freeze({})
const EMPTY = EMPTY_SAMPLE

/** Not handled by the fast path: take the generic one. */
export const FAST_UNHANDLED = -1

function u64ok(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0
  return typeof v === 'bigint' && v >= 0n && v <= U64_MAX
}

/** A u64 field with a default: absent, or valid. */
function optU64ok(v: unknown): boolean {
  return v === undefined || u64ok(v)
}

function u32ok(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= 0xffffffff && Math.floor(v) === v
}

function u16ok(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= 0xffff && Math.floor(v) === v
}

/** Write a validated u64 (number or bigint). */
function put64(dv: DataView, off: number, v: PerfU64Input): void {
  if (typeof v === 'number') {
    const lo = v >>> 0
    dv.setUint32(off, lo, true)
    dv.setUint32(off + 4, v > 0xffffffff ? (v - lo) * INV_TWO32 : 0, true)
  } else dv.setBigUint64(off, v, true)
}

/** Write a validated u64 field that defaults to the event id. */
function putId(dv: DataView, off: number, v: PerfU64Input | undefined, L: SampleLayout): void {
  if (v === undefined) {
    dv.setUint32(off, L.idLo, true)
    dv.setUint32(off + 4, L.idHi, true)
  } else put64(dv, off, v)
}

/** Check every field the layout reads from `s` (no side effect). */
function valid(L: SampleLayout, s: PerfSampleInput): boolean {
  if (s.misc !== undefined && !u16ok(s.misc)) return false
  if (L.identifier >= 0 && !optU64ok(s.identifier)) return false
  if (L.tid >= 0) {
    if (s.pid !== undefined && !u32ok(s.pid)) return false
    if (s.tid !== undefined && !u32ok(s.tid)) return false
  }
  if (L.addr >= 0 && !optU64ok(s.addr)) return false
  if (L.id >= 0 && !optU64ok(s.id)) return false
  if (L.stream_id >= 0 && !optU64ok(s.stream_id)) return false
  if (L.cpu >= 0) {
    if (s.cpu !== undefined && !u32ok(s.cpu)) return false
    if (s.res !== undefined && !u32ok(s.res)) return false
  }
  if (L.read >= 0) {
    const r = s.read
    if (typeof r !== 'object' || r === null || 'values' in r || !u64ok(r.value)) return false
    if (L.rd_enabled >= 0 && !u64ok(r.time_enabled)) return false
    if (L.rd_running >= 0 && !u64ok(r.time_running)) return false
    if (L.rd_id >= 0 && !u64ok(r.id)) return false
    if (L.rd_lost >= 0 && !u64ok(r.lost)) return false
  }
  if (L.weight >= 0 && !u64ok(s.weight)) return false
  if (L.weight_struct >= 0) {
    const ws = s.weight_struct
    if (typeof ws !== 'object' || ws === null) return false
    if (!u32ok(ws.var1_dw) || !u16ok(ws.var2_w) || !u16ok(ws.var3_w)) return false
  }
  if (L.data_src >= 0 && !u64ok(s.data_src)) return false
  if (L.transaction >= 0 && !u64ok(s.transaction)) return false
  if (L.phys_addr >= 0 && !u64ok(s.phys_addr)) return false
  if (L.cgroup >= 0 && !u64ok(s.cgroup)) return false
  if (L.data_page_size >= 0 && !u64ok(s.data_page_size)) return false
  if (L.code_page_size >= 0 && !u64ok(s.code_page_size)) return false
  return true
}

/** Lay the record out at `o` of `dv` (every value already validated). */
function writeRecord(
  dv: DataView,
  o: number,
  L: SampleLayout,
  event: PerfEvent,
  s: PerfSampleInput,
  ip: PerfU64Input,
  time: PerfU64Input,
  period: PerfU64Input,
): void {
  dv.setUint32(o, PERF_RECORD_SAMPLE, true)
  dv.setUint16(o + 4, s.misc ?? 0, true)
  dv.setUint16(o + 6, L.size, true)
  if (L.identifier >= 0) putId(dv, o + L.identifier, s.identifier, L)
  if (L.ip >= 0) put64(dv, o + L.ip, ip)
  if (L.tid >= 0) {
    const p = event.pid > 0 ? event.pid : 0
    dv.setUint32(o + L.tid, s.pid ?? p, true)
    dv.setUint32(o + L.tid + 4, s.tid ?? p, true)
  }
  if (L.time >= 0) put64(dv, o + L.time, time)
  if (L.id >= 0) putId(dv, o + L.id, s.id, L)
  if (L.stream_id >= 0) putId(dv, o + L.stream_id, s.stream_id, L)
  if (L.cpu >= 0) {
    dv.setUint32(o + L.cpu, s.cpu ?? (event.cpu > 0 ? event.cpu : 0), true)
    dv.setUint32(o + L.cpu + 4, s.res ?? 0, true)
  }
  if (L.period >= 0) put64(dv, o + L.period, period)
  if (L.addr >= 0 && s.addr !== undefined) put64(dv, o + L.addr, s.addr)
  if (L.needsFields) writeRequired(dv, o, L, s)
}

/** Store the fields that have no default (READ, WEIGHT, …). */
function writeRequired(dv: DataView, o: number, L: SampleLayout, s: PerfSampleInput): void {
  if (L.read >= 0) {
    const r = s.read as unknown as Record<
      'value' | 'time_enabled' | 'time_running' | 'id' | 'lost',
      PerfU64Input
    >
    const b = o + L.read
    put64(dv, b, r.value)
    if (L.rd_enabled >= 0) put64(dv, b + L.rd_enabled, r.time_enabled)
    if (L.rd_running >= 0) put64(dv, b + L.rd_running, r.time_running)
    if (L.rd_id >= 0) put64(dv, b + L.rd_id, r.id)
    if (L.rd_lost >= 0) put64(dv, b + L.rd_lost, r.lost)
  }
  if (L.weight >= 0) put64(dv, o + L.weight, s.weight!)
  if (L.weight_struct >= 0) {
    const ws = s.weight_struct!
    dv.setUint32(o + L.weight_struct, ws.var1_dw, true)
    dv.setUint16(o + L.weight_struct + 4, ws.var2_w, true)
    dv.setUint16(o + L.weight_struct + 6, ws.var3_w, true)
  }
  if (L.data_src >= 0) put64(dv, o + L.data_src, s.data_src!)
  if (L.transaction >= 0) put64(dv, o + L.transaction, s.transaction!)
  if (L.phys_addr >= 0) put64(dv, o + L.phys_addr, s.phys_addr!)
  if (L.cgroup >= 0) put64(dv, o + L.cgroup, s.cgroup!)
  if (L.data_page_size >= 0) put64(dv, o + L.data_page_size, s.data_page_size!)
  if (L.code_page_size >= 0) put64(dv, o + L.code_page_size, s.code_page_size!)
}

/**
 * Bind the layout's word views to the writer's bytes; false (and no binding) on a big-endian
 * host or bytes that are not 8-byte aligned: the DataView stores are used then.
 */
function bindWords(L: SampleLayout, b: Uint8Array): boolean {
  if (!LITTLE_ENDIAN || (b.byteOffset & 7) !== 0) return false
  L.bytes = b
  L.u32 = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2)
  L.u64 = new BigUint64Array(b.buffer, b.byteOffset, b.byteLength >> 3)
  return true
}

/** Store a validated u64 at word `k` (8-byte aligned: `k` even) of the ring. */
function put64w(L: SampleLayout, k: number, v: PerfU64Input): void {
  if (typeof v === 'number') {
    const lo = v >>> 0
    const u = L.u32
    u[k] = lo
    u[k + 1] = v > 0xffffffff ? (v - lo) * INV_TWO32 : 0
  } else L.u64[k >> 1] = v
}

/**
 * Lay the record out at byte `off` (8-byte aligned) of the ring's words: the template, then
 * ip, time and period; a sample object's own fields go through {@link writeRecord}'s stores.
 */
function writeWords(
  L: SampleLayout,
  dv: DataView,
  off: number,
  s: PerfSampleInput,
  ip: PerfU64Input,
  time: number,
  period: PerfU64Input,
): void {
  const u = L.u32
  const tpl = L.template
  const fixed = L.fixedWords
  const k = off >> 2
  const n = fixed.length
  for (let j = 0; j < n; j++) {
    const i = fixed[j]!
    u[k + i] = tpl[i]!
  }
  if (L.ip >= 0) put64w(L, k + (L.ip >> 2), ip)
  if (L.time >= 0) {
    const lo = time >>> 0
    u[k + (L.time >> 2)] = lo
    u[k + (L.time >> 2) + 1] = time > 0xffffffff ? (time - lo) * INV_TWO32 : 0
  }
  if (L.period >= 0) put64w(L, k + (L.period >> 2), period)
  if (s !== EMPTY) patchFields(dv, off, L, s)
}

/** Store the fields `s` gives over the template's defaults (every value already validated). */
function patchFields(dv: DataView, o: number, L: SampleLayout, s: PerfSampleInput): void {
  if (s.misc !== undefined) dv.setUint16(o + 4, s.misc, true)
  if (L.identifier >= 0 && s.identifier !== undefined) put64(dv, o + L.identifier, s.identifier)
  if (L.tid >= 0) {
    if (s.pid !== undefined) dv.setUint32(o + L.tid, s.pid, true)
    if (s.tid !== undefined) dv.setUint32(o + L.tid + 4, s.tid, true)
  }
  if (L.id >= 0 && s.id !== undefined) put64(dv, o + L.id, s.id)
  if (L.stream_id >= 0 && s.stream_id !== undefined) put64(dv, o + L.stream_id, s.stream_id)
  if (L.cpu >= 0) {
    if (s.cpu !== undefined) dv.setUint32(o + L.cpu, s.cpu, true)
    if (s.res !== undefined) dv.setUint32(o + L.cpu + 4, s.res, true)
  }
  if (L.addr >= 0 && s.addr !== undefined) put64(dv, o + L.addr, s.addr)
  if (L.needsFields) writeRequired(dv, o, L, s)
}

/**
 * The fast path of {@link perf_event_output} for an enabled event: 1 written, 0 refused, or
 * {@link FAST_UNHANDLED} (-1) before any side effect when the generic path must take it (a
 * variable-size layout, or a field the fast path does not accept). `ip`, `time` and `period`
 * are passed apart so that {@link perf_event_output_ip} needs no object.
 * @internal
 */
export function outputSampleFast(
  event: PerfEvent,
  s: PerfSampleInput,
  ip: unknown,
  time: unknown,
  period: unknown,
): number {
  const L = layoutOf(event)
  if (L === null) return FAST_UNHANDLED
  // the time: what timeOf accepts, as an exact number
  let t: number
  if (time === undefined) t = -1
  else if (typeof time === 'number') {
    if (!(Number.isSafeInteger(time) && time >= 0)) return FAST_UNHANDLED
    t = time
  } else if (typeof time === 'bigint') {
    if (!(time >= 0n && time <= 9007199254740991n)) return FAST_UNHANDLED
    t = Number(time)
  } else return FAST_UNHANDLED
  if (L.ip >= 0 && !u64ok(ip)) return FAST_UNHANDLED
  if (period !== undefined && !u64ok(period)) return FAST_UNHANDLED
  if ((s !== EMPTY || L.needsFields) && !valid(L, s)) return FAST_UNHANDLED
  // side effects from here on, in the generic path's order
  if (t < 0) t = perfClock()
  const a = event.attr
  const p = (period ?? (a.freq ? 1 : a.sample_period || 1)) as PerfU64Input
  let ok = 0
  const ring = event._ring
  const w = ring === null ? null : ring.writer
  // a control page alone: paused, nothing counted (the kernel counts only with data pages)
  if (ring !== null && w !== null) {
    if (ring.paused || L.size > ring.maxPayload) {
      w.drop(1)
      event.lost_samples++
    } else {
      if (L.ring !== ring) {
        L.tag = ring.tagOf(event)
        L.ring = ring
      }
      const off = w.reserve(L.size, t, L.tag)
      if (off < 0) event.lost_samples++
      else {
        if (w.wrapped) {
          writeRecord(scratchView, 0, L, event, s, ip as PerfU64Input, t, p)
          w.put(off, L.scratch)
        } else if ((L.bytes === w.bytes || bindWords(L, w.bytes)) && (off & 7) === 0) {
          writeWords(L, w.view, off, s, ip as PerfU64Input, t, p)
        } else writeRecord(w.view, off, L, event, s, ip as PerfU64Input, t, p)
        w.commit()
        ring.outputDone()
        ok = 1
      }
    }
  }
  event._sampleDone(p, ok === 1)
  return ok
}

/**
 * The generic path's fields: `sample` with its number u64 fields (exact non-negative
 * integers) as bigints; other values are left for the encoder to reject.
 * @internal
 */
export function toSampleFields(sample: PerfSampleInput): PerfSampleFields {
  let out: Record<string, unknown> | null = null
  for (const k of SAMPLE_U64_KEYS) {
    const v = sample[k]
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      out ??= { ...sample }
      out[k] = BigInt(v)
    }
  }
  return (out ?? sample) as PerfSampleFields
}
