import { describe, expect, it } from 'vitest'
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_ID,
  PERF_EVENT_IOC_PAUSE_OUTPUT,
  PERF_EVENT_IOC_PERIOD,
  PERF_EVENT_IOC_REFRESH,
  PERF_EVENT_IOC_RESET,
  PERF_EVENT_IOC_SET_FILTER,
  PERF_EVENT_IOC_SET_OUTPUT,
  PERF_IOC_FLAG_GROUP,
  POLLHUP,
  PROT_READ,
  PROT_WRITE,
  PerfMmap,
  ioctl,
  mmap,
  munmap,
  perf_event_open,
  perf_event_output,
  perf_event_poll,
} from '../src/index.js'
import { ATTR, expectErrno, readAll } from './event-helpers.js'

const RW = PROT_READ | PROT_WRITE

describe('ioctl', () => {
  it('ID returns the event id', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    expect(ioctl(ev, PERF_EVENT_IOC_ID)).toBe(ev.id)
  })

  it('an unknown request is ENOTTY; a non-event is EBADF', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    expectErrno(() => ioctl(ev, 0x1234), 'ENOTTY')
    expectErrno(() => ioctl(ev, PERF_EVENT_IOC_SET_FILTER, 'x'), 'EOPNOTSUPP')
    expectErrno(() => ioctl({} as never, PERF_EVENT_IOC_ID), 'EBADF')
  })

  it('ENABLE / DISABLE / RESET, and with PERF_IOC_FLAG_GROUP the whole group', () => {
    const leader = perf_event_open({ ...ATTR, disabled: true }, 0, 0)
    const sib = perf_event_open({ ...ATTR, disabled: true }, 0, 0, leader)
    const other = perf_event_open({ ...ATTR, disabled: true }, 0, 0)
    expect(sib.group_leader).toBe(leader)
    ioctl(sib, PERF_EVENT_IOC_ENABLE)
    expect([leader.enabled, sib.enabled]).toEqual([false, true])
    ioctl(sib, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP)
    expect([leader.enabled, sib.enabled, other.enabled]).toEqual([true, true, false])
    mmap(leader, 3 * 4096, RW)
    perf_event_output(leader, { ip: 1n })
    expect(leader.count).toBe(1n)
    ioctl(leader, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP)
    expect(leader.count).toBe(0n)
    ioctl(leader, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP)
    expect([leader.enabled, sib.enabled]).toEqual([false, false])
    expectErrno(() => ioctl(leader, PERF_EVENT_IOC_ENABLE, 7), 'EINVAL')
  })

  it('a disabled event writes nothing and counts nothing', () => {
    const ev = perf_event_open({ ...ATTR, disabled: true }, 0, 0)
    const m = mmap(ev, 3 * 4096, RW)
    expect(perf_event_output(ev, { ip: 1n })).toBe(false)
    expect(ev.lost_samples).toBe(0)
    expect(readAll(new PerfMmap(m.bytes))).toEqual([])
  })

  it('REFRESH enables for N overflows, then the event disables itself (hup, not a poll bit)', () => {
    const ev = perf_event_open({ ...ATTR, disabled: true }, 0, 0)
    mmap(ev, 3 * 4096, RW)
    ioctl(ev, PERF_EVENT_IOC_REFRESH, 2)
    expect(perf_event_output(ev, { ip: 1n })).toBe(true)
    expect(perf_event_output(ev, { ip: 2n })).toBe(true)
    expect(ev.enabled).toBe(false)
    expect(ev.hup).toBe(true)
    // the kernel's perf_poll reports no POLLHUP for it (live: `refresh 7; getppid 7; poll` → 0)
    expect(perf_event_poll(ev) & POLLHUP).toBe(0)
    expect(perf_event_output(ev, { ip: 3n })).toBe(false)
  })

  it('REFRESH 0 only enables; a counting event is EINVAL (_perf_event_refresh)', () => {
    // live (Linux 6.18): `refresh 0` on a sampling event answers 0
    const ev = perf_event_open({ ...ATTR, disabled: true }, 0, 0)
    expect(ioctl(ev, PERF_EVENT_IOC_REFRESH, 0)).toBe(0)
    expect(ev.enabled).toBe(true)
    expect(ev.event_limit).toBe(0)
    const counting = perf_event_open({ ...ATTR, sample_period: 0 }, 0, 0)
    expectErrno(() => ioctl(counting, PERF_EVENT_IOC_REFRESH, 1), 'EINVAL')
  })

  it('PERIOD sets the sample period; 0 is EINVAL', () => {
    const ev = perf_event_open(ATTR, 0, 0)
    ioctl(ev, PERF_EVENT_IOC_PERIOD, 1000n)
    expect(ev.attr.sample_period).toBe(1000)
    expectErrno(() => ioctl(ev, PERF_EVENT_IOC_PERIOD, 0), 'EINVAL')
  })

  describe('SET_OUTPUT', () => {
    it('redirects into the target ring and -1 detaches', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open(ATTR, 0, 0)
      const m = mmap(a, 3 * 4096, RW)
      ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
      expect(b.redirected).toBe(true)
      expect(perf_event_output(b, { ip: 5n })).toBe(true)
      const recs = readAll(new PerfMmap(m.bytes))
      expect(recs.length).toBe(1)
      ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, -1)
      expect(b.redirected).toBe(false)
      expect(perf_event_output(b, { ip: 6n })).toBe(false)
    })

    it('not to itself: EINVAL; a non-event target: EBADF', () => {
      const a = perf_event_open(ATTR, 0, 0)
      mmap(a, 3 * 4096, RW)
      expectErrno(() => ioctl(a, PERF_EVENT_IOC_SET_OUTPUT, a), 'EINVAL')
      const b = perf_event_open(ATTR, 0, 0)
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, 3), 'EBADF')
    })

    it('the same cpu: EINVAL otherwise', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open(ATTR, 0, 1)
      mmap(a, 3 * 4096, RW)
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 'EINVAL')
    })

    it('the same write_backward: EINVAL otherwise', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open({ ...ATTR, write_backward: true }, 0, 0)
      mmap(a, 3 * 4096, RW)
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 'EINVAL')
    })

    it('the source must not be mmapped; the target must be: EINVAL', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open(ATTR, 0, 0)
      const c = perf_event_open(ATTR, 0, 0)
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 'EINVAL')
      mmap(a, 3 * 4096, RW)
      mmap(b, 3 * 4096, RW)
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 'EINVAL')
      expectErrno(() => ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, -1), 'EINVAL')
      ioctl(c, PERF_EVENT_IOC_SET_OUTPUT, a)
      expect(c.redirected).toBe(true)
    })

    it('the last munmap of the target detaches the redirected events', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open(ATTR, 0, 0)
      const m = mmap(a, 3 * 4096, RW)
      ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
      munmap(m)
      expect(b.redirected).toBe(false)
      expect(perf_event_output(b, { ip: 1n })).toBe(false)
    })
  })

  describe('PAUSE_OUTPUT', () => {
    it('pause → 7 samples → resume → 1 sample gives exactly one LOST {id, lost 7} then the sample', () => {
      const ev = perf_event_open(ATTR, 42, 0)
      const m = mmap(ev, 3 * 4096, RW)
      ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 1)
      for (let k = 0; k < 7; k++) expect(perf_event_output(ev, { ip: BigInt(k) })).toBe(false)
      expect(ev.lost_samples).toBe(7)
      const map = new PerfMmap(m.bytes)
      expect(readAll(map)).toEqual([])
      ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 0)
      expect(perf_event_output(ev, { ip: 100n, time: 5000n })).toBe(true)
      const recs = readAll(map)
      expect(recs.map((r) => r.type)).toEqual([2, 9])
      const lost = recs[0]!.dv
      expect(lost.getBigUint64(8, true)).toBe(ev.id)
      expect(lost.getBigUint64(16, true)).toBe(7n)
      // the LOST's sample_id trailer: pid, tid, time, id, cpu
      expect(recs[0]!.size).toBe(24 + 32)
      expect(lost.getUint32(24, true)).toBe(42)
      expect(lost.getBigUint64(40, true)).toBe(ev.id)
      expect(recs[1]!.dv.getBigUint64(8, true)).toBe(100n)
      expect(m.ring!.stats(0)).toMatchObject({ dropped: 7, written: 1 })
    })

    it('needs a ring with data pages: EINVAL', () => {
      const ev = perf_event_open(ATTR, 0, 0)
      expectErrno(() => ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 'EINVAL')
    })

    it('a redirected event pauses the ring it writes into', () => {
      const a = perf_event_open(ATTR, 0, 0)
      const b = perf_event_open(ATTR, 0, 0)
      const m = mmap(a, 3 * 4096, RW)
      ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
      ioctl(b, PERF_EVENT_IOC_PAUSE_OUTPUT, 1)
      expect(perf_event_output(a, { ip: 1n })).toBe(false)
      ioctl(a, PERF_EVENT_IOC_PAUSE_OUTPUT, 0)
      expect(perf_event_output(b, { ip: 2n })).toBe(true)
      const recs = readAll(new PerfMmap(m.bytes))
      // the LOST names the event that writes next (b), as the kernel's rb->lost does
      expect(recs.map((r) => r.type)).toEqual([2, 9])
      expect(recs[0]!.dv.getBigUint64(8, true)).toBe(b.id)
      expect(a.lost_samples).toBe(1)
    })
  })
})
