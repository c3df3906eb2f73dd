/**
 * The capture programs of tools/capture rebuild every kernel fixture of test/fixtures/kernel.
 *
 * The programs are built with the system C compiler (`$CC`, default `cc`, warnings as errors).
 * Where a private tracefs instance can be created (root, tracefs mounted) and perf events can be
 * opened, `tools/capture/regenerate.sh` runs them into a temporary directory and the files are
 * compared with the committed ones, with the repository's own decoders (`@onering/ftrace`,
 * `@onering/perf`) and an independent page walker: everything the kernel makes deterministic
 * must be equal (stats counts, page layouts and commit words, texts, meta page fields, attr
 * bytes, control page geometry, record kinds, sizes and order); what comes from the machine
 * (timestamps, pid, ip, how many cpu-clock samples a run got) is only checked for its shape.
 * The run must leave no instance behind and the top-level buffer's settings as they were.
 * Without a compiler, tracefs or perf events, the parts that need them are skipped with a
 * visible message.
 */
import { spawnSync } from 'node:child_process'
import type { SpawnSyncReturns } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  SubbufReader,
  decodeRawStream,
  decodeTraceBufferMeta,
} from '@onering/ftrace'
import {
  PERF_RECORD_LOST,
  PERF_RECORD_MISC_SWITCH_OUT,
  PERF_RECORD_MMAP2,
  PERF_RECORD_SAMPLE,
  PERF_RECORD_SWITCH,
  PerfMmap,
  decodeAttr,
  decodeControlPage,
  decodeRecord,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
  recordContext,
} from '@onering/perf'
import type { PerfRecord, PerfUnknownRecord } from '@onering/perf'
import { u32, walkPage } from '../conformance/ftrace/kernel-helpers.js'
import { tracefsMissing, tracefsRoot } from '../support/tracefs-instance.js'

const CC = process.env['CC'] ?? 'cc'
const repo = fileURLToPath(new URL('../../', import.meta.url))
const tools = join(repo, 'tools/capture')
const committed = join(repo, 'test/fixtures/kernel')
const work = mkdtempSync(join(tmpdir(), 'onering-capture-test-'))
const bin = join(work, 'bin')

const ccMissing =
  process.platform !== 'linux'
    ? `Linux (this is ${process.platform}; the programs use Linux-only interfaces)`
    : spawnSync(CC, ['--version'], { stdio: 'ignore' }).status !== 0
      ? `a C compiler (\`${CC} --version\` failed; set CC or install gcc)`
      : undefined

/** Why perf events cannot be opened on this thread here, or undefined. */
function perfUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  let paranoid: number
  try {
    paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'))
  } catch {
    return 'no perf events (/proc/sys/kernel/perf_event_paranoid is missing)'
  }
  // a user-space-only event on the calling thread is allowed up to level 2, or to root
  if (process.getuid?.() !== 0 && paranoid > 2)
    return `perf_event_paranoid is ${paranoid} and this is not root`
  return undefined
}
const perfMissing = ccMissing ?? perfUnavailable()
const ftraceMissing = ccMissing ?? tracefsMissing

if (ccMissing !== undefined) console.warn(`[capture programs] SKIPPED: needs ${ccMissing}`)
else {
  if (tracefsMissing !== undefined)
    console.warn(`[capture programs] ftrace regeneration SKIPPED: ${tracefsMissing}`)
  if (perfMissing !== undefined)
    console.warn(`[capture programs] perf regeneration SKIPPED: ${perfMissing}`)
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
}

/** Runs regenerate.sh for one half into a fresh directory; returns the run and the directory. */
function regenerate(only: 'ftrace' | 'perf'): { r: SpawnSyncReturns<string>; out: string } {
  const out = join(work, `out-${only}`)
  const r = run('bash', [join(tools, 'regenerate.sh'), '--only', only, '--bin', bin, '--into', out])
  if (r.status !== 0) console.error(r.stdout, r.stderr)
  return { r, out }
}

const read = (dir: string, file: string): Uint8Array =>
  new Uint8Array(readFileSync(join(dir, file)))
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : [])

// every suite below uses the programs built here, whichever tests a filter selects
let built: SpawnSyncReturns<string> | undefined
beforeAll(() => {
  if (ccMissing === undefined)
    built = run('bash', [join(tools, 'build.sh'), '--out', bin], {
      CFLAGS: '-O2 -Wall -Wextra -Werror',
    })
})

