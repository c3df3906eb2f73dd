/**
 * The AUX area: the kernel's `perf_mmap_aux` rules, the `perf_aux_output_*` producer protocol
 * (space, PERF_RECORD_AUX with its flags, wakeups, snapshot mode) and the auxtrace-style
 * consumer reading in place.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAP_SHARED,
  PAGE_SIZE,
  PERF_AUX_FLAG_COLLISION,
  PERF_AUX_FLAG_OVERWRITE,
  PERF_AUX_FLAG_PARTIAL,
  PERF_AUX_FLAG_TRUNCATED,
  PERF_RECORD_AUX,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  PerfAuxHandle,
  PerfAuxMmap,
  PerfEventMmapPage,
  PerfMmap,
  PerfMmapPageOffset,
  auxtrace_mmap__read,
  auxtrace_mmap__read_head,
  auxtrace_mmap__read_snapshot,
  auxtrace_mmap__read_tail,
  decodeRecord,
  ioctl,
  mmap,
  munmap,
  perf_aux_output_begin,
  perf_aux_output_end,
  perf_aux_output_flag,
  perf_aux_output_skip,
  perf_aux_output_write,
  perf_event_open,
  perf_event_poll,
  PERF_EVENT_IOC_ENABLE,
  recordContext,
} from '../src/index.js'
import type { PerfAuxMapping, PerfEvent, PerfEventAttrInit, PerfMapping } from '../src/index.js'
import { ATTR, expectErrno, readAll } from './event-helpers.js'

const DATA_PAGES = 4
const MAIN = (1 + DATA_PAGES) * PAGE_SIZE
const AUX = 4 * PAGE_SIZE

function setup(
  prot = PROT_READ | PROT_WRITE,
  attr: PerfEventAttrInit = ATTR,
  auxSize = AUX,
): { ev: PerfEvent; main: PerfMapping; aux: PerfAuxMapping; pc: PerfEventMmapPage } {
  const ev = perf_event_open(attr, -1, 0)
  const main = mmap(ev, MAIN, PROT_READ | PROT_WRITE)
  const pc = new PerfEventMmapPage(main.bytes)
  pc.aux_offset = BigInt(MAIN)
  pc.aux_size = BigInt(auxSize)
  const aux = mmap(ev, auxSize, prot, MAP_SHARED, MAIN) as PerfAuxMapping
  return { ev, main, aux, pc }
}

/** `n` bytes of a position-dependent pattern starting at AUX position `pos`. */
function pattern(pos: number, n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = ((pos + i) * 31 + 7) & 255
  return b
}

/** The PERF_RECORD_AUX records in the main ring, decoded. */
function auxRecords(
  main: PerfMapping,
  ev: PerfEvent,
): { offset: bigint; size: bigint; flags: number; time: bigint }[] {
  const ctx = recordContext(ev.attr)
  return readAll(new PerfMmap(main.bytes))
    .filter((r) => r.type === PERF_RECORD_AUX)
    .map((r) => {
      const rec = decodeRecord(r.dv, 0, ctx)
      if (rec.type !== PERF_RECORD_AUX) throw new Error('not AUX')
      return {
        offset: rec.aux_offset,
        size: rec.aux_size,
        flags: rec.flags,
        time: rec.sample_id?.time ?? -1n,
      }
    })
}

function readBytes(map: PerfAuxMmap): Uint8Array[] {
  const out: Uint8Array[] = []
  auxtrace_mmap__read(map, (chunk, d1, d2) => {
    expect(d1.length + d2.length).toBe(chunk.size)
    const b = new Uint8Array(chunk.size)
    b.set(d1)
    b.set(d2, d1.length)
    out.push(b)
  })
  return out
}

