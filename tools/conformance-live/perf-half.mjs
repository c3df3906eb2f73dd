/**
 * The perf half of the live differential tester: seeded random scenarios run through a real
 * perf event on `syscalls:sys_enter_getppid` (the C helper `perf_live`, pinned to one CPU) and
 * through `@onering/perf` (`perf-replay.mjs`), compared after every step (`perf-compare.mjs`).
 * A divergence prints its seed, step, message and a shrunk program.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newTally, tallySummary } from './compare.mjs'
import { parseFrames } from './helper-io.mjs'
import { comparePerfStep } from './perf-compare.mjs'
import { replayPerf } from './perf-replay.mjs'
import { generatePerf, perfProgramText, shrinkPerf } from './perf-scenario.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const TRACEPOINT = 'events/syscalls/sys_enter_getppid/id'

/**
 * Why the perf half cannot run here (null when it can): Linux, root or `perf_event_paranoid`
 * ≤ -1 (a tracepoint event needs CAP_PERFMON or paranoid -1), the tracepoint's id in tracefs,
 * and the helper built with the system C compiler. Returns `{ why }` or `{ helper, tracepoint }`.
 */
export function perfSetup() {
  if (process.platform !== 'linux') return { why: 'not Linux' }
  let paranoid
  try {
    paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'))
  } catch {
    return { why: 'no /proc/sys/kernel/perf_event_paranoid (no perf events)' }
  }
  if (process.getuid?.() !== 0 && paranoid > -1)
    return { why: `perf_event_paranoid is ${paranoid} and not root (tracepoint events need root)` }
  let tracepoint
  for (const fs of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'])
    try {
      tracepoint = Number(readFileSync(`${fs}/${TRACEPOINT}`, 'utf8'))
      break
    } catch {
      // try the next mount
    }
  if (tracepoint === undefined) return { why: `no readable tracefs ${TRACEPOINT}` }
  try {
    const bin = execFileSync('bash', [join(here, 'build.sh')], { encoding: 'utf8' }).trim()
    return { helper: join(bin, 'perf_live'), tracepoint }
  } catch (e) {
    return { why: `cannot build the C helper (${e.message.split('\n')[0]})` }
  }
}

/** Runs `scn` through the kernel: `{ pid, cpu, tracepoint, id, open, steps }` (frames). */
function runKernel(scn, env) {
  const r = spawnSync(env.helper, [String(env.cpu), String(env.tracepoint)], {
    input: perfProgramText(scn),
    maxBuffer: 1 << 30,
  })
  if (r.error !== undefined) throw r.error
  if (r.status !== 0)
    throw new Error(
      `perf_live exited ${r.status ?? r.signal ?? r.error?.message}: ${r.stderr?.toString().trim() ?? ''}`,
    )
  const frames = parseFrames(r.stdout)
  const open = frames[1]
  if (frames[0]?.kind !== 'pid' || open?.kind !== 'open')
    throw new Error('perf_live: no pid and open frames')
  return {
    pid: frames[0].value,
    cpu: env.cpu,
    tracepoint: env.tracepoint,
    id: open.value,
    open,
    steps: frames.slice(2),
  }
}

/** Runs one scenario both ways; returns null or the first divergence `{ step, message }`. */
function check(scn, env, tally) {
  const k = runKernel(scn, env)
  const ours = replayPerf(scn, k)
  const kid = BigInt(k.id)
  let d = comparePerfStep(scn, -1, k.open, undefined, ours[0], kid, tally)
  if (d !== null) return { step: -1, message: d }
  for (let i = 0; i < scn.steps.length; i++) {
    d = comparePerfStep(
      scn,
      i,
      k.steps[i],
      i === 0 ? k.open : k.steps[i - 1],
      ours[i + 1],
      kid,
      tally,
    )
    if (d !== null) return { step: i, message: d }
  }
  return null
}

/**
 * Runs `scenarios` perf scenarios of seeds `seed`, `seed + 1`, … on CPU `cpu`, printing
 * progress (every 25, or every one with `verbose`) and each divergence (seed, step, message,
 * shrunk program). Returns `{ scenarios, divergences, tally }`, or `{ skipped }` (the reason)
 * when perf events cannot be used here.
 */
export function runPerf({ scenarios, seed, cpu, verbose = false }) {
  const setup = perfSetup()
  if (setup.why !== undefined) return { skipped: setup.why, scenarios: 0, divergences: 0 }
  const env = { ...setup, cpu }
  const tally = newTally()
  let divergences = 0
  const t0 = Date.now()
  console.log(
    `perf: seed ${seed}, ${scenarios} scenarios, CPU ${cpu}, tracepoint ${env.tracepoint}`,
  )
  for (let k = 0; k < scenarios; k++) {
    const s = (seed + k) >>> 0
    const scn = generatePerf(s)
    if (scn.open.backward) tally.ops.write_backward = (tally.ops.write_backward ?? 0) + 1
    if (scn.open.bridge) tally.ops['tracepoint bridge'] = (tally.ops['tracepoint bridge'] ?? 0) + 1
    const d = check(scn, env, tally)
    tally.scenarios++
    if (d !== null) {
      divergences++
      const small = shrinkPerf(scn, (c) => check(c, env, newTally()) !== null)
      const ds = check(small, env, newTally()) ?? d
      console.log(`\nperf DIVERGENCE seed ${s} step ${d.step}: ${d.message}`)
      console.log(`minimal program (step ${ds.step}: ${ds.message}):\n${perfProgramText(small)}`)
    }
    if (verbose || (k + 1) % 25 === 0 || k + 1 === scenarios)
      console.log(
        `  perf ${k + 1}/${scenarios} scenarios, ${divergences} divergences, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      )
  }
  return { scenarios, divergences, tally }
}

/** The summary lines of a perf tally (`compare.mjs` `tallySummary`). */
export function perfSummary(tally) {
  return tallySummary(tally, 'perf ')
}
