/**
 * The tracing-data block (trace.dat v6 items 1–13, perf's HEADER_TRACING_DATA) against
 * trace-cmd: (a) our reader on trace.dat files trace-cmd 3.1.6 wrote (fixtures/trace-cmd, made
 * by make-trace-dat.sh from committed inputs) gives back those inputs, and our writer
 * reproduces trace-cmd's bytes; (b) `trace-cmd report` / `dump` read a file built around our
 * block with real kernel pages (when trace-cmd is installed; CI must have it); (c) bad input
 * gives a TracingDataError naming section and offset, never another error or a hang.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { TracingData } from '../src/index.js'
import {
  entryHeaderText,
  EventEncoder,
  printEventSize,
  stringFieldSize,
  FTRACE_PRINT,
  pageHeaderText,
  PERF_TRACING_DATA_VERSION,
  readTracingData,
  TracingDataError,
  writeTracingData,
} from '../src/index.js'
import { EVERYTHING, SPAN } from './definitions.js'
import { inCi } from './conformance/oracle.js'
import { perfData } from './perf-data.js'
import { ftracePage, traceDatV6 } from './trace-dat-v6.js'

const dir = new URL('./fixtures/trace-cmd/', import.meta.url)
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)))
const text = (name: string): string => readFileSync(new URL(name, dir), 'utf8')

/** The committed inputs trace-cmd was given. */
function inputs(): {
  ftrace: string[]
  systems: Map<string, string[]>
  cmdlines: string
  printk: string
  kallsyms: string
} {
  const events = new URL('tracefs/events/', dir)
  const systems = new Map<string, string[]>()
  for (const s of readdirSync(events, { withFileTypes: true })) {
    if (!s.isDirectory() || s.name === 'ftrace') continue
    const formats = readdirSync(new URL(`${s.name}/`, events)).map((e) =>
      readFileSync(new URL(`${s.name}/${e}/format`, events), 'utf8'),
    )
    systems.set(s.name, formats.sort())
  }
  return {
    ftrace: [readFileSync(new URL('ftrace/print/format', events), 'utf8')],
    systems,
    cmdlines: text('tracefs/saved_cmdlines'),
    printk: text('tracefs/printk_formats'),
    kallsyms: text('kallsyms'),
  }
}

describe('trace.dat v6 written by trace-cmd', () => {
  const bytes = file('restore.v6.dat')
  const read = readTracingData(bytes)

  it('reads back exactly what trace-cmd was given', () => {
    const want = inputs()
    const d = read.data
    expect({ version: d.version, bigEndian: d.bigEndian, longSize: d.longSize }).toEqual({
      version: '6',
      bigEndian: false,
      longSize: 8,
    })
    expect(d.pageSize).toBe(4096)
    expect(d.headerPage).toBe(text('tracefs/events/header_page'))
    expect(d.headerEvent).toBe(text('tracefs/events/header_event'))
    expect(d.ftraceFormats).toEqual(want.ftrace)
    expect(new Map(d.systems.map((s) => [s.name, [...s.formats].sort()]))).toEqual(want.systems)
    expect(d.kallsyms).toBe(want.kallsyms)
    expect(d.printkFormats).toBe(want.printk)
    expect(d.cmdlines).toBe(want.cmdlines)
  })

  it('ends where the file goes on with its CPU count (1) and the options', () => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset)
    expect(dv.getUint32(read.end, true)).toBe(1)
    expect(Buffer.from(bytes.subarray(read.end + 4, read.end + 14)).toString('latin1')).toBe(
      'options  \0',
    )
  })

  it("our writer reproduces trace-cmd's bytes of the block", () => {
    expect(Buffer.from(writeTracingData(read.data))).toEqual(
      Buffer.from(bytes.subarray(0, read.end)),
    )
  })

  it('perf\'s HEADER_TRACING_DATA is the same block with version "0.6"', () => {
    const perf = writeTracingData({ ...read.data, version: PERF_TRACING_DATA_VERSION })
    const v6 = bytes.subarray(0, read.end)
    // "tracing" "6\0" vs "tracing" "0.6\0": two more bytes, the rest identical
    expect(Buffer.from(perf.subarray(10, 14)).toString('latin1')).toBe('0.6\0')
    expect(Buffer.from(perf.subarray(14))).toEqual(Buffer.from(v6.subarray(12)))
    const back = readTracingData(perf)
    expect(back.end).toBe(perf.length)
    expect(back.data).toEqual({ ...read.data, version: '0.6' })
  })

  it("trace-cmd's version 7 file (the same inputs) is refused: v7 keeps the parts in sections", () => {
    const v7 = file('restore.v7.dat')
    let err: unknown
    try {
      readTracingData(v7)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TracingDataError)
    expect(err).toMatchObject({ section: 'version', offset: 10 })
  })

  it('a version before 0.6 has no cmdlines part', () => {
    const old = writeTracingData({ ...read.data, version: '0.5', cmdlines: '' })
    const back = readTracingData(old)
    expect(back.end).toBe(old.length)
    expect(back.data.cmdlines).toBe('')
    expect(() => writeTracingData({ ...read.data, version: '0.5' })).toThrow(RangeError)
  })
})

