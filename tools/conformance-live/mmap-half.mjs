/**
 * The mmap face of the live differential conformance tester: seeded random scenarios on a mapped
 * `per_cpu/cpuN/trace_pipe_raw` of a private tracefs instance (the C helper `mmap_live`, pinned
 * to one CPU) and on `@onering/ftrace`'s mapping (`ring_buffer_map`), compared after every step.
 *
 * `runMmap` is called by `run.mjs` (its scenarios count in the `ftrace:` summary line) and by
 * `mmap-run.mjs`, the CLI of this face alone. See README.md, "The mmap face".
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateMmap, isMmapProgram, programText, shrink } from './mmap-scenario.mjs'
import { replayMmap } from './mmap-replay.mjs'
import { compareMmapStep, newMmapState } from './mmap-compare.mjs'
import { excuse, newTally } from './compare.mjs'
import { parseFrames as frames, removeInstance } from './helper-io.mjs'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Runs the mmap face: `scenarios` scenarios from `seed` on `cpu`, in private instances
 * `instances/onering-mmap-<pid>` of `tracefs` (removed after each, also on failure). Prints each
 * divergence (seed, step, message, shrunk program: at most `shrinkBudget` kernel runs).
 * Returns `{ scenarios, divergences, tally }`.
 */
export function runMmap({ scenarios, seed, cpu, verbose = false, tracefs, shrinkBudget = 40 }) {
  const bin = execFileSync('bash', [join(here, 'build.sh')], { encoding: 'utf8' }).trim()
  const helper = join(bin, 'mmap_live')
  const dir = `${tracefs}/instances/onering-mmap-${process.pid}`

  /** Runs `program` (text) in a fresh private instance; returns the frames. */
  function runKernel(program) {
    mkdirSync(dir)
    try {
      const r = spawnSync(helper, [dir, String(cpu)], { input: program, maxBuffer: 1 << 28 })
      if (r.status !== 0)
        throw new Error(
          `mmap_live exited ${r.status ?? r.signal ?? r.error?.message}: ${r.stderr?.toString().trim() ?? ''}`,
        )
      return frames(r.stdout)
    } finally {
      try {
        writeFileSync(`${dir}/tracing_on`, '0')
      } catch {
        // the instance may already be gone
      }
      removeInstance(dir)
    }
  }

  // the machine values of a `print` event (type id, flags, preempt count, ip), from the kernel
  const probe = runKernel('clock counter\nwrite 1\nread\n').find((f) => f.kind === 'read')
  if (probe === undefined || probe.value <= 0) throw new Error('mmap probe: no marker page')
  const ev = 16 + 4 // page header, then the header of a small (type_len) event
  const machine = {
    type: probe.bytes.readUInt16LE(ev),
    flags: probe.bytes[ev + 2],
    preempt: probe.bytes[ev + 3],
    ip: Uint8Array.from(probe.bytes.subarray(ev + 8, ev + 16)),
  }

  /** One scenario both ways: null, or the first divergence `{ step, message }`. */
  function check(scn, tally) {
    if (!isMmapProgram(scn)) return null // the shrinker made a program outside this face
    const fs = runKernel(programText(scn))
    const replayed = replayMmap(scn, { ...machine, pid: fs[0].value })
    const state = newMmapState()
    for (let i = 0; i < replayed.length; i++) {
      const d = compareMmapStep(
        scn.steps[i],
        fs[1 + 2 * i],
        fs[2 + 2 * i],
        replayed[i],
        state,
        tally,
      )
      if (d !== null) return { step: i, message: d }
    }
    return null
  }

  const tally = newTally()
  let divergences = 0
  const t0 = Date.now()
  console.log(`mmap: seed ${seed}, ${scenarios} scenarios, CPU ${cpu}, ${tracefs}`)
  for (let k = 0; k < scenarios; k++) {
    const s = (seed + k) >>> 0
    const scn = generateMmap(s)
    let d = check(scn, tally)
    if (d !== null && (check(scn, newTally()) === null || check(scn, newTally()) === null)) {
      // rule counter-noise: the same program passed on a rerun. The only inputs of the kernel side
      // that vary between runs are the machine's: the global counter clock, which tracing
      // anywhere else on the machine advances, and the scheduler's flags
      console.log(`  mmap noise: seed ${s} step ${d.step}: ${d.message} (passed on a rerun)`)
      excuse(tally, 'counter-noise')
      d = null
    }
    tally.scenarios++
    if (d !== null) {
      divergences++
      const small = shrink(scn, (c) => check(c, newTally()) !== null, shrinkBudget)
      const ds = check(small, newTally()) ?? d
      console.log(`\nMMAP DIVERGENCE seed ${s} step ${d.step}: ${d.message}`)
      console.log(`minimal program (step ${ds.step}: ${ds.message}):\n${programText(small)}`)
    }
    if (verbose || (k + 1) % 25 === 0 || k + 1 === scenarios)
      console.log(
        `  mmap ${k + 1}/${scenarios} scenarios, ${divergences} divergences, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      )
  }
  return { scenarios, divergences, tally }
}