describe('mmap of the AUX area (perf_mmap_aux rules)', () => {
  it('maps at aux_offset with aux_size bytes; a second map of the same shape is the same area', () => {
    const { ev, main, aux, pc } = setup()
    expect(aux.length).toBe(AUX)
    expect(aux.offset).toBe(MAIN)
    expect(aux.bytes.length).toBe(AUX)
    expect(aux.snapshot).toBe(false)
    expect(aux.sab).toBeInstanceOf(SharedArrayBuffer)
    expect(pc.aux_head).toBe(0n)
    const again = mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN)
    expect(again).toBe(aux)
    munmap(again)
    munmap(aux)
    munmap(main)
  })

  it('refuses what the kernel refuses, with EINVAL', () => {
    const ev = perf_event_open(ATTR, -1, 0)
    // no ring yet
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN), 'EINVAL')
    const main = mmap(ev, MAIN, PROT_READ | PROT_WRITE)
    const pc = new PerfEventMmapPage(main.bytes)
    // aux_offset not set (0): below the end of the ring
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN), 'EINVAL')
    pc.aux_offset = BigInt(MAIN - PAGE_SIZE)
    pc.aux_size = BigInt(AUX)
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN - PAGE_SIZE), 'EINVAL')
    pc.aux_offset = BigInt(MAIN)
    // offset differs from aux_offset
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN + PAGE_SIZE), 'EINVAL')
    // not page aligned
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN + 8), 'EINVAL')
    // length differs from aux_size
    expectErrno(() => mmap(ev, 2 * AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN), 'EINVAL')
    // not a power of two number of pages
    pc.aux_size = BigInt(3 * PAGE_SIZE)
    expectErrno(() => mmap(ev, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN), 'EINVAL')
    pc.aux_size = BigInt(AUX)
    const aux = mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN)
    // already mapped: another size or offset
    pc.aux_size = BigInt(2 * AUX)
    expectErrno(() => mmap(ev, 2 * AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN), 'EINVAL')
    pc.aux_size = BigInt(AUX)
    pc.aux_offset = BigInt(MAIN + AUX)
    expectErrno(() => mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN + AUX), 'EINVAL')
    munmap(aux)
    expectErrno(() => {
      munmap(aux)
    }, 'EINVAL')
    munmap(main)
  })

  it('the AUX mapping holds the ring: unmapping the ring first keeps it until the AUX map goes', () => {
    const { ev, main, aux } = setup()
    munmap(main)
    expect(ev.mmapped).toBe(true)
    const h = perf_aux_output_begin(ev)
    expect(h).not.toBeNull()
    perf_aux_output_write(h!, pattern(0, 100))
    perf_aux_output_end(h!)
    munmap(aux)
    expect(ev.mmapped).toBe(false)
    expect(perf_aux_output_begin(ev)).toBeNull()
  })
})

