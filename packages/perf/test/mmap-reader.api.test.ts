/**
 * The consumer's API on hand-made mappings: return codes, positions, copies, references and
 * the checks that keep a corrupt ring from being read out of bounds.
 */
import { describe, expect, it } from 'vitest'
import { PerfEventMmapPage } from '../src/control-page.js'
import { PerfError } from '../src/errors.js'
import {
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__get,
  perf_mmap__mmap_len,
  perf_mmap__munmap,
  perf_mmap__put,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_head,
  perf_mmap__read_init,
  perf_mmap__write_tail,
} from '../src/mmap-reader.js'
import { drain, mapping, produce, produceBackward, record } from './mmap-helpers.js'

const PAGE = 4096
const EAGAIN = -11
const ENOENT = -2
const EINVAL = -22
const U64 = 2n ** 64n

function errnoOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(PerfError)
    return (e as PerfError).errno
  }
  throw new Error('did not throw')
}

describe('PerfMmap construction', () => {
  it('takes the geometry from the control page', () => {
    const bytes = mapping(256, false, 2048)
    const map = new PerfMmap(bytes)
    expect(map.mask).toBe(255)
    expect(map.page_size).toBe(2048)
    expect(perf_mmap__mmap_len(map)).toBe(2048 + 256)
    expect(map.data.length).toBe(256)
    expect(map.data.byteOffset).toBe(2048)
    expect(map.refcnt).toBe(2)
    expect(map.prev).toBe(0n)
    expect(map.event_copy_sz).toBe(0)
  })

  it('refuses impossible geometry with PerfError EINVAL', () => {
    const cases: [string, (pc: PerfEventMmapPage) => void][] = [
      ['data_size', (pc) => (pc.data_size = 0n)],
      ['data_size', (pc) => (pc.data_size = 96n)],
      ['data_size', (pc) => (pc.data_size = 4n)],
      ['data_size', (pc) => (pc.data_size = 2n ** 63n)],
      ['data_size', (pc) => (pc.data_size = 512n)], // does not fit in the bytes
      ['data_offset', (pc) => (pc.data_offset = 1024n)], // overlaps the control struct
      ['data_offset', (pc) => (pc.data_offset = 4097n)],
      ['data_offset', (pc) => (pc.data_offset = U64 - 8n)],
      ['data_size', (pc) => (pc.data_offset = 4096n + 8n)], // data area past the end
    ]
    for (const [field, corrupt] of cases) {
      const bytes = mapping(256)
      corrupt(new PerfEventMmapPage(bytes))
      let err: unknown
      try {
        new PerfMmap(bytes)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(PerfError)
      expect((err as PerfError).errno).toBe('EINVAL')
      expect((err as PerfError).field).toBe(field)
    }
  })

  it('refuses bad arguments and options with PerfError EINVAL', () => {
    expect(errnoOf(() => new PerfMmap(new Uint8Array(100)))).toBe('EINVAL')
    expect(errnoOf(() => new PerfMmap([] as unknown as Uint8Array))).toBe('EINVAL')
    const bytes = mapping(256)
    expect(errnoOf(() => new PerfMmap(bytes, { flush: -1 }))).toBe('EINVAL')
    expect(errnoOf(() => new PerfMmap(bytes, { flush: 1.5 }))).toBe('EINVAL')
    expect(errnoOf(() => new PerfMmap(bytes, { prev: -1n }))).toBe('EINVAL')
    expect(errnoOf(() => new PerfMmap(bytes, { prev: U64 }))).toBe('EINVAL')
    expect(errnoOf(() => new PerfMmap(bytes, { overwrite: 1 as unknown as boolean }))).toBe(
      'EINVAL',
    )
    expect(errnoOf(() => new PerfMmap(bytes, null as unknown as object))).toBe('EINVAL')
    expect(errnoOf(() => perf_mmap__read_init({} as unknown as PerfMmap))).toBe('EINVAL')
    // a shared mapping must be 8-byte aligned: data_head is read with Atomics
    const sab = new SharedArrayBuffer(PAGE + 256 + 8)
    expect(errnoOf(() => new PerfMmap(new Uint8Array(sab, 4)))).toBe('EINVAL')
  })

  it('starts a forward map at data_tail, an overwrite map at 0, or at options.prev', () => {
    const bytes = mapping(256)
    new PerfEventMmapPage(bytes).data_tail = 96n
    expect(new PerfMmap(bytes).prev).toBe(96n)
    expect(new PerfMmap(bytes, { overwrite: true }).prev).toBe(0n)
    expect(new PerfMmap(bytes, { prev: 40n }).prev).toBe(40n)
  })
})

describe('forward maps', () => {
  it('reads what the producer published, in place, and publishes the tail on consume', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes)
    expect(perf_mmap__read_init(map)).toBe(0) // libperf's flush 0: an empty ring is not -EAGAIN
    expect(perf_mmap__read_event(map)).toBeNull()
    perf_mmap__read_done(map)

    produce(bytes, record(9, 24, 1, 2))
    produce(bytes, record(3, 32, 2))
    expect(perf_mmap__read_init(map)).toBe(0)
    expect([map.start, map.end]).toEqual([0n, 56n])
    const a = perf_mmap__read_event(map)!
    expect(a.header).toEqual({ type: 9, misc: 2, size: 24 })
    expect(a.copied).toBe(false)
    expect(a.bytes.buffer).toBe(bytes.buffer)
    expect(a.bytes.byteOffset).toBe(PAGE)
    // in place: a change to the mapping shows through the view
    bytes[PAGE + 9] = 0xee
    expect(a.bytes[9]).toBe(0xee)
    expect(map.prev).toBe(24n)
    expect(new PerfEventMmapPage(bytes).data_tail).toBe(0n) // not before consume
    perf_mmap__consume(map)
    expect(new PerfEventMmapPage(bytes).data_tail).toBe(24n)
    const b = perf_mmap__read_event(map)!
    expect(b.header).toEqual({ type: 3, misc: 0, size: 32 })
    expect(b.bytes).toEqual(record(3, 32, 2))
    perf_mmap__consume(map)
    expect(perf_mmap__read_event(map)).toBeNull()
    perf_mmap__read_done(map)
    expect(map.prev).toBe(56n)
    expect(perf_mmap__read_head(map)).toBe(56n)
  })

  it('sees records published during the pass (end is refreshed by read_event)', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes)
    produce(bytes, record(9, 16))
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(map.end).toBe(16n)
    expect(perf_mmap__read_event(map)).not.toBeNull()
    produce(bytes, record(9, 16))
    expect(perf_mmap__read_event(map)).not.toBeNull()
    expect(map.end).toBe(32n)
  })

  it('read_done does not skip records published after the last read_event', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes)
    produce(bytes, record(9, 16, 1))
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(perf_mmap__read_event(map)).not.toBeNull()
    perf_mmap__consume(map)
    expect(perf_mmap__read_event(map)).toBeNull()
    produce(bytes, record(9, 16, 2)) // between the last read_event and read_done
    perf_mmap__read_done(map)
    expect(map.prev).toBe(16n)
    const { got } = drain(map)
    expect(got.map((g) => g.bytes)).toEqual([record(9, 16, 2)])
  })

  it('copies a record that wraps into event_copy, grown as needed', () => {
    const bytes = mapping(256)
    const pc = new PerfEventMmapPage(bytes)
    pc.data_head = pc.data_tail = 240n
    const map = new PerfMmap(bytes)
    const big = record(7, 48, 3)
    produce(bytes, big) // 16 bytes at the end, 32 at the start
    expect(perf_mmap__read_init(map)).toBe(0)
    const ev = perf_mmap__read_event(map)!
    expect(ev.copied).toBe(true)
    expect(ev.bytes).toEqual(big)
    expect(ev.bytes.buffer).toBe(map.event_copy.buffer)
    expect(map.event_copy_sz).toBe(48)
    perf_mmap__consume(map)
    // a record that ends exactly at the end of the data area does not wrap: in place
    const fill = record(1, 256 - 32, 4) // at offset 32 (288 & 255)
    produce(bytes, fill)
    const exact = perf_mmap__read_event(map)!
    expect(exact.copied).toBe(false)
    expect(exact.bytes.byteOffset + exact.bytes.length).toBe(PAGE + 256)
    perf_mmap__consume(map)
    // a bigger wrapping record grows the buffer
    const bigger = record(8, 200, 5)
    pc.data_head = pc.data_tail = 496n + 8n
    map.prev = 504n
    produce(bytes, bigger)
    expect(perf_mmap__read_init(map)).toBe(0)
    const ev2 = perf_mmap__read_event(map)!
    expect(ev2.copied).toBe(true)
    expect(ev2.bytes).toEqual(bigger)
    expect(map.event_copy_sz).toBe(200)
  })

  it('honours flush with -EAGAIN', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes, { flush: 32 })
    produce(bytes, record(9, 16))
    expect(perf_mmap__read_init(map)).toBe(EAGAIN)
    produce(bytes, record(9, 16))
    expect(perf_mmap__read_init(map)).toBe(0)
  })

  it('"failed to keep up": -EAGAIN, prev and data_tail jump to the head', () => {
    const bytes = mapping(256)
    const pc = new PerfEventMmapPage(bytes)
    pc.data_head = 1000n
    const map = new PerfMmap(bytes)
    expect(perf_mmap__read_init(map)).toBe(EAGAIN)
    expect(map.prev).toBe(1000n)
    expect(pc.data_tail).toBe(1000n)
    // a head behind the tail is the same (u64 difference > size)
    pc.data_head = 500n
    expect(perf_mmap__read_init(map)).toBe(EAGAIN)
    expect(pc.data_tail).toBe(500n)
    expect(perf_mmap__read_init(map)).toBe(0)
  })

  it('works across the u64 wrap of the free-running positions', () => {
    const bytes = mapping(256, true)
    const pc = new PerfEventMmapPage(bytes)
    pc.data_head = pc.data_tail = U64 - 24n
    const map = new PerfMmap(bytes)
    const recs = [record(9, 16, 1), record(9, 48, 2), record(9, 24, 3)]
    for (const r of recs) produce(bytes, r)
    expect(pc.data_head).toBe(64n)
    const { rc, got } = drain(map)
    expect(rc).toBe(0)
    expect(got.map((g) => g.bytes)).toEqual(recs)
    expect(got.map((g) => g.pos)).toEqual([U64 - 24n, U64 - 8n, 40n])
    expect(pc.data_tail).toBe(64n)
  })

  it('stops (null) at a malformed header and read_done resyncs to the head it saw', () => {
    const bad: [string, Uint8Array][] = [
      ['size 0', record(9, 8).fill(0, 6, 8)],
      [
        'size 4',
        (() => {
          const r = record(9, 16)
          r[6] = 4
          return r
        })(),
      ],
      [
        'size not a multiple of 8',
        (() => {
          const r = record(9, 24)
          r[6] = 20
          return r
        })(),
      ],
      [
        'size beyond head',
        (() => {
          const r = record(9, 16)
          r[6] = 64
          return r
        })(),
      ],
    ]
    for (const [, rec] of bad) {
      const bytes = mapping(256)
      const map = new PerfMmap(bytes)
      produce(bytes, record(9, 16))
      produce(bytes, rec)
      expect(perf_mmap__read_init(map)).toBe(0)
      expect(perf_mmap__read_event(map)).not.toBeNull()
      perf_mmap__consume(map)
      expect(perf_mmap__read_event(map)).toBeNull()
      expect(perf_mmap__read_event(map)).toBeNull()
      perf_mmap__read_done(map)
      expect(map.prev).toBe(16n + BigInt(rec.length))
      produce(bytes, record(2, 32))
      const { got } = drain(map)
      expect(got.map((g) => g.type)).toEqual([2])
    }
  })

  it('never reads a header that straddles the end, nor more than data_size', () => {
    const bytes = mapping(256)
    const pc = new PerfEventMmapPage(bytes)
    // an unaligned tail near the end: the header would straddle
    pc.data_tail = 252n
    pc.data_head = 300n
    const map = new PerfMmap(bytes)
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(perf_mmap__read_event(map)).toBeNull()
    // a start more than data_size behind end (a caller moved it): refused
    map.start = 0n
    map.prev = 0n
    pc.data_head = 264n
    expect(perf_mmap__read_event(map)).toBeNull()
  })
})

