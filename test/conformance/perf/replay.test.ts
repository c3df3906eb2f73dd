/**
 * (c) Each kernel fixture scenario replayed through onering (the BUILT `@onering/perf`):
 * perf_event_open with the fixture's attr, mmap with the same data size, the kernel's own
 * records re-emitted with their decoded fields, the consumer freeing space at the same moment.
 * The result is the kernel's data_head / data_tail and the same LOST count.
 */
import { describe, expect, it } from 'vitest'
import {
  PERF_EVENT_IOC_ENABLE,
  PERF_RECORD_LOST,
  PERF_RECORD_MMAP2,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
  PROT_READ,
  PROT_WRITE,
  PerfMmap,
  decodeAttr,
  decodeRecord,
  ioctl,
  mmap,
  munmap,
  perf_event_mmap2,
  perf_event_open,
  perf_event_output,
  perf_event_switch,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
  recordContext,
} from '@onering/perf'
import type { PerfEvent, PerfMapping, PerfRecord, PerfUnknownRecord } from '@onering/perf'
import { TABLE, fixture, forwardRecords, layout, u32, u64, view } from './perf-helpers.js'
import type { Scenario } from './perf-helpers.js'

type Decoded = PerfRecord | PerfUnknownRecord

interface Replay {
  ev: PerfEvent
  m: PerfMapping
  decode: (rec: Uint8Array) => Decoded
}

/** Open and map an event as the kernel fixture was: same attr, same data size. */
function open(name: Scenario, pid: number): Replay {
  const attr = decodeAttr(fixture(`${name}.attr`))
  const ev = perf_event_open(attr, pid, 0)
  ioctl(ev, PERF_EVENT_IOC_ENABLE, 0)
  const prot = attr.write_backward ? PROT_READ : PROT_READ | PROT_WRITE
  const m = mmap(ev, 4096 + TABLE[name].dataSize, prot)
  const ctx = recordContext(attr)
  return { ev, m, decode: (rec) => decodeRecord(view(rec), 0, ctx) }
}

/** Re-emit a kernel SAMPLE with its decoded fields. */
function emitSample(r: Replay, rec: Uint8Array): boolean {
  const d = r.decode(rec)
  if (d.type !== PERF_RECORD_SAMPLE) throw new Error(`not a sample: ${String(d.type)}`)
  return perf_event_output(r.ev, d)
}

/** The consumer frees everything it has (libperf's loop); returns the records it read. */
function consumeAll(m: PerfMapping | PerfMmap, overwrite = false): Uint8Array[] {
  const map = m instanceof PerfMmap ? m : new PerfMmap(m.bytes, { overwrite })
  const out: Uint8Array[] = []
  if (perf_mmap__read_init(map) < 0) return out
  for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
    out.push(ev.bytes.slice())
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  return out
}

const headTail = (m: PerfMapping): [bigint, bigint] => [u64(m.bytes, 1024), u64(m.bytes, 1032)]