// ---- trace-cmd reads a file built around our block ----------------------------------------

const hasTraceCmd = spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error === undefined
if (!hasTraceCmd) {
  if (inCi)
    describe('trace-cmd (CI)', () => {
      it('is installed', () => {
        throw new Error('trace-cmd is missing: CI must run this suite (.ci/run installs it).')
      })
    })
  else
    console.warn(
      '\n[tracing data] trace-cmd SKIPPED: not installed (Debian: apt-get install trace-cmd); with CI set this is a failure.\n',
    )
}

describe.skipIf(!hasTraceCmd)('trace-cmd reads our block', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'onering-tracing-data-'))
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true })
  })

  const block: TracingData = {
    version: '6',
    bigEndian: false,
    longSize: 8,
    pageSize: 4096,
    headerPage: pageHeaderText(4096),
    headerEvent: entryHeaderText(),
    ftraceFormats: [FTRACE_PRINT.formatText],
    systems: [{ name: 'onering', formats: [SPAN.formatText, EVERYTHING.formatText] }],
    kallsyms: 'ffffffff81000000 T _stext\nffffffff8149895a t tracing_mark_write\n',
    printkFormats: '',
    cmdlines: '7987 node\n',
  }

  function run(args: string[]): { stdout: string; stderr: string; status: number | null } {
    return spawnSync('trace-cmd', args, { encoding: 'utf8' })
  }

  it("report prints the kernel pages' 74 markers with our cmdlines and kallsyms, no warning", () => {
    const path = join(tmp, 'ours.v6.dat')
    writeFileSync(path, traceDatV6(writeTracingData(block), [file('basic.cpu0.raw')]))
    const r = run(['report', '-t', path]) // -t: nanoseconds
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('cpus=1')
    const events = lines.slice(1)
    expect(events).toHaveLength(74) // test/fixtures/kernel/README.md
    // the fixture's markers: basic 0..7, after-200ms-gap, then 1..64 repeated letters
    const texts = events.map((l) => /print: +(.*)$/.exec(l)?.[1])
    expect(texts.slice(0, 9)).toEqual([
      ...Array.from({ length: 8 }, (_, k) => `tracing_mark_write: basic ${k}`),
      'tracing_mark_write: after-200ms-gap',
    ])
    for (const l of events) expect(l).toMatch(/^ +node-7987 +\[000\] /)
    expect(r.stdout).not.toMatch(/FAILED TO PARSE|UNKNOWN EVENT/)
  })

  it("report prints our encoder's events through our format texts as the print fmt says", () => {
    // expected lines come from the inputs below, written out by hand from the print fmts
    const span = new EventEncoder(SPAN)
    const marker = new EventEncoder(FTRACE_PRINT)
    const events: { ts: number; payload: Uint8Array }[] = []
    const want: string[] = []
    const t0 = 5_000_000_000
    for (let k = 0; k < 6; k++) {
      const name = `req${k}`
      const slot = new Uint8Array(span.size(stringFieldSize(name)))
      span.begin(slot, new DataView(slot.buffer), 0, slot.length, 7987)
      span.setNumber(0, k)
      span.setNumber(1, -k)
      span.setNumber(2, 1500 * k)
      span.setString(3, name)
      span.setString(4, `t${k}`)
      expect(span.end()).toBe(slot.length)
      const ts = t0 + k * 1000
      events.push({ ts, payload: slot })
      want.push(
        `node-7987 [000] 5.${String(k * 1000).padStart(9, '0')}: span: seq=${k} level=${-k} dur=${1500 * k} name=${name} tag=t${k}`,
      )
      const text = `mark ${k}`
      const m = new Uint8Array(printEventSize(text))
      marker.begin(m, new DataView(m.buffer), 0, m.length, 7987, 1, 0)
      marker.setNumber64(0, 0xffffffff, 0x8149895a)
      marker.setMarkerText(1, text)
      events.push({ ts: ts + 500, payload: m })
      want.push(
        `node-7987 [000] 5.${String(k * 1000 + 500).padStart(9, '0')}: print: tracing_mark_write: mark ${k}`,
      )
    }
    const path = join(tmp, 'encoded.v6.dat')
    writeFileSync(path, traceDatV6(writeTracingData(block), [ftracePage(events)]))
    const r = run(['report', '-t', path]) // -t: nanoseconds
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/\s+/g, ' '))
    expect(lines).toEqual(want)
  })

  it('dump --summary lists our parts', () => {
    const path = join(tmp, 'dump.v6.dat')
    writeFileSync(path, traceDatV6(writeTracingData(block), [file('basic.cpu0.raw')]))
    const r = run(['dump', '--summary', '-i', path])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/\[Ftrace format, 1 events\]/)
    expect(r.stdout).toMatch(/\[Events format, 1 systems\]/)
    expect(r.stdout).toMatch(/\[Saved command lines, 10 bytes\]/)
    expect(r.stdout).toMatch(/1 \[CPUs with tracing data\]/)
  })

  it('a damaged block is refused by trace-cmd and by us alike', () => {
    const good = writeTracingData(block)
    const bad = good.slice()
    bad[3] = 0x54 // "Tracing": not the magic
    const path = join(tmp, 'bad.v6.dat')
    writeFileSync(path, traceDatV6(bad, [file('basic.cpu0.raw')]))
    expect(run(['report', path]).status).not.toBe(0)
    expect(() => readTracingData(bad)).toThrow(TracingDataError)
  })
})

