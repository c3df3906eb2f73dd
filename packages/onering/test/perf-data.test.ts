/**
 * `onering record --format trace.dat,perf.data`: perf is the oracle of the perf.data — every
 * request once with its status in `perf script`, and the same events, fields, threads, CPUs and
 * timestamps as `trace-cmd report` prints for the trace.dat of the same run; `onering script`
 * on perf's own files equals `perf script` with the listing's fields.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TRACING_MARK_WRITE_KALLSYMS } from '@onering/ftrace'
import { PERF_SCRIPT_LISTING_ARGS } from '@onering/perf-data'
import { describe, expect, it } from 'vitest'
import { onering, outDir } from './support.js'
import { hasTraceCmd } from './trace-cmd-env.js'
import { hasTool, requireTool } from './tool-env.js'

const hasPerf = hasTool('perf')
requireTool('perf', 'linux-perf', 'onering perf.data')
const hasBabeltrace = hasTool('babeltrace2')
requireTool('babeltrace2', 'babeltrace2', 'onering perf.data (CTF)')
const withPerf = hasPerf ? it : it.skip
const withBoth = hasPerf && hasTraceCmd ? it : it.skip

const statusOf = (i: number): number => (i % 5 === 0 ? 404 : i % 7 === 0 ? 500 : 200)

/** `perf script -f -i FILE ARGS…` (-f: the owner check); throws when perf fails. */
function perfScript(file: string, args: readonly string[]): string[] {
  const r = spawnSync('perf', ['script', '-f', '-i', file, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0) throw new Error(`perf script ${file}: ${r.stderr}`)
  return r.stdout.split('\n').filter((l) => l !== '')
}

/** One event as both tools print it, after normalising their formatting. */
interface Line {
  readonly comm: string
  readonly tid: number
  readonly cpu: number
  readonly time: string
  readonly event: string
  readonly fields: string
}

/** The address and name ftrace:print's ip has (trace-cmd prints the name, perf the address). */
const [markIp, , markSym] = TRACING_MARK_WRITE_KALLSYMS.trim().split(/ +/) as [
  string,
  string,
  string,
]

/** `trace-cmd report -t`: `comm-tid [cpu] s.ns: event: fields`. */
function traceCmdLines(file: string): Line[] {
  const r = spawnSync('trace-cmd', ['report', '-t', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0) throw new Error(`trace-cmd report ${file}: ${r.stderr}`)
  const out: Line[] = []
  for (const l of r.stdout.split('\n')) {
    const m = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+([^:\s]+):\s+(.*)$/.exec(l)
    if (m === null) continue
    out.push({
      comm: m[1]!,
      tid: Number(m[2]),
      cpu: Number(m[3]),
      time: m[4]!,
      event: m[5]!,
      fields: m[6]!.trim(),
    })
  }
  return out
}

/** `perf script --ns -F comm,tid,cpu,time,event,trace`: `comm tid [cpu] s.ns: system:event: fields`. */
function perfLines(file: string): Line[] {
  const out: Line[] = []
  for (const l of perfScript(file, ['--ns', '-F', 'comm,tid,cpu,time,event,trace'])) {
    const m = /^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\S+?):\s(.*)$/.exec(l)
    if (m === null) continue
    out.push({
      comm: m[1]!,
      tid: Number(m[2]),
      cpu: Number(m[3]),
      time: m[4]!,
      // perf names a tracepoint system:name, trace-cmd by its name
      event: m[5]!.slice(m[5]!.indexOf(':') + 1),
      // perf resolves ips with its own symbols (none for ours): ftrace:print's ip as an address
      fields: m[6]!.trim().replace(`0x${markIp}:`, `${markSym}:`),
    })
  }
  return out
}

describe('onering record --format trace.dat,perf.data', () => {
  const n = 60
  const http = outDir()
  const httpRun = onering([
    'record',
    '-q',
    '-o',
    http,
    '--format',
    'trace.dat,perf.data',
    '--',
    'node',
    'http-requests.mjs',
    String(n),
  ])
  const workers = outDir()
  const workersRun = onering([
    'record',
    '-q',
    '-o',
    workers,
    '--rings',
    '4',
    '--',
    'node',
    'workers.mjs',
    '2',
    '2',
  ])

  it('writes both files by default and runs the apps unchanged', () => {
    expect(httpRun.stderr).toBe('')
    expect(httpRun.stdout).toBe(`served ${n + 2}\n`)
    expect(httpRun.status).toBe(0)
    expect(workersRun.status).toBe(0)
    expect(workersRun.stdout).toBe('workers 5, exit 3\n')
    const listing = onering(['script', join(workers, 'perf.data')])
    expect(listing.status).toBe(0)
    expect(listing.stdout).toMatch(/ftrace:print: 0x[0-9a-f]+: worker 0 /)
  })

  withPerf('perf script prints every request exactly once, with its status', () => {
    const byI = new Map<number, number[]>()
    let ends = 0
    for (const l of perfScript(join(http, 'perf.data'), [])) {
      const m = /node:http_server_end: req=\d+ status=(\d+) dur_ns=\d+ GET \S+\?i=(\d+)$/.exec(l)
      if (m === null) continue
      ends++
      const i = Number(m[2])
      byI.set(i, [...(byI.get(i) ?? []), Number(m[1])])
    }
    expect(ends).toBe(n + 2)
    for (let i = 0; i < n + 2; i++) expect(byI.get(i), `request ${i}`).toEqual([statusOf(i)])
  })

  withBoth('perf script and trace-cmd report print the same events of the same run', () => {
    for (const dir of [http, workers]) {
      const tc = traceCmdLines(join(dir, 'trace.dat'))
      const pf = perfLines(join(dir, 'perf.data'))
      expect(tc.length).toBeGreaterThan(10)
      // trace-cmd orders equal timestamps by CPU, perf by arrival: compare in one order
      const key = (l: Line): string =>
        `${l.time} ${String(l.cpu).padStart(3)} ${l.event} ${l.fields}`
      expect([...pf].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(
        [...tc].sort((a, b) => (key(a) < key(b) ? -1 : 1)),
      )
    }
  })

  withPerf('onering script on our perf.data is perf script with the listing fields', () => {
    for (const dir of [http, workers]) {
      const file = join(dir, 'perf.data')
      const ours = onering(['script', file])
      expect(ours.status).toBe(0)
      expect(ours.stdout.split('\n').filter((l) => l !== '')).toEqual(
        perfScript(file, PERF_SCRIPT_LISTING_ARGS),
      )
    }
  })

  withPerf('perf report --stdio reads it without a warning', () => {
    const r = spawnSync('perf', ['report', '-f', '--stdio', '-i', join(http, 'perf.data')], {
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    expect(r.stderr).not.toMatch(/warning|error/i)
    expect(r.stdout).toMatch(/of event 'node:http_server_end'/)
  })

  withPerf('perf data convert --to-json and --to-ctf (then babeltrace2) take it', () => {
    const file = join(http, 'perf.data')
    const json = join(http, 'perf.json')
    const j = spawnSync('perf', ['data', 'convert', '-f', '--to-json', json, '-i', file], {
      encoding: 'utf8',
    })
    expect(j.status).toBe(0)
    expect(j.stderr).not.toMatch(/warning|error/i)
    const samples = (JSON.parse(readFileSync(json, 'utf8')) as { samples: unknown[] }).samples
    expect(samples.length).toBe(perfScript(file, []).filter((l) => / \[\d{3}\] /.test(l)).length)
    const ctf = join(http, 'ctf')
    const c = spawnSync('perf', ['data', 'convert', '-f', '--to-ctf', ctf, '-i', file], {
      encoding: 'utf8',
    })
    expect(c.status).toBe(0)
    expect(c.stderr).not.toMatch(/warning|error/i)
    if (!hasBabeltrace) return
    const b = spawnSync('babeltrace2', [ctf], { encoding: 'utf8', maxBuffer: 1 << 28 })
    expect(b.status).toBe(0)
    const ends = b.stdout.split('\n').filter((l) => l.includes('node:http_server_end:'))
    expect(ends).toHaveLength(n + 2)
    for (const l of ends) {
      const i = Number(/url = "[^"]*\?i=(\d+)"/.exec(l)![1])
      expect(l).toContain(`status = ${statusOf(i)},`)
    }
  })

  it('onering report and script --json read the perf.data like the trace.dat', () => {
    const j = (file: string): { events: number; byEvent: Record<string, number> } =>
      JSON.parse(onering(['report', '--json', file]).stdout) as {
        events: number
        byEvent: Record<string, number>
      }
    const a = j(join(http, 'trace.dat'))
    const b = j(join(http, 'perf.data'))
    expect(b.byEvent).toEqual(a.byEvent)
    expect(b.byEvent['http_server_end']).toBe(n + 2)
    const objs = onering(['script', '--json', join(http, 'perf.data')])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const end = objs.find((o) => o['event'] === 'node:http_server_end')!
    expect(end).toMatchObject({ system: 'node', pid: end['tid'], comm: 'node' })
    expect(typeof end['time']).toBe('number')
    expect(end['fields']).toHaveProperty('status')
  })
})

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'perf-data',
  'test',
  'fixtures',
)

describe('onering script on files perf recorded', () => {
  for (const name of ['cpu-clock-g.data', 'tracepoints-g.data', 'lost.data']) {
    const file = join(fixtures, name)
    it(`${name}: the listing is perf script's, the JSON names events as perf does`, () => {
      const r = onering(['script', file])
      expect(r.status).toBe(0)
      const lines = r.stdout.split('\n').filter((l) => l !== '')
      if (hasPerf) expect(lines).toEqual(perfScript(file, PERF_SCRIPT_LISTING_ARGS))
      const objs = onering(['script', '--json', file])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; time: number; tid: number })
      expect(objs).toHaveLength(lines.length)
      expect(objs.every((o) => Number.isInteger(o.time) && o.tid > 0)).toBe(true)
      if (name.startsWith('cpu-clock')) expect(objs[0]!.event).toBe('cpu-clock')
      if (name.startsWith('tracepoints'))
        expect(objs.some((o) => /^(sched|syscalls):/.test(o.event))).toBe(true)
    })
  }
})
