import { describe, expect, it } from 'vitest'
import {
  PERF_EVENT_IOC_SET_OUTPUT,
  PERF_FLAG_FD_CLOEXEC,
  PERF_FLAG_FD_NO_GROUP,
  PERF_FLAG_FD_OUTPUT,
  PERF_RECORD_COMM,
  PERF_RECORD_MISC_SWITCH_OUT,
  PERF_RECORD_MMAP2,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  PerfEventMmapPage,
  PerfMmap,
  ioctl,
  mmap,
  perf_event_comm,
  perf_event_emit,
  perf_event_mmap2,
  perf_event_open,
  perf_event_output,
  perf_event_poll,
  perf_event_switch,
  perf_event_wait,
  sizeOfComm,
  writeComm,
} from '../src/index.js'
import { ATTR, dataHead, expectErrno, readAll } from './event-helpers.js'
import type { Rec } from './event-helpers.js'

const RW = PROT_READ | PROT_WRITE

/** The id of a record of ATTR's layout: SAMPLE {ip, pid/tid, time, id, cpu}; else the trailer. */
function idOf(r: Rec): bigint {
  return r.type === PERF_RECORD_SAMPLE
    ? r.dv.getBigUint64(32, true)
    : r.dv.getBigUint64(r.size - 16, true)
}

describe('perf_event_open', () => {
  it('gives events unique increasing ids; enabled = !attr.disabled', () => {
    const a = perf_event_open(ATTR, 0, 0)
    const b = perf_event_open({ ...ATTR, disabled: true }, 0, 0, -1, PERF_FLAG_FD_CLOEXEC)
    expect(b.id).toBeGreaterThan(a.id)
    expect([a.enabled, b.enabled]).toEqual([true, false])
    expect(a.lost_samples).toBe(0)
  })

  it('validates the attr with the kernel errno', () => {
    expectErrno(() => perf_event_open({ ...ATTR, sigtrap: true }, 0, 0), 'EINVAL')
    expectErrno(() => perf_event_open({ ...ATTR, size: 65 }, 0, 0), 'E2BIG')
    expectErrno(() => perf_event_open({ ...ATTR, sample_type: 1 << 30 }, 0, 0), 'EINVAL')
  })

  it('accepts only the PERF_FLAG_* flags: EINVAL otherwise', () => {
    expectErrno(() => perf_event_open(ATTR, 0, 0, -1, 16), 'EINVAL')
    expectErrno(() => perf_event_open(ATTR, 0, 0, -1, -1), 'EINVAL')
  })

  it('group_fd is a PerfEvent or -1: EBADF otherwise', () => {
    expectErrno(() => perf_event_open(ATTR, 0, 0, 3 as never), 'EBADF')
    expectErrno(() => perf_event_open(ATTR, 0, 0, {} as never), 'EBADF')
  })

  it('pid and cpu -1 together, a non-leader group_fd, a leader on another cpu: EINVAL', () => {
    expectErrno(() => perf_event_open(ATTR, -1, -1), 'EINVAL')
    const leader = perf_event_open(ATTR, 0, 0)
    const member = perf_event_open(ATTR, 0, 0, leader)
    expectErrno(() => perf_event_open(ATTR, 0, 0, member), 'EINVAL')
    expectErrno(() => perf_event_open(ATTR, 0, 1, leader), 'EINVAL')
    // with FD_NO_GROUP the event does not join
    const alone = perf_event_open(ATTR, 0, 0, member, PERF_FLAG_FD_NO_GROUP)
    expect(alone.group_leader).toBe(alone)
  })

  it('PERF_FLAG_FD_OUTPUT redirects at creation, with the SET_OUTPUT rules', () => {
    const a = perf_event_open(ATTR, 0, 0)
    expectErrno(() => perf_event_open(ATTR, 0, 0, a, PERF_FLAG_FD_OUTPUT), 'EINVAL')
    const m = mmap(a, 3 * 4096, RW)
    expectErrno(
      () => perf_event_open(ATTR, 0, 1, a, PERF_FLAG_FD_OUTPUT | PERF_FLAG_FD_NO_GROUP),
      'EINVAL',
    )
    const b = perf_event_open(ATTR, 0, 0, a, PERF_FLAG_FD_OUTPUT | PERF_FLAG_FD_NO_GROUP)
    expect(b.redirected).toBe(true)
    expect(b.group_leader).toBe(b)
    expect(perf_event_output(b, { ip: 1n })).toBe(true)
    const recs = readAll(new PerfMmap(m.bytes))
    expect(recs.map(idOf)).toEqual([b.id])
  })
})

