/**
 * Files with more than one buffer (tracefs instances, the BUFFER option) in versions 6 and 7:
 * written by our writer and read by trace-cmd 3.1.6 (the lines it prints are the emitting
 * program's own log, each with its buffer's name), converted by the real `trace-cmd convert`
 * to the other version (and zstd), and read back by our reader, whose listing equals
 * `trace-cmd report` byte for byte on every one of them. Needs trace-cmd: skipped with a warning
 * without it, a failure under CI.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ring_buffer_alloc } from '@onering/ftrace'
import {
  eventFields,
  readTraceDat,
  TraceDatError,
  traceDatEvents,
  traceDatListing,
  writeTraceDat,
  zstdCompression,
} from '../src/index.js'
import type { Logged } from './emit.js'
import { byTime, mainMarkers, reportLine } from './emit.js'
import { mutatedFileProperty } from './mutations.js'
import { hasTraceCmd, requireTraceCmd } from './trace-cmd-env.js'

requireTraceCmd('trace-dat buffers')

const tmp = mkdtempSync(join(tmpdir(), 'onering-trace-dat-buffers-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

function run(args: string[]): string {
  const r = spawnSync('trace-cmd', args, { encoding: 'utf8', maxBuffer: 1 << 28 })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return r.stdout
}

/**
 * `trace-cmd convert`: its progress lines go to stderr, and converting a version 7 file whose
 * top-level buffer has data and instances to version 6 warns "Cannot find description for
 * buffer " — trace-cmd 3.1.6 does so for a v7 file it wrote itself (its `tcmd_out_write_cpu_data`
 * looks the top-level buffer up among the v6 BUFFER options). Anything else is a failure.
 */
function convert(args: string[]): void {
  const r = spawnSync('trace-cmd', ['convert', ...args], { encoding: 'utf8' })
  expect(r.status).toBe(0)
  const chatter =
    /^(CPU\d+ data recorded at offset=0x[0-9a-f]+| +\d+ bytes in size( \(\d+ uncompressed\))?|Buffer: .*|Cannot find description for buffer |)$/
  expect(r.stderr.split('\n').filter((l) => !chatter.test(l))).toEqual([])
}

const NAMES = ['a', 'longer-instance'] as const

/** A top-level buffer of 2 CPUs and two instances (1 and 2 CPUs), with markers; the log. */
function buffers(): {
  top: ReturnType<typeof ring_buffer_alloc>
  instances: { name: string; buffer: ReturnType<typeof ring_buffer_alloc> }[]
  log: { e: Logged; buffer: string }[]
} {
  const top = ring_buffer_alloc(65536, 0, { cpus: 2 })
  const a = ring_buffer_alloc(65536, 0, { cpus: 1 })
  const b = ring_buffer_alloc(65536, 0, { cpus: 2 })
  const log: { e: Logged; buffer: string }[] = []
  const add = (list: Logged[], buffer: string): void => {
    for (const e of list) log.push({ e, buffer })
  }
  add(mainMarkers(top, 1, 4), '')
  add(mainMarkers(a, 0, 5), 'a')
  add(mainMarkers(b, 1, 3), 'longer-instance')
  add(mainMarkers(top, 0, 4), '')
  add(mainMarkers(b, 0, 2), 'longer-instance')
  return {
    top,
    instances: [
      { name: NAMES[0], buffer: a },
      { name: NAMES[1], buffer: b },
    ],
    log,
  }
}

describe.skipIf(!hasTraceCmd)('more than one buffer (BUFFER option)', () => {
  for (const [version, zstd] of [
    [6, false],
    [7, false],
    [7, true],
  ] as const) {
    const label = `version ${version}${zstd ? ' zstd' : ''}`
    it(`${label}: trace-cmd lists every buffer's events with its name; convert and our reader agree`, async () => {
      const { top, instances, log } = buffers()
      const compression = zstd ? await zstdCompression() : undefined
      const path = join(tmp, `ours.v${version}${zstd ? 'z' : ''}.dat`)
      writeTraceDat(top, path, {
        instances,
        version,
        ...(compression === undefined ? {} : { compression }),
      })
      // the oracle: the program's own log, in time order, each line with its buffer's name
      const byEvent = new Map(log.map((x) => [x.e, x.buffer]))
      const expected = byTime(log.map((x) => x.e)).map((e) => {
        const b = byEvent.get(e)!
        return `${b === '' ? '' : `${b}: `}${reportLine(e, 'node')}`
      })
      const collapsed = (text: string): string[] =>
        text
          .trimEnd()
          .split('\n')
          .map((l) => l.trim().replace(/\s+/g, ' '))
      expect(collapsed(run(['report', '-t', path])).slice(1)).toEqual(expected)

      const zc = await zstdCompression()
      const ours = readTraceDat(new Uint8Array(readFileSync(path)), { compression: zc })
      expect(ours.version).toBe(version)
      expect(ours.buffers.map((b) => b.name)).toEqual(['', ...NAMES])
      expect(traceDatListing(ours)).toEqual(run(['report', path]).trimEnd().split('\n'))
      expect(traceDatListing(ours, { ns: true })).toEqual(
        run(['report', '-t', path]).trimEnd().split('\n'),
      )

      // the real tool writes the other versions from it; our reader lists those as trace-cmd does
      const targets: [string, string[]][] =
        version === 6
          ? [
              ['v7', ['--file-version', '7', '--compression', 'none']],
              ['v7z', ['--file-version', '7', '--compression', 'zstd']],
            ]
          : [['v6', ['--file-version', '6']]]
      for (const [suffix, args] of targets) {
        const out = join(tmp, `${label.replace(/ /g, '-')}.to.${suffix}.dat`)
        convert([...args, '-i', path, '-o', out])
        const theirs = readTraceDat(new Uint8Array(readFileSync(out)), { compression: zc })
        expect(theirs.version).toBe(suffix === 'v6' ? 6 : 7)
        expect(theirs.buffers.map((b) => b.name).filter((n) => n !== '')).toEqual([...NAMES])
        expect(traceDatListing(theirs)).toEqual(run(['report', out]).trimEnd().split('\n'))
        // the pages moved verbatim: every buffer's events carry the same payload bytes
        const payloads = (f: typeof ours): string[] =>
          [...traceDatEvents(f)].map(
            (e) =>
              `${e.buffer} ${e.cpu} ${e.timestamp} ${Buffer.from(e.bytes.subarray(e.offset, e.offset + e.length)).toString('hex')}`,
          )
        expect(payloads(theirs)).toEqual(payloads(ours))
      }
    })
  }
})