/** A file of the top level, or '' where it cannot be read. */
function readTop(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

describe.skipIf(ccMissing !== undefined)('build', () => {
  it('tools/capture/build.sh compiles both programs with -Wall -Wextra -Werror', () => {
    const r = built!
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(bin)
    expect(files(bin)).toEqual(['capture_ftrace', 'capture_perf', 'capture_tracepoint'])
  })

  it('capture_ftrace refuses the top level and any directory that is not a tracefs instance', () => {
    const out = join(work, 'refused')
    mkdirSync(out)
    const top = tracefsRoot ?? '/sys/kernel/tracing'
    const before = readTop(`${top}/tracing_on`)
    const r = run(join(bin, 'capture_ftrace'), [top, out])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(
      /capture_ftrace: .*(not a tracefs instance|No such file|Permission denied)/,
    )
    // a look-alike `instances/x` outside tracefs is refused too
    const fake = join(work, 'instances', 'x')
    mkdirSync(fake, { recursive: true })
    writeFileSync(join(fake, 'trace_marker'), '')
    const f = run(join(bin, 'capture_ftrace'), [fake, out])
    expect(f.status).toBe(2)
    expect(f.stderr).toMatch(/is not on tracefs; refusing/)
    expect(readFileSync(join(fake, 'trace_marker'), 'utf8')).toBe('')
    expect(files(out)).toEqual([])
    expect(readTop(`${top}/tracing_on`)).toBe(before)
  })
})

// ---- ftrace ----------------------------------------------------------------------------

/** The top-level settings the capture must not touch. */
const TOP_LEVEL = [
  'tracing_on',
  'buffer_size_kb',
  'buffer_subbuf_size_kb',
  'trace_clock',
  'options/overwrite',
  'current_tracer',
]
function topLevel(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of TOP_LEVEL) {
    const p = `${tracefsRoot!}/${f}`
    if (existsSync(p)) out[f] = readFileSync(p, 'utf8')
  }
  return out
}

/** `per_cpu/cpu0/stats` as [name, value] lines in order. */
function stats(dir: string, name: string): [string, string][] {
  return new TextDecoder()
    .decode(read(dir, name))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^([a-z ]+):\s+([\d.]+)$/.exec(l)
      expect(m, `stats line ${l}`).not.toBeNull()
      return [m![1]!, m![2]!]
    })
}

/** What a raw sub-buffer file holds that the kernel makes deterministic. */
function rawShape(raw: Uint8Array): unknown {
  const pages: unknown[] = []
  for (let p = 0; p < raw.length; p += 4096) {
    const page = raw.subarray(p, p + 4096)
    pages.push({
      commit: [u32(page, 8), u32(page, 12)],
      records: walkPage(page).map((r) => `${r.type}:${r.size}`),
    })
  }
  const events: unknown[] = []
  decodeRawStream(raw, 4096, (ev, page) => {
    const payload = raw.subarray(ev.offset, ev.offset + ev.length)
    const nul = payload.indexOf(0, 16)
    events.push({
      page,
      size: ev.size,
      missed: ev.missed,
      // common_type, common_flags, common_preempt_count (common_pid and ip come from the machine,
      // and so do the need-resched bits of common_flags: TRACE_FLAG_NEED_RESCHED 0x04 and
      // TRACE_FLAG_PREEMPT_RESCHED 0x20 say whether the scheduler wanted the writing task off
      // the CPU at that moment, which a loaded machine sets at random)
      common: [payload[0]! | (payload[1]! << 8), payload[2]! & ~0x24, payload[3]],
      text: new TextDecoder().decode(payload.subarray(16, nul)),
    })
  })
  return { length: raw.length, pages, events }
}

/** The events of the sub-buffer at `offset` (texts and the bytes of data). */
function subbufShape(bytes: Uint8Array, offset: number): unknown {
  const r = new SubbufReader(bytes, 4096).load(offset)
  const texts: string[] = []
  for (let ev = r.next(); ev !== null; ev = r.next()) {
    const p = bytes.subarray(ev.offset + 16, ev.offset + ev.length)
    texts.push(new TextDecoder().decode(p.subarray(0, p.indexOf(0))))
  }
  expect(r.corrupt).toBeNull()
  return { dataBytes: r.dataBytes, missed: r.missedEvents, texts }
}