describe('perf_aux_output_* (normal mode)', () => {
  it('writes bytes in place, publishes aux_head after a PERF_RECORD_AUX {old head, size, 0}', () => {
    const { ev, main, aux, pc } = setup()
    const map = new PerfAuxMmap(main.bytes, aux.bytes)
    const h = perf_aux_output_begin(ev)!
    expect(h).toBeInstanceOf(PerfAuxHandle)
    expect(h.head).toBe(0)
    expect(h.size).toBe(AUX - 1) // one byte always free
    expect(h.data).toBe(aux.bytes)
    expect(perf_aux_output_write(h, pattern(0, 1000))).toBe(1000)
    // nothing visible before the end
    expect(auxtrace_mmap__read_head(map)).toBe(0)
    perf_aux_output_end(h, 1000, 123)
    expect(pc.aux_head).toBe(1000n)
    expect(auxRecords(main, ev)).toEqual([{ offset: 0n, size: 1000n, flags: 0, time: 123n }])
    const got = readBytes(map)
    expect(got).toHaveLength(1)
    expect(got[0]).toEqual(pattern(0, 1000))
    expect(pc.aux_tail).toBe(1000n)
    expect(auxtrace_mmap__read_tail(map)).toBe(1000)
    // nothing new: 0
    expect(auxtrace_mmap__read(map, () => expect.unreachable())).toBe(0)
  })

  it('wraps at the end of the area: the consumer gets two views in place', () => {
    const { ev, main, aux } = setup()
    const map = new PerfAuxMmap(main.bytes, aux.bytes)
    let pos = 0
    for (const n of [3000, 3000, 5000, 1234, 4095, 17]) {
      const h = perf_aux_output_begin(ev)!
      expect(h.head).toBe(pos)
      perf_aux_output_write(h, pattern(pos, n))
      perf_aux_output_end(h)
      auxtrace_mmap__read(map, (chunk, d1, d2) => {
        expect(chunk).toEqual({ offset: pos, size: n })
        // in place: views of the AUX bytes
        expect(d1.buffer).toBe(aux.bytes.buffer)
        const wraps = (pos % AUX) + n > AUX
        expect(d2.length > 0).toBe(wraps)
        const b = new Uint8Array(n)
        b.set(d1)
        b.set(d2, d1.length)
        expect(b).toEqual(pattern(pos, n))
      })
      pos += n
    }
    expect(auxRecords(main, ev).map((r) => Number(r.size))).toEqual([
      3000, 3000, 5000, 1234, 4095, 17,
    ])
  })

  it('no space: begin returns null, disables the event and wakes the poller', () => {
    const { ev, main, aux } = setup()
    const h = perf_aux_output_begin(ev)!
    perf_aux_output_write(h, pattern(0, AUX - 1))
    perf_aux_output_end(h)
    perf_event_poll(ev) // consume the watermark wakeup
    expect(perf_event_poll(ev) & POLLIN).toBe(0)
    expect(perf_aux_output_begin(ev)).toBeNull()
    expect(ev.enabled).toBe(false)
    expect(perf_event_poll(ev) & POLLIN).toBe(POLLIN)
    // the consumer frees the space, the event is re-enabled: room again
    const map = new PerfAuxMmap(main.bytes, aux.bytes)
    expect(readBytes(map)[0]).toEqual(pattern(0, AUX - 1))
    ioctl(ev, PERF_EVENT_IOC_ENABLE)
    const h2 = perf_aux_output_begin(ev)!
    expect(h2.size).toBe(AUX - 1)
    perf_aux_output_end(h2, 0)
  })

  it('a write that does not fit is cut and TRUNCATED; the end disables the event and wakes', () => {
    const { ev, main } = setup()
    const h = perf_aux_output_begin(ev)!
    expect(perf_aux_output_write(h, pattern(0, AUX + 100))).toBe(AUX - 1)
    expect(h.aux_flags).toBe(PERF_AUX_FLAG_TRUNCATED)
    perf_aux_output_end(h)
    expect(ev.enabled).toBe(false)
    expect(perf_event_poll(ev) & POLLIN).toBe(POLLIN)
    expect(auxRecords(main, ev)).toMatchObject([
      { offset: 0n, size: BigInt(AUX - 1), flags: PERF_AUX_FLAG_TRUNCATED },
    ])
  })

  it('PARTIAL and COLLISION go into the record; a record with size 0 only when flagged', () => {
    const { ev, main } = setup()
    let h = perf_aux_output_begin(ev)!
    perf_aux_output_end(h, 0) // nothing to tell: no record
    h = perf_aux_output_begin(ev)!
    perf_aux_output_flag(h, PERF_AUX_FLAG_PARTIAL)
    perf_aux_output_flag(h, PERF_AUX_FLAG_COLLISION | 0x0100)
    perf_aux_output_write(h, pattern(0, 64))
    perf_aux_output_end(h)
    h = perf_aux_output_begin(ev)!
    perf_aux_output_flag(h, PERF_AUX_FLAG_COLLISION)
    perf_aux_output_end(h, 0)
    expect(
      auxRecords(main, ev).map(({ offset, size, flags }) => ({ offset, size, flags })),
    ).toEqual([
      { offset: 0n, size: 64n, flags: PERF_AUX_FLAG_PARTIAL | PERF_AUX_FLAG_COLLISION | 0x0100 },
      { offset: 64n, size: 0n, flags: PERF_AUX_FLAG_COLLISION },
    ])
  })

  it('bad use gets typed errors', () => {
    const { ev } = setup()
    const h = perf_aux_output_begin(ev)!
    // no nesting
    expect(() => perf_aux_output_begin(ev)).toThrow(TypeError)
    expectErrno(() => {
      perf_aux_output_flag(h, PERF_AUX_FLAG_OVERWRITE)
    }, 'EINVAL')
    expectErrno(() => {
      perf_aux_output_flag(h, -1)
    }, 'EINVAL')
    expect(() => perf_aux_output_write(h, [1, 2] as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => {
      perf_aux_output_end(h, AUX)
    }).toThrow(RangeError)
    expect(() => {
      perf_aux_output_end(h, -1)
    }).toThrow(RangeError)
    perf_aux_output_end(h, 8)
    expect(() => {
      perf_aux_output_end(h, 8)
    }).toThrow(TypeError)
    expect(() => perf_aux_output_write(h, new Uint8Array(1))).toThrow(TypeError)
    expectErrno(() => perf_aux_output_begin(Object.create(null) as PerfEvent), 'EBADF')
  })

  it('perf_aux_output_skip moves the head without a record; -ENOSPC beyond the space', () => {
    const { ev, main, pc } = setup()
    const h = perf_aux_output_begin(ev)!
    expect(perf_aux_output_skip(h, AUX)).toBe(-28)
    expect(perf_aux_output_skip(h, 24)).toBe(0)
    expect(pc.aux_head).toBe(24n)
    expect(h.head).toBe(24)
    expect(h.size).toBe(AUX - 1 - 24)
    perf_aux_output_write(h, pattern(24, 40))
    perf_aux_output_end(h)
    expect(auxRecords(main, ev)).toMatchObject([{ offset: 24n, size: 40n, flags: 0 }])
    expect(pc.aux_head).toBe(64n)
  })

  it('wakeups every aux_watermark bytes (default half the area)', () => {
    for (const [wm, want] of [
      [0, AUX / 2],
      [1000, 1000],
    ] as const) {
      const { ev, main, aux } = setup(PROT_READ | PROT_WRITE, { ...ATTR, aux_watermark: wm })
      const map = new PerfAuxMmap(main.bytes, aux.bytes)
      let pos = 0
      let wakeups = 0
      let crossed = 0
      perf_event_poll(ev)
      for (let k = 0; k < 40; k++) {
        const n = 300 + ((k * 97) % 500)
        const h = perf_aux_output_begin(ev)!
        perf_aux_output_write(h, pattern(pos, n))
        perf_aux_output_end(h)
        const before = Math.floor(pos / want)
        pos += n
        if (Math.floor(pos / want) > before) crossed++
        // the main ring's own watermark is far: only the AUX side can wake
        if (perf_event_poll(ev) & POLLIN) wakeups++
        readBytes(map)
      }
      expect(wakeups).toBe(crossed)
      expect(wakeups).toBeGreaterThan(1)
    }
  })

  it('a new AUX area after the last AUX munmap continues at the kept aux_head', () => {
    const { ev, main, aux, pc } = setup()
    const h = perf_aux_output_begin(ev)!
    perf_aux_output_write(h, pattern(0, 777))
    perf_aux_output_end(h)
    new PerfAuxMmap(main.bytes, aux.bytes) // reads nothing; the tail stays
    munmap(aux)
    expect(perf_aux_output_begin(ev)).toBeNull()
    pc.aux_tail = 777n
    const aux2 = mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN) as PerfAuxMapping
    expect(aux2).not.toBe(aux)
    const h2 = perf_aux_output_begin(ev)!
    expect(h2.head).toBe(777)
    expect(h2.size).toBe(AUX - 1)
    perf_aux_output_write(h2, pattern(777, 10))
    perf_aux_output_end(h2)
    const map = new PerfAuxMmap(main.bytes, aux2.bytes)
    expect(readBytes(map)).toEqual([pattern(777, 10)])
  })
})

