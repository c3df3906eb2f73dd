/**
 * trace.dat files written from onering buffers, read by trace-cmd 3.1.6. The test program
 * (test/emit.ts, test/workers/emitter.mjs) emits spans (with a __data_loc string and a char[8]),
 * samples (s64, u16) and trace_marker texts from two worker threads writing their own rings plus
 * the main thread, and keeps its own log of what it wrote; `trace-cmd report` must print exactly
 * those events (name, CPU, nanosecond timestamp, comm-pid, field values), nothing on stderr, no
 * "[FAILED TO PARSE]" or "[UNKNOWN EVENT]"; `--cpu N` and `-F` filter as trace-cmd does; `dump -v`
 * validates the file. Needs trace-cmd: skipped with a warning without it, a failure under CI.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ring_buffer_alloc, ring_buffer_write } from '@onering/ftrace'
import {
  readTraceDat,
  traceDatListing,
  TraceDatError,
  TraceDatRecorder,
  writeTraceDat,
  zstdCompression,
} from '../src/index.js'
import { DEFINITIONS } from './definitions.mjs'
import { hasTraceCmd, requireTraceCmd } from './trace-cmd-env.js'
import type { Logged } from './emit.js'
import { byTime, mainMarkers, reportLine, startWorkers } from './emit.js'

requireTraceCmd('trace-dat writer')

const tmp = mkdtempSync(join(tmpdir(), 'onering-trace-dat-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

function traceCmd(args: string[]): string[] {
  const r = spawnSync('trace-cmd', args, { encoding: 'utf8', maxBuffer: 1 << 28 })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  expect(r.stdout).not.toMatch(/FAILED TO PARSE|UNKNOWN EVENT/)
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
}

/** Emit from 2 workers (rings 0, 1) and the main thread (ring 2); the comms and the log. */
async function emitAll(count: number): Promise<{
  tb: ReturnType<typeof ring_buffer_alloc>
  log: Logged[]
  comms: Map<number, string>
}> {
  const tb = ring_buffer_alloc(1 << 20, 0, { cpus: 3 })
  const workers = await startWorkers(tb, [0, 1], count)
  const comms = new Map<number, string>([[process.pid, 'node']])
  workers.forEach((w, k) => comms.set(w.tid, `worker-${k}`))
  const log = [...workers.flatMap((w) => w.log), ...mainMarkers(tb, 2, 50)]
  return { tb, log, comms }
}

function expected(log: Logged[], comms: Map<number, string>): string[] {
  return byTime(log).map((e) => reportLine(e, comms.get(e.tid)!))
}