describe('output', () => {
  it('end to end: two events on cpu 0 in one ring (SET_OUTPUT), samples and COMMs read back by PerfMmap', () => {
    const a = perf_event_open(ATTR, 10, 0)
    const b = perf_event_open(ATTR, 20, 0)
    const m = mmap(a, 3 * 4096, RW)
    ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
    const map = new PerfMmap(m.bytes)
    const want: [number, bigint][] = []
    const got: Rec[] = []
    let time = 1000n
    for (let k = 0; k < 400; k++) {
      const ev = k % 2 === 0 ? a : b
      time += 1n
      if (k % 5 === 0) {
        expect(perf_event_comm(ev, { pid: ev.pid, tid: ev.pid, comm: `task-${k}` }, time)).toBe(
          true,
        )
        want.push([PERF_RECORD_COMM, ev.id])
      } else {
        expect(perf_event_output(ev, { ip: BigInt(k), time })).toBe(true)
        want.push([PERF_RECORD_SAMPLE, ev.id])
      }
      // the consumer keeps up every 50 records (the ring wraps several times)
      if (k % 50 === 49) got.push(...readAll(map))
    }
    got.push(...readAll(map))
    expect(got.map((r) => [r.type, idOf(r)])).toEqual(want)
    // samples carry the event's pid/tid and cpu, and the given ip and time, in order
    const samples = got.filter((r) => r.type === PERF_RECORD_SAMPLE)
    for (const r of samples) {
      const pid = r.dv.getUint32(16, true)
      expect(pid).toBe(idOf(r) === a.id ? 10 : 20)
      expect(r.dv.getUint32(40, true)).toBe(0)
    }
    const times = samples.map((r) => r.dv.getBigUint64(24, true))
    expect(times).toEqual([...times].sort((x, y) => (x < y ? -1 : 1)))
    expect([a.lost_samples, b.lost_samples]).toEqual([0, 0])
    expect(new PerfEventMmapPage(m.bytes).decode().data_tail).toBe(dataHead(m.bytes))
  })

  it('a record reserved inside another is visible only when the outer one commits', () => {
    const a = perf_event_open(ATTR, 1, 0)
    const b = perf_event_open(ATTR, 2, 0)
    const m = mmap(a, 3 * 4096, RW)
    ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a)
    const w = m.writer!
    const page = new PerfEventMmapPage(m.bytes)
    expect(perf_event_output(a, { ip: 1n })).toBe(true)
    const h0 = page.decode().data_head
    expect(dataHead(m.bytes)).toBe(h0)
    // the outer writer (e.g. a task-context COMM) reserves …
    const comm = { pid: 1, tid: 1, comm: 'outer', sample_id: a.sampleId(50) }
    const size = sizeOfComm(comm, a.ctx)
    const off = w.reserve(size, 50, m.tagOf(a))
    expect(off).toBeGreaterThanOrEqual(0)
    // … an NMI samples b in between …
    expect(perf_event_output(b, { ip: 2n, time: 60n })).toBe(true)
    expect(w.depth).toBe(1)
    expect(dataHead(m.bytes)).toBe(h0)
    // … the outer record is finished and committed: both become visible at once
    const tmp = new Uint8Array(size)
    writeComm(new DataView(tmp.buffer), 0, comm, a.ctx)
    w.put(off, tmp)
    w.commit()
    const h1 = dataHead(m.bytes)
    expect(h1).toBeGreaterThan(h0)
    const recs = readAll(new PerfMmap(m.bytes))
    expect(recs.map((r) => [r.type, idOf(r)])).toEqual([
      [PERF_RECORD_SAMPLE, a.id],
      [PERF_RECORD_COMM, a.id],
      [PERF_RECORD_SAMPLE, b.id],
    ])
    expect(BigInt(recs.reduce((s, r) => s + r.size, 0))).toBe(h1)
  })

  it('side-band records need their attr flag and carry the sample_id trailer', () => {
    const ev = perf_event_open({ ...ATTR, mmap: true, mmap2: true, context_switch: true }, 3, 0)
    const plain = perf_event_open({ ...ATTR, comm: false }, 3, 0)
    const m = mmap(ev, 3 * 4096, RW)
    ioctl(plain, PERF_EVENT_IOC_SET_OUTPUT, ev)
    expect(perf_event_comm(plain, { pid: 3, tid: 3, comm: 'x' })).toBe(false)
    expect(perf_event_switch(plain)).toBe(false)
    expect(
      perf_event_mmap2(ev, {
        pid: 3,
        tid: 3,
        addr: 0x400000n,
        len: 0x1000n,
        pgoff: 0n,
        maj: 8,
        min: 1,
        ino: 1234n,
        ino_generation: 0n,
        prot: 5,
        flags: 2,
        filename: '/bin/true',
      }),
    ).toBe(true)
    expect(perf_event_switch(ev, { misc: PERF_RECORD_MISC_SWITCH_OUT })).toBe(true)
    expect(
      perf_event_emit(
        ev,
        sizeOfComm({ pid: 3, tid: 3, comm: 'raw', sample_id: ev.sampleId(7) }, ev.ctx),
        (dv, off) =>
          writeComm(dv, off, { pid: 3, tid: 3, comm: 'raw', sample_id: ev.sampleId(7) }, ev.ctx),
      ),
    ).toBe(true)
    const recs = readAll(new PerfMmap(m.bytes))
    expect(recs.map((r) => r.type)).toEqual([
      PERF_RECORD_MMAP2,
      PERF_RECORD_SWITCH,
      PERF_RECORD_COMM,
    ])
    expect(recs[1]!.misc).toBe(PERF_RECORD_MISC_SWITCH_OUT)
    for (const r of recs) expect(idOf(r)).toBe(ev.id)
    expectErrno(() => perf_event_emit(ev, 12, () => 0), 'EINVAL')
  })

  it('a record larger than the ring can hold is lost and reported', () => {
    const ev = perf_event_open(ATTR, 1, 0)
    const m = mmap(ev, 2 * 4096, RW)
    expect(perf_event_comm(ev, { pid: 1, tid: 1, comm: 'x'.repeat(3000) })).toBe(false)
    expect(ev.lost_samples).toBe(1)
    expect(perf_event_output(ev, { ip: 1n })).toBe(true)
    expect(readAll(new PerfMmap(m.bytes)).map((r) => r.type)).toEqual([2, PERF_RECORD_SAMPLE])
  })
})

