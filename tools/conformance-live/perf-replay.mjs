/**
 * The onering side of the perf half: a scenario replayed through `@onering/perf`
 * (`perf_event_open` with the kernel's attr, `mmap`, `ioctl`, `perf_event_output`, the consumer
 * moving `data_tail` by whole records). The values that come from the machine — misc (the
 * cpumode of the registers), ip, time, the event id and the raw tracepoint payload — are taken
 * from the kernel's own samples in the helper's dump of the same step; everything else is
 * onering's. Each step answers `{ value, page, data, marks }`: the ioctl's result, the control
 * page (1088 bytes), the data pages, and the data-area words of LOST records that hold the event
 * id (a machine value: each side numbers its own events), for the comparison.
 */
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_REFRESH,
  PERF_EVENT_IOC_RESET,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  PERF_TYPE_TRACEPOINT,
  PROT_READ,
  PROT_WRITE,
  PerfError,
  close,
  ioctl,
  mmap,
  munmap,
  perf_event_open,
  perf_event_output,
  perf_event_poll,
} from '@onering/perf'
import { EventIdAllocator, defineEvent, findTracepoint, tracepointOf } from '@onering/trace-events'
import { PAGE_SIZE, RAW_ENTRY, SAMPLE_BITS } from './perf-scenario.mjs'

/** `sizeof(struct perf_event_mmap_page)`: the control-page bytes the helper dumps. */
export const CONTROL_BYTES = 1088
const DATA_HEAD = 1024
const DATA_TAIL = 1032
const U64 = (1n << 64n) - 1n

/** The offsets of the fields of a SAMPLE (perf_output_sample's order) and of a LOST trailer. */
export function layouts(sampleType) {
  const has = (b) => (sampleType & SAMPLE_BITS[b]) !== 0
  const sample = {}
  let o = 8
  for (const f of ['IDENTIFIER', 'IP', 'TID', 'TIME', 'ADDR', 'ID', 'STREAM_ID', 'CPU', 'PERIOD'])
    if (has(f)) {
      sample[f] = o
      o += 8
    }
  if (has('RAW')) sample.RAW = o
  const lost = {}
  o = 24 // header, id, lost
  for (const f of ['TID', 'TIME', 'ID', 'STREAM_ID', 'CPU', 'IDENTIFIER'])
    if (has(f)) {
      lost[f] = o
      o += 8
    }
  return { sample, lost, lostSize: o }
}

/** A view of a dump: the control page and the data area (`data`), u64 reads by position. */
export function dumpView(bytes, dataSize) {
  const page = bytes.subarray(0, CONTROL_BYTES)
  const data = bytes.subarray(CONTROL_BYTES, CONTROL_BYTES + dataSize)
  return viewOf(page, data)
}

function viewOf(page, data) {
  const pv = new DataView(page.buffer, page.byteOffset, page.byteLength)
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const mask = BigInt(data.length - 1)
  return {
    page,
    data,
    head: pv.getBigUint64(DATA_HEAD, true),
    tail: pv.getBigUint64(DATA_TAIL, true),
    /** The u64 at stream position `pos` (8-byte aligned, so it never straddles the end). */
    u64: (pos) => dv.getBigUint64(Number(pos & mask), true),
    u32: (pos) => dv.getUint32(Number(pos & mask), true),
    u16: (pos) => dv.getUint16(Number(pos & mask), true),
    byte: (pos) => data[Number(pos & mask)],
  }
}

/**
 * The records written between two heads, oldest first: forward, the records of [h0, h1);
 * backward (the head decreases), the records walked from h1 for at most h0 − h1 bytes and at
 * most the data size (older ones are overwritten; the last may be partly overwritten).
 */
export function stepRecords(view, h0, h1, backward, dataSize) {
  const out = []
  const from = backward ? h1 : h0
  const span = (backward ? h0 - h1 : h1 - h0) & U64
  const limit = span < BigInt(dataSize) ? span : BigInt(dataSize)
  for (let at = 0n; at < limit;) {
    const pos = (from + at) & U64
    const size = view.u16(pos + 6n)
    if (size === 0 || size % 8 !== 0) break
    // `visible`: the bytes of the record still in the ring (the oldest may be partly overwritten)
    const left = Number(limit - at)
    out.push({ pos, type: view.u32(pos), size, visible: size < left ? size : left })
    at += BigInt(size)
  }
  return backward ? out.reverse() : out
}

/** The tracepoint of the kernel's event id in this thread (onering's PERF_TYPE_TRACEPOINT). */
function tracepointFor(id) {
  const tp = findTracepoint(id)
  if (tp !== undefined) return tp
  const def = defineEvent(
    {
      system: 'syscalls',
      name: 'sys_enter_getppid',
      id,
      fields: [{ name: '__syscall_nr', type: 'int' }],
    },
    new EventIdAllocator(),
  )
  return tracepointOf(def)
}

