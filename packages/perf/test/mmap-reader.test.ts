/**
 * The consumer against real kernel mappings (Linux 6.18, test/fixtures/kernel/perf), read
 * exactly as the kernel left them: the control page decides the geometry and the start
 * position, the attr decides the mode (write_backward → overwrite, as perf does). Every
 * fixture is read twice: from a plain ArrayBuffer (DataView path) and from a
 * SharedArrayBuffer (Atomics path).
 */
import { describe, expect, it } from 'vitest'
import {
  PERF_RECORD_LOST,
  PERF_RECORD_MISC_SWITCH_OUT,
  PERF_RECORD_MMAP2,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
} from '../src/constants.js'
import { decodeControlPage } from '../src/control-page.js'
import { readSelf } from '../src/control-page-seqlock.js'
import { PerfError } from '../src/errors.js'
import {
  PerfMmap,
  perf_mmap__mmap_len,
  perf_mmap__read_event,
  perf_mmap__read_head,
  perf_mmap__read_init,
} from '../src/mmap-reader.js'
import { cyclesToPerfTime, cyclesToTimeDelta, perfTimeToCycles } from '../src/time.js'
import {
  drain,
  isInPlace,
  isWriteBackward,
  loadAttr,
  loadMapping,
  twoPieces,
  u32,
  u64,
  type FixtureName,
  type Got,
} from './mmap-helpers.js'

/** The README's table: data size, head, tail at the end of the capture. */
const TABLE: Record<FixtureName, { dataSize: bigint; head: bigint; tail: bigint }> = {
  samples: { dataSize: 32768n, head: 6440n, tail: 0n },
  full: { dataSize: 8192n, head: 13664n, tail: 8176n },
  wrapped: { dataSize: 8192n, head: 13496n, tail: 8176n },
  backward: { dataSize: 8192n, head: 2n ** 64n - 47264n, tail: 0n },
  sideband: { dataSize: 32768n, head: 952n, tail: 0n },
  // the before-mappings: the buffer as the consumer found it, full, nothing consumed yet
  'full.before': { dataSize: 8192n, head: 8176n, tail: 0n },
  'wrapped.before': { dataSize: 8192n, head: 8176n, tail: 0n },
}

/** A SAMPLE with sample_type IP|TID|TIME|ID|CPU|PERIOD (0x1c7): 8 + 7 × 8 = 56 bytes. */
const SAMPLE_SIZE = 56
const sample = (g: Got) => ({
  ip: u64(g.bytes, 8),
  pid: u32(g.bytes, 16),
  tid: u32(g.bytes, 20),
  time: u64(g.bytes, 24),
  id: u64(g.bytes, 32),
  cpu: u32(g.bytes, 40),
  period: u64(g.bytes, 48),
})

function strictlyIncreasing(xs: bigint[]): boolean {
  return xs.every((x, i) => i === 0 || xs[i - 1]! < x)
}

function strictlyDecreasing(xs: bigint[]): boolean {
  return xs.every((x, i) => i === 0 || xs[i - 1]! > x)
}

function total(got: Got[]): number {
  return got.reduce((s, g) => s + g.size, 0)
}

/** Checks every record is in place or (only when it straddles the end) copied correctly. */
function checkPlacement(map: PerfMmap, got: Got[]): Got[] {
  const dataSize = map.mask + 1
  const straddling: Got[] = []
  for (const g of got) {
    const off = Number(g.pos & BigInt(map.mask))
    if (off + g.size > dataSize) {
      straddling.push(g)
      expect(g.copied).toBe(true)
      expect(g.view.buffer).toBe(map.event_copy.buffer)
      expect(g.bytes).toEqual(twoPieces(map, g.pos, g.size))
    } else {
      expect(g.copied).toBe(false)
      expect(isInPlace(map, g.view, g.pos)).toBe(true)
    }
  }
  return straddling
}

