#!/usr/bin/env node
/**
 * Live differential conformance: seeded random scenarios run through the kernel's ftrace ring
 * buffer (a private tracefs instance, driven by the C helper ftrace_live pinned to one CPU) and
 * through `@onering/ftrace`, compared after every step.
 *
 *   node tools/conformance-live/run.mjs [--scenarios N] [--mmap-scenarios N]
 *     [--perf-scenarios N] [--seed S] [--cpu C] [--verbose] [--counter-model] [--program FILE]
 *
 * See README.md in this folder for the scenario language, the comparisons and the named rules.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { availableParallelism } from 'node:os'
import { REAL_CLOCKS, generate, parseProgram, programText, shrink } from './scenario.mjs'
import { replay } from './replay.mjs'
import { compareStep, newTally, tallySummary } from './compare.mjs'
import { kernelTimes } from './kernel-times.mjs'
import { parseFrames, removeInstance, writableTracefs } from './helper-io.mjs'
import { runMmap } from './mmap-half.mjs'
import { perfSummary, runPerf } from './perf-half.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const { values: opts } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '100' },
    'mmap-scenarios': { type: 'string' },
    'perf-scenarios': { type: 'string' },
    seed: { type: 'string' },
    cpu: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'counter-model': { type: 'boolean', default: false },
    program: { type: 'string' },
  },
})
const scenarios = Number(opts.scenarios)
const seed = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed) >>> 0
const cpu = opts.cpu === undefined ? availableParallelism() - 1 : Number(opts.cpu)
if (!Number.isInteger(scenarios) || scenarios < 0) throw new RangeError('--scenarios: a count')

const tracefs = writableTracefs()

/** Skip with a visible message, or fail where CI runs on a machine kind that has tracefs. */
function unavailable(why) {
  const strict =
    process.env.CI !== undefined &&
    process.env.CI !== '' &&
    process.getuid?.() === 0 &&
    existsSync('/sys/kernel/tracing/instances')
  console.log(`conformance:live: ${strict ? 'FAILED' : 'skipped'}: ${why}`)
  console.log('ftrace: skipped')
  console.log('perf: skipped')
  process.exit(strict ? 1 : 0)
}

if (process.platform !== 'linux') unavailable('not Linux')
if (tracefs === undefined)
  unavailable('no writable tracefs instances/ (needs root and a mounted tracefs)')

let helper
try {
  const bin = execFileSync('bash', [join(here, 'build.sh')], { encoding: 'utf8' }).trim()
  helper = join(bin, 'ftrace_live')
} catch (e) {
  unavailable(`cannot build the C helper (${e.message.split('\n')[0]})`)
}

// ^C or a kill: the helper (same process group) stops, spawnSync returns, the instance is
// removed by runKernel's finally, and only then does the handler end the process
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

/** Runs `program` (text) in a fresh private instance; returns the frames. */
function runKernel(program, inspect) {
  const dir = `${tracefs}/instances/onering-live-${process.pid}`
  mkdirSync(dir)
  try {
    if (inspect !== undefined) return inspect(dir)
    const r = spawnSync(helper, [dir, String(cpu)], { input: program, maxBuffer: 1 << 28 })
    if (r.status !== 0)
      throw new Error(
        `ftrace_live exited ${r.status ?? r.signal ?? r.error?.message}: ${r.stderr?.toString().trim() ?? ''}`,
      )
    return parseFrames(r.stdout)
  } finally {
    try {
      writeFileSync(`${dir}/tracing_on`, '0')
    } catch {
      // the instance may already be gone
    }
    removeInstance(dir)
  }
}

/** The machine values of a `print` event (ip, flags, preempt count, type id), from the kernel. */
function probe() {
  const frames = runKernel('clock counter\nwrite 1\nread\n')
  const page = frames.find((f) => f.kind === 'read')
  if (page === undefined || page.value <= 0) throw new Error('probe: no marker page read back')
  const b = page.bytes
  const ev = 16 + 4 // page header, then the event header of a small (type_len) event
  return {
    type: b.readUInt16LE(ev),
    flags: b[ev + 2],
    preempt: b[ev + 3],
    ip: b.subarray(ev + 8, ev + 16),
  }
}

/**
 * What a fresh instance offers: the real trace clocks its `trace_clock` lists, and whether
 * `buffer_subbuf_size_kb` can be written (writing the value it holds changes nothing).
 */
function capabilities() {
  return runKernel('', (dir) => {
    const listed = readFileSync(`${dir}/trace_clock`, 'utf8').replace(/[[\]]/g, '').split(/\s+/)
    const clocks = REAL_CLOCKS.filter((c) => listed.includes(c))
    let subbuf = 'absent'
    if (existsSync(`${dir}/buffer_subbuf_size_kb`)) {
      try {
        writeFileSync(`${dir}/buffer_subbuf_size_kb`, readFileSync(`${dir}/buffer_subbuf_size_kb`))
        subbuf = 'yes'
      } catch (e) {
        subbuf = `not writable (${e.code})`
      }
    }
    return { clocks, subbuf: subbuf === 'yes', subbufWhy: subbuf }
  })
}