describe.skipIf(!hasTraceCmd)('trace-cmd report reads our trace.dat', () => {
  for (const [version, zstd] of [
    [6, false],
    [7, false],
    [7, true],
  ] as const) {
    it(`version ${version}${zstd ? ' zstd' : ''}: every event the program wrote, with name, CPU, ns time, comm-pid, fields`, async () => {
      const { tb, log, comms } = await emitAll(600)
      expect(new Set(log.map((e) => e.tid)).size).toBe(3)
      const path = join(tmp, `ours.v${version}${zstd ? 'z' : ''}.dat`)
      const compression = zstd ? await zstdCompression() : undefined
      const size = writeTraceDat(tb, path, {
        definitions: DEFINITIONS,
        comms,
        version,
        ...(compression === undefined ? {} : { compression }),
      })
      expect(statSync(path).size).toBe(size)
      const lines = traceCmd(['report', '-t', path])
      expect(lines[0]).toBe('cpus=3')
      expect(lines.slice(1)).toEqual(expected(log, comms))
      // one CPU, and an event filter, as trace-cmd selects them
      for (const cpu of [0, 1, 2]) {
        const want = expected(
          log.filter((e) => e.cpu === cpu),
          comms,
        )
        expect(traceCmd(['report', '-t', '--cpu', String(cpu), path]).slice(1)).toEqual(want)
      }
      expect(traceCmd(['report', '-t', '-F', 'span', path]).slice(1)).toEqual(
        expected(
          log.filter((e) => e.name === 'span'),
          comms,
        ),
      )
      expect(traceCmd(['report', '-t', '-F', 'sample: slot < 10', path]).slice(1)).toEqual(
        expected(
          log.filter((e) => e.name === 'sample' && Number(/slot=(\d+)/.exec(e.fields)![1]) < 10),
          comms,
        ),
      )
      // --stat: the CPUSTAT options, the ring counters after the pages were taken: nothing
      // left, every event the writers logged read, none dropped
      const stat = traceCmd(['report', '--stat', path]).join('\n')
      for (const cpu of [0, 1, 2])
        expect(stat).toContain(`CPU: ${cpu}\nentries: 0\noverrun: 0\ncommit overrun: 0\nbytes: 0\n`)
      expect([...stat.matchAll(/read events: (\d+)/g)].map((m) => Number(m[1]))).toEqual(
        [0, 1, 2].map((cpu) => log.filter((e) => e.cpu === cpu).length),
      )
      expect([...stat.matchAll(/dropped events: (\d+)/g)].map((m) => m[1])).toEqual(['0', '0', '0'])
      const dump = spawnSync('trace-cmd', ['dump', '-v', '-i', path], { encoding: 'utf8' })
      expect(dump.stdout + dump.stderr).toContain('is a valid trace-cmd file')
      const opts = traceCmd(['dump', '--options', '-i', path]).join('\n')
      expect(opts).toContain('[mono] mono_raw')
      expect(opts).not.toMatch(/DATE/)
      if (version === 7) {
        // every metadata section and the CPU data compressed (flag 1) or not, as asked
        const sections = traceCmd(['dump', '--sections', '-i', path]).filter((l) =>
          /^\[Section (1[6-9]|2[01]|3) @/.test(l),
        )
        expect(sections).toHaveLength(7)
        for (const l of sections) expect(l).toContain(zstd ? 'flags 0x1' : 'flags 0x0')
        expect(traceCmd(['dump', '--summary', '-i', path]).join('\n')).toContain(
          zstd ? 'zstd' : 'none',
        )
      }
    })
  }

  it.each([
    ['uncompressed', false],
    ['zstd', true],
  ] as const)(
    'streaming, %s: rings smaller than the recording, drained into per-CPU spool files while writers run',
    async (_, zstd) => {
      // 16 KiB rings, produce-consume: the writers retry while their ring is full, the recorder
      // moves complete pages into spool files; the file holds every event
      const tb = ring_buffer_alloc(16384, 0, { cpus: 2 })
      const spoolDir = mkdtempSync(join(tmp, 'spool-'))
      const comms = new Map<number, string>()
      const rec = new TraceDatRecorder(tb, { definitions: DEFINITIONS, spoolDir, comms })
      const done = new SharedArrayBuffer(4)
      const running = startWorkers(tb, [0, 1], 3000, done)
      const d = new Int32Array(done)
      let pages = 0
      while (Atomics.load(d, 0) < 2) {
        pages += rec.drain()
        Atomics.wait(d, 0, Atomics.load(d, 0), 1)
      }
      const workers = await running
      workers.forEach((w, k) => comms.set(w.tid, `worker-${k}`))
      expect(pages).toBeGreaterThan(2 * 8) // more pages than the rings hold
      const path = join(tmp, `streamed${zstd ? '.z' : ''}.dat`)
      rec.finish(path, zstd ? { version: 7, compression: await zstdCompression() } : { version: 7 })
      const log = workers.flatMap((w) => w.log)
      expect(traceCmd(['report', '-t', path]).slice(1)).toEqual(expected(log, comms))
      // the spool files are gone
      expect(spawnSync('ls', [spoolDir], { encoding: 'utf8' }).stdout).toBe('')
    },
  )

  it('an instance: a second buffer written as its own BUFFER, listed by trace-cmd with its name', () => {
    const top = ring_buffer_alloc(65536, 0, { cpus: 2 })
    const foo = ring_buffer_alloc(65536, 0, { cpus: 1 })
    const log = [...mainMarkers(top, 1, 5), ...mainMarkers(foo, 0, 5), ...mainMarkers(top, 0, 5)]
    const inFoo = new Set(log.slice(5, 10))
    const path = join(tmp, 'instance.dat')
    writeTraceDat(top, path, { instances: [{ name: 'foo', buffer: foo }] })
    const comms = new Map([[process.pid, 'node']])
    expect(traceCmd(['report', '-t', path]).slice(1)).toEqual(
      byTime(log).map((e) => `${inFoo.has(e) ? 'foo: ' : ''}${reportLine(e, comms.get(e.tid)!)}`),
    )
    // our reader lists it as trace-cmd does, byte for byte
    const file = readTraceDat(new Uint8Array(readFileSync(path)))
    expect(file.buffers.map((b) => b.name)).toEqual(['', 'foo'])
    const r = spawnSync('trace-cmd', ['report', path], { encoding: 'utf8' })
    expect(traceDatListing(file)).toEqual(r.stdout.trimEnd().split('\n'))
    expect(() =>
      writeTraceDat(top, join(tmp, 'i.dat'), { instances: [{ name: '', buffer: foo }] }),
    ).toThrow(/instances\[0\]\.name/)
  })

  it("the buffer's own mono clock is CLOCK_MONOTONIC: report's time lies between two hrtime reads", async () => {
    const { tracing_mark_write } = await import('@onering/ftrace')
    const tb = ring_buffer_alloc(65536, 0)
    const before = Number(process.hrtime.bigint())
    tracing_mark_write(tb, 'now')
    const after = Number(process.hrtime.bigint())
    const path = join(tmp, 'mono.dat')
    writeTraceDat(tb, path)
    const [line] = traceCmd(['report', '-t', path]).slice(1)
    const [sec, ns] = / (\d+)\.(\d{9}): print: tracing_mark_write: now$/.exec(line!)!.slice(1)
    const t = Number(sec) * 1e9 + Number(ns)
    expect(t).toBeGreaterThanOrEqual(before)
    expect(t).toBeLessThanOrEqual(after)
  })

  it('the counter clock: TRACECLOCK [counter], report prints the count', async () => {
    const tb = ring_buffer_alloc(65536, 0, { clock: 'counter' })
    const { tracing_mark_write } = await import('@onering/ftrace')
    for (let k = 0; k < 5; k++) tracing_mark_write(tb, `c${k}`)
    const path = join(tmp, 'counter.dat')
    writeTraceDat(tb, path, { version: 6 })
    const lines = traceCmd(['report', path]).slice(1)
    // the counter clock counts events from 1 (docs/design.md §3.2); no seconds, no decimal point
    expect(lines.map((l) => / (\S+): print:/.exec(l)![1])).toEqual(['1', '2', '3', '4', '5'])
    expect(traceCmd(['dump', '--options', '-i', path]).join('\n')).toContain('[counter]')
  })
})

describe('what the writer refuses', () => {
  it('an event id without a definition: a TraceDatError naming the CPU data', () => {
    const tb = ring_buffer_alloc(65536, 0)
    // a 12-byte event whose common_type is 4242, defined nowhere
    const raw = new Uint8Array(12)
    new DataView(raw.buffer).setUint16(0, 4242, true)
    ring_buffer_write(tb, raw.length, raw)
    let err: unknown
    try {
      writeTraceDat(tb, join(tmp, 'unknown.dat'))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TraceDatError)
    expect((err as TraceDatError).section).toBe('cpu 0 data')
    expect((err as Error).message).toMatch(/event id 4242/)
  })

  it('an event shorter than the common fields', () => {
    const tb = ring_buffer_alloc(65536, 0)
    ring_buffer_write(tb, 3, new Uint8Array(3))
    expect(() => writeTraceDat(tb, join(tmp, 'short.dat'))).toThrow(TraceDatError)
  })

  it('bad arguments', () => {
    const tb = ring_buffer_alloc(65536, 0)
    expect(() => new TraceDatRecorder({} as never)).toThrow(TypeError)
    expect(() => writeTraceDat(tb, join(tmp, 'v5.dat'), { version: 5 as 6 })).toThrow(RangeError)
    expect(() =>
      writeTraceDat(tb, join(tmp, 'v6z.dat'), { version: 6, compression: {} as never }),
    ).toThrow(/only version 7/)
    expect(() => writeTraceDat(tb, join(tmp, 'clock.dat'), { clock: 'sundial' })).toThrow(/sundial/)
  })
})