describe.each([
  ['ArrayBuffer', false],
  ['SharedArrayBuffer', true],
])('kernel mappings in an %s', (_label, shared) => {
  describe('control pages', () => {
    it.each(Object.keys(TABLE) as FixtureName[])('%s: the fields the README gives', (name) => {
      const bytes = loadMapping(name, shared)
      const f = decodeControlPage(bytes)
      const t = TABLE[name]
      expect(f.version).toBe(0)
      expect(f.compat_version).toBe(0)
      expect(f.capabilities).toBe(0x2n)
      expect(f.cap_bit0).toBe(false)
      expect(f.cap_bit0_is_deprecated).toBe(true)
      expect(f.cap_user_rdpmc).toBe(false)
      expect(f.cap_user_time).toBe(false)
      expect(f.cap_user_time_zero).toBe(false)
      expect(f.cap_user_time_short).toBe(false)
      expect(f.size).toBe(96)
      expect(f.data_offset).toBe(4096n)
      expect(f.data_size).toBe(t.dataSize)
      expect(f.data_head).toBe(t.head)
      expect(f.data_tail).toBe(t.tail)
      expect(f.time_mult).toBe(0)
      expect(f.time_shift).toBe(0)
      expect(f.time_zero).toBe(0n)
      expect(f.lock % 2).toBe(0)
      expect(f.index).toBe(0)
      expect(f.aux_size).toBe(0n)
      expect(BigInt(bytes.length)).toBe(f.data_offset + f.data_size)
    })

    it.each(Object.keys(TABLE) as FixtureName[])(
      '%s: the time helpers refuse to convert (cap_user_time_zero not set)',
      (name) => {
        const self = readSelf(loadMapping(name, shared))
        expect(self.cap_user_time_zero).toBe(false)
        for (const f of [
          () => cyclesToPerfTime(self, 123_456_789n),
          () => perfTimeToCycles(self, 328_566_687_886n),
        ]) {
          expect(f).toThrow(PerfError)
          expect(f).toThrow(/cap_user_time_zero/)
          try {
            f()
          } catch (e) {
            expect((e as PerfError).errno).toBe('EOPNOTSUPP')
          }
        }
        expect(() => cyclesToTimeDelta(self, 1n)).toThrow(/cap_user_time/)
      },
    )
  })

  it('samples: 115 SAMPLE records of 56 bytes, times increasing, cpu 0', () => {
    const bytes = loadMapping('samples', shared)
    const attr = loadAttr('samples')
    expect(attr.getBigUint64(24, true)).toBe(0x1c7n) // IP|TID|TIME|ID|CPU|PERIOD
    const map = new PerfMmap(bytes, { overwrite: isWriteBackward(attr) })
    expect(map.overwrite).toBe(false)
    expect(map.mask).toBe(32767)
    expect(perf_mmap__mmap_len(map)).toBe(bytes.length)
    const { rc, got } = drain(map)
    expect(rc).toBe(0)
    expect(got).toHaveLength(115)
    for (const g of got) {
      expect(g.type).toBe(PERF_RECORD_SAMPLE)
      expect(g.size).toBe(SAMPLE_SIZE)
    }
    expect(checkPlacement(map, got)).toHaveLength(0)
    const s = got.map(sample)
    expect(strictlyIncreasing(s.map((x) => x.time))).toBe(true)
    expect(s.every((x) => x.cpu === 0)).toBe(true)
    expect(new Set(s.map((x) => x.id)).size).toBe(1)
    expect(s.every((x) => x.period === 100_000n && x.pid === x.tid)).toBe(true)
    expect(total(got)).toBe(6440)
    // consume published the tail; read_done left prev there
    expect(decodeControlPage(bytes).data_tail).toBe(6440n)
    expect(map.prev).toBe(6440n)
    expect(drain(map)).toEqual({ rc: 0, got: [] })
  })

  it.each([
    ['full', 13664n, 5488, 740n],
    ['wrapped', 13496n, 5320, 140n],
  ] as const)(
    '%s: from data_tail 8176 to data_head, one LOST, one record straddling the end',
    (name, head, bytesBetween, lost) => {
      const bytes = loadMapping(name, shared)
      const map = new PerfMmap(bytes, { overwrite: isWriteBackward(loadAttr(name)) })
      expect(map.prev).toBe(8176n) // a forward map starts at the page's data_tail
      expect(perf_mmap__read_init(map)).toBe(0)
      expect(map.start).toBe(8176n)
      expect(map.end).toBe(head)
      const { rc, got } = drain(map)
      expect(rc).toBe(0)
      expect(total(got)).toBe(bytesBetween)
      expect(got[0]!.pos).toBe(8176n)

      const losts = got.filter((g) => g.type === PERF_RECORD_LOST)
      const samples = got.filter((g) => g.type === PERF_RECORD_SAMPLE)
      expect(losts).toHaveLength(1)
      expect(samples).toHaveLength(got.length - 1)
      expect(samples.every((g) => g.size === SAMPLE_SIZE)).toBe(true)
      const L = losts[0]!
      // struct { header; u64 id; u64 lost; sample_id }: id at 8, lost at 16
      expect(u64(L.bytes, 16)).toBe(lost)
      expect(u64(L.bytes, 16)).toBeGreaterThan(0n)
      const ids = new Set(samples.map((g) => sample(g).id))
      expect(ids.size).toBe(1)
      expect(u64(L.bytes, 8)).toBe([...ids][0])
      expect(strictlyIncreasing(samples.map((g) => sample(g).time))).toBe(true)

      const straddling = checkPlacement(map, got)
      expect(straddling).toHaveLength(1)
      const S = straddling[0]!
      expect(Number(S.pos & 8191n) + S.size).toBeGreaterThan(8192)
      // the copy is the two pieces of the mapping, concatenated by hand
      const data = bytes.subarray(4096, 4096 + 8192)
      const off = Number(S.pos & 8191n)
      const manual = new Uint8Array([
        ...data.subarray(off, 8192),
        ...data.subarray(0, S.size - (8192 - off)),
      ])
      expect(S.bytes).toEqual(manual)
      expect(map.event_copy_sz).toBeGreaterThanOrEqual(S.size)

      expect(decodeControlPage(bytes).data_tail).toBe(head)
    },
  )

  it.each(['full.before', 'wrapped.before'] as const)(
    '%s: read_init shows the buffer full',
    (name) => {
      const bytes = loadMapping(name, shared)
      const map = new PerfMmap(bytes)
      expect(perf_mmap__read_init(map)).toBe(0)
      const used = map.end - map.start
      expect(used).toBe(8176n)
      // kernel free-space test: CIRC_SPACE(head, tail) = (tail − head − 1) & mask = 15 bytes,
      // less than one 56-byte sample, so the kernel dropped the next records (the LOST later)
      const space = (map.start - map.end - 1n) & BigInt(map.mask)
      expect(space).toBe(15n)
      expect(space).toBeLessThan(BigInt(SAMPLE_SIZE))
      expect(used).toBeGreaterThanOrEqual(BigInt(map.mask + 1 - SAMPLE_SIZE))
      const { got } = drain(map)
      expect(got).toHaveLength(146)
      expect(got.every((g) => g.type === PERF_RECORD_SAMPLE && g.size === SAMPLE_SIZE)).toBe(true)
      expect(checkPlacement(map, got)).toHaveLength(0)
      expect(total(got)).toBe(8176)
    },
  )

  it('backward: overwrite map, overwrite_rb_find_range, newest first', () => {
    const bytes = loadMapping('backward', shared)
    const attr = loadAttr('backward')
    expect(isWriteBackward(attr)).toBe(true)
    const map = new PerfMmap(bytes, { overwrite: isWriteBackward(attr) })
    expect(map.overwrite).toBe(true)
    expect(map.prev).toBe(0n)
    const head = perf_mmap__read_head(map)
    expect(head).toBe(2n ** 64n - 47264n)
    // head .. prev is 47264 bytes, more than the 8192-byte buffer: read_init must walk it
    expect(BigInt.asUintN(64, map.prev - head)).toBeGreaterThan(8192n)
    expect(perf_mmap__read_init(map)).toBe(0)
    expect(map.start).toBe(head)
    const range = BigInt.asUintN(64, map.end - map.start)
    expect(range).toBeLessThanOrEqual(8192n)
    expect(range).toBe(8176n) // 146 × 56; one more record would pass data_size: backed off

    const got = []
    for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map))
      got.push({ ...ev.header, time: u64(ev.bytes, 24), copied: ev.copied })
    expect(got).toHaveLength(146)
    expect(got.every((g) => g.type === PERF_RECORD_SAMPLE && g.size === SAMPLE_SIZE)).toBe(true)
    expect(got.reduce((s, g) => s + g.size, 0)).toBeLessThanOrEqual(8192)
    expect(strictlyDecreasing(got.map((g) => g.time))).toBe(true)
    expect(got.filter((g) => g.copied)).toHaveLength(1)
    // an overwrite map never writes data_tail
    expect(decodeControlPage(bytes).data_tail).toBe(0n)
  })

  it('backward: drain with copy check, then read_done makes the next pass empty', () => {
    const bytes = loadMapping('backward', shared)
    const map = new PerfMmap(bytes, { overwrite: true })
    const { rc, got } = drain(map)
    expect(rc).toBe(0)
    expect(got).toHaveLength(146)
    expect(checkPlacement(map, got)).toHaveLength(1)
    expect(map.prev).toBe(2n ** 64n - 47264n)
    expect(decodeControlPage(bytes).data_tail).toBe(0n)
    expect(drain(map)).toEqual({ rc: 0, got: [] })
  })

  it('sideband: 6 MMAP2 and 10 SWITCH records', () => {
    const bytes = loadMapping('sideband', shared)
    const attr = loadAttr('sideband')
    const map = new PerfMmap(bytes, { overwrite: isWriteBackward(attr) })
    const { rc, got } = drain(map)
    expect(rc).toBe(0)
    expect(got.filter((g) => g.type === PERF_RECORD_MMAP2)).toHaveLength(6)
    const sw = got.filter((g) => g.type === PERF_RECORD_SWITCH)
    expect(sw).toHaveLength(10)
    expect(got).toHaveLength(16)
    expect(total(got)).toBe(952)
    expect(checkPlacement(map, got)).toHaveLength(0)
    // SWITCH out then in, alternately
    expect(sw.map((g) => (g.misc & PERF_RECORD_MISC_SWITCH_OUT) !== 0)).toEqual(
      Array.from({ length: 10 }, (_, i) => i % 2 === 0),
    )
    // sample_type TID|TIME|CPU with sample_id_all: {pid, tid} {time} {cpu, res} at the end
    // of every record, so the time is the u64 16 bytes before the end
    expect(attr.getBigUint64(24, true)).toBe(0x86n)
    const times = got.map((g) => u64(g.bytes, g.size - 16))
    expect(times.every((t, i) => i === 0 || times[i - 1]! <= t)).toBe(true)
    expect(got.every((g) => u32(g.bytes, g.size - 8) === 0)).toBe(true)
  })
})
