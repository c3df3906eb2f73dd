import { describe, expect, it } from 'vitest'
import {
  MAP_PRIVATE,
  MAP_SHARED,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_SET_OUTPUT,
  PROT_READ,
  PROT_WRITE,
  PerfEventMmapPage,
  PerfMmap,
  ioctl,
  mmap,
  munmap,
  perf_event_comm,
  perf_event_open,
  perf_event_output,
} from '../src/index.js'
import { ATTR, dataHead, expectErrno, readAll } from './event-helpers.js'

const RW = PROT_READ | PROT_WRITE

describe('mmap', () => {
  it('maps (1 + 2^n) pages: control page + data pages, initialised as the kernel does', () => {
    for (const n of [1, 2, 4, 8]) {
      const ev = perf_event_open(ATTR, 0, 0)
      const m = mmap(ev, (1 + n) * 4096, RW)
      expect(m.bytes.byteLength).toBe((1 + n) * 4096)
      expect(m.bytes.buffer).toBe(m.sab)
      expect(m.event).toBe(ev)
      const page = new PerfEventMmapPage(m.bytes).decode()
      expect(page.data_offset).toBe(4096n)
      expect(page.data_size).toBe(BigInt(n * 4096))
      expect(page.data_head).toBe(0n)
    }
  })

  it('refuses a length that is not (1 + 2^n) pages: EINVAL', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    for (const len of [4096 * 4, 4096 * 6, 4096 * 2 + 1, 100])
      expectErrno(() => mmap(ev, len, RW), 'EINVAL')
    expectErrno(() => mmap(ev, 0, RW), 'EINVAL')
  })

  it('requires MAP_SHARED; an offset maps the AUX area, which needs the ring first: EINVAL', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    expectErrno(() => mmap(ev, 3 * 4096, RW, MAP_PRIVATE), 'EINVAL')
    expectErrno(() => mmap(ev, 3 * 4096, RW, 0), 'EINVAL')
    expectErrno(() => mmap(ev, 3 * 4096, RW, MAP_SHARED, 4096 * 3), 'EINVAL')
    expect(() => mmap(ev, 3 * 4096, RW, MAP_SHARED, 4096)).toThrow(/map it first/)
  })

  it('a second mmap with the same length gives the same mapping; another length is EINVAL', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    const m = mmap(ev, 3 * 4096, RW)
    expect(mmap(ev, 3 * 4096, PROT_READ)).toBe(m)
    expectErrno(() => mmap(ev, 5 * 4096, RW), 'EINVAL')
    // two munmaps before the ring goes away
    munmap(m)
    expect(ev.mmapped).toBe(true)
    munmap(m)
    expect(ev.mmapped).toBe(false)
  })

  it('an event redirected with SET_OUTPUT cannot be mmapped: EINVAL', () => {
    const a = perf_event_open(ATTR, 0, 0)
    const b = perf_event_open(ATTR, 0, 0)
    mmap(a, 3 * 4096, RW)
    ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
    expectErrno(() => mmap(b, 3 * 4096, RW), 'EINVAL')
  })

  it('an inherited per-task event (cpu -1) cannot be mmapped: EINVAL', () => {
    const ev = perf_event_open({ ...ATTR, inherit: true }, 0, -1)
    expectErrno(() => mmap(ev, 3 * 4096, RW), 'EINVAL')
  })

  it('PROT_WRITE is produce-consume: a full ring drops, the next record carries the LOST', () => {
    const ev = perf_event_open(ATTR, 1, 0)
    const m = mmap(ev, 2 * 4096, RW)
    let ok = 0
    for (let k = 0; k < 200; k++) if (perf_event_output(ev, { ip: BigInt(k) })) ok++
    expect(ok).toBeLessThan(200)
    expect(ev.lost_samples).toBe(200 - ok)
    const map = new PerfMmap(m.bytes)
    expect(readAll(map).length).toBe(ok)
    expect(perf_event_output(ev, { ip: 999n })).toBe(true)
    const recs = readAll(map)
    expect(recs.map((r) => r.type)).toEqual([2, 9])
    expect(recs[0]!.dv.getBigUint64(8, true)).toBe(ev.id)
    expect(recs[0]!.dv.getBigUint64(16, true)).toBe(BigInt(200 - ok))
  })

  it('a read-only mapping overwrites: the writer ignores the tail', () => {
    const ev = perf_event_open(ATTR, 1, 0)
    const m = mmap(ev, 2 * 4096, PROT_READ)
    for (let k = 0; k < 200; k++) expect(perf_event_output(ev, { ip: BigInt(k) })).toBe(true)
    expect(ev.lost_samples).toBe(0)
    expect(dataHead(m.bytes)).toBeGreaterThan(4096n)
  })

  it('write_backward read-only: 3 COMMs give data_head = 2^64 − total, read newest first', () => {
    const ev = perf_event_open({ ...ATTR, write_backward: true }, 1, 0)
    const m = mmap(ev, 2 * 4096, PROT_READ)
    for (const comm of ['a', 'bb', 'ccc'])
      expect(perf_event_comm(ev, { pid: 1, tid: 1, comm }, 100)).toBe(true)
    const recs0 = readAll(new PerfMmap(m.bytes, { overwrite: true }))
    const total = recs0.reduce((s, r) => s + r.size, 0)
    expect(recs0.length).toBe(3)
    expect(dataHead(m.bytes)).toBe(2n ** 64n - BigInt(total))
    const comms = recs0.map((r) => {
      expect(r.type).toBe(3)
      let s = ''
      for (let k = 16; r.dv.getUint8(k) !== 0; k++) s += String.fromCharCode(r.dv.getUint8(k))
      return s
    })
    expect(comms).toEqual(['ccc', 'bb', 'a'])
  })

  it('one page only: a control page and no data; records are lost uncounted, PAUSE_OUTPUT is EINVAL', () => {
    const ev = perf_event_open(ATTR, 1, 0)
    const m = mmap(ev, 4096, RW)
    expect(m.bytes.byteLength).toBe(4096)
    expect(m.ring).toBeNull()
    const page = new PerfEventMmapPage(m.bytes).decode()
    expect(page.data_size).toBe(0n)
    expect(page.data_offset).toBe(4096n)
    expect(perf_event_output(ev, { ip: 1n })).toBe(false)
    expect(ev.lost_samples).toBe(0)
    expect(dataHead(m.bytes)).toBe(0n)
    expectErrno(() => ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 'EINVAL')
  })
})
