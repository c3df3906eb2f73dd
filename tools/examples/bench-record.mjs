// `npm run bench:record`: what recording costs an HTTP server at saturation. The example
// server (tools/examples/http-pool/app.mjs --serve) runs without recording, under
// `onering record` (streaming), and under `onering record --overwrite` (flight recorder);
// autocannon, in its own process, drives GET /hello with a fixed number of connections for a
// fixed duration (never a fixed rate, which would hide the cost). The three are interleaved
// and repeated (the machine is noisy); medians and spread (min–max) of throughput, p50/p99
// latency and server CPU per request are reported. Reported, not gated.
//
//   node tools/examples/bench-record.mjs [--reps 8] [--seconds 5] [--connections 16] [--json out.json]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    json: { type: 'string' },
  },
})
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'packages', 'onering', 'dist', 'cli.js')
const app = join(root, 'tools', 'examples', 'http-pool', 'app.mjs')
const require = createRequire(join(root, 'packages', 'onering', 'package.json'))
const autocannon = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js')
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100)

const configs = [
  { name: 'no recording', args: (dir) => [process.execPath, app, '--serve'], dir: false },
  {
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
]

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
  const before = cpuTicks(pid)
  const ac = spawnSync(
    process.execPath,
    [
      autocannon,
      '-c',
      values.connections,
      '-d',
      values.seconds,
      '-j',
      `http://127.0.0.1:${port}/hello`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  )
  const ticks = cpuTicks(pid) - before
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  await exited
  rmSync(dir, { recursive: true, force: true })
  const r = JSON.parse(ac.stdout)
  const total = r.requests.total
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuUsPerReq: ((ticks / CLK_TCK) * 1e6) / Math.max(1, total),
    errors: r.errors + r.non2xx,
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const reps = Number(values.reps)
const results = new Map(configs.map((c) => [c.name, []]))
console.log(
  `bench:record: ${reps} rounds × ${configs.length} setups, autocannon -c ${values.connections} -d ${values.seconds} GET /hello`,
)
for (let k = 0; k < reps; k++) {
  // interleaved, in a rotating order, so drift of the machine spreads over every setup
  const order = configs.map((_, i) => configs[(i + k) % configs.length])
  for (const cfg of order) {
    const r = await once(cfg)
    results.get(cfg.name).push(r)
    process.stderr.write(
      `  round ${k + 1}: ${cfg.name}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms\n`,
    )
  }
}

const rows = []
const base = results.get(configs[0].name)
const baseRps = median(base.map((r) => r.rps))
const baseP99 = median(base.map((r) => r.p99))
for (const [name, rs] of results) {
  const col = (k) => rs.map((r) => r[k])
  const fmt = (k, d = 0) =>
    `${median(col(k)).toFixed(d)} (${Math.min(...col(k)).toFixed(d)}–${Math.max(...col(k)).toFixed(d)})`
  rows.push({
    setup: name,
    'req/s': fmt('rps'),
    'p50 ms': fmt('p50', 1),
    'p99 ms': fmt('p99', 1),
    'CPU µs/req': fmt('cpuUsPerReq', 1),
    'Δ req/s': `${(((median(col('rps')) - baseRps) / baseRps) * 100).toFixed(1)} %`,
    'Δ p99': `${(((median(col('p99')) - baseP99) / baseP99) * 100).toFixed(1)} %`,
    errors: col('errors').reduce((a, b) => a + b, 0),
  })
}
console.log('\nmedian (min–max) over', reps, 'rounds:')
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