// ---- perf reads our "0.6" block as HEADER_TRACING_DATA --------------------------------------

const hasPerf = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasPerf) {
  if (inCi)
    describe('perf (CI)', () => {
      it('is installed', () => {
        throw new Error('perf is missing: CI must run this suite (.ci/run installs linux-perf).')
      })
    })
  else
    console.warn(
      '\n[tracing data] perf SKIPPED: not installed (Debian: apt-get install linux-perf); with CI set this is a failure.\n',
    )
}

describe.skipIf(!hasPerf)('perf script reads our block as HEADER_TRACING_DATA', () => {
  it('tracepoint samples print through the formats of our "0.6" block', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'onering-perf-tracing-data-'))
    try {
      const block = writeTracingData({
        version: PERF_TRACING_DATA_VERSION,
        bigEndian: false,
        longSize: 8,
        pageSize: 4096,
        headerPage: pageHeaderText(4096),
        headerEvent: entryHeaderText(),
        ftraceFormats: [],
        systems: [{ name: 'onering', formats: [SPAN.formatText] }],
        kallsyms: '',
        printkFormats: '',
        cmdlines: '',
      })
      const enc = new EventEncoder(SPAN)
      const want: string[] = []
      const samples = Array.from({ length: 4 }, (_, k) => {
        const name = `job${k}`
        const payload = new Uint8Array(enc.size(stringFieldSize(name)))
        enc.begin(payload, new DataView(payload.buffer), 0, payload.length, 4242)
        enc.setNumber(0, k)
        enc.setNumber(1, 1 - k)
        enc.setNumber(2, 250 * k)
        enc.setString(3, name)
        enc.setString(4, 'perf')
        enc.end()
        const time = 1_000_000_000 + k * 1000
        want.push(
          `node 4242 [001] 1.${String(k * 1000).padStart(9, '0')}: onering:span: seq=${k} level=${1 - k} dur=${250 * k} name=${name} tag=perf`,
        )
        return { pid: 4242, cpu: 1, time, payload }
      })
      const path = join(tmp, 'perf.data')
      writeFileSync(path, perfData(SPAN.id, block, [[4242, 'node']], samples))
      const r = spawnSync(
        'perf',
        ['script', '-i', path, '--ns', '-F', 'comm,tid,cpu,time,event,trace'],
        { encoding: 'utf8' },
      )
      expect(r.status, r.stderr).toBe(0)
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' '))
      expect(lines).toEqual(want)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

