/**
 * The perf face of the tracepoint bridge, per event and per ring: enable/disable, PAUSE_OUTPUT
 * and a full ring (LOST records and `lost_samples`, as for every other sample), wakeup_events,
 * SET_OUTPUT, sample periods and counting, the task filter, the clock, and `close`. The sample
 * layout itself is checked against kernel bytes in tracepoint-kernel.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { monotonicNs } from '@onering/core'
import { EventEncoder, layoutEvent, tracepointOf } from '@onering/trace-events'
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_SET_OUTPUT,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  PerfMmap,
  close,
  decodeRecord,
  ioctl,
  mmap,
  munmap,
  perf_event_open,
  perf_event_poll,
} from '../src/index.js'
import type { PerfEvent, PerfEventAttrInit, PerfMapping, PerfSampleRecord } from '../src/index.js'
import {
  TRACEPOINT_SAMPLE_TYPE,
  tracepointAttr,
} from '../../../test/support/perf-tracepoint-attr.mjs'
import { readAll } from './event-helpers.js'

const DEF = layoutEvent(
  {
    system: 'tp_perf',
    name: 'tick',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'val', type: 'u64' },
    ],
  },
  41000,
)
const TP = tracepointOf(DEF)
const enc = new EventEncoder(DEF)
const payload = new Uint8Array(64)
const TID = 4242

/** Encode tick(seq) into the payload scratch; returns its length (24: seq at 8, val at 16). */
function tick(seq: number): number {
  enc.begin(payload, new DataView(payload.buffer), 0, 64, TID)
  enc.setNumber(0, seq)
  enc.setNumber(1, seq * 1000)
  return enc.end()
}

function attr(extra: PerfEventAttrInit = {}): PerfEventAttrInit {
  return tracepointAttr(TP.id, { sample_id_all: true, ...extra })
}

const opened: PerfEvent[] = []
const maps: PerfMapping[] = []
function open(extra: PerfEventAttrInit = {}, pid = 0): PerfEvent {
  const ev = perf_event_open(attr(extra), pid, -1)
  opened.push(ev)
  return ev
}
function map(ev: PerfEvent, pages = 1): PerfMapping {
  const m = mmap(ev, (1 + pages) * 4096, PROT_READ | PROT_WRITE)
  maps.push(m)
  return m
}
afterEach(() => {
  for (const m of maps.splice(0)) munmap(m)
  for (const e of opened.splice(0)) close(e)
  expect(TP.enabled).toBe(false)
})

/** Every record, decoded with `ev`'s context. */
function records(m: PerfMapping, ev: PerfEvent): ReturnType<typeof decodeRecord>[] {
  return readAll(new PerfMmap(m.bytes)).map((r) => decodeRecord(r.dv, 0, ev.ctx))
}
const samples = (m: PerfMapping, ev: PerfEvent): PerfSampleRecord[] =>
  records(m, ev).filter((r): r is PerfSampleRecord => r.type === PERF_RECORD_SAMPLE)

