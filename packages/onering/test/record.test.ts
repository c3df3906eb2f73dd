/**
 * `onering record` on small apps, in real subprocesses: the files are read by our reader and
 * by `trace-cmd report`, and every request, mark and thread the app made is found exactly once.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { events, markText, onering, outDir, start, traceCmdReport } from './support.js'
import { hasTraceCmd, requireTraceCmd } from './trace-cmd-env.js'

requireTraceCmd('onering record')
const withTraceCmd = hasTraceCmd ? it : it.skip

const statusOf = (i: number): number => (i % 5 === 0 ? 404 : i % 7 === 0 ? 500 : 200)

describe('onering record: HTTP', () => {
  const dir = outDir()
  const n = 60
  const run = onering(['record', '-q', '-o', dir, '--', 'node', 'http-requests.mjs', String(n)])
  const file = join(dir, 'trace.dat')

  it('runs the app unchanged: its output and exit code', () => {
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(`served ${n + 2}\n`)
    expect(run.status).toBe(0)
  })

  it('records every server request exactly once with its status, paired with its start', () => {
    const evs = events(file)
    const ends = evs.filter((e) => e.event === 'http_server_end')
    const starts = evs.filter((e) => e.event === 'http_server_start')
    const byI = new Map<number, number[]>()
    for (const e of ends) {
      const i = Number(new URL(String(e.fields['url']), 'http://x').searchParams.get('i'))
      byI.set(i, [...(byI.get(i) ?? []), Number(e.fields['status'])])
    }
    for (let i = 0; i < n; i++) expect(byI.get(i), `request ${i}`).toEqual([statusOf(i)])
    expect(byI.get(n)).toEqual([statusOf(n)])
    expect(byI.get(n + 1)).toEqual([statusOf(n + 1)])
    expect(ends).toHaveLength(n + 2)
    const startIds = new Set(starts.map((e) => e.fields['req']))
    expect(startIds.size).toBe(n + 2)
    for (const e of ends) expect(startIds.has(e.fields['req'])).toBe(true)
    // the client side: each http.get and each fetch ends with the status the server sent
    const clientEnds = evs.filter((e) => e.event === 'http_client_end')
    expect(clientEnds.map((e) => Number(e.fields['status'])).sort()).toEqual(
      Array.from({ length: n }, (_, i) => statusOf(i)).sort(),
    )
    expect(evs.filter((e) => e.event === 'fetch_end').map((e) => e.fields['status'])).toEqual([
      statusOf(n),
      statusOf(n + 1),
    ])
    // common_pid is the main thread's OS tid (= the process id) and named after the thread
    const pid = ends[0]!.tid
    expect(ends.every((e) => e.tid === pid && e.comm === 'node')).toBe(true)
    expect(evs.some((e) => e.event === 'net_accept')).toBe(true)
  })

  withTraceCmd('trace-cmd report prints every request once, with its status', () => {
    const lines = traceCmdReport(file).filter((l) => l.includes('http_server_end:'))
    expect(lines).toHaveLength(n + 2)
    for (let i = 0; i < n; i++) {
      const mine = lines.filter(
        (l) =>
          l.includes(`?i=${i}`) &&
          !l.includes(`?i=${i}0`) &&
          / \/item\/\d\?i=\d+$/.test(l) &&
          l.endsWith(`?i=${i}`),
      )
      expect(mine, `request ${i}`).toHaveLength(1)
      expect(mine[0]).toContain(`status=${statusOf(i)} `)
    }
  })

  it('onering script --json and trace-cmd agree on the events', () => {
    const r = onering(['script', '--json', file])
    expect(r.status).toBe(0)
    const objs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(objs.filter((o) => o['event'] === 'http_server_end')).toHaveLength(n + 2)
    for (const o of objs) {
      expect(typeof o['time']).toBe('number')
      expect(typeof o['cpu']).toBe('number')
      expect(typeof o['tid']).toBe('number')
      expect(typeof o['pid']).toBe('number')
      expect(typeof o['comm']).toBe('string')
    }
    if (hasTraceCmd) {
      const text = onering(['script', file]).stdout.trim().split('\n')
      const tc = traceCmdReport(file).filter((l) => l !== '' && !l.startsWith('version ='))
      expect(text).toEqual(tc)
    }
  })

  it('onering report summarizes the routes with their statuses', () => {
    const r = onering(['report', '--json', file])
    expect(r.status).toBe(0)
    const s = JSON.parse(r.stdout) as {
      routes: Record<string, { count: number; statuses: Record<string, number> }>
      lost: number
    }
    const total = Object.values(s.routes).reduce((a, x) => a + x.count, 0)
    expect(total).toBe(n + 2)
    expect(s.routes['GET /fetch']!.count).toBe(2)
    const notFound = Array.from({ length: n + 2 }, (_, i) => statusOf(i)).filter(
      (x) => x === 404,
    ).length
    const got404 = Object.values(s.routes).reduce((a, x) => a + (x.statuses['404'] ?? 0), 0)
    expect(got404).toBe(notFound)
    expect(s.lost).toBe(0)
    const text = onering(['report', file]).stdout
    expect(text).toMatch(/HTTP server routes/)
    expect(text).toMatch(/GC: \d+ pauses/)
  })
})

describe('onering record: threads and processes', () => {
  it('records every worker on a reused ring, names it, and survives process.exit in a worker', () => {
    const dir = outDir()
    // 3 rings: the main thread's and two for workers; 7 workers come and go
    const run = onering([
      'record',
      '-q',
      '--rings',
      '3',
      '-o',
      dir,
      '--',
      'node',
      'workers.mjs',
      '3',
      '2',
    ])
    expect(run.stdout).toBe('workers 7, exit 3\n')
    expect(run.status).toBe(0)
    const evs = events(join(dir, 'trace.dat'))
    const marks = evs.filter((e) => e.event === 'print')
    for (let k = 0; k < 6; k++) {
      const m = marks.filter((e) => markText(e).startsWith(`worker ${k} `))
      expect(m, `worker ${k}`).toHaveLength(1)
      const threadId = markText(m[0]!).split(' ')[2]
      expect(m[0]!.comm).toBe(`worker-${threadId}`)
      expect(m[0]!.cpu).toBeGreaterThan(0)
      expect(m[0]!.cpu).toBeLessThan(3)
    }
    expect(marks.filter((e) => markText(e).startsWith('worker exit '))).toHaveLength(1)
    expect(marks.filter((e) => markText(e) === 'main after worker exit 3')).toHaveLength(1)
    const exits = evs.filter((e) => e.event === 'worker_exit')
    expect(exits).toHaveLength(7)
    expect(exits.filter((e) => e.fields['code'] === 3)).toHaveLength(1)
    // every worker thread has its own OS tid, none is the process's
    const tids = new Set(marks.filter((e) => e.cpu > 0).map((e) => e.tid))
    expect(tids.size).toBe(7)
  })

  it('a worker terminated mid-write: its committed events kept, its ring reused', () => {
    const dir = outDir()
    const run = onering([
      'record',
      '-q',
      '--rings',
      '2',
      '--buffer',
      '4M',
      '-o',
      dir,
      '--',
      'node',
      'terminate.mjs',
    ])
    expect(run.stdout).toBe('terminated\n')
    expect(run.status).toBe(0)
    const marks = events(join(dir, 'trace.dat')).filter((e) => e.event === 'print')
    const busy = marks.filter((e) => markText(e).startsWith('busy '))
    expect(busy.length).toBeGreaterThan(2000)
    expect(busy.map(markText)).toEqual(Array.from({ length: busy.length }, (_, i) => `busy ${i}`))
    const next = marks.filter((e) => markText(e) === 'next worker')
    expect(next).toHaveLength(1)
    expect(next[0]!.cpu).toBe(busy[0]!.cpu)
    expect(next[0]!.tid).not.toBe(busy[0]!.tid)
    expect(marks.filter((e) => markText(e) === 'after terminate')).toHaveLength(1)
    if (hasTraceCmd)
      expect(traceCmdReport(join(dir, 'trace.dat')).join('\n')).toContain('next worker')
  })

  it('gives a Node child process its own file in the same directory', () => {
    const dir = outDir()
    const run = onering(['record', '-q', '-o', dir, '--', 'node', 'child.mjs'])
    expect(run.status).toBe(0)
    const childPid = Number(/child (\d+)/.exec(run.stdout)![1])
    expect(readdirSync(dir).sort()).toEqual([
      `perf-${childPid}.data`,
      'perf.data',
      `trace-${childPid}.dat`,
      'trace.dat',
    ])
    const main = events(join(dir, 'trace.dat'))
    expect(
      main.filter((e) => e.event === 'child_spawn').map((e) => e.fields['child_pid']),
    ).toContain(childPid)
    expect(
      main.some((e) => e.event === 'print' && markText(e) === `parent after child ${childPid}`),
    ).toBe(true)
    const child = events(join(dir, `trace-${childPid}.dat`))
    const m = child.filter((e) => e.event === 'print')
    expect(m.map(markText)).toEqual([`in child ${childPid}`])
    expect(m[0]!.tid).toBe(childPid)
    // the child's perf.data: its samples carry the child's pid
    const samples = onering(['script', '--json', join(dir, `perf-${childPid}.data`)])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; event: string })
    expect(samples.length).toBe(child.length)
    expect(samples.every((e) => e.pid === childPid)).toBe(true)
    expect(samples.filter((e) => e.event === 'ftrace:print')).toHaveLength(1)
  })
})

describe('onering record: exit paths', () => {
  it('an uncaught exception: exit code 1, the error on stderr, the events written', () => {
    const dir = outDir()
    const run = onering(['record', '-q', '-o', dir, '--', 'node', 'crash.mjs'])
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('about to crash\n')
    expect(run.stderr).toContain('Error: boom from the app')
    const marks = events(join(dir, 'trace.dat')).filter((e) => e.event === 'print')
    expect(marks.map(markText)).toEqual(['before the crash'])
  })

  it('SIGTERM: forwarded, drained, and the recorder dies of it as the app would', async () => {
    const dir = outDir()
    const p = start(['record', '-q', '-o', dir, '--', 'node', 'wait-signal.mjs'])
    await p.ready
    p.child.kill('SIGTERM')
    const run = await p.done
    expect(run.signal).toBe('SIGTERM')
    const marks = events(join(dir, 'trace.dat')).filter((e) => e.event === 'print')
    expect(marks.map(markText)).toEqual(Array.from({ length: 100 }, (_, i) => `waiting ${i}`))
  })

  it('SIGKILL of the app: the pages spooled before it still make a file', () => {
    const dir = outDir()
    const run = onering(['record', '--interval', '50', '-o', dir, '--', 'node', 'sigkill.mjs'])
    expect(run.signal).toBe('SIGKILL')
    // the consumer spools complete pages as they fill: the marks of every full page are there,
    // in order from the first; the last partial page dies with the process
    const marks = events(join(dir, 'trace.dat'))
      .filter((e) => e.event === 'print')
      .map(markText)
    expect(marks.length).toBeGreaterThan(1000)
    expect(marks).toEqual(Array.from({ length: marks.length }, (_, i) => `before kill ${i}`))
    expect(run.stderr).toMatch(/onering: \d+ events/)
  })

  it('the flight recorder keeps the newest events and counts the lost ones', () => {
    const dir = outDir()
    const n = 50000
    const run = onering([
      'record',
      '-o',
      dir,
      '--overwrite',
      '64k',
      '--events',
      'marks',
      '--',
      'node',
      'flight.mjs',
      String(n),
    ])
    expect(run.status).toBe(0)
    expect(run.stdout).toBe(`marked ${n}\n`)
    const marks = events(join(dir, 'trace.dat')).filter((e) => e.event === 'print')
    const nums = marks.map((e) => Number(markText(e).slice(2)))
    expect(nums.length).toBeGreaterThan(100)
    expect(nums.length).toBeLessThan(n)
    // the newest survive, in order, without a gap
    expect(nums.at(-1)).toBe(n - 1)
    for (let k = 1; k < nums.length; k++) expect(nums[k]).toBe(nums[k - 1]! + 1)
    const lost = Number(/(\d+) lost/.exec(run.stderr)![1])
    expect(lost).toBeGreaterThanOrEqual(n - nums.length)
  })
})

describe('onering: the user API from an ESM app', () => {
  it('records typed events and marks; output and exit code stay the app’s', () => {
    const dir = outDir()
    const run = onering(['record', '-q', '-o', dir, '--', 'node', 'user-events.mjs'])
    expect(run.status).toBe(7)
    expect(run.stdout).toBe('recording=true\n')
    expect(run.stderr).toBe('to stderr\n')
    const evs = events(join(dir, 'trace.dat'))
    const orders = evs.filter((e) => e.event === 'order')
    expect(
      orders.map((e) => [e.system, e.fields['id'], Number(e.fields['amount']), e.fields['item']]),
    ).toEqual([
      ['app', 1, 1000, 'item-1'],
      ['app', 2, 2000, 'item-2'],
      ['app', 3, 3000, 'item-3'],
    ])
    if (hasTraceCmd) {
      const lines = traceCmdReport(join(dir, 'trace.dat')).filter((l) => l.includes('order:'))
      expect(lines).toHaveLength(3)
      expect(lines[1]).toMatch(/id=2 amount=2000 item=item-2/)
    }
  })

  it('without onering record: nothing is recorded and nothing breaks', async () => {
    const { spawnSync } = await import('node:child_process')
    const { APPS } = await import('./support.js')
    const r = spawnSync(process.execPath, ['user-events.mjs'], { cwd: APPS, encoding: 'utf8' })
    expect(r.stdout).toBe('recording=false\n')
    expect(r.status).toBe(7)
  })
})

describe('onering record: limits', () => {
  it('--dump-on SIGNAL dumps the flight recorder at the signal, and again at exit', async () => {
    const dir = outDir()
    const p = start([
      'record',
      '-q',
      '-o',
      dir,
      '--overwrite',
      '32k',
      '--dump-on',
      'SIGUSR2',
      '--',
      'node',
      'dump-on.mjs',
    ])
    await p.ready
    p.child.kill('SIGUSR2')
    const run = await p.done
    expect(run.status).toBe(0)
    const marks = events(join(dir, 'trace.dat'))
      .filter((e) => e.event === 'print')
      .map(markText)
    // the dump kept phase 1 whole; phase 2 overwrote itself, its newest events were kept at exit
    expect(marks.filter((m) => m.startsWith('phase1 '))).toEqual(
      Array.from({ length: 200 }, (_, i) => `phase1 ${i}`),
    )
    expect(marks.at(-1)).toBe('phase2 19999')
    expect(marks.filter((m) => m.startsWith('phase2 ')).length).toBeLessThan(20000)
  })

  it('--max-size stops the spooling at the cap and counts the rest as lost', () => {
    const dir = outDir()
    const n = 200000
    const run = onering([
      'record',
      '-o',
      dir,
      '--buffer',
      '64k',
      '--max-size',
      '128k',
      '--events',
      'marks',
      '--',
      'node',
      'many-marks.mjs',
      String(n),
    ])
    expect(run.status).toBe(0)
    const marks = events(join(dir, 'trace.dat')).filter((e) => e.event === 'print')
    // at most the cap plus what one drain found in the ring (64k), in pages of 4 kB
    expect(marks.length).toBeGreaterThan(1000)
    expect(marks.length).toBeLessThan(n / 4)
    const m = /onering: (\d+) events, (\d+) lost/.exec(run.stderr)!
    expect(Number(m[1])).toBe(marks.length)
    expect(Number(m[2])).toBeGreaterThan(n / 2)
    // the file says so too: the rings' counters are its CPUSTAT options (trace-cmd report --stat)
    const report = JSON.parse(onering(['report', '--json', join(dir, 'trace.dat')]).stdout) as {
      lost: number
    }
    expect(report.lost).toBe(Number(m[2]))
  })
})
