/**
 * The libperf-style evlist: per CPU and direction one ring (the first event's fd mmapped, the
 * others redirected with SET_OUTPUT), one PerfMmap consumer per ring.
 */
import { describe, expect, it } from 'vitest'
import {
  PERF_EVENT_IOC_ID,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  ioctl,
  perf_event_output,
  perf_evlist__add,
  perf_evlist__close,
  perf_evlist__disable,
  perf_evlist__enable,
  perf_evlist__for_each_mmap,
  perf_evlist__id2evsel,
  perf_evlist__mmap,
  perf_evlist__mmaps,
  perf_evlist__munmap,
  perf_evlist__new,
  perf_evlist__next_mmap,
  perf_evlist__open,
  perf_mmap__read_head,
} from '../src/index.js'
import type { PerfEventAttrInit, PerfEvlist, PerfMmap } from '../src/index.js'
import { expectErrno, readAll } from './event-helpers.js'

const SAMPLE: PerfEventAttrInit = {
  sample_type:
    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_CPU,
  sample_period: 1,
}

/** 2 forward events and 1 backward event on CPUs 0 and 1, mapped with 2 pages. */
function setup(): PerfEvlist {
  const evlist = perf_evlist__new()
  perf_evlist__add(evlist, SAMPLE)
  perf_evlist__add(evlist, { ...SAMPLE, sample_period: 2 })
  perf_evlist__add(evlist, { ...SAMPLE, write_backward: true })
  perf_evlist__open(evlist, [0, 1])
  perf_evlist__mmap(evlist, 2)
  return evlist
}

/** ip, id and cpu of each SAMPLE a map gives. */
function samples(map: PerfMmap): { ip: bigint; id: bigint; cpu: number }[] {
  return readAll(map)
    .filter((r) => r.type === PERF_RECORD_SAMPLE)
    .map((r) => ({
      ip: r.dv.getBigUint64(8, true),
      id: r.dv.getBigUint64(32, true),
      cpu: r.dv.getUint32(40, true),
    }))
}