describe('PERF_TYPE_TRACEPOINT events on a trace-events tracepoint', () => {
  it('one sample per emission, fields as the kernel fills them for a tracepoint', () => {
    const ev = open({ disabled: true })
    const m = map(ev)
    TP.emit(payload, 0, tick(1), 5000, 3) // disabled: nothing
    ioctl(ev, PERF_EVENT_IOC_ENABLE)
    for (let k = 0; k < 3; k++) TP.emit(payload, 0, tick(k), 1_000_000 + k, 2)
    ioctl(ev, PERF_EVENT_IOC_DISABLE)
    TP.emit(payload, 0, tick(9), 9, 0)
    const s = samples(m, ev)
    expect(s).toHaveLength(3)
    s.forEach((r, k) => {
      expect(r.misc).toBe(2) // PERF_RECORD_MISC_USER
      expect(r.identifier).toBe(ev.id)
      expect(r.ip).toBe(0n)
      expect(r.pid).toBe(process.pid)
      expect(r.tid).toBe(TID) // the payload's common_pid
      expect(r.time).toBe(BigInt(1_000_000 + k))
      expect(r.id).toBe(ev.id)
      expect(r.stream_id).toBe(ev.id)
      expect(r.cpu).toBe(2)
      expect(r.period).toBe(1n)
      // RAW: the 24 payload bytes and 4 zero bytes, so that the u32 size + RAW is 32
      expect(tick(k)).toBe(24)
      expect(r.raw!.length).toBe(28)
      expect([...r.raw!]).toEqual([...payload.subarray(0, 24), 0, 0, 0, 0])
      expect(r.size).toBe(8 + 8 * 8 + 4 + 28)
    })
    expect(ev.count).toBe(3n)
  })

  it('without use_clockid MONOTONIC the time is the package clock, not the emission time', () => {
    const ev = open({ use_clockid: false, clockid: 0 })
    const m = map(ev)
    TP.emit(payload, 0, tick(1), 5, 0)
    expect(samples(m, ev)[0]!.time).not.toBe(5n)
    const mono = open()
    const mm = map(mono)
    const before = monotonicNs()
    TP.emit(payload, 0, tick(1), -1, 0) // the emitter has no mono time: take it here
    const t = Number(samples(mm, mono).at(-1)!.time)
    expect(t).toBeGreaterThanOrEqual(before)
    expect(t).toBeLessThanOrEqual(monotonicNs())
  })

  it('PAUSE_OUTPUT and a full ring lose samples: lost_samples and a LOST record, per ring', () => {
    const ev = open()
    const m = map(ev)
    ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 1)
    for (let k = 0; k < 5; k++) TP.emit(payload, 0, tick(k), 100 + k, 0)
    ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 0)
    TP.emit(payload, 0, tick(5), 200, 0)
    expect(ev.lost_samples).toBe(5)
    const recs = records(m, ev)
    expect(recs.map((r) => r.type)).toEqual([PERF_RECORD_LOST, PERF_RECORD_SAMPLE])
    expect((recs[0] as { lost: bigint }).lost).toBe(5n)
    // a 4 KiB ring of 96-byte samples: the rest is lost while nobody reads
    for (let k = 0; k < 100; k++) TP.emit(payload, 0, tick(k), 300 + k, 0)
    const got = records(m, ev)
    const written = got.filter((r) => r.type === PERF_RECORD_SAMPLE).length
    expect(written).toBeLessThan(100)
    expect(ev.lost_samples).toBe(5 + 100 - written)
    TP.emit(payload, 0, tick(0), 1000, 0)
    const after = records(m, ev)
    expect(after[0]!.type).toBe(PERF_RECORD_LOST)
    expect((after[0] as { lost: bigint }).lost).toBe(BigInt(100 - written))
  })

  it('wakeup_events, SET_OUTPUT into another ring, two events on one tracepoint', () => {
    const a = open({ wakeup_events: 2 })
    const b = open({ wakeup_events: 2 })
    const m = map(a, 2)
    ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
    TP.emit(payload, 0, tick(1), 10, 0)
    // one emission, two samples (a's and b's) in the one ring: wakeup_events 2 reached
    expect(perf_event_poll(a) & POLLIN).toBe(POLLIN)
    const s = samples(m, a)
    expect(s.map((r) => r.id)).toEqual([a.id, b.id])
  })

  it('sample_period 3 samples every third emission (PERIOD 3); period 0 only counts', () => {
    const p3 = open({ sample_period: 3 })
    const m = map(p3)
    const counting = open({ sample_period: 0 })
    for (let k = 0; k < 7; k++) TP.emit(payload, 0, tick(k), 10 + k, 0)
    const s = samples(m, p3)
    expect(s.map((r) => [r.period, r.time])).toEqual([
      [3n, 12n],
      [3n, 15n],
    ])
    expect(p3.count).toBe(7n)
    expect(counting.count).toBe(7n)
  })

  it('a per-task event sees its task only; close unregisters the probe', () => {
    const mine = open({}, TID)
    const other = open({}, TID + 1)
    const mm = map(mine)
    const mo = map(other)
    TP.emit(payload, 0, tick(1), 10, 0)
    expect(samples(mm, mine)).toHaveLength(1)
    expect(samples(mo, other)).toHaveLength(0)
    const ev = open()
    expect(TP.probes).toHaveLength(3)
    close(ev)
    opened.splice(opened.indexOf(ev), 1)
    expect(TP.probes).toHaveLength(2)
    expect(() => close(ev)).toThrow(/event:/)
  })

  it('open refuses an unknown id (EINVAL, config) and sample fields onering cannot fill', () => {
    expect(() => perf_event_open(attr({ config: 65535n }), 0, -1)).toThrow(/config:/)
    expect(() => perf_event_open(attr({ config: 1n << 40n }), 0, -1)).toThrow(/config:/)
    expect(() =>
      perf_event_open(attr({ sample_type: TRACEPOINT_SAMPLE_TYPE | (1 << 5) }), 0, -1),
    ).toThrow(/sample_type:/)
  })
})
