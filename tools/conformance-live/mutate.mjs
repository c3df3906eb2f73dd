#!/usr/bin/env node
/**
 * Proves that the live tester can fail (issue 13): applies each one-line mutation of
 * `mutations.mjs` to the source, rebuilds only the package it touches, runs the live slice
 * (`run.mjs`) and expects divergences; the file is restored after each row (also on ^C, a
 * kill or a failure) and `git diff --quiet` is checked at the end.
 *
 *   node tools/conformance-live/mutate.mjs [--seed S] [--scenarios N] [--cpu C]
 *     [--only NAME[,NAME…]] [--full] [--no-baseline | --baseline-only] [-- RUN_ARGS…]
 *
 * The slice first runs unmutated (the baseline, which must find 0 divergences: a noisy machine
 * or an open divergence would make every row look caught). By default a mutated slice stops at
 * its first divergence; `--full` lets it run to its summary to count them (each divergence is
 * shrunk, so this is slow). The runner reads only the summary lines `<half>: N scenarios, D
 * divergences` and the `DIVERGENCE … seed S step K` lines, whichever half prints them.
 * Arguments after `--` go to run.mjs. `--baseline-only` runs only the unmutated slice (a long
 * run that copes with other users of the counter clock) and prints run.mjs's summary lines.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { mutations } from './mutations.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string' },
    scenarios: { type: 'string', default: '300' },
    cpu: { type: 'string' },
    only: { type: 'string' },
    full: { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'baseline-only': { type: 'boolean', default: false },
  },
})
const seed = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed) >>> 0
const runArgs = [join(here, 'run.mjs'), ...(opts.cpu === undefined ? [] : ['--cpu', opts.cpu])]
const only = opts.only?.split(',').map((s) => s.trim())
const rows = opts['baseline-only']
  ? []
  : mutations.filter((m) => only === undefined || only.includes(m.name))
if (only !== undefined && rows.length !== only.length)
  throw new RangeError(`--only: unknown mutation among ${opts.only}`)

/** The nx project that builds `file` (packages/<dir>/src/… → the package name). */
function projectOf(file) {
  const m = /^packages\/([^/]+)\/src\//.exec(file)
  if (m === null) throw new RangeError(`mutations: ${file} is not under packages/<dir>/src`)
  return JSON.parse(readFileSync(join(root, 'packages', m[1], 'package.json'), 'utf8')).name
}

/** The line index of `find` in `text` (indentation ignored); exactly one line must match. */
function lineOf(text, find, file) {
  const lines = text.split('\n')
  const at = []
  lines.forEach((l, k) => l.trim() === find.trim() && at.push(k))
  if (at.length !== 1)
    throw new RangeError(`mutations: "${find}" matches ${at.length} lines of ${file}, not 1`)
  return { lines, at: at[0] }
}

// preflight: every row's line is found once, and its file has no uncommitted change (the
// restore writes back what was read, so a dirty file would still be restored, but the final
// `git diff --quiet` check would be meaningless)
const originals = new Map()
for (const m of rows) {
  const path = join(root, m.file)
  if (!originals.has(path)) {
    try {
      execFileSync('git', ['diff', '--quiet', '--', m.file], { cwd: root })
    } catch {
      throw new Error(`mutate: ${m.file} has uncommitted changes; commit or stash them first`)
    }
    originals.set(path, readFileSync(path, 'utf8'))
  }
  lineOf(originals.get(path), m.find, m.file)
}

function restoreAll() {
  for (const [path, text] of originals)
    if (readFileSync(path, 'utf8') !== text) writeFileSync(path, text)
}

let child = null
/**
 * Stops the child's process group with SIGINT: the C helper dies, run.mjs's pending spawnSync
 * returns and its `finally` removes the instance. run.mjs runs synchronously, so between two
 * helper runs the signal finds no helper: it is sent again until the group is gone.
 */
function stopChild() {
  const c = child
  const kill = () => {
    if (c.exitCode !== null || c.signalCode !== null) return
    try {
      process.kill(-c.pid, 'SIGINT')
    } catch {
      return // already gone
    }
    setTimeout(kill, 200).unref()
  }
  if (c !== null) kill()
}
process.on('exit', restoreAll)
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(sig, () => {
    stopChild()
    restoreAll()
    console.error(`mutate: ${sig}, sources restored`)
    process.exit(code)
  })
}

