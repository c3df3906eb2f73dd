/**
 * The libperf-style consumer of the BUILT `@onering/perf`: (a) it reads every kernel fixture
 * mapping exactly as the kernel wrote it; (b) the same code reads onering's own rings.
 */
import { describe, expect, it } from 'vitest'
import {
  PERF_RECORD_LOST,
  PERF_RECORD_MMAP2,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PROT_READ,
  PROT_WRITE,
  PerfMmap,
  decodeAttr,
  mmap,
  munmap,
  perf_event_open,
  perf_event_output,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_head,
  perf_mmap__read_init,
} from '@onering/perf'
import { TABLE, fixture, layout, recordAt, u32, u64 } from './perf-helpers.js'
import type { Scenario } from './perf-helpers.js'

interface Got {
  type: number
  pos: bigint
  bytes: Uint8Array
  copied: boolean
}

/** libperf's documented loop; records copied out with their start position. */
function drain(map: PerfMmap): Got[] {
  const out: Got[] = []
  const rc = perf_mmap__read_init(map)
  if (rc < 0) return out
  for (;;) {
    const pos = map.start
    const ev = perf_mmap__read_event(map)
    if (ev === null) break
    out.push({ type: ev.header.type, pos, bytes: ev.bytes.slice(), copied: ev.copied })
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  return out
}

function load(name: Scenario): { bytes: Uint8Array; map: PerfMmap } {
  const bytes = fixture(`${name}.mmap`)
  const attr = decodeAttr(fixture(`${name}.attr`))
  // perf's rule: write_backward events are mapped read-only, i.e. overwrite
  return { bytes, map: new PerfMmap(bytes, { overwrite: attr.write_backward }) }
}

const count = (got: Got[], type: number): number => got.filter((g) => g.type === type).length
const time = (g: Got): bigint => u64(g.bytes, 24) // SAMPLE IP|TID|TIME|ID|CPU|PERIOD

describe('(a) kernel mappings read by the libperf-style consumer', () => {
  it.each(Object.keys(TABLE) as Scenario[])(
    '%s: geometry and head as the kernel left them',
    (name) => {
      const { bytes, map } = load(name)
      expect(map.mask + 1).toBe(TABLE[name].dataSize)
      expect(perf_mmap__read_head(map)).toBe(TABLE[name].head)
      expect(layout(bytes).tail).toBe(TABLE[name].tail)
    },
  )

  it('samples: 115 PERF_RECORD_SAMPLE, nothing lost, in time order', () => {
    const { map } = load('samples')
    const got = drain(map)
    expect(got).toHaveLength(115)
    expect(count(got, PERF_RECORD_SAMPLE)).toBe(115)
    for (let i = 1; i < got.length; i++) expect(time(got[i]!) >= time(got[i - 1]!)).toBe(true)
    expect(u64(map.base, 1032)).toBe(6440n) // consume published data_tail = head
  })

  it.each([
    ['full', 740n, 97],
    ['wrapped', 140n, 94],
  ] as const)(
    '%s: one LOST (id, %d lost), %d samples, the straddling record reassembled',
    (name, lost, n) => {
      const { bytes, map } = load(name)
      const { data } = layout(bytes)
      const got = drain(map)
      expect(got[0]!.type).toBe(PERF_RECORD_LOST)
      expect(count(got, PERF_RECORD_LOST)).toBe(1)
      expect(count(got, PERF_RECORD_SAMPLE)).toBe(n)
      expect(got).toHaveLength(n + 1)
      const lostRec = got[0]!.bytes
      expect(u64(lostRec, 16)).toBe(lost)
      // the LOST names the event: the id of every sample (PERF_SAMPLE_ID at offset 32)
      const id = u64(lostRec, 8)
      for (const g of got.slice(1)) expect(u64(g.bytes, 32)).toBe(id)
      // its sample_id trailer (TID, TIME, ID, CPU) carries the same id
      expect(u64(lostRec, 24 + 16)).toBe(id)
      const straddling = got.filter((g) => Number(g.pos % 8192n) + g.bytes.length > 8192)
      expect(straddling).toHaveLength(1)
      expect(straddling[0]!.copied).toBe(true)
      expect(straddling[0]!.bytes).toEqual(
        recordAt(data, straddling[0]!.pos, straddling[0]!.bytes.length),
      )
      for (const g of got) if (g !== straddling[0]) expect(g.copied).toBe(false)
      expect(u64(map.base, 1032)).toBe(TABLE[name].head)
    },
  )

  it('backward: the range finder recovers 146 samples, newest first, data_tail untouched', () => {
    const { bytes, map } = load('backward')
    const got = drain(map)
    expect(got).toHaveLength(146)
    expect(count(got, PERF_RECORD_SAMPLE)).toBe(146)
    for (let i = 1; i < got.length; i++) expect(time(got[i]!) <= time(got[i - 1]!)).toBe(true)
    expect(got.filter((g) => g.copied)).toHaveLength(1)
    expect(u64(bytes, 1032)).toBe(0n)
    // read_done: prev = head, the next pass is empty
    expect(drain(map)).toHaveLength(0)
  })

  it('sideband: 6 PERF_RECORD_MMAP2 and 10 PERF_RECORD_SWITCH', () => {
    const { map } = load('sideband')
    const got = drain(map)
    expect(count(got, PERF_RECORD_MMAP2)).toBe(6)
    expect(count(got, PERF_RECORD_SWITCH)).toBe(10)
    expect(got).toHaveLength(16)
    expect(got.reduce((s, g) => s + g.bytes.length, 0)).toBe(952)
  })
})

describe("(b) the same consumer reads onering's rings", () => {
  const attr = {
    sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID,
    sample_period: 1,
    sample_id_all: true,
  }

  it('forward: every sample, then the LOST record in front of the next one after drops', () => {
    const ev = perf_event_open(attr, 1, 0)
    const m = mmap(ev, 3 * 4096, PROT_READ | PROT_WRITE)
    const map = new PerfMmap(m.bytes)
    let ip = 0n
    const ips: bigint[] = []
    let lost = 0n
    let dropped = 0
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 400; k++) if (!perf_event_output(ev, { ip: ip++, time: ip })) dropped++
      for (const g of drain(map)) {
        if (g.type === PERF_RECORD_SAMPLE) ips.push(u64(g.bytes, 8))
        else if (g.type === PERF_RECORD_LOST) {
          expect(u64(g.bytes, 8)).toBe(ev.id)
          lost += u64(g.bytes, 16)
        }
      }
    }
    expect(perf_event_output(ev, { ip: ip++, time: ip })).toBe(true)
    for (const g of drain(map)) {
      if (g.type === PERF_RECORD_SAMPLE) ips.push(u64(g.bytes, 8))
      else if (g.type === PERF_RECORD_LOST) lost += u64(g.bytes, 16)
    }
    expect(dropped).toBeGreaterThan(0)
    expect(lost).toBe(BigInt(dropped))
    expect(ips.length + dropped).toBe(Number(ip))
    expect(ips).toEqual([...ips].sort((a, b) => (a < b ? -1 : 1)))
    expect(u64(m.bytes, 1032)).toBe(u64(m.bytes, 1024))
    munmap(m)
  })

  it('backward read-only: the consumer in overwrite mode reads newest first', () => {
    const ev = perf_event_open({ ...attr, write_backward: true }, 1, 0)
    const m = mmap(ev, 3 * 4096, PROT_READ)
    const map = new PerfMmap(m.bytes, { overwrite: true })
    for (let i = 0n; i < 1000n; i++)
      expect(perf_event_output(ev, { ip: i, time: i + 1n })).toBe(true)
    // 1000 × 40-byte samples (header, IP, TID, TIME, ID): data_head = 2^64 − 40000
    expect(perf_mmap__read_head(map)).toBe(2n ** 64n - 40000n)
    const got = drain(map)
    const ips = got.map((g) => u64(g.bytes, 8))
    expect(ips.length).toBe(Math.floor(8192 / 40))
    expect(ips[0]).toBe(999n)
    for (let i = 1; i < ips.length; i++) expect(ips[i]).toBe(ips[i - 1]! - 1n)
    expect(got.every((g) => u32(g.bytes, 0) === PERF_RECORD_SAMPLE)).toBe(true)
    munmap(m)
  })
})
