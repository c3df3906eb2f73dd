/**
 * The trace.dat reader. Oracles: files trace-cmd 3.1.6 made from real kernel pages
 * (test/fixtures/make-fixtures.sh: `trace-cmd restore`, `convert --file-version 6`,
 * `convert --compression zstd`) checked against the kernel's own counts (per_cpu stats of the
 * captures: entries, overrun) without trace-cmd, and against `trace-cmd report` where it is
 * installed: our listing is trace-cmd's, byte for byte, for those files and for our own; the
 * fields our reader decodes from our own files are the emitting program's log. Bad input: every
 * truncation and fast-check mutations give a TraceDatError naming the section and offset.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ring_buffer_alloc } from '@onering/ftrace'
import type { Compression } from '../src/index.js'
import {
  readTraceDat,
  traceDatEvents,
  traceDatListing,
  eventFields,
  TraceDatError,
  writeTraceDat,
  zstdCompression,
} from '../src/index.js'
import { DEFINITIONS } from './definitions.mjs'
import { hasTraceCmd, requireTraceCmd } from './trace-cmd-env.js'
import { mainMarkers, startWorkers } from './emit.js'
import { mutatedFileProperty } from './mutations.js'

const fixture = (n: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${n}`, import.meta.url)))
const stats = (n: string): Record<string, number> =>
  Object.fromEntries(
    readFileSync(new URL(`../../../test/fixtures/kernel/ftrace/${n}`, import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [k, v] = l.split(':')
        return [k!.trim(), Number(v)]
      }),
  )

requireTraceCmd('trace-dat reader')

const tmp = mkdtempSync(join(os.tmpdir(), 'onering-trace-dat-read-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})
let zstd: Compression | undefined
const codec = async (): Promise<Compression> => (zstd ??= await zstdCompression())

const FILES = ['kernel.v6.dat', 'kernel.v7.dat', 'kernel.v7z.dat'] as const

describe('files trace-cmd made from the kernel pages', () => {
  for (const name of FILES) {
    it(`${name}: the kernel's events per CPU, their texts, the missed count, the options`, async () => {
      const file = readTraceDat(fixture(name), { compression: await codec() })
      expect(file.version).toBe(name.includes('v6') ? 6 : 7)
      expect(file.compression).toBe(name.includes('v7z') ? 'zstd' : 'none')
      expect(file.buffers[0]!.cpus.map((c) => c.cpu)).toEqual([0, 1, 2])
      const events = [...traceDatEvents(file)]
      // per_cpu/cpu0/stats of each capture: entries left in the ring = events in its pages
      const perCpu = [0, 1, 2].map((c) => events.filter((e) => e.cpu === c))
      expect(perCpu.map((l) => l.length)).toEqual([
        stats('basic.stats')['entries'],
        stats('discard.stats')['entries'],
        stats('overwrite.stats')['entries'],
      ])
      // the overwrite capture lost `overrun` markers before its first page
      expect(perCpu[2]![0]!.missed).toBe(stats('overwrite.stats')['overrun'])
      for (const l of perCpu)
        for (let k = 1; k < l.length; k++)
          expect(l[k]!.timestamp).toBeGreaterThanOrEqual(l[k - 1]!.timestamp)
      // time order across CPUs
      for (let k = 1; k < events.length; k++)
        expect(events[k]!.timestamp).toBeGreaterThanOrEqual(events[k - 1]!.timestamp)
      // markers as capture_ftrace wrote them (test/fixtures/kernel/README.md)
      const text = (e: (typeof events)[number]): string => String(eventFields(e)['buf'])
      expect(perCpu[0]!.slice(0, 9).map(text)).toEqual([
        ...Array.from({ length: 8 }, (_, k) => `basic ${k}\n`),
        'after-200ms-gap\n',
      ])
      expect(text(perCpu[1]![0]!)).toBe('pc 00000\n')
      expect(text(perCpu[2]!.at(-1)!)).toBe('ow 04999\n')
      for (const e of events) {
        expect(e.format?.name).toBe('print')
        expect(e.pid).toBe(7987)
        expect(e.comm).toBe('capture_ftrace')
      }
    })
  }

  it.skipIf(!hasTraceCmd)(
    'our listing is trace-cmd report, byte for byte (µs and ns)',
    async () => {
      for (const name of FILES) {
        const file = readTraceDat(fixture(name), { compression: await codec() })
        const path = new URL(`./fixtures/${name}`, import.meta.url).pathname
        for (const ns of [false, true]) {
          const r = spawnSync('trace-cmd', ['report', ...(ns ? ['-t'] : []), path], {
            encoding: 'utf8',
          })
          expect(r.stderr).toBe('')
          expect(traceDatListing(file, { ns })).toEqual(r.stdout.trimEnd().split('\n'))
        }
        const r = spawnSync('trace-cmd', ['report', '--cpu', '2', path], { encoding: 'utf8' })
        expect(traceDatListing(file, { cpus: [2] })).toEqual(r.stdout.trimEnd().split('\n'))
      }
    },
  )
})

describe('our own files', () => {
  it('fields decoded by the reader are the emitting program’s log; the listing is trace-cmd’s', async () => {
    const tb = ring_buffer_alloc(1 << 20, 0, { cpus: 3 })
    const workers = await startWorkers(tb, [0, 1], 300)
    const comms = new Map<number, string>([[process.pid, 'node']])
    workers.forEach((w, k) => comms.set(w.tid, `worker-${k}`))
    const log = [...workers.flatMap((w) => w.log), ...mainMarkers(tb, 2, 20)]
    const path = join(tmp, 'ours.dat')
    writeTraceDat(tb, path, { definitions: DEFINITIONS, comms, version: 7 })
    const file = readTraceDat(new Uint8Array(readFileSync(path)))
    expect(file.options.traceClock).toContain('[mono]')
    expect(file.buffers[0]!.clock).toBe('mono')
    expect(file.options.cpuCount).toBe(3)
    expect(file.options.uname).toBe(`${os.type()} ${os.hostname()} ${os.release()} ${os.machine()}`)
    expect(file.options.date).toBeUndefined()
    const events = [...traceDatEvents(file)]
    expect(events).toHaveLength(log.length)
    // each CPU's events in the order and with the values its writer logged
    for (const cpu of [0, 1, 2]) {
      const want = log.filter((e) => e.cpu === cpu)
      const got = events.filter((e) => e.cpu === cpu)
      expect(
        got.map((e) => {
          const f = eventFields(e)
          const fields =
            e.format!.name === 'print'
              ? `tracing_mark_write: ${String(f['buf']).replace(/\n$/, '')}`
              : Object.entries(f)
                  .filter(([k]) => !k.startsWith('common_'))
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(' ')
          return { name: e.format!.name, cpu: e.cpu, tid: e.pid, ts: e.timestamp, fields }
        }),
      ).toEqual(want)
    }
    if (hasTraceCmd) {
      const r = spawnSync('trace-cmd', ['report', path], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(traceDatListing(file)).toEqual(r.stdout.trimEnd().split('\n'))
    }
  })
})

describe('bad input: a TraceDatError naming the section and byte offset', () => {
  it('a file with no data section lists nothing (found by the fuzz slice: it threw a JS TypeError)', () => {
    const file = readTraceDat(fixture('kernel.v7.dat'))
    expect(traceDatListing({ ...file, buffers: [] })).toEqual([
      `cpus=${file.options.cpuCount ?? 0}`,
    ])
  })

  for (const name of ['kernel.v6.dat', 'kernel.v7.dat'] as const) {
    it(`${name}: every truncation of the metadata, and cuts into the page data`, () => {
      const bytes = fixture(name)
      const whole = traceDatListing(readTraceDat(bytes))
      const cuts = [...Array.from({ length: 4200 }, (_, n) => n), 8192, 20000, bytes.length - 1]
      for (const n of cuts) {
        let err: unknown
        let listing: string[] | undefined
        try {
          listing = traceDatListing(readTraceDat(bytes.subarray(0, n)))
        } catch (e) {
          err = e
        }
        if (err === undefined) {
          // only the trailing strings section of a v7 file may be cut without harm
          expect(name, `cut at ${n}`).toBe('kernel.v7.dat')
          expect(listing).toEqual(whole)
          continue
        }
        expect(err, `cut at ${n}`).toBeInstanceOf(TraceDatError)
        const e = err as TraceDatError
        expect(e.message).toContain(e.section)
        expect(e.offset).toBeLessThanOrEqual(bytes.length)
      }
    })
  }

  it('names the section', () => {
    const v7 = fixture('kernel.v7.dat')
    const at = (b: Uint8Array): TraceDatError => {
      try {
        readTraceDat(b)
      } catch (e) {
        return e as TraceDatError
      }
      throw new Error('no error')
    }
    expect(at(v7.subarray(0, 5)).section).toBe('file header')
    const bad = v7.slice()
    bad[0] = 0
    expect(at(bad).message).toMatch(/bad magic/)
    const v8 = v7.slice()
    v8[10] = 0x38
    expect(at(v8).message).toMatch(/version "8"/)
    expect(at(fixture('kernel.v7z.dat')).message).toMatch(/zstd-compressed file needs its codec/)
    expect(() => readTraceDat('x' as unknown as Uint8Array)).toThrow(TypeError)
  })

  for (const name of FILES) {
    it(`fast-check: mutated ${name} never hangs or reads out of bounds, only TraceDatError`, async () => {
      const compression = await codec()
      mutatedFileProperty(fixture(name), { flips: 8, runs: 300, read: { compression } })
    })
  }
})