describe('snapshot mode (a read-only AUX mapping)', () => {
  it('writes round and round, flags OVERWRITE with the new head, never wakes', () => {
    const { ev, main, aux, pc } = setup(PROT_READ)
    expect(aux.snapshot).toBe(true)
    const map = new PerfAuxMmap(main.bytes, aux.bytes, { snapshot: true })
    perf_event_poll(ev)
    let pos = 0
    const sizes = [5000, 6000, 3000, 9000]
    for (const n of sizes) {
      const h = perf_aux_output_begin(ev)!
      expect(h.size).toBe(0)
      expect(perf_aux_output_write(h, pattern(pos, n))).toBe(n)
      perf_aux_output_end(h)
      pos += n
      expect(perf_event_poll(ev) & POLLIN).toBe(0)
    }
    expect(pc.aux_head).toBe(BigInt(pos))
    // the consumer never stored a tail and the producer did not care
    expect(pc.aux_tail).toBe(0n)
    let acc = 0
    const want = sizes.map((n) => {
      acc += n
      return { offset: BigInt(acc), size: BigInt(n), flags: PERF_AUX_FLAG_OVERWRITE }
    })
    expect(
      auxRecords(main, ev).map(({ offset, size, flags }) => ({ offset, size, flags })),
    ).toEqual(want)
    // the newest bytes: at most the area, at most snapshot_size
    let got: Uint8Array | null = null
    expect(
      auxtrace_mmap__read_snapshot(map, 1 << 30, (chunk, d1, d2) => {
        expect(chunk).toEqual({ offset: pos - AUX, size: AUX })
        got = new Uint8Array(AUX)
        got.set(d1)
        got.set(d2, d1.length)
      }),
    ).toBe(1)
    expect(got).toEqual(pattern(pos - AUX, AUX))
    expect(auxtrace_mmap__read_snapshot(map, 100, () => expect.unreachable())).toBe(0)
    const h = perf_aux_output_begin(ev)!
    perf_aux_output_write(h, pattern(pos, 300))
    perf_aux_output_end(h)
    auxtrace_mmap__read_snapshot(map, 100, (chunk, d1, d2) => {
      expect(chunk).toEqual({ offset: pos + 200, size: 100 })
      const b = new Uint8Array(100)
      b.set(d1)
      b.set(d2, d1.length)
      expect(b).toEqual(pattern(pos + 200, 100))
    })
    // a snapshot map does not use the normal read, and vice versa
    expect(() => auxtrace_mmap__read(map, () => undefined)).toThrow(TypeError)
    expect(() =>
      auxtrace_mmap__read_snapshot(new PerfAuxMmap(main.bytes, aux.bytes), 1, () => undefined),
    ).toThrow(TypeError)
  })
})

