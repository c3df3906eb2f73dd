// `npm start` (after the build): record the example app (tools/examples/http-pool) with
// `onering record` (trace.dat and perf.data), print `onering report` on the result, name the
// files, and where trace-cmd and perf are installed print the first lines of `trace-cmd report`
// and `perf script` on them. Exits non-zero when the recording fails or a file does not parse
// (with our readers, and with trace-cmd / perf where present).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'packages', 'onering', 'dist', 'cli.js')
const out = join(root, 'onering-trace')
const app = join(root, 'tools', 'examples', 'http-pool', 'app.mjs')
const rel = (p) => relative(process.cwd(), p) || '.'

function step(title, cmd, args, options = {}) {
  console.log(`\n$ ${title}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options })
  if (r.error) throw r.error
  return r.status
}

const started = Date.now()
const status = step(
  `onering record -o ${rel(out)} -- node ${rel(app)} --seconds 3`,
  process.execPath,
  [cli, 'record', '-o', out, '--', process.execPath, app, '--seconds', '3'],
)
if (status !== 0) {
  console.error(`start: onering record exited with ${status}`)
  process.exit(1)
}
const files = readdirSync(out)
  .filter((n) => n.endsWith('.dat') || n.endsWith('.data'))
  .map((n) => join(out, n))
  .sort((a, b) => a.length - b.length || a.localeCompare(b))
let failed = 0
const main = join(out, 'trace.dat')
if (step(`onering report ${rel(main)}`, process.execPath, [cli, 'report', main]) !== 0) failed++

console.log('\nFiles written:')
const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined
const hasTraceCmd = has('trace-cmd')
const hasPerf = has('perf')
const isPerfData = (f) => f.endsWith('.data')
// perf's owner check refuses a file another user wrote unless -f is given
const perfScript = (f) =>
  spawnSync('perf', ['script', '-f', '-i', f], { encoding: 'utf8', maxBuffer: 1 << 30 })
const traceCmdReport = (f) =>
  spawnSync('trace-cmd', ['report', f], { encoding: 'utf8', maxBuffer: 1 << 30 })
for (const f of files) {
  const ours = spawnSync(process.execPath, [cli, 'script', '--json', f], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  })
  const ok = ours.status === 0
  const n = ok ? ours.stdout.split('\n').filter((l) => l !== '').length : 0
  let tc = ''
  const tool = isPerfData(f)
    ? hasPerf
      ? 'perf script'
      : ''
    : hasTraceCmd
      ? 'trace-cmd report'
      : ''
  if (tool !== '') {
    const r = isPerfData(f) ? perfScript(f) : traceCmdReport(f)
    tc = r.status === 0 ? `, ${tool} reads it` : `, ${tool} FAILED: ${r.stderr.trim()}`
    if (r.status !== 0) failed++
  }
  if (!ok) failed++
  console.log(
    `  ${rel(f)}  ${(statSync(f).size / 1024).toFixed(1)} kB, ${ok ? `${n} events` : `does not parse: ${ours.stderr.trim()}`}${tc}`,
  )
}
if (hasTraceCmd) {
  console.log(`\n$ trace-cmd report ${rel(main)} | head -15`)
  console.log(traceCmdReport(main).stdout.split('\n').slice(0, 15).join('\n'))
} else
  console.log(
    '\n(trace-cmd is not installed: `apt-get install trace-cmd` to read the files with it)',
  )
const perfMain = join(out, 'perf.data')
if (hasPerf && files.includes(perfMain)) {
  console.log(`\n$ perf script -f -i ${rel(perfMain)} | head -15`)
  console.log(perfScript(perfMain).stdout.split('\n').slice(0, 15).join('\n'))
} else if (!hasPerf)
  console.log('\n(perf is not installed: `apt-get install linux-perf` to read perf.data with it)')
console.log(
  `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: node ${rel(cli)} script ${rel(main)} | less` +
    ` (or ${rel(perfMain)})`,
)
if (failed > 0) {
  console.error(`start: ${failed} file(s) did not parse`)
  process.exit(1)
}
