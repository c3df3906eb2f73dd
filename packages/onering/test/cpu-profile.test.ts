/**
 * `onering record --cpu-profile`: a real run of an app that burns CPU in two named functions on
 * the main thread (3:1) and two in a worker (3:1). perf is the oracle: `perf script` and
 * `perf report` must name the functions from the map the recorder wrote, on the right threads,
 * in the right proportion order; the samples must lie on the trace events' clock (a worker's
 * samples between its worker_start and its worker_exit); `onering script` prints the stack
 * samples as `perf script` does and `onering report` counts what perf counts.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, APPS, onering, outDir } from './support.js'
import { hasTool, requireTool } from './tool-env.js'
import { parseRecordArgs } from '../src/cli/record.js'
import { CHUNK_MS_ENV } from '../src/cpu-profile.js'

const hasPerf = hasTool('perf')
requireTool('perf', 'linux-perf', 'onering --cpu-profile')
const withPerf = hasPerf ? it : it.skip

function perf(args: readonly string[]): string {
  const r = spawnSync('perf', args, { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`perf ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** `onering <args>` whose output may be large (the JSON of every stack). */
function oneringOut(args: readonly string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: APPS,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  return { status: r.status, stdout: r.stdout }
}

/** A `perf script` sample: its header line's fields and its callchain's symbols, leaf first. */
interface Sample {
  readonly comm: string
  readonly tid: number
  readonly time: number
  readonly event: string
  readonly syms: string[]
}

/** Parse `perf script -F comm,tid,time,event,ip,sym` (frames on tab-indented lines). */
function samples(text: string): Sample[] {
  const out: { comm: string; tid: number; time: number; event: string; syms: string[] }[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      const m = /^\t\s*[0-9a-f]+ (.*)$/.exec(line)
      if (m !== null) out.at(-1)?.syms.push(m[1]!)
      continue
    }
    const m = /^\s*(\S+)\s+(\d+)\s+(\d+)\.(\d+):\s+(\S+):/.exec(line)
    if (m !== null)
      out.push({
        comm: m[1]!,
        tid: Number(m[2]),
        time: Number(m[3]) * 1e9 + Number(m[4]!.padEnd(9, '0')),
        event: m[5]!,
        syms: [],
      })
  }
  return out
}

/** The bare function name of a map symbol (`mainHeavy file:///…:6:19` → `mainHeavy`). */
const fn = (sym: string): string => sym.split(' ')[0]!