const tracefs = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((p) =>
  existsSync(`${p}/instances`),
)

/**
 * Other users of the kernel's `counter` trace clock (instances, or the top-level buffer, other
 * than `own`): that clock is one counter for the whole machine (`trace_clock_counter`), so any
 * of them moves the time deltas of the slice's events, and the slice diverges for no fault of
 * onering's.
 */
function counterUsers(own) {
  if (tracefs === undefined) return []
  const users = []
  const uses = (dir) => {
    try {
      return readFileSync(`${dir}/trace_clock`, 'utf8').includes('[counter]')
    } catch {
      return false // removed meanwhile
    }
  }
  if (uses(tracefs)) users.push('(top level)')
  for (const name of readdirSync(`${tracefs}/instances`))
    if (name !== own && uses(`${tracefs}/instances/${name}`)) users.push(name)
  return users
}

/** Waits (up to 20 min) until no other counter-clock user is there. */
async function quiet() {
  for (let t = 0; counterUsers('').length > 0; t++) {
    if (t === 0) console.log(`  (waiting: the counter clock is in use by ${counterUsers('')})`)
    if (t > 6000) throw new Error('the counter clock stayed in use for 20 minutes')
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Runs a command to completion (output shown); throws on a non-zero status. */
function run(cmd, args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    child = spawn(cmd, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', detached: true })
    let out = ''
    child.stdout?.on('data', (d) => (out += d))
    child.stderr?.on('data', (d) => (out += d))
    child.on('close', (code) => {
      child = null
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out.slice(-2000)}`))
    })
  })
}

function build(project) {
  return run('npx', ['nx', 'run', `${project}:build`, '--output-style=static'], { quiet: true })
}

/**
 * Runs the slice once no other user of the counter clock is there; resolves `{ divergences,
 * halves, divs, stopped, seconds, noise }` (`divs`: the `DIVERGENCE` lines, `{ seed, step,
 * line }`). Unless `full`, stops the runner at its first divergence. When another counter-clock
 * user appeared during the slice, each divergent scenario is run again alone in quiet, and only
 * those that diverge again count; a mutated slice whose divergence does not is run again (at
 * most three times in all).
 */
async function slice(full) {
  for (let attempt = 1; ; attempt++) {
    await quiet()
    const r = await sliceOnce(full, seed, opts.scenarios)
    if (r.noise.length === 0 || r.divs.length === 0) return r
    const confirmed = []
    for (const d of r.divs) if ((await divergesAlone(d.seed)) !== false) confirmed.push(d)
    console.log(
      `  (counter clock used meanwhile by ${r.noise.join(', ')}: ${confirmed.length} of ${r.divs.length} divergent scenarios diverge again alone)`,
    )
    if (confirmed.length > 0 || full || attempt === 3) {
      const divergences = r.divergences - (r.divs.length - confirmed.length)
      return { ...r, divergences, divs: confirmed, noise: confirmed.length > 0 ? [] : r.noise }
    }
  }
}

/** Whether scenario `s` diverges when run alone with no other counter-clock user (null: unknown). */
async function divergesAlone(s) {
  for (let k = 0; k < 5; k++) {
    await quiet()
    const q = await sliceOnce(false, s, '1')
    if (q.noise.length === 0) return q.divs.length > 0
  }
  return null
}

function sliceOnce(full, from, scenarios) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const args = [...runArgs, '--seed', String(from), '--scenarios', scenarios, ...positionals]
    child = spawn(process.execPath, args, { cwd: root, detached: true })
    const own = `onering-live-${child.pid}`
    const noise = new Set()
    const monitor = setInterval(() => counterUsers(own).forEach((u) => noise.add(u)), 50)
    let buf = ''
    const divs = []
    const summary = []
    let stopped = false
    const halves = {}
    const onLine = (line) => {
      const d = /DIVERGENCE.*seed (\d+) step (\d+)/.exec(line)
      if (d !== null) {
        divs.push({ seed: Number(d[1]), step: Number(d[2]), line: line.trim() })
        if (!full && !stopped) {
          stopped = true
          stopChild()
        }
      }
      const s = /^(\w+): (\d+) scenarios, (\d+) divergences/.exec(line)
      if (s !== null) halves[s[1]] = { scenarios: Number(s[2]), divergences: Number(s[3]) }
      if (/^conformance:live: (skipped|FAILED)/.test(line)) halves.skipped = line.trim()
      if (/^(operations|rules): /.test(line)) summary.push(line.trim())
    }
    child.stdout.on('data', (d) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
      }
    })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => {
      child = null
      clearInterval(monitor)
      if (buf) onLine(buf)
      const seconds = (Date.now() - t0) / 1000
      if (halves.skipped !== undefined) return reject(new Error(halves.skipped))
      const counted = Object.values(halves)
      if (!stopped && counted.length === 0)
        return reject(
          new Error(
            `run.mjs exited ${code} without a summary: ${/\w*Error: .*/.exec(err)?.[0] ?? ''}`,
          ),
        )
      const divergences = counted.reduce((n, h) => n + h.divergences, 0)
      resolve({ divergences, halves, divs, stopped, seconds, noise: [...noise], summary })
    })
  })
}

const projects = [...new Set(rows.map((m) => projectOf(m.file)))]
console.log(
  `mutate: seed ${seed}, ${opts.scenarios} scenarios a slice, ${rows.length} mutations (${projects.join(', ')})`,
)
for (const p of projects) await build(p)
if (!opts['no-baseline']) {
  const b = await slice(true)
  console.log(
    `baseline (unmutated): ${b.divergences} divergences in ${b.seconds.toFixed(0)} s` +
      (b.divs.length > 0 ? ` (first: ${b.divs[0].line})` : ''),
  )
  if (opts['baseline-only']) {
    for (const line of b.summary) console.log(line)
    for (const [half, h] of Object.entries(b.halves))
      console.log(
        `${half}: ${h.scenarios} scenarios, ${h.divergences} divergences before the checks alone`,
      )
    console.log(`baseline: ${b.divergences} divergences`)
    process.exit(b.divergences === 0 ? 0 : 1)
  }
  if (b.divergences > 0) {
    console.log('mutate: the unmutated slice diverges; a mutation could not be told apart')
    process.exit(2)
  }
}

const results = []
for (const m of rows) {
  const path = join(root, m.file)
  const project = projectOf(m.file)
  const { lines, at } = lineOf(originals.get(path), m.find, m.file)
  const indent = /^\s*/.exec(lines[at])[0]
  lines[at] = indent + m.replace
  let result
  try {
    writeFileSync(path, lines.join('\n'))
    await build(project)
    result = await slice(opts.full)
  } catch (e) {
    result = { error: e.message.split('\n')[0] }
  } finally {
    writeFileSync(path, originals.get(path))
  }
  // the restored source built again (nx's cache makes this quick) before the next row, whose
  // package may import this one's dist/
  await build(project)
  results.push({ m, result })
  console.log(`  ${m.name}: ${verdict(result)}`)
}
restoreAll()
const dirty = [...originals.keys()].map((p) => relative(root, p))
try {
  execFileSync('git', ['diff', '--quiet', '--', ...dirty], { cwd: root })
} catch {
  console.log(`mutate: FAILED to restore ${dirty.join(', ')}`)
  process.exit(2)
}

function verdict(r) {
  if (r.error !== undefined) return `ERROR (${r.error})`
  if (r.divs.length === 0 && r.divergences === 0) return 'MISSED'
  if (r.noise.length > 0) return `unclear (the counter clock was in use by ${r.noise.join(', ')})`
  const at =
    r.divs.length > 0
      ? `first at seed ${r.divs[0].seed} step ${r.divs[0].step}`
      : 'no DIVERGENCE line'
  return r.stopped
    ? `caught (stopped at the first divergence, ${at})`
    : `caught (${r.divergences} divergences, ${at})`
}

console.log(`\n| mutation | file | result |\n| --- | --- | --- |`)
for (const { m, result } of results)
  console.log(`| ${m.name} | \`${m.file.replace('packages/', '')}\` | ${verdict(result)} |`)
const missed = results.filter(
  ({ result }) => result.error !== undefined || verdict(result) === 'MISSED',
)
console.log(`\nmutate: ${results.length - missed.length}/${results.length} caught, seed ${seed}`)
process.exit(missed.length === 0 ? 0 : 1)