describe('(c) replaying the kernel scenarios through onering', () => {
  it('samples: 115 samples give head 6440, tail 0, byte for byte', () => {
    const recs = forwardRecords(fixture('samples.mmap'))
    expect(recs).toHaveLength(115)
    const r = open('samples', u32(recs[0]!, 16))
    for (const rec of recs) expect(emitSample(r, rec)).toBe(true)
    expect(headTail(r.m)).toEqual([TABLE.samples.head, TABLE.samples.tail])
    expect(r.ev.lost_samples).toBe(0)
    // the data area is the kernel's
    const k = layout(fixture('samples.mmap'))
    const ours = layout(r.m.bytes)
    expect(ours.data.subarray(0, 6440)).toEqual(k.data.subarray(0, 6440))
    munmap(r.m)
  })

  it.each([
    ['full', 740n],
    ['wrapped', 140n],
  ] as const)(
    '%s: fill, %d lost, the consumer frees, the rest: the kernel head / tail',
    (name, lost) => {
      const before = forwardRecords(fixture(`${name}.before.mmap`))
      const after = forwardRecords(fixture(`${name}.mmap`))
      const kLost = after[0]!
      expect(u32(kLost, 0)).toBe(PERF_RECORD_LOST)
      expect(u64(kLost, 16)).toBe(lost)
      const r = open(name, u32(before[0]!, 16))
      // the buffer fills while nobody reads
      for (const rec of before) expect(emitSample(r, rec)).toBe(true)
      expect(headTail(r.m)).toEqual([layout(fixture(`${name}.before.mmap`)).head, 0n])
      // the kernel dropped `lost` samples
      for (let k = 0n; k < lost; k++) expect(emitSample(r, before[before.length - 1]!)).toBe(false)
      expect(r.ev.lost_samples).toBe(Number(lost))
      // the consumer frees the space (data_tail = data_head), as the capture did
      expect(consumeAll(r.m)).toHaveLength(before.length)
      for (const rec of after.slice(1)) expect(emitSample(r, rec)).toBe(true)
      expect(headTail(r.m)).toEqual([TABLE[name].head, TABLE[name].tail])
      // the LOST record in front: our event's id, the kernel's count and size
      const got = consumeAll(r.m)
      expect(got).toHaveLength(after.length)
      const ourLost = got[0]!
      expect(u32(ourLost, 0)).toBe(PERF_RECORD_LOST)
      expect(ourLost.length).toBe(kLost.length)
      expect(u64(ourLost, 8)).toBe(r.ev.id)
      expect(u64(ourLost, 16)).toBe(lost)
      // the samples after it, byte for byte
      for (let i = 1; i < after.length; i++) expect(got[i]).toEqual(after[i])
      munmap(r.m)
    },
  )

  it('backward: the records oldest first into a read-only write_backward mapping: the kernel head', () => {
    const kernel = fixture('backward.mmap')
    const kMap = new PerfMmap(kernel, { overwrite: true })
    const newestFirst = consumeAll(kMap)
    expect(newestFirst).toHaveLength(146)
    const oldestFirst = [...newestFirst].reverse()
    const r = open('backward', u32(oldestFirst[0]!, 16))
    // the kernel wrote 47264 bytes: 844 samples of 56 bytes; the 698 older ones were
    // overwritten, so stand-ins (the oldest record we have) go first
    const total = Number(2n ** 64n - TABLE.backward.head) / 56
    expect(total).toBe(844)
    for (let k = 0; k < total - oldestFirst.length; k++)
      expect(emitSample(r, oldestFirst[0]!)).toBe(true)
    for (const rec of oldestFirst) expect(emitSample(r, rec)).toBe(true)
    expect(headTail(r.m)).toEqual([TABLE.backward.head, TABLE.backward.tail])
    expect(r.ev.lost_samples).toBe(0)
    // read back newest first: the kernel's records, byte for byte
    expect(consumeAll(r.m, true)).toEqual(newestFirst)
    munmap(r.m)
  })

  it('sideband: 6 MMAP2 and 10 SWITCH with perf_event_mmap2 / perf_event_switch: head 952', () => {
    const recs = forwardRecords(fixture('sideband.mmap'))
    // pid 0 (the caller): every record carries its own sample_id trailer
    const r = open('sideband', 0)
    let mmap2 = 0
    let sw = 0
    for (const rec of recs) {
      const d = r.decode(rec)
      if (d.type === PERF_RECORD_MMAP2) {
        expect(perf_event_mmap2(r.ev, d, d.sample_id?.time)).toBe(true)
        mmap2++
      } else if (d.type === PERF_RECORD_SWITCH) {
        expect(perf_event_switch(r.ev, d, d.sample_id?.time)).toBe(true)
        sw++
      } else throw new Error(`unexpected record ${String(d.type)}`)
    }
    expect([mmap2, sw]).toEqual([6, 10])
    expect(headTail(r.m)).toEqual([TABLE.sideband.head, TABLE.sideband.tail])
    expect(r.ev.lost_samples).toBe(0)
    // the records as the kernel wrote them (sizes, headers, bodies and trailers)
    const got = consumeAll(r.m)
    expect(got.map((g) => g.length)).toEqual(recs.map((g) => g.length))
    for (const [i, g] of got.entries()) expect(r.decode(g)).toEqual(r.decode(recs[i]!))
    munmap(r.m)
  })
})