describe('onering record --cpu-profile', () => {
  const dir = outDir()
  const run = onering([
    'record',
    '-q',
    '--cpu-profile',
    '250us',
    '-o',
    dir,
    '--',
    'node',
    'cpu-burn.mjs',
  ])
  const data = join(dir, 'perf.data')
  const json = oneringOut(['script', '--json', data])
  const events = json.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map(
      (l) =>
        JSON.parse(l) as {
          pid: number
          tid: number
          time: number
          event: string
          callchain?: { ip: number; sym: string }[]
        },
    )
  const pid = events[0]?.pid ?? -1
  const workerStart = events.find((e) => e.event === 'node:worker_start')
  const workerExit = events.find((e) => e.event === 'node:worker_exit')
  afterAll(() => {
    rmSync(`/tmp/perf-${pid}.map`, { force: true })
  })

  it('runs the app unchanged and writes the map perf reads, next to perf.data and in /tmp', () => {
    expect(run.status).toBe(0)
    expect(run.stdout).toBe('done\n')
    const map = readFileSync(join(dir, `perf-${pid}.map`), 'utf8')
    for (const name of ['mainHeavy', 'mainLight', 'workerHeavy', 'workerLight'])
      expect(map).toMatch(
        new RegExp(`^[0-9a-f]+ [0-9a-f]+ ${name} .*cpu-burn\\.mjs:\\d+:\\d+$`, 'm'),
      )
    expect(existsSync(`/tmp/perf-${pid}.map`)).toBe(true)
    expect(readFileSync(`/tmp/perf-${pid}.map`, 'utf8')).toContain(map)
  })

  it('stamps the samples on the trace events’ clock, each thread on its own tid', () => {
    expect(workerStart).toBeDefined()
    expect(workerExit).toBeDefined()
    const cpu = events.filter((e) => e.event === 'cpu-clock')
    const leaf = (e: (typeof cpu)[number]): string => fn(e.callchain?.[0]?.sym ?? '')
    const worker = cpu.filter((e) => e.tid === workerStart!.tid)
    expect(worker.length).toBeGreaterThan(0)
    expect(worker.some((e) => leaf(e) === 'workerHeavy')).toBe(true)
    for (const e of worker) {
      expect(e.time).toBeGreaterThanOrEqual(workerStart!.time)
      expect(e.time).toBeLessThanOrEqual(workerExit!.time)
    }
    expect(cpu.filter((e) => leaf(e) === 'mainHeavy').every((e) => e.tid === pid)).toBe(true)
    expect(
      cpu.filter((e) => leaf(e) === 'workerHeavy').every((e) => e.tid === workerStart!.tid),
    ).toBe(true)
  })

  withPerf(
    'perf script names the functions from the map, on the right threads, heavy before light',
    () => {
      const list = samples(perf(['script', '-f', '-i', data, '-F', 'comm,tid,time,event,ip,sym']))
      const cpu = list.filter((s) => s.event === 'cpu-clock')
      expect(cpu.length).toBeGreaterThan(100)
      const count = (tid: number, name: string): number =>
        cpu.filter((s) => s.tid === tid && fn(s.syms[0] ?? '') === name).length
      const w = workerStart!.tid
      expect(count(pid, 'mainHeavy')).toBeGreaterThan(count(pid, 'mainLight'))
      expect(count(pid, 'mainLight')).toBeGreaterThan(0)
      expect(count(w, 'workerHeavy')).toBeGreaterThan(count(w, 'workerLight'))
      expect(count(w, 'workerLight')).toBeGreaterThan(0)
      expect(count(w, 'mainHeavy') + count(pid, 'workerHeavy')).toBe(0)
      // a frame's callers follow it: every mainHeavy sample has the module's top level below it
      for (const s of cpu.filter((x) => fn(x.syms[0] ?? '') === 'mainHeavy'))
        expect(s.syms.slice(1).some((x) => x.endsWith('cpu-burn.mjs:1:1'))).toBe(true)
      expect(cpu.some((s) => s.syms.includes('[unknown]'))).toBe(false)
    },
  )

  withPerf('perf report ranks heavy above light per thread', () => {
    const text = perf([
      'report',
      '-f',
      '-i',
      data,
      '--stdio',
      '--no-children',
      '--sort',
      'comm,sym',
      '-g',
      'none',
    ])
    const section = text.slice(text.indexOf("of event 'cpu-clock'"))
    const pct = (comm: string, name: string): number => {
      const m = new RegExp(`^\\s*([\\d.]+)%\\s+${comm}\\s+\\[\\.\\] ${name} `, 'm').exec(section)
      return m === null ? 0 : Number(m[1])
    }
    expect(pct('node', 'mainHeavy')).toBeGreaterThan(pct('node', 'mainLight'))
    expect(pct('node', 'mainLight')).toBeGreaterThan(0)
    const wcomm = `worker-\\d+`
    expect(pct(wcomm, 'workerHeavy')).toBeGreaterThan(pct(wcomm, 'workerLight'))
    expect(pct(wcomm, 'workerLight')).toBeGreaterThan(0)
  })

  withPerf('onering script prints the stack samples as perf script does', () => {
    const ours = oneringOut(['script', data])
    expect(ours.status).toBe(0)
    const theirs = perf(['script', '-f', '-i', data, '-F', 'comm,tid,cpu,time,event,ip,sym,period'])
    // perf prints the tracepoints with `0 [unknown]` in this mode: compare the stack samples
    const stacks = (t: string): string =>
      t
        .split('\n')
        .filter((l) => !/ (node|ftrace):\w+: /.test(l))
        .join('\n')
        .trim()
    expect(stacks(ours.stdout)).toBe(stacks(theirs))
    expect(stacks(ours.stdout)).toContain('cpu-clock')
  })

  withPerf('onering report counts the self samples perf script shows', () => {
    const r = oneringOut(['report', '--json', data])
    expect(r.status).toBe(0)
    const s = JSON.parse(r.stdout) as {
      cpu: Record<
        string,
        { samples: number; top: { function: string; self: number; total: number }[] }
      >
    }
    const list = samples(perf(['script', '-f', '-i', data, '-F', 'comm,tid,time,event,ip,sym']))
    const cpu = list.filter((x) => x.event === 'cpu-clock')
    const w = workerStart!.tid
    for (const [tid, name] of [
      [pid, 'mainHeavy'],
      [pid, 'mainLight'],
      [w, 'workerHeavy'],
      [w, 'workerLight'],
    ] as const) {
      const key = Object.keys(s.cpu).find((k) => k.endsWith(`-${tid}`))!
      const row = s.cpu[key]!.top.find((f) => fn(f.function) === name)!
      expect(row.self).toBe(cpu.filter((x) => x.tid === tid && fn(x.syms[0] ?? '') === name).length)
      expect(row.total).toBeGreaterThanOrEqual(row.self)
    }
    const main = s.cpu[`node-${pid}`]!.top
    const self = (name: string): number => main.find((f) => fn(f.function) === name)?.self ?? 0
    expect(self('mainHeavy')).toBeGreaterThan(self('mainLight'))
    const text = onering(['report', data]).stdout
    expect(text).toContain('CPU samples: top functions by self and total samples:')
    expect(text).toMatch(/mainHeavy .*cpu-burn\.mjs:\d+:\d+/)
  })

  it('hands the profile to the spool in chunks: a SIGKILLed app keeps the samples of its chunks', () => {
    const out = outDir()
    const r = onering(
      ['record', '-q', '--cpu-profile', '-o', out, '--', 'node', 'cpu-burn-killed.mjs'],
      {
        [CHUNK_MS_ENV]: '100',
      },
    )
    expect(r.signal).toBe('SIGKILL')
    for (const n of readdirSync(out))
      if (/^perf-\d+\.map$/.test(n)) rmSync(`/tmp/${n}`, { force: true })
    const listing = oneringOut(['script', '--json', join(out, 'perf.data')]).stdout
    const burns = listing
      .split('\n')
      .filter((l) => l.includes('"event":"cpu-clock"') && l.includes('"sym":"burnBeforeKill '))
    // about 600 ms at 1 ms; a chunk is written every 100 ms of the run, the last one dies
    expect(burns.length).toBeGreaterThan(50)
  })

  withPerf('keeps the app’s own --perf-basic-prof map in /tmp and appends the frames to it', () => {
    const out = outDir()
    // V8 writes its code log (isolate-…-v8.log) to the current directory: run in `out`
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'record',
        '-q',
        '--cpu-profile',
        '-o',
        out,
        '--',
        'node',
        '--perf-basic-prof',
        join(APPS, 'cpu-burn.mjs'),
      ],
      { cwd: out, encoding: 'utf8' },
    )
    expect(r.status).toBe(0)
    const own = readdirSync(out).find((n) => /^perf-\d+\.map$/.test(n))!
    const tmp = `/tmp/${own}`
    try {
      const ours = readFileSync(join(out, own), 'utf8')
      const shared = readFileSync(tmp, 'utf8')
      expect(shared).toMatch(/^[0-9a-f]+ [0-9a-f]+ Builtin:/m) // V8's own lines stay
      expect(shared.endsWith(ours)).toBe(true)
      const list = samples(
        perf(['script', '-f', '-i', join(out, 'perf.data'), '-F', 'comm,tid,time,event,ip,sym']),
      )
      expect(list.some((x) => fn(x.syms[0] ?? '') === 'mainHeavy')).toBe(true)
    } finally {
      rmSync(tmp, { force: true })
    }
  })

  it('takes the interval when one follows, with or without --', () => {
    const parse = (args: string[]): [number | undefined, readonly string[]] => {
      const r = parseRecordArgs(args, '/dist')!
      return [r.config.cpuProfileUs, r.command]
    }
    expect(parse(['--cpu-profile', '--', 'node', 'a.js'])).toEqual([1000, ['node', 'a.js']])
    expect(parse(['--cpu-profile', 'node', 'a.js'])).toEqual([1000, ['node', 'a.js']])
    expect(parse(['--cpu-profile', '250us', 'node', 'a.js'])).toEqual([250, ['node', 'a.js']])
    expect(parse(['-q', '--cpu-profile', '2', '--', 'node'])).toEqual([2000, ['node']])
    expect(parse(['--cpu-profile=0.5ms', '-q', '--', 'node'])).toEqual([500, ['node']])
    expect(parse(['--cpu-profile', '1s', '--', 'node'])).toEqual([1_000_000, ['node']])
    expect(parse(['-q', '--', 'node'])).toEqual([undefined, ['node']])
  })

  it('a bad interval, or the counter clock, is one clear line and a non-zero exit', () => {
    for (const args of [
      ['--cpu-profile=5x'],
      ['--cpu-profile', '5us'],
      ['--cpu-profile=2s'],
      ['--cpu-profile', '--clock', 'counter'],
      ['--cpu-profile', '--format', 'trace.dat'],
    ]) {
      const r = onering(['record', ...args, '-o', outDir(), '--', 'node', 'cpu-burn.mjs'])
      expect(r.status).not.toBe(0)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^onering: record: --cpu-profile/)
    }
  })
})