describe('the auxtrace consumer on corrupt input', () => {
  it('refuses an impossible geometry', () => {
    const { main, aux } = setup()
    expectErrno(() => new PerfAuxMmap(main.bytes, aux.bytes.subarray(0, AUX / 2)), 'EINVAL')
    expectErrno(() => new PerfAuxMmap(main.bytes, new Uint8Array(3000)), 'EINVAL')
    expectErrno(() => new PerfAuxMmap(main.bytes.subarray(0, 1000), aux.bytes), 'EINVAL')
    expect(() => new PerfAuxMmap(main.bytes, null as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('any aux_head / prev: views stay inside the area and the size within it', () => {
    const control = new Uint8Array(new SharedArrayBuffer(PAGE_SIZE))
    const auxBytes = new Uint8Array(new SharedArrayBuffer(AUX))
    const dv = new DataView(control.buffer)
    dv.setBigUint64(PerfMmapPageOffset.aux_size, BigInt(AUX), true)
    const pos = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n })
    fc.assert(
      fc.property(
        pos,
        pos,
        fc.boolean(),
        fc.integer({ min: 1, max: 2 * AUX }),
        (head, prev, snap, snapSize) => {
          dv.setBigUint64(PerfMmapPageOffset.aux_head, head, true)
          const map = new PerfAuxMmap(control, auxBytes, { snapshot: snap })
          map.prev = Number(prev)
          const fn = (chunk: { size: number }, d1: Uint8Array, d2: Uint8Array): void => {
            expect(d1.buffer).toBe(auxBytes.buffer)
            expect(d1.byteOffset + d1.length).toBeLessThanOrEqual(AUX)
            expect(d2.byteOffset + d2.length).toBeLessThanOrEqual(AUX)
            expect(d1.length + d2.length).toBe(chunk.size)
            expect(chunk.size).toBeLessThanOrEqual(AUX)
            expect(chunk.size).toBeGreaterThan(0)
          }
          if (snap) auxtrace_mmap__read_snapshot(map, snapSize, fn)
          else auxtrace_mmap__read(map, fn)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