const fixture = (n: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${n}`, import.meta.url)))

/** Committed files with two instances laid out by trace-cmd convert (fixtures/make-fixtures.sh). */
const BUFFER_FILES = ['buffers.v6.dat', 'buffers.v7.dat'] as const

describe('committed files with instances, written by trace-cmd convert', () => {
  for (const name of BUFFER_FILES) {
    it(`${name}: the buffers and their markers; the listing is trace-cmd report's`, () => {
      const file = readTraceDat(fixture(name))
      expect(file.version).toBe(name.includes('v6') ? 6 : 7)
      expect(file.buffers.map((b) => b.name)).toEqual(['', ...NAMES])
      const texts = [...traceDatEvents(file)].map(
        (e) => `${e.buffer}|${e.cpu}|${String(eventFields(e)['buf']).trimEnd()}`,
      )
      // what make-buffers.mjs wrote, per buffer and CPU, in order
      const expected = (buffer: string, cpu: number, text: string, n: number): string[] =>
        Array.from({ length: n }, (_, k) => `${buffer}|${cpu}|${text} ${k}`)
      const only = (buffer: string, cpu: number): string[] =>
        texts.filter((t) => t.startsWith(`${buffer}|${cpu}|`))
      expect(only('', 0)).toEqual(expected('', 0, 'top cpu0', 6))
      expect(only('', 1)).toEqual(expected('', 1, 'top cpu1', 6))
      expect(only('a', 0)).toEqual(expected('a', 0, 'a cpu0', 5))
      expect(only(NAMES[1], 0)).toEqual(expected(NAMES[1], 0, `${NAMES[1]} cpu0`, 3))
      expect(only(NAMES[1], 1)).toEqual(expected(NAMES[1], 1, `${NAMES[1]} cpu1`, 4))
      expect(texts).toHaveLength(24)
      if (hasTraceCmd)
        expect(traceDatListing(file)).toEqual(
          run(['report', new URL(`./fixtures/${name}`, import.meta.url).pathname])
            .trimEnd()
            .split('\n'),
        )
    })

    it(`fast-check: mutated ${name} (header, BUFFER options, tables) only gives TraceDatError`, () => {
      mutatedFileProperty(fixture(name), { span: 4096, flips: 6, runs: 300 })
    })
  }
})

describe('version 6 instances: what the writer refuses, what the reader rejects', () => {
  it('an instance with more CPUs than the main buffer', () => {
    const top = ring_buffer_alloc(65536, 0, { cpus: 1 })
    const wide = ring_buffer_alloc(65536, 0, { cpus: 2 })
    expect(() =>
      writeTraceDat(top, join(tmp, 'wide.dat'), {
        version: 6,
        instances: [{ name: 'wide', buffer: wide }],
      }),
    ).toThrow(/instances\[0\]\.buffer: 2 CPUs/)
  })

  it('a BUFFER offset past the end, or at another buffer: TraceDatError naming it', () => {
    const { top, instances } = buffers()
    const path = join(tmp, 'bad.v6.dat')
    writeTraceDat(top, path, { instances, version: 6 })
    const good = new Uint8Array(readFileSync(path))
    expect(readTraceDat(good).buffers).toHaveLength(3)
    // the BUFFER payload: u64 offset then the NUL name; find "a\0" after an offset
    const name = new TextEncoder().encode('longer-instance\0')
    let at = -1
    for (let k = 8; k < good.length - name.length && at < 0; k++)
      if (name.every((c, j) => good[k + j] === c)) at = k - 8
    expect(at).toBeGreaterThan(0)
    const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength)
    const past = good.slice()
    dv(past).setUint32(at, good.length + 10, true)
    expect(() => readTraceDat(past)).toThrow(TraceDatError)
    expect(() => readTraceDat(past)).toThrow(/BUFFER option.*passes the end/)
    const twice = good.slice()
    const first = dv(good).getUint32(at - 8 - 2 - 4 - 2, true) // the "a" BUFFER's offset
    dv(twice).setUint32(at, first, true)
    expect(() => readTraceDat(twice)).toThrow(/repeats another/)
    const label = good.slice()
    label[dv(good).getUint32(at, true)] = 0x46 // "Flyrecord"
    expect(() => readTraceDat(label)).toThrow(/buffer "longer-instance" options.*not flyrecord/)
  })
})