/** A `sys_enter_getppid` entry of task `pid` (common fields, `nr` 110, the padding word). */
function payloadOf(type, pid) {
  const b = new Uint8Array(RAW_ENTRY)
  const v = new DataView(b.buffer)
  v.setUint16(0, type, true)
  v.setInt32(4, pid, true)
  v.setInt32(8, 110, true) // __NR_getppid on x86-64
  return b
}

function errnoOf(e) {
  if (e instanceof PerfError) return e.errnoNumber
  throw e
}

/**
 * Replays `scn` given the kernel's run `k` (`{ pid, tracepoint, id, open, steps }`: the helper's
 * tid, the tracepoint id, the kernel event id, the dump after open and the frame of each step).
 */
export function replayPerf(scn, k) {
  const o = scn.open
  const dataSize = o.pages * PAGE_SIZE
  const L = layouts(o.sampleType)
  const has = (b) => (o.sampleType & SAMPLE_BITS[b]) !== 0
  const tp = tracepointFor(k.tracepoint)
  const ev = perf_event_open(
    {
      type: PERF_TYPE_TRACEPOINT,
      config: BigInt(k.tracepoint),
      sample_period: 1,
      sample_type: o.sampleType,
      sample_id_all: true,
      write_backward: o.backward,
      watermark: o.watermark,
      ...(o.watermark ? { wakeup_watermark: o.wakeup } : { wakeup_events: o.wakeup }),
      ...(o.bridge ? { use_clockid: true, clockid: 1 } : {}),
    },
    // the machine value of the task: the helper's (its pid and tid, single-threaded)
    k.pid,
    k.cpu,
  )
  const map = mmap(ev, PAGE_SIZE + dataSize, o.backward ? PROT_READ : PROT_READ | PROT_WRITE)
  const pv = new DataView(map.bytes.buffer, map.bytes.byteOffset, PAGE_SIZE)
  const ours = () => viewOf(map.bytes.subarray(0, CONTROL_BYTES), map.bytes.subarray(PAGE_SIZE))
  const kid = BigInt(k.id)
  const oid = ev.id
  const marks = new Map()
  let last = { misc: 2, ip: 0n, time: 0n, raw: payloadOf(k.tracepoint, k.pid) }
  let kPrev = dumpView(k.open.bytes, dataSize)
  // rule refresh-stopped: once its REFRESH limit ran out, the kernel's tracepoint event never
  // samples again (see perf-compare.mjs)
  let stopped = false
  let rule = null
  const out = []
  const snapshot = (value) => {
    out.push({
      value,
      rule,
      page: map.bytes.slice(0, CONTROL_BYTES),
      data: map.bytes.slice(PAGE_SIZE, PAGE_SIZE + dataSize),
      marks: new Map(marks),
      oid,
      kpid: k.pid,
    })
  }
  /** The kernel's samples of this step (oldest first), with the fields it took from the machine. */
  function kernelSamples(kNow) {
    const recs = stepRecords(kNow, kPrev.head, kNow.head, o.backward, dataSize)
    // the LOST record in front of a sample carries the sample's time (the kernel's
    // __perf_event_header__init_id sets data->time, which both records write): the time of a
    // sample overwritten behind its LOST (a backward ring) is read there
    const samples = []
    for (let j = 0; j < recs.length; j++) {
      const r = recs[j]
      if (o.backward && j === 0 && r.type === PERF_RECORD_LOST && has('TIME')) {
        // backward: the oldest record seen is a LOST whose sample (at the higher address) was
        // overwritten whole; the sample is still one of the calls, its time the LOST's
        const time =
          L.lost.TIME + 8 <= r.visible ? kNow.u64(r.pos + BigInt(L.lost.TIME)) : undefined
        samples.push({ ...r, visible: 0, lostTime: time })
        continue
      }
      if (r.type !== PERF_RECORD_SAMPLE) continue
      // the LOST of the same reservation is at the lower address: before the sample forward,
      // after it in this (oldest first) list backward
      const p = recs[o.backward ? j + 1 : j - 1]
      const lostTime =
        p?.type === PERF_RECORD_LOST && has('TIME') && L.lost.TIME + 8 <= p.visible
          ? kNow.u64(p.pos + BigInt(L.lost.TIME))
          : undefined
      samples.push({ ...r, lostTime })
    }
    const out = []
    // newest first, so that a field overwritten in the oldest (partly visible) record takes
    // the value of the next newer one: times stay non-decreasing as the kernel's are
    let next = last
    for (let j = samples.length - 1; j >= 0; j--) {
      const r = samples[j]
      const seen = (f, n = 8) => has(f) && L.sample[f] + n <= r.visible
      const v = {
        misc: kNow.u16(r.pos + 4n),
        ip: seen('IP') ? kNow.u64(r.pos + BigInt(L.sample.IP)) : next.ip,
        time: seen('TIME') ? kNow.u64(r.pos + BigInt(L.sample.TIME)) : (r.lostTime ?? next.time),
        raw: seen('RAW', 4 + RAW_ENTRY)
          ? Uint8Array.from({ length: RAW_ENTRY }, (_, i) =>
              kNow.byte(r.pos + BigInt(L.sample.RAW + 4 + i)),
            )
          : next.raw,
      }
      out[j] = v
      next = v
    }
    return out
  }
  /** Marks the words of this step's LOST records whose kernel value is a machine value. */
  function track(h0, h1) {
    const now = ours()
    const span = Number((o.backward ? h0 - h1 : h1 - h0) & U64)
    const from = o.backward ? h1 : h0
    const mask = BigInt(dataSize - 1)
    for (let i = 0; i < Math.min(span, dataSize); i += 8)
      marks.delete(Number((from + BigInt(i)) & mask))
    for (const r of stepRecords(now, h0, h1, o.backward, dataSize)) {
      // only the words still in the ring (the oldest record of a backward step may be partly
      // overwritten by newer ones)
      const mark = (off, kind) => {
        if (off !== undefined && off + 8 <= r.visible)
          marks.set(Number((r.pos + BigInt(off)) & mask), kind)
      }
      if (r.type === PERF_RECORD_LOST) {
        mark(8, 'id')
        for (const f of ['ID', 'STREAM_ID', 'IDENTIFIER']) mark(L.lost[f], 'id')
      } else if (r.type === PERF_RECORD_SAMPLE && o.bridge) {
        // the bridge writes onering's event id, IP 0 and its own process id (tracepoint-event.ts)
        for (const f of ['ID', 'STREAM_ID', 'IDENTIFIER']) mark(L.sample[f], 'id')
        mark(L.sample.IP, 'ip')
        mark(L.sample.TID, 'pid')
      }
    }
  }
  try {
    snapshot(0) // after open
    for (let i = 0; i < scn.steps.length; i++) {
      const s = scn.steps[i]
      const kf = k.steps[i]
      const kNow = kf !== undefined && kf.bytes.length > 0 ? dumpView(kf.bytes, dataSize) : kPrev
      const h0 = ours().head
      let value = 0
      rule = null
      switch (s.op) {
        case 'getppid': {
          const n = Number(s.arg)
          const ks = kernelSamples(kNow)
          // the calls that are written are the first ones: forward, a full ring refuses every
          // later sample of the same size; a REFRESH limit (event_limit) stops the event after
          // that many. The kernel's ring holds all of them forward; backward, the last ones
          const written = ev.event_limit > 0 ? Math.min(n, ev.event_limit) : n
          const skip = o.backward ? Math.max(0, written - ks.length) : 0
          for (let j = 0; j < n; j++) {
            if (stopped) {
              if (ev.enabled) rule = 'refresh-stopped'
              break
            }
            const v = ks[j - skip] ?? last
            last = v
            // a time past 2^53 ns is garbage read from a diverged position (onering's times
            // are safe integers); the comparison reports the divergence
            const f = { misc: v.misc, time: v.time < 2n ** 53n ? v.time : 0n }
            if (has('IP')) f.ip = v.ip
            if (has('IDENTIFIER')) f.identifier = kid
            if (has('ID')) f.id = kid
            if (has('STREAM_ID')) f.stream_id = kid
            if (has('RAW')) f.raw = v.raw
            if (o.bridge) tp.emit(v.raw, 0, RAW_ENTRY, Number(f.time), k.cpu)
            else perf_event_output(ev, f)
            if (ev.hup) stopped = true
          }
          break
        }
        case 'consume': {
          const now = ours()
          let tail = now.tail
          if (s.arg === 'all') tail = now.head
          else
            for (let j = Number(s.arg); j > 0 && tail < now.head; j--) {
              const size = now.u16(tail + 6n)
              if (size === 0) break
              tail += BigInt(size)
            }
          pv.setBigUint64(DATA_TAIL, tail, true)
          break
        }
        case 'pause':
          value = tryIoctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, Number(s.arg))
          break
        case 'enable':
          value = tryIoctl(ev, PERF_EVENT_IOC_ENABLE, 0)
          break
        case 'disable':
          value = tryIoctl(ev, PERF_EVENT_IOC_DISABLE, 0)
          break
        case 'reset':
          value = tryIoctl(ev, PERF_EVENT_IOC_RESET, 0)
          break
        case 'refresh':
          value = tryIoctl(ev, PERF_EVENT_IOC_REFRESH, Number(s.arg))
          break
        case 'poll':
          value = perf_event_poll(ev)
          break
        default:
          throw new Error(`perf replay: unknown step ${s.op}`)
      }
      track(h0, ours().head)
      snapshot(value)
      kPrev = kNow
    }
  } finally {
    munmap(map)
    close(ev)
  }
  return out
}

function tryIoctl(ev, request, arg) {
  try {
    return Number(ioctl(ev, request, arg))
  } catch (e) {
    return errnoOf(e)
  }
}
