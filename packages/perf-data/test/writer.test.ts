/**
 * Our files: written by PerfDataWriter from onering perf rings (test/emit.ts), checked against
 * the emitting program's log through perf itself — `perf script`, `perf report --stdio`,
 * `perf data convert --to-ctf` then `babeltrace2`, `perf data convert --to-json` — and our
 * listing against `perf script`.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PerfDataReader, PerfDataWriter, perfDataListing, PerfFeature } from '../src/index.js'
import { byTime, emit, expectedLine, TRACING_DATA } from './emit.js'
import { hasBabeltrace, hasPerf, perfScript, requireTool } from './perf-env.js'

requireTool('perf-data writer', 'perf')
requireTool('perf-data writer', 'babeltrace2')

const dir = mkdtempSync(join(tmpdir(), 'onering-perf-data-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

// streamed to a file through a small chunk (many spills), 40 rounds × 25 × 3 samples
const path = join(dir, 'ours.data')
const { writer, log } = emit(40, 25, { path, chunkSize: 4096 })
const size = writer.finish()
const expected = byTime(log).map(expectedLine)

describe('our perf.data', () => {
  it('is read back: attrs, ids, features, every sample', () => {
    const file = PerfDataReader.fromFile(path)
    expect(file.bytes.length).toBe(size)
    expect(file.evsels.map((e) => e.name)).toEqual(['cpu-clock', 'onering:span', 'app:gauge'])
    expect(file.evsels.every((e) => e.ids.length === 2)).toBe(true)
    expect(file.features.tracingData).toEqual(TRACING_DATA)
    expect(file.features.hostname).toBe('onering-test')
    expect(file.features.clockData?.clockid).toBe(1)
    expect(file.header.features).toEqual(
      expect.arrayContaining([
        PerfFeature.TRACING_DATA,
        PerfFeature.HOSTNAME,
        PerfFeature.OSRELEASE,
        PerfFeature.VERSION,
        PerfFeature.ARCH,
        PerfFeature.NRCPUS,
        PerfFeature.CPUDESC,
        PerfFeature.CMDLINE,
        PerfFeature.EVENT_DESC,
        PerfFeature.CLOCKID,
        PerfFeature.CLOCK_DATA,
      ]),
    )
    const spans = [...file.events()].flatMap((r) => {
      const t = file.traceFields(r)
      return t?.format.name === 'span' ? [[t.fields['seq'], t.fields['name']]] : []
    })
    expect(spans).toEqual(
      byTime(log)
        .filter((e) => e.event === 'onering:span')
        .map((e) => e.fields.map(([, v]) => v)),
    )
  })

  it('in memory it is the same data section as streamed', () => {
    const a = emit(3, 10)
    a.writer.finish()
    const mem = new PerfDataReader(a.writer.bytes())
    const p2 = join(dir, 'same.data')
    const b = emit(3, 10, { path: p2, chunkSize: 4096 })
    b.writer.finish()
    const file = PerfDataReader.fromFile(p2)
    const strip = (r: PerfDataReader): number[][] => [...r.records()].map((x) => [x.type, x.size])
    expect(strip(file)).toEqual(strip(mem))
  })

  it.runIf(hasPerf)('perf script prints exactly the logged samples; our listing equals it', () => {
    const perf = perfScript(path)
    expect(perf).toEqual(expected)
    expect([...perfDataListing(PerfDataReader.fromFile(path))]).toEqual(perf)
    const plain = spawnSync('perf', ['script', '-f', '-i', path], { encoding: 'utf8' })
    expect(plain.status).toBe(0)
    expect(plain.stderr).toBe('')
  })

  it.runIf(hasPerf)('perf report --stdio counts every event, without a warning', () => {
    const r = spawnSync('perf', ['report', '-f', '-i', path, '--stdio'], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).not.toMatch(/[Ww]arning/)
    for (const ev of ['cpu-clock', 'onering:span', 'app:gauge'])
      expect(r.stdout).toContain(
        `# Samples: ${log.filter((e) => e.event === ev).length}  of event '${ev}'`,
      )
  })

  it.runIf(hasPerf && hasBabeltrace)(
    'perf data convert --to-ctf, then babeltrace2 prints the fields',
    () => {
      const ctf = join(dir, 'ctf')
      const c = spawnSync('perf', ['data', 'convert', '-f', '-i', path, '--to-ctf', ctf], {
        encoding: 'utf8',
      })
      expect(c.status).toBe(0)
      expect(c.stderr).not.toMatch(/[Ww]arning|[Ee]rror/)
      const text = execFileSync('babeltrace2', [ctf], { encoding: 'utf8', maxBuffer: 1 << 28 })
      const lines = text.split('\n').filter((l) => l !== '')
      expect(lines.length).toBe(log.length)
      const spans = lines.filter((l) => l.includes('onering:span:'))
      const want = byTime(log).filter((e) => e.event === 'onering:span')
      expect(spans.map((l) => /seq = (\d+), name = "([^"]*)"/.exec(l)!.slice(1).join(' '))).toEqual(
        want.map((e) => e.fields.map(([, v]) => v).join(' ')),
      )
      const gauges = lines.filter((l) => l.includes('app:gauge:'))
      expect(
        gauges.map((l) => /value = (-?\d+), slot = (\d+)/.exec(l)!.slice(1).join(' ')),
      ).toEqual(
        byTime(log)
          .filter((e) => e.event === 'app:gauge')
          .map((e) => e.fields.map(([, v]) => v).join(' ')),
      )
    },
  )

  it.runIf(hasPerf)(
    'perf data convert --to-json has every sample with its thread, CPU and time',
    () => {
      const out = join(dir, 'out.json')
      const c = spawnSync(
        'perf',
        ['data', 'convert', '-f', '-i', path, '--to-json', out, '--force'],
        { encoding: 'utf8' },
      )
      expect(c.status).toBe(0)
      expect(c.stderr).not.toMatch(/[Ww]arning|[Ee]rror/)
      const json = JSON.parse(readFileSync(out, 'utf8')) as {
        headers: Record<string, unknown>
        samples: { timestamp: number; tid: number; cpu: number; comm: string }[]
      }
      expect(json.headers['hostname']).toBe('onering-test')
      expect(json.samples.map((s) => `${s.tid} ${s.cpu} ${s.comm} ${s.timestamp}`)).toEqual(
        byTime(log).map((e) => `${e.tid} ${e.cpu} pd-emit ${Number(e.time)}`),
      )
    },
  )

  it.runIf(hasPerf)(
    'records moved one by one (addRecord) or as one block (addRecords) list the same',
    () => {
      const file = PerfDataReader.fromFile(path)
      const events = file.evsels.map((e) => ({ attr: e.attr, name: e.name, ids: e.ids }))
      const { offset, size: dsize } = file.header.data
      const one = join(dir, 'one.data')
      const block = join(dir, 'block.data')
      const w1 = new PerfDataWriter({ events, path: one, features: { tracingData: TRACING_DATA } })
      for (const r of file.records()) w1.addRecord(file.bytes.slice(r.offset, r.offset + r.size))
      w1.finish()
      const w2 = new PerfDataWriter({
        events,
        path: block,
        features: { tracingData: TRACING_DATA },
      })
      w2.addRecords(file.bytes, offset, dsize)
      w2.finish()
      expect(perfScript(one)).toEqual(expected)
      expect(perfScript(block)).toEqual(expected)
    },
  )
})