describe.skipIf(ftraceMissing !== undefined)(
  'ftrace fixtures regenerated in a private instance',
  () => {
    let before: Record<string, string>
    let after: Record<string, string>
    let r: SpawnSyncReturns<string>
    let out: string
    beforeAll(() => {
      before = topLevel()
      ;({ r, out } = regenerate('ftrace'))
      after = topLevel()
    })

    it('ran in instances/onering-capture-<pid>, removed it, and left the top level as it was', () => {
      expect(r.status).toBe(0)
      const made = /^instance: (.+)$/m.exec(r.stdout)?.[1]
      expect(made).toMatch(new RegExp(`^${tracefsRoot!}/instances/onering-capture-\\d+$`))
      expect(r.stdout).toContain(`removed: ${made!}`)
      expect(existsSync(made!)).toBe(false)
      expect(after).toEqual(before)
      expect(after['tracing_on']).toBeDefined()
      expect(after['buffer_size_kb']).toBeDefined()
    })

    it('removes the instance and writes nothing when a capture fails', () => {
      const fake = join(work, 'failing-bin')
      mkdirSync(fake)
      // a stand-in capture_ftrace that uses the instance it is given, then fails
      writeFileSync(
        join(fake, 'capture_ftrace'),
        '#!/bin/sh\necho failing >"$1/trace_marker" && echo "used $1" && exit 1\n',
        { mode: 0o755 },
      )
      const into = join(work, 'failed-out')
      const f = run('bash', [
        join(tools, 'regenerate.sh'),
        '--only',
        'ftrace',
        '--bin',
        fake,
        '--into',
        into,
      ])
      expect(f.status).toBe(1)
      const made = /^used (.+)$/m.exec(f.stdout)?.[1]
      expect(made).toMatch(/\/instances\/onering-capture-\d+$/)
      expect(existsSync(made!)).toBe(false)
      expect(existsSync(into)).toBe(false)
      expect(topLevel()).toEqual(before)
    })

    it('writes the same files as the committed fixtures', () => {
      expect(files(join(out, 'ftrace'))).toEqual(files(join(committed, 'ftrace')))
    })

    it.each(['header_page', 'header_event', 'print_format'])('%s is the same text', (name) => {
      expect(new TextDecoder().decode(read(join(out, 'ftrace'), name))).toBe(
        new TextDecoder().decode(read(join(committed, 'ftrace'), name)),
      )
    })

    it.each([
      ['basic', { entries: '74', overrun: '0', bytes: '6108', 'dropped events': '0' }],
      ['overwrite', { entries: '301', overrun: '4699', bytes: '9664', 'dropped events': '0' }],
      ['discard', { entries: '381', overrun: '0', bytes: '12240', 'dropped events': '4619' }],
    ])('%s.stats: the same counts (timestamps aside)', (name, want) => {
      const counts = (s: [string, string][]): [string, string][] =>
        s.map(([k, v]) => [k, k.endsWith(' ts') ? 'ts' : v])
      const got = stats(join(out, 'ftrace'), `${name}.stats`)
      expect(counts(got)).toEqual(counts(stats(join(committed, 'ftrace'), `${name}.stats`)))
      expect(Object.fromEntries(got)).toMatchObject(want)
    })

    it.each(['basic', 'overwrite', 'discard'])(
      '%s.cpu0.raw: the same sub-buffers (commit words, record layout, events, texts)',
      (name) => {
        const got = read(join(out, 'ftrace'), `${name}.cpu0.raw`)
        expect(rawShape(got)).toEqual(rawShape(read(join(committed, 'ftrace'), `${name}.cpu0.raw`)))
      },
    )

    it('overwrite.cpu0.raw: the missed flags and the 4699 stored after the data', () => {
      const raw = read(join(out, 'ftrace'), 'overwrite.cpu0.raw')
      const r0 = new SubbufReader(raw, 4096).load(0)
      expect(r0.missedFlags).toBe(RB_MISSED_EVENTS | RB_MISSED_STORED)
      expect(r0.missedEvents).toBe(4699)
      expect(u32(raw, 16 + r0.dataBytes)).toBe(4699)
    })

    it('mmap.meta and mmap.all: the same meta page fields; mmap.reader and the reader sub-buffer of mmap.all: the same events', () => {
      const dir = join(out, 'ftrace')
      const ref = join(committed, 'ftrace')
      const meta = decodeTraceBufferMeta(read(dir, 'mmap.meta'))
      expect(meta).toEqual(decodeTraceBufferMeta(read(ref, 'mmap.meta')))
      expect(meta).toMatchObject({ nr_subbufs: 18, entries: 20, read: 20, overrun: 0 })
      expect(meta.reader).toMatchObject({ id: 1, read: 600 })
      const all = read(dir, 'mmap.all')
      const allMeta = decodeTraceBufferMeta(all)
      expect(allMeta).toEqual(decodeTraceBufferMeta(read(ref, 'mmap.all')))
      expect(all.length).toBe(read(ref, 'mmap.all').length)
      for (let id = 0; id < allMeta.nr_subbufs; id++) {
        const at = allMeta.meta_page_size + id * allMeta.subbuf_size
        expect(subbufShape(all, at)).toEqual(subbufShape(read(ref, 'mmap.all'), at))
      }
      expect(subbufShape(read(dir, 'mmap.reader'), 0)).toEqual(
        subbufShape(read(ref, 'mmap.reader'), 0),
      )
      expect((subbufShape(read(dir, 'mmap.reader'), 0) as { texts: string[] }).texts).toEqual(
        Array.from({ length: 20 }, (_, k) => `mmap ${k}\n`),
      )
    })
  },
)