describe('wakeups', () => {
  it('wakeup_events counts samples only', () => {
    const ev = perf_event_open({ ...ATTR, wakeup_events: 3 }, 1, 0)
    mmap(ev, 3 * 4096, RW)
    expect(perf_event_poll(ev)).toBe(0)
    perf_event_output(ev, { ip: 1n })
    perf_event_output(ev, { ip: 2n })
    for (let k = 0; k < 5; k++) perf_event_comm(ev, { pid: 1, tid: 1, comm: 'c' })
    expect(perf_event_poll(ev)).toBe(0)
    perf_event_output(ev, { ip: 3n })
    expect(perf_event_poll(ev)).toBe(POLLIN)
    expect(perf_event_poll(ev)).toBe(0)
  })

  it('watermark: wakeup_watermark bytes, or half the data area by default', () => {
    const ev = perf_event_open({ ...ATTR, watermark: true, wakeup_watermark: 200 }, 1, 0)
    mmap(ev, 3 * 4096, RW)
    let n = 0
    while (perf_event_poll(ev) === 0) {
      perf_event_output(ev, { ip: 1n })
      n++
    }
    // a sample is 48 bytes: 5 of them pass 200
    expect(n).toBe(5)
    const d = perf_event_open(ATTR, 1, 0)
    const m = mmap(d, 3 * 4096, RW)
    n = 0
    while (perf_event_poll(d) === 0) {
      perf_event_output(d, { ip: 1n })
      n++
    }
    expect(dataHead(m.bytes)).toBe(BigInt(n * 48))
    expect(n).toBe(Math.ceil(4096 / 48))
  })

  it('perf_event_wait resolves with POLLIN when the writer reaches the watermark, 0 on timeout', async () => {
    const ev = perf_event_open({ ...ATTR, wakeup_events: 4 }, 1, 0)
    mmap(ev, 3 * 4096, RW)
    expect(await perf_event_wait(ev, 20)).toBe(0)
    const waiting = perf_event_wait(ev, 5000)
    let k = 0
    const timer = setInterval(() => perf_event_output(ev, { ip: BigInt(k++) }), 5)
    try {
      expect(await waiting).toBe(POLLIN)
    } finally {
      clearInterval(timer)
    }
    expect(k).toBeGreaterThanOrEqual(4)
  })
})