// ---- bad input -----------------------------------------------------------------------------

describe('bad input: a typed error naming the section and offset', () => {
  const bytes = file('restore.v6.dat')
  const end = readTracingData(bytes).end
  const block = bytes.slice(0, end)

  it('every truncation of the real block', () => {
    for (let n = 0; n < block.length; n++) {
      let err: unknown
      try {
        readTracingData(block.subarray(0, n))
      } catch (e) {
        err = e
      }
      expect(err, `truncated to ${n}`).toBeInstanceOf(TracingDataError)
      const e = err as TracingDataError
      expect(e.offset).toBeLessThanOrEqual(n)
      expect(e.message).toContain(e.section)
    }
  })

  it('names the section', () => {
    const at = (n: number): TracingDataError => {
      try {
        readTracingData(block.subarray(0, n))
      } catch (e) {
        return e as TracingDataError
      }
      throw new Error('no error')
    }
    expect(at(5).section).toBe('magic')
    expect(at(11).section).toBe('version')
    expect(at(12).section).toBe('file header')
    expect(at(20).section).toBe('header_page')
    expect(at(end - 1).section).toBe('cmdlines')
    const v7 = block.slice()
    v7[10] = 0x37
    expect(() => readTracingData(v7)).toThrow(/version 7 keeps these parts in sections/)
  })

  it('fast-check: mutated real blocks never hang, never read out of bounds, only throw TracingDataError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(block.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(block.length),
        (flips, cut) => {
          const m = block.slice(0, Math.max(cut, 1))
          for (const [i, v] of flips) if (i < m.length) m[i] = v
          try {
            const r = readTracingData(m)
            expect(r.end).toBeLessThanOrEqual(m.length)
          } catch (e) {
            expect(e).toBeInstanceOf(TracingDataError)
            expect((e as TracingDataError).offset).toBeLessThanOrEqual(m.length)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('fast-check: huge counts and lengths in any u32/u64 field are refused before allocation', () => {
    fc.assert(
      fc.property(fc.nat(block.length - 8), fc.constantFrom(0xff, 0x7f, 0x10), (at, fill) => {
        const m = block.slice()
        m.fill(fill, at, at + 8)
        try {
          readTracingData(m)
        } catch (e) {
          expect(e).toBeInstanceOf(TracingDataError)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('fast-check: any contents round-trip through the writer and the reader', () => {
    const str = fc.string({ unit: 'grapheme', maxLength: 40 })
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/)
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom('6', '0.6'),
          bigEndian: fc.boolean(),
          longSize: fc.constantFrom(4, 8),
          pageSize: fc.integer({ min: 1, max: 0xffffffff }),
          headerPage: str,
          headerEvent: str,
          ftraceFormats: fc.array(str, { maxLength: 3 }),
          systems: fc.array(fc.record({ name, formats: fc.array(str, { maxLength: 3 }) }), {
            maxLength: 3,
          }),
          kallsyms: str,
          printkFormats: str,
          cmdlines: str,
        }),
        (d) => {
          const b = writeTracingData(d)
          const r = readTracingData(b)
          expect(r.end).toBe(b.length)
          expect(r.data).toEqual(d)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('argument errors', () => {
    expect(() => readTracingData(block, -1)).toThrow(RangeError)
    expect(() => readTracingData('x' as unknown as Uint8Array)).toThrow(TypeError)
    const base = readTracingData(block).data
    expect(() => writeTracingData({ ...base, longSize: 2 })).toThrow(/longSize/)
    expect(() => writeTracingData({ ...base, pageSize: 0 })).toThrow(/pageSize/)
    expect(() => writeTracingData({ ...base, systems: [{ name: '', formats: [] }] })).toThrow(
      /systems\[0\]\.name/,
    )
  })
})