describe('overwrite maps', () => {
  it('reads a backward ring newest first without writing data_tail', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes, { overwrite: true })
    for (let i = 0; i < 3; i++) produceBackward(bytes, record(9, 32, i))
    expect(perf_mmap__read_head(map)).toBe(U64 - 96n)
    const { rc, got } = drain(map)
    expect(rc).toBe(0)
    expect(got.map((g) => g.bytes)).toEqual([record(9, 32, 2), record(9, 32, 1), record(9, 32, 0)])
    expect(new PerfEventMmapPage(bytes).data_tail).toBe(0n)
    expect(map.prev).toBe(U64 - 96n)
    // only newer data on the next pass
    produceBackward(bytes, record(9, 16, 9))
    expect(drain(map).got.map((g) => g.bytes)).toEqual([record(9, 16, 9)])
  })

  it('overwrite_rb_find_range: a full ring is read up to data_size, backing off the last record', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes, { overwrite: true })
    for (let i = 0; i < 20; i++) produceBackward(bytes, record(9, 40, i)) // 800 bytes into 256
    expect(perf_mmap__read_init(map)).toBe(0)
    // 6 × 40 = 240 ≤ 256 < 7 × 40
    expect(BigInt.asUintN(64, map.end - map.start)).toBe(240n)
    const got = []
    for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map))
      got.push(ev.bytes.slice())
    expect(got).toEqual([19, 18, 17, 16, 15, 14].map((i) => record(9, 40, i)))
  })

  it('overwrite_rb_find_range stops at a never-written (size 0) header', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes, { overwrite: true })
    produceBackward(bytes, record(9, 32, 1))
    produceBackward(bytes, record(9, 32, 2))
    // pretend the head moved far (prev 0 is 2^64 − 64 + 1000 bytes ahead): the walk is needed
    map.prev = 1000n
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(BigInt.asUintN(64, map.end - map.start)).toBe(64n)
  })

  it('overwrite_rb_find_range returns -EINVAL on a header it cannot walk', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes, { overwrite: true })
    for (let i = 0; i < 20; i++) produceBackward(bytes, record(9, 40, i))
    const pc = new PerfEventMmapPage(bytes)
    const off = PAGE + Number((pc.data_head + 40n) & 255n)
    bytes[off + 6] = 12 // second newest record: size 12
    expect(perf_mmap__read_init(map)).toBe(EINVAL)
    bytes[off + 6] = 4 // size 4
    expect(perf_mmap__read_init(map)).toBe(EINVAL)
    // a head that is not 8-aligned near the end: the header would straddle
    pc.data_head = U64 - 260n // & 255 = 252, and 260 bytes before prev 0
    expect(perf_mmap__read_init(map)).toBe(EINVAL)
  })
})

