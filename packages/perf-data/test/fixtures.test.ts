/**
 * perf's own files (recorded by fixtures/make-fixtures.sh from prog.c): our listing equals
 * `perf script` (live where perf is installed, else the listing perf printed when the fixture
 * was made), every kernel record re-encodes to the kernel's bytes, the tracepoint fields and
 * thread names agree with the program's own log, and LOST is read.
 */
import {
  PERF_RECORD_COMM,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CALLCHAIN,
  PERF_SAMPLE_RAW,
} from '@onering/perf'
import { describe, expect, it } from 'vitest'
import {
  PERF_RECORD_FINISHED_ROUND,
  PerfDataReader,
  PerfDataWriter,
  perfDataListing,
  PerfFeature,
} from '../src/index.js'
import { FIXTURES, fixtureLines, fixturePath } from './fixtures.js'
import { reencodeKernelRecords } from './kernel-bytes.js'
import { hasPerf, perfScript, requireTool } from './perf-env.js'

requireTool('perf-data fixtures', 'perf')

describe.each(FIXTURES)('fixture %s.data (perf record 6.1)', (name) => {
  const file = PerfDataReader.fromFile(fixturePath(`${name}.data`))

  it('lists as perf script printed it when the fixture was made', () => {
    expect([...perfDataListing(file)]).toEqual(fixtureLines(`${name}.script`))
  })

  it.runIf(hasPerf)('lists as perf script prints it now', () => {
    expect([...perfDataListing(file)]).toEqual(perfScript(fixturePath(`${name}.data`)))
  })

  it('re-encodes every kernel record to the kernel bytes', () => {
    const seen = reencodeKernelRecords(file)
    for (const t of ['COMM', 'FORK', 'EXIT', 'MMAP', 'MMAP2', 'SAMPLE'])
      expect(seen.get(t)).toBeGreaterThan(0)
  })

  it('has neutralised host features and perf 6.1 feature set', () => {
    expect(file.features.hostname).toBe('onering-fixture')
    expect(file.features.cmdline?.[0]).toBe('perf')
    expect(file.features.tracingData?.cmdlines ?? '').toBe('')
    expect(file.header.features).toContain(PerfFeature.EVENT_DESC)
    expect(file.features.arch).toBe('x86_64')
  })

  // (lost.data is left out: its ring overflowed on purpose, and a COMM may be what it lost)
  it.runIf(name !== 'lost')('names the program threads as prog.c logged them', () => {
    const threads = fixtureLines(`${name}.log`)
      .filter((l) => l.startsWith('thread '))
      .map((l) => l.split(' '))
    const comms = new Map<number, string>()
    for (const r of file.records())
      if (r.record.type === PERF_RECORD_COMM) comms.set(r.record.tid, r.record.comm)
    for (const [, , tid, comm] of threads) expect(comms.get(Number(tid))).toBe(comm)
  })
})

describe('fixture contents', () => {
  it('tracepoints-g: samples carry CALLCHAIN and RAW; sys_exit_getppid ret is what getppid returned', () => {
    const file = PerfDataReader.fromFile(fixturePath('tracepoints-g.data'))
    expect(
      file.evsels.every(
        (e) =>
          (e.attr.sample_type & (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW)) ===
          (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW),
      ),
    ).toBe(true)
    const logged = fixtureLines('tracepoints-g.log')
      .filter((l) => l.startsWith('getppid '))
      .map((l) => l.split(' ').slice(1).join(' '))
    const read: string[] = []
    for (const r of file.events()) {
      const t = file.traceFields(r)
      if (t?.format.name !== 'sys_exit_getppid') continue
      if (r.record.type !== PERF_RECORD_SAMPLE) continue
      expect(r.record.callchain?.length).toBeGreaterThan(0)
      read.push(`${r.record.tid} ${String(t.fields['ret'])}`)
    }
    expect(read.sort()).toEqual(logged.sort())
  })

  it('lost: the kernel LOST record is read with its count and id', () => {
    const file = PerfDataReader.fromFile(fixturePath('lost.data'))
    const lost = [...file.records()].flatMap((r) =>
      r.record.type === PERF_RECORD_LOST ? [r.record] : [],
    )
    expect(lost.length).toBeGreaterThan(0)
    expect(lost[0]!.lost).toBeGreaterThan(0n)
    expect(file.evsels[0]!.ids).toContain(lost[0]!.id)
  })

  it('FINISHED_ROUND: our writer emits the bytes perf record wrote', () => {
    const file = PerfDataReader.fromFile(fixturePath('cpu-clock-g.data'))
    const round = [...file.records()].find((r) => r.type === PERF_RECORD_FINISHED_ROUND)!
    const w = new PerfDataWriter({ events: [{ attr: file.evsels[0]!.attr, name: 'x' }] })
    w.finishedRound()
    w.finish()
    const ours = new PerfDataReader(w.bytes())
    const mine = [...ours.records()][0]!
    expect(ours.bytes.subarray(mine.offset, mine.offset + mine.size)).toEqual(
      file.bytes.subarray(round.offset, round.offset + round.size),
    )
  })
})