// ---- perf ------------------------------------------------------------------------------

interface Rec {
  pos: bigint
  size: number
  copied: boolean
  rec: PerfRecord | PerfUnknownRecord
}

/** Every record of a mapping, read with libperf's loop, decoded with the attr it was opened with. */
function records(dir: string, name: string): { map: PerfMmap; recs: Rec[] } {
  const attr = decodeAttr(read(dir, `${name}.attr`))
  const ctx = recordContext(attr)
  const map = new PerfMmap(read(dir, `${name}.mmap`), { overwrite: attr.write_backward })
  const recs: Rec[] = []
  expect(perf_mmap__read_init(map)).toBe(0)
  for (;;) {
    const pos = map.start
    const ev = perf_mmap__read_event(map)
    if (ev === null) break
    const bytes = ev.bytes.slice()
    const rec = decodeRecord(new DataView(bytes.buffer), 0, ctx)
    recs.push({ pos, size: bytes.length, copied: ev.copied, rec })
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  return { map, recs }
}

/** The control page fields that do not depend on the run. */
function geometry(dir: string, file: string): unknown {
  const c = decodeControlPage(read(dir, file))
  return {
    length: read(dir, file).length,
    version: c.version,
    compat_version: c.compat_version,
    capabilities: c.capabilities,
    size: c.size,
    time_shift: c.time_shift,
    time_mult: c.time_mult,
    data_offset: c.data_offset,
    data_size: c.data_size,
  }
}

const kinds = (recs: Rec[]): string =>
  recs
    .map((r) => (r.rec.type === 'unknown' ? `unknown${r.rec.raw_type}` : String(r.rec.type)))
    .join(',')
    .replace(/(\d+)(,\1)+/g, '$1*')

/** What a sampling mapping (samples, full, wrapped, backward) holds that does not depend on timing. */
function samplingShape(dir: string, name: string): unknown {
  const { recs } = records(dir, name)
  const c = decodeControlPage(read(dir, `${name}.mmap`))
  const samples = recs.filter((r) => r.rec.type === PERF_RECORD_SAMPLE)
  const ids = new Set(samples.map((r) => (r.rec.type === PERF_RECORD_SAMPLE ? r.rec.id : -1n)))
  const lost = recs.flatMap((r) => (r.rec.type === PERF_RECORD_LOST ? [r.rec] : []))
  const size = BigInt(samples[0]!.size)
  const dataSize = c.data_size
  const shape: Record<string, unknown> = {
    kinds: kinds(recs),
    sampleSizes: [...new Set(samples.map((r) => r.size))],
    oneEventId: ids.size === 1,
    // pinned to CPU 0
    cpus: [...new Set(samples.map((r) => (r.rec.type === PERF_RECORD_SAMPLE ? r.rec.cpu : -1)))],
    lost: lost.map((l) => ({
      sameId: ids.has(l.id),
      trailerId: l.sample_id?.id === l.id,
      some: l.lost > 0n,
    })),
    tail: c.data_tail,
    straddling: recs.filter((r) => Number(r.pos % dataSize) + r.size > Number(dataSize)).length,
    copiedIsStraddling: recs.every(
      (r) => r.copied === Number(r.pos % dataSize) + r.size > Number(dataSize),
    ),
  }
  if (c.data_tail === 0n && lost.length === 0 && name !== 'backward')
    shape['headIsAllSamples'] = c.data_head === size * BigInt(samples.length)
  if (name === 'backward') {
    // data_head counts down from 0 by whole records; the ring holds the newest whole records
    shape['headWhole'] = (2n ** 64n - c.data_head) % size === 0n
    shape['wrapped'] = 2n ** 64n - c.data_head > dataSize
    shape['records'] = samples.length
  }
  if (existsSync(join(dir, `${name}.before.mmap`))) {
    const b = decodeControlPage(read(dir, `${name}.before.mmap`))
    // the producer stopped at the last whole record that fitted the ring, nobody had read
    shape['before'] = { head: b.data_head, tail: b.data_tail }
  }
  return shape
}

describe.skipIf(perfMissing !== undefined)('perf fixtures regenerated on this thread', () => {
  let r: SpawnSyncReturns<string>
  let out: string
  beforeAll(() => {
    ;({ r, out } = regenerate('perf'))
  })

  it('ran, created no tracefs instance, and wrote the same files', () => {
    expect(r.status).toBe(0)
    expect(r.stdout).not.toMatch(/^instance:/m)
    expect(files(join(out, 'perf'))).toEqual(files(join(committed, 'perf')))
  })

  it.each(['samples', 'full', 'wrapped', 'backward', 'sideband'])(
    '%s: the same perf_event_attr bytes and control page geometry',
    (name) => {
      expect(read(join(out, 'perf'), `${name}.attr`)).toEqual(
        read(join(committed, 'perf'), `${name}.attr`),
      )
      for (const f of [`${name}.mmap`, `${name}.before.mmap`])
        if (existsSync(join(committed, 'perf', f)))
          expect(geometry(join(out, 'perf'), f)).toEqual(geometry(join(committed, 'perf'), f))
    },
  )

  it.each(['samples', 'full', 'wrapped', 'backward'])(
    '%s: the same record kinds, sizes, LOST record and positions',
    (name) => {
      const got = samplingShape(join(out, 'perf'), name)
      expect(got).toEqual(samplingShape(join(committed, 'perf'), name))
    },
  )

  it('the shapes are the ones the fixture README describes', () => {
    const dir = join(out, 'perf')
    expect(samplingShape(dir, 'samples')).toMatchObject({
      kinds: `${PERF_RECORD_SAMPLE}*`,
      sampleSizes: [56],
      lost: [],
      headIsAllSamples: true,
    })
    for (const name of ['full', 'wrapped'])
      expect(samplingShape(dir, name)).toMatchObject({
        kinds: `${PERF_RECORD_LOST},${PERF_RECORD_SAMPLE}*`,
        lost: [{ sameId: true, trailerId: true, some: true }],
        tail: 8176n,
        straddling: 1,
        before: { head: 8176n, tail: 0n },
      })
    expect(samplingShape(dir, 'backward')).toMatchObject({
      headWhole: true,
      wrapped: true,
      records: 146,
    })
  })

  it('sideband: 5 anonymous and 1 file MMAP2, then SWITCH out/in pairs around each sleep', () => {
    const shape = (dir: string): unknown => {
      const { recs } = records(dir, 'sideband')
      const mmaps = recs.flatMap((x) => (x.rec.type === PERF_RECORD_MMAP2 ? [x.rec] : []))
      const switches = recs.flatMap((x) => (x.rec.type === PERF_RECORD_SWITCH ? [x.rec] : []))
      const outIn = switches.map((s) =>
        (s.misc ?? 0) & PERF_RECORD_MISC_SWITCH_OUT ? 'out' : 'in',
      )
      return {
        kinds: [...new Set(recs.map((x) => x.rec.type))].sort(),
        files: mmaps.map((m) => m.filename).sort(),
        // preemption may add pairs; each nanosleep adds exactly one
        pairs: outIn.length % 2 === 0 && outIn.every((d, k) => d === (k % 2 ? 'in' : 'out')),
        atLeastOnePairPerSleep: switches.length >= 10,
        // every sample_id trailer names the capturing thread, pinned to CPU 0
        trailers: [...mmaps, ...switches].every(
          (x) => x.sample_id?.tid === mmaps[0]!.tid && x.sample_id.cpu === 0,
        ),
      }
    }
    const got = shape(join(out, 'perf'))
    expect(got).toEqual(shape(join(committed, 'perf')))
    expect(got).toMatchObject({
      kinds: [PERF_RECORD_MMAP2, PERF_RECORD_SWITCH].sort(),
      files: ['/etc/hostname', '//anon', '//anon', '//anon', '//anon', '//anon'].sort(),
      pairs: true,
      atLeastOnePairPerSleep: true,
      trailers: true,
    })
  })
})