describe('perf_evlist', () => {
  it('2 CPUs × 3 events (2 forward, 1 backward): 2 forward maps and 2 overwrite maps', () => {
    const evlist = setup()
    expect(evlist.mmap.map((m) => m.cpu)).toEqual([0, 1])
    expect(evlist.mmap_ovw.map((m) => m.cpu)).toEqual([0, 1])
    for (const m of evlist.mmap) {
      expect(m.overwrite).toBe(false)
      expect(m.map.overwrite).toBe(false)
      expect(m.events).toHaveLength(2)
      // the first fd is mmapped (refcnt 2), the second redirected into it (+1)
      expect(m.events[0]!.mmapped).toBe(true)
      expect(m.events[1]!.redirected).toBe(true)
      expect(m.map.refcnt).toBe(3)
      expect(m.mapping.length).toBe(3 * 4096)
      expect(m.map.mask).toBe(8191)
    }
    for (const m of evlist.mmap_ovw) {
      expect(m.map.overwrite).toBe(true)
      expect(m.events).toHaveLength(1)
      expect(m.map.refcnt).toBe(2)
    }
    // the iterators agree
    const seen: number[] = []
    perf_evlist__for_each_mmap(evlist, true, (_map, cpu) => seen.push(cpu))
    expect(seen).toEqual([0, 1])
    expect([...perf_evlist__mmaps(evlist, false)].map((m) => m.map)).toEqual(
      evlist.mmap.map((m) => m.map),
    )
    const first = perf_evlist__next_mmap(evlist, null, false)
    expect(first).toBe(evlist.mmap[0]!.map)
    expect(perf_evlist__next_mmap(evlist, first, false)).toBe(evlist.mmap[1]!.map)
    expect(perf_evlist__next_mmap(evlist, evlist.mmap[1]!.map, false)).toBeNull()
    perf_evlist__close(evlist)
  })

  it("records of every event on a cpu arrive in that cpu's map; ids identify the events", () => {
    const evlist = setup()
    const [a, b, back] = evlist.entries
    let ip = 0n
    for (let k = 0; k < 5; k++)
      for (const [i, cpu] of evlist.cpus.entries())
        for (const evsel of [a!, b!, back!])
          expect(perf_event_output(evsel.fds[i]!, { ip: ip++, cpu, time: ip })).toBe(true)
    const ids = new Set<bigint>()
    perf_evlist__for_each_mmap(evlist, false, (map, cpu, entry) => {
      const got = samples(map)
      expect(got).toHaveLength(10)
      for (const s of got) {
        expect(s.cpu).toBe(cpu)
        const owner = perf_evlist__id2evsel(evlist, s.id)
        expect(owner?.cpu).toBe(cpu)
        expect([a, b]).toContain(owner?.evsel)
        ids.add(s.id)
      }
      // the ids are those of the events of this map (PERF_EVENT_IOC_ID)
      expect(new Set(got.map((s) => s.id))).toEqual(
        new Set(entry.events.map((e) => ioctl(e, PERF_EVENT_IOC_ID))),
      )
    })
    expect(ids.size).toBe(4)
    // backward maps: newest first, only the backward event's records
    perf_evlist__for_each_mmap(evlist, true, (map, cpu) => {
      expect(perf_mmap__read_head(map) > 2n ** 63n).toBe(true) // decreasing from 0
      const got = samples(map)
      expect(got).toHaveLength(5)
      for (const s of got) {
        expect(s.cpu).toBe(cpu)
        expect(perf_evlist__id2evsel(evlist, s.id)?.evsel).toBe(back)
      }
      const ips = got.map((s) => s.ip)
      expect(ips).toEqual([...ips].sort((x, y) => (x > y ? -1 : 1)))
      // read_done: the next pass is empty
      expect(samples(map)).toHaveLength(0)
    })
    expect(perf_evlist__id2evsel(evlist, 123456789n)).toBeNull()
    perf_evlist__close(evlist)
  })

  it('disable/enable switch every fd', () => {
    const evlist = setup()
    perf_evlist__disable(evlist)
    expect(perf_event_output(evlist.entries[1]!.fds[1]!, { ip: 1n })).toBe(false)
    perf_evlist__enable(evlist)
    expect(perf_event_output(evlist.entries[1]!.fds[1]!, { ip: 1n })).toBe(true)
    expect(samples(evlist.mmap[1]!.map)).toHaveLength(1)
    perf_evlist__close(evlist)
  })

  it('rejects bad page counts, and mmap before open or twice', () => {
    const evlist = perf_evlist__new()
    perf_evlist__add(evlist, SAMPLE)
    expectErrno(() => {
      perf_evlist__mmap(evlist, 1)
    }, 'EINVAL') // not open
    perf_evlist__open(evlist, [0])
    for (const pages of [0, 3, 6, -2, 1.5, NaN])
      expectErrno(() => {
        perf_evlist__mmap(evlist, pages)
      }, 'EINVAL')
    expect(evlist.mmap).toHaveLength(0)
    perf_evlist__mmap(evlist, 1)
    expectErrno(() => {
      perf_evlist__mmap(evlist, 1)
    }, 'EINVAL')
    expectErrno(() => perf_evlist__add(evlist, SAMPLE), 'EBUSY')
    expectErrno(() => {
      perf_evlist__open(evlist, [0])
    }, 'EBUSY')
    perf_evlist__close(evlist)
  })

  it('rejects bad cpu lists and empty lists', () => {
    const evlist = perf_evlist__new()
    expectErrno(() => {
      perf_evlist__open(evlist, [0])
    }, 'EINVAL')
    perf_evlist__add(evlist, SAMPLE)
    for (const cpus of [[], [-1], [0, 0], [0.5]])
      expectErrno(() => {
        perf_evlist__open(evlist, cpus)
      }, 'EINVAL')
    expectErrno(() => perf_evlist__add(evlist, { sample_type: 2 ** 40 }), 'EINVAL')
  })

  it('munmap detaches the redirected events and unmaps the consumers; close resets', () => {
    const evlist = setup()
    const maps = [...evlist.mmap, ...evlist.mmap_ovw]
    perf_evlist__munmap(evlist)
    expect(evlist.mmap).toHaveLength(0)
    for (const m of maps) {
      expect(m.map.refcnt).toBe(0)
      for (const e of m.events) expect(e.mmapped || e.redirected).toBe(false)
    }
    // a second mmap works again
    perf_evlist__mmap(evlist, 1)
    expect(evlist.mmap).toHaveLength(2)
    perf_evlist__close(evlist)
    expect(evlist.cpus).toEqual([])
    expect(evlist.entries.every((e) => e.fds.length === 0)).toBe(true)
    perf_evlist__open(evlist, [3])
    expect(evlist.entries[0]!.fds[0]!.cpu).toBe(3)
    perf_evlist__close(evlist)
  })
})
