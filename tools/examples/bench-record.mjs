// `npm run bench:record`: what recording costs an HTTP server at saturation. The example
// server (tools/examples/http-pool/app.mjs --serve) runs without recording, under
// `onering record` (streaming), under `onering record --overwrite` (flight recorder) and, as
// an anchor, under OpenTelemetry's HTTP auto-instrumentation with a span-dropping exporter
// (`--require tools/examples/otel-preload.cjs`). autocannon, in its own process (this script
// with `--drive URL`), drives GET /hello with a fixed number of connections for a fixed
// duration (never a fixed rate, which would hide the cost), after a warm-up of the same load.
// The four are interleaved and repeated (the machine is noisy); medians and spread (min–max)
// of throughput, p50/p99 latency (microsecond resolution) and server CPU per request are
// reported, and each setup's change against the no-recording run of the same round. Reported,
// not gated.
//
//   node tools/examples/bench-record.mjs [--reps 8] [--seconds 5] [--warmup 1]
//     [--connections 16] [--json out.json] [--only none,streaming,overwrite,otel]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHistogram } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '16' },
    json: { type: 'string' },
    only: { type: 'string' },
    drive: { type: 'string' },
  },
})
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'packages', 'onering', 'dist', 'cli.js')
const app = join(root, 'tools', 'examples', 'http-pool', 'app.mjs')
const require = createRequire(join(root, 'packages', 'onering', 'package.json'))
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100)

const otel = join(root, 'tools', 'examples', 'otel-preload.cjs')
const allConfigs = [
  { key: 'none', name: 'no recording', args: () => [process.execPath, app, '--serve'] },
  {
    key: 'streaming',
    name: 'onering record (streaming)',
    args: (dir) => [
      process.execPath,
      cli,
      'record',
      '-q',
      '-o',
      dir,
      '--',
      process.execPath,
      app,
      '--serve',
    ],
  },
  {
    key: 'overwrite',
    name: 'onering record --overwrite 1M',
    args: (dir) => [
      process.execPath,
      cli,
      'record',
      '-q',
      '-o',
      dir,
      '--overwrite',
      '1M',
      '--',
      process.execPath,
      app,
      '--serve',
    ],
  },
  {
    key: 'otel',
    name: 'OpenTelemetry http (no-op export)',
    args: () => [process.execPath, '--require', otel, app, '--serve'],
  },
]
const only = values.only?.split(',')
const configs = only === undefined ? allConfigs : allConfigs.filter((c) => only.includes(c.key))
if (configs.length === 0) throw new RangeError(`--only: none of ${values.only} is a setup`)

function cpuTicks(pid) {
  // /proc/<pid>/stat: utime and stime are fields 14 and 15, after the ")" of the comm
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(f[11]) + Number(f[12])
}

async function once(cfg) {
  const dir = mkdtempSync(join(tmpdir(), 'onering-bench-'))
  const [cmd, ...args] = cfg.args(dir)
  const server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const { port, pid } = await new Promise((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (d) => {
      out += d
      const m = /PORT (\d+) PID (\d+)/.exec(out)
      if (m) resolve({ port: Number(m[1]), pid: Number(m[2]) })
    })
    server.once('exit', (code) => reject(new Error(`${cfg.name}: the server exited (${code})`)))
  })
  const load = (seconds) =>
    spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--drive',
        `http://127.0.0.1:${port}/hello`,
        '--connections',
        values.connections,
        '--seconds',
        seconds,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    )
  // the same load first, not measured: the JIT compiles the hot paths of the server (and of
  // the recorder) and its threads start, as in a server that has been up for a while
  if (Number(values.warmup) > 0) load(values.warmup)
  const before = cpuTicks(pid)
  const ac = load(values.seconds)
  const ticks = cpuTicks(pid) - before
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  await exited
  rmSync(dir, { recursive: true, force: true })
  if (ac.status !== 0) throw new Error(`${cfg.name}: the load generator failed: ${ac.stderr}`)
  const r = JSON.parse(ac.stdout)
  return { ...r, cpuUsPerReq: ((ticks / CLK_TCK) * 1e6) / Math.max(1, r.total) }
}

/**
 * The load generator's process (`--drive URL`): autocannon through its API, each response's
 * latency (a float in ms) kept in a microsecond histogram — autocannon's own keeps whole
 * milliseconds, too coarse for a p99 below a millisecond.
 */
async function drive(url) {
  const run = require('autocannon')
  const hist = createHistogram()
  const instance = run({
    url,
    connections: Number(values.connections),
    duration: Number(values.seconds),
  })
  instance.on('response', (_client, _status, _bytes, ms) => {
    hist.record(Math.max(1, Math.round(ms * 1000)))
  })
  const r = await instance
  process.stdout.write(
    JSON.stringify({
      rps: r.requests.average,
      total: r.requests.total,
      p50: hist.percentile(50) / 1000,
      p99: hist.percentile(99) / 1000,
      errors: r.errors + r.non2xx,
    }),
  )
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Every setup, interleaved over `reps` rounds; prints the table (and writes `--json`). */
async function bench() {
  const reps = Number(values.reps)
  const results = new Map(configs.map((c) => [c.name, []]))
  console.log(
    `bench:record: ${reps} rounds × ${configs.length} setups, autocannon -c ${values.connections} -d ${values.seconds} (after ${values.warmup} s of warm-up) GET /hello, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  for (let k = 0; k < reps; k++) {
    // interleaved, in a rotating order, so drift of the machine spreads over every setup
    const order = configs.map((_, i) => configs[(i + k) % configs.length])
    for (const cfg of order) {
      const r = await once(cfg)
      results.get(cfg.name).push(r)
      process.stderr.write(
        `  round ${k + 1}: ${cfg.name}: ${Math.round(r.rps)} req/s, p99 ${r.p99.toFixed(3)} ms\n`,
      )
    }
  }

  const rows = []
  const base = results.get(configs[0].name)
  // a setup against the baseline of the same round (they ran back to back), median over rounds:
  // the machine's drift between rounds cancels out
  const paired = (rs, k) => median(rs.map((r, i) => (r[k] / base[i][k] - 1) * 100))
  for (const [name, rs] of results) {
    const col = (k) => rs.map((r) => r[k])
    const fmt = (k, d = 0) =>
      `${median(col(k)).toFixed(d)} (${Math.min(...col(k)).toFixed(d)}–${Math.max(...col(k)).toFixed(d)})`
    rows.push({
      setup: name,
      'req/s': fmt('rps'),
      'p50 ms': fmt('p50', 3),
      'p99 ms': fmt('p99', 3),
      'CPU µs/req': fmt('cpuUsPerReq', 1),
      'Δ req/s': `${paired(rs, 'rps').toFixed(1)} %`,
      'Δ p99': `${paired(rs, 'p99').toFixed(1)} %`,
      'Δ CPU/req': `${paired(rs, 'cpuUsPerReq').toFixed(1)} %`,
      errors: col('errors').reduce((a, b) => a + b, 0),
    })
  }
  console.log(
    `\nmedian (min–max) over ${reps} rounds; Δ: median over rounds of the change against the same round's ${configs[0].name}; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}:`,
  )
  console.table(rows)
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          reps,
          seconds: values.seconds,
          connections: values.connections,
          results: Object.fromEntries(results),
        },
        null,
        2,
      ),
    )
}

if (values.drive !== undefined) await drive(values.drive)
else await bench()