/** Runs one scenario both ways; returns null or the first divergence. */
function check(scn, machine, tally) {
  const frames = runKernel(programText(scn))
  const pid = frames[0].value
  // every clock's times come from the kernel's pages; --counter-model replays the counter clock
  // with a model of the kernel's counter instead (only sound while nothing else reads it)
  const counter = scn.steps[0].arg === 'counter'
  const real = !(counter && opts['counter-model'])
  let times
  if (real) {
    const kt = kernelTimes(scn, frames, machine.type, counter ? 0 : 1)
    times = kt.times
    // rule unread-time: the writes no page showed, their times interpolated
    const writes = scn.steps.filter((s) => s.op === 'write').length
    tally.ops['unread-time (writes interpolated)'] =
      (tally.ops['unread-time (writes interpolated)'] ?? 0) + writes - kt.known
  }
  let ours
  try {
    ours = replay(scn, { ...machine, pid }, times)
  } catch (e) {
    // a throw is a divergence too (the kernel answered every step)
    return { step: -1, message: `onering threw ${e.stack.split('\n').slice(0, 3).join(' | ')}` }
  }
  const rebase = { kernel: undefined, ours: undefined, exact: real }
  for (let i = 0; i < ours.length; i++) {
    const d = compareStep(scn.steps[i], frames[i + 1], ours[i], rebase, tally)
    if (d !== null) return { step: i, message: d }
  }
  return null
}

const machine = probe()
const caps = capabilities()
const tally = newTally()
let divergences = 0
const t0 = Date.now()
console.log(`conformance:live: seed ${seed}, ${scenarios} ftrace scenarios, CPU ${cpu}, ${tracefs}`)
console.log(
  `  real clocks: ${caps.clocks.join(' ') || 'none'}; buffer_subbuf_size_kb: ${caps.subbufWhy}`,
)
// --program FILE: that one program (a shrunk reproduction) instead of generated scenarios
const fixed = opts.program === undefined ? undefined : readFileSync(opts.program, 'utf8')
const count = fixed === undefined ? scenarios : 1
for (let k = 0; k < count; k++) {
  const s = (seed + k) >>> 0
  const scn = fixed === undefined ? generate(s, caps) : parseProgram(fixed, s)
  const d = check(scn, machine, tally)
  tally.scenarios++
  if (d !== null) {
    divergences++
    // shrink: the smallest prefix/subset of the steps that still diverges
    const small = shrink(scn, (c) => check(c, machine, newTally()) !== null)
    const ds = check(small, machine, newTally()) ?? d
    console.log(`\nDIVERGENCE seed ${s} step ${d.step}: ${d.message}`)
    console.log(`minimal program (step ${ds.step}: ${ds.message}):\n${programText(small)}`)
  }
  if (opts.verbose || (k + 1) % 25 === 0 || k + 1 === count)
    console.log(
      `  ${k + 1}/${count} scenarios, ${divergences} divergences, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
}
for (const line of tallySummary(tally)) console.log(line)
// the mmap face (issue 13 point 3): its own scenarios, counted in the ftrace line
const mmapCount =
  fixed !== undefined ? 0 : Number(opts['mmap-scenarios'] ?? Math.ceil(scenarios / 3))
const mmap =
  mmapCount > 0
    ? runMmap({ scenarios: mmapCount, seed, cpu, verbose: opts.verbose, tracefs })
    : { scenarios: 0, divergences: 0 }
if (mmap.tally !== undefined)
  for (const line of tallySummary(mmap.tally, 'mmap ')) console.log(line)
const perf =
  fixed !== undefined
    ? { skipped: '--program runs one ftrace program', scenarios: 0, divergences: 0 }
    : runPerf({
        scenarios: Number(opts['perf-scenarios'] ?? scenarios),
        seed,
        cpu,
        verbose: opts.verbose,
      })
if (perf.skipped === undefined) for (const line of perfSummary(perf.tally)) console.log(line)
// the perf half cannot be skipped under CI on this machine kind (root, tracefs), as the ftrace one
const perfStrict =
  fixed === undefined && perf.skipped !== undefined && !!process.env.CI && process.getuid?.() === 0
console.log(
  `  ftrace ring_buffer API: ${count} scenarios, ${divergences} divergences; mmap face: ${mmap.scenarios} scenarios, ${mmap.divergences} divergences`,
)
const ftraceDivergences = divergences + mmap.divergences
console.log(`ftrace: ${count + mmap.scenarios} scenarios, ${ftraceDivergences} divergences`)
console.log(
  perf.skipped === undefined
    ? `perf: ${perf.scenarios} scenarios, ${perf.divergences} divergences`
    : `perf: ${perfStrict ? 'FAILED' : 'skipped'}: ${perf.skipped}`,
)
process.exit(ftraceDivergences === 0 && perf.divergences === 0 && !perfStrict ? 0 : 1)