describe('references', () => {
  it('put once (POLLHUP), then consume of an empty ring unmaps: -ENOENT, null', () => {
    const bytes = mapping(256)
    const map = new PerfMmap(bytes)
    produce(bytes, record(9, 16))
    perf_mmap__put(map) // the pollfd's reference
    expect(map.refcnt).toBe(1)
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(perf_mmap__read_event(map)).not.toBeNull()
    perf_mmap__consume(map) // drained: the last reference goes
    expect(map.refcnt).toBe(0)
    expect(map.base.length).toBe(0)
    expect(perf_mmap__read_init(map)).toBe(ENOENT)
    expect(perf_mmap__read_event(map)).toBeNull()
    perf_mmap__consume(map)
    perf_mmap__read_done(map)
    expect(errnoOf(() => perf_mmap__read_head(map))).toBe('ENOENT')
    expect(
      errnoOf(() => {
        perf_mmap__write_tail(map, 0n)
      }),
    ).toBe('ENOENT')
    expect(
      errnoOf(() => {
        perf_mmap__put(map)
      }),
    ).toBe('EINVAL')
  })

  it('get/put/munmap', () => {
    const map = new PerfMmap(mapping(256))
    perf_mmap__get(map)
    expect(map.refcnt).toBe(3)
    perf_mmap__put(map)
    perf_mmap__put(map)
    expect(map.refcnt).toBe(1)
    perf_mmap__munmap(map)
    expect(map.refcnt).toBe(0)
    expect(perf_mmap__read_init(map)).toBe(ENOENT)
  })

  it('a map with an AUX area is not dropped when empty', () => {
    const bytes = mapping(256)
    new PerfEventMmapPage(bytes).aux_size = 4096n
    const map = new PerfMmap(bytes)
    perf_mmap__put(map)
    expect(perf_mmap__read_init(map)).toBe(0)
    perf_mmap__consume(map)
    expect(map.refcnt).toBe(1)
  })
})

describe('write_tail / read_head', () => {
  it.each([false, true])('shared %s: at the kernel offsets', (shared) => {
    const bytes = mapping(256, shared)
    const map = new PerfMmap(bytes)
    // the highest tail (records are 8-byte aligned: a tail between two is refused)
    perf_mmap__write_tail(map, U64 - 8n)
    const dv = new DataView(bytes.buffer)
    expect(dv.getBigUint64(1032, true)).toBe(U64 - 8n)
    expect(
      errnoOf(() => {
        perf_mmap__write_tail(map, U64 - 1n)
      }),
    ).toBe('EINVAL')
    dv.setBigUint64(1024, 0x1234_5678_9abc_def0n, true)
    expect(perf_mmap__read_head(map)).toBe(0x1234_5678_9abc_def0n)
    expect(
      errnoOf(() => {
        perf_mmap__write_tail(map, -1n)
      }),
    ).toBe('EINVAL')
  })
})
