/**
 * Calls a JavaScript caller can make that C cannot (issue "Reliability", point 8): a missing or
 * foreign event, a null sample, a CPU past `nr_cpu_ids`, a consumer tail past the head. Each is
 * a `PerfError` naming the argument, with the kernel's errno; and a sample without `addr` of an
 * event that selects PERF_SAMPLE_ADDR carries 0, as the kernel writes it.
 */
import { describe, expect, it } from 'vitest'
import {
  NR_CPU_IDS,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PROT_READ,
  PROT_WRITE,
  PerfError,
  PerfMmap,
  decodeRecord,
  mmap,
  perf_event_emit,
  perf_event_open,
  perf_event_output,
  perf_event_output_ip,
  perf_mmap__read_head,
  perf_mmap__write_tail,
} from '../src/index.js'
import { expectErrno, readAll } from './event-helpers.js'

const RW = PROT_READ | PROT_WRITE
const bad = (v: unknown): never => v as never

function named(f: () => unknown, errno: string, field: string): void {
  expectErrno(f, errno as never)
  try {
    f()
  } catch (e) {
    expect((e as PerfError).field, (e as Error).message).toBe(field)
  }
}

describe('bad calls give a PerfError naming the argument', () => {
  it('perf_event_output / _ip / _emit with no event, a foreign object or a null sample', () => {
    for (const ev of [undefined, null, {}, 5, 'x', new Uint8Array(8)]) {
      named(() => perf_event_output(bad(ev), { ip: 1n }), 'EBADF', 'event')
      named(() => perf_event_output_ip(bad(ev), 1n), 'EBADF', 'event')
      named(() => perf_event_emit(bad(ev), 8, () => undefined), 'EBADF', 'event')
    }
    const ev = perf_event_open({ sample_type: PERF_SAMPLE_IP, sample_period: 1 }, 0, 0)
    mmap(ev, 2 * 4096, RW)
    for (const sample of [null, 5, 'x'])
      named(() => perf_event_output(ev, bad(sample)), 'EINVAL', 'sample')
    named(() => perf_event_emit(ev, 8, bad(null)), 'EINVAL', 'write')
    // and the event still works
    expect(perf_event_output(ev, { ip: 0x1234n })).toBe(true)
  })

  it('perf_event_open refuses a cpu at or past nr_cpu_ids', () => {
    for (const cpu of [NR_CPU_IDS, 4096, 2 ** 31 - 1])
      named(() => perf_event_open({}, 0, cpu), 'EINVAL', 'cpu')
    expect(perf_event_open({}, 0, NR_CPU_IDS - 1).cpu).toBe(NR_CPU_IDS - 1)
  })

  it('perf_mmap__write_tail refuses a tail past the head', () => {
    const ev = perf_event_open({ sample_type: PERF_SAMPLE_IP, sample_period: 1 }, 0, 0)
    const m = mmap(ev, 2 * 4096, RW)
    for (let k = 0; k < 3; k++) perf_event_output_ip(ev, 0x10n + BigInt(k))
    const map = new PerfMmap(m.bytes)
    const head = perf_mmap__read_head(map)
    expect(head).toBeGreaterThan(0n)
    for (const tail of [head + 1n, head + 8n, head + 4096n])
      named(() => { perf_mmap__write_tail(map, tail); }, 'EINVAL', 'tail')
    perf_mmap__write_tail(map, head - 8n)
    perf_mmap__write_tail(map, head)
    expect(perf_mmap__read_head(map)).toBe(head)
  })
})

describe('PERF_SAMPLE_ADDR without addr: 0, as the kernel writes it', () => {
  for (const how of [
    'perf_event_output',
    'perf_event_output_ip',
    'perf_event_output (bigint ip)',
  ] as const)
    it(how, () => {
      const ev = perf_event_open(
        { sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR, sample_period: 1 },
        7,
        0,
      )
      const m = mmap(ev, 2 * 4096, RW)
      const ok =
        how === 'perf_event_output'
          ? perf_event_output(ev, { ip: 0x400 })
          : how === 'perf_event_output_ip'
            ? perf_event_output_ip(ev, 0x400)
            : perf_event_output(ev, { ip: 0x400n })
      expect(ok).toBe(true)
      // an explicit addr is still written
      expect(perf_event_output(ev, { ip: 0x500, addr: 0xbeef })).toBe(true)
      const recs = readAll(new PerfMmap(m.bytes))
      expect(recs.map((r) => r.type)).toEqual([PERF_RECORD_SAMPLE, PERF_RECORD_SAMPLE])
      const [a, b] = recs.map((r) => decodeRecord(r.dv, 0, ev.ctx)) as {
        addr?: bigint
        ip?: bigint
      }[]
      expect([a!.ip, a!.addr]).toEqual([0x400n, 0n])
      expect([b!.ip, b!.addr]).toEqual([0x500n, 0xbeefn])
    })
})
