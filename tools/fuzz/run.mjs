#!/usr/bin/env node
/**
 * The project's fuzz harness: `npm run fuzz -- --budget SECONDS [--seed N] [--target NAME …]
 * [--timeout MS] [--out DIR] [--json FILE]`.
 *
 * Every target of `targets.mjs` (each decoder and `RingBuffer.attach`) runs in its own worker
 * thread over mutated real inputs; the supervisor (this thread) watches each worker's progress
 * word, and an input that has not finished after `--timeout` ms is a hang: the worker is
 * terminated, the input (kept in shared memory) is saved, and a new worker resumes at the next
 * input. Untyped errors (see `classify.mjs`) are saved too. Two targets run at a time (two cores);
 * the budget is split evenly. Exit code 1 when any target hung or threw an untyped error.
 *
 * Every input is reproducible from (seed, index): `--target T --seed S --replay I`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { parseArgs } from 'node:util'
import { targets } from './targets.mjs'

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: '60' },
    seed: { type: 'string' },
    target: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'fuzz-findings' },
    json: { type: 'string' },
    replay: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    'min-inputs': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(`usage: npm run fuzz -- [--budget SECONDS] [--seed N] [--target NAME ...] [--timeout MS]
                      [--out DIR] [--json FILE] [--replay INDEX] [--parallel N]
                      [--min-inputs N]   (a target's slice goes on past the budget, up to
                                          four times its length, until it has run N inputs)
targets: ${Object.keys(targets).join(', ')}`)
  process.exit(0)
}
const budgetMs = Number(values.budget) * 1000
const minInputs = Number(values['min-inputs'])
if (!Number.isInteger(minInputs) || minInputs < 0)
  throw new RangeError('--min-inputs: expected a count')
const timeoutMs = Number(values.timeout)
const seed =
  values.seed !== undefined ? Number(values.seed) : (Date.now() ^ (process.pid << 16)) >>> 0
const names = values.target ?? Object.keys(targets)
for (const n of names) if (!(n in targets)) throw new TypeError(`--target: unknown target ${n}`)
if (!(budgetMs > 0) || !(timeoutMs > 0))
  throw new RangeError('--budget and --timeout: expected positive numbers')

console.log(
  `fuzz: seed ${seed}, budget ${values.budget} s, ${names.length} targets, per-input timeout ${timeoutMs} ms`,
)

const INPUT_CAP = 4 << 20

/** Runs one target for `ms` milliseconds (or one input with --replay); resolves with its report. */
function runTarget(name, ms) {
  return new Promise((resolve) => {
    const report = {
      target: name,
      inputs: 0,
      typed: 0,
      untyped: 0,
      hangs: 0,
      crashes: 0,
      findings: [],
    }
    const deadline = Date.now() + ms
    // --min-inputs: a loaded machine runs fewer inputs in the budget; go on until there are
    // enough of them, but never past four times the slice
    const hardDeadline = deadline + 3 * ms
    const over = () =>
      Date.now() >= hardDeadline ||
      (Date.now() >= deadline && base.inputs + Atomics.load(state, 0) >= minInputs)
    let start = values.replay !== undefined ? Number(values.replay) : 0
    let worker
    let state
    let inputBuf
    let base = { inputs: 0, typed: 0, untyped: 0 }
    let lastCount = -1
    let lastChange = Date.now()

    const save = (kind, index, bytes, detail) => {
      mkdirSync(values.out, { recursive: true })
      const file = `${values.out}/${name}-${seed}-${index}.${kind}.bin`
      writeFileSync(file, bytes)
      report.findings.push({ kind, index, file, ...detail })
      console.log(
        `  ${name}: ${kind} at input ${index} (${file})${detail.error ? `: ${detail.error}` : ''}`,
      )
      if (detail.stack) console.log(detail.stack.replace(/^/gm, '      '))
    }
    const harvest = () => {
      report.inputs = base.inputs + Atomics.load(state, 0)
      report.typed = base.typed + Atomics.load(state, 4)
      report.untyped = base.untyped + Atomics.load(state, 5)
    }
    const spawn = () => {
      const progress = new SharedArrayBuffer(64)
      state = new Int32Array(progress)
      inputBuf = new SharedArrayBuffer(INPUT_CAP)
      worker = new Worker(new URL('./worker.mjs', import.meta.url), {
        workerData: { target: name, seed, start, progress, input: inputBuf },
        resourceLimits: { maxOldGenerationSizeMb: 768 },
      })
      lastCount = -1
      lastChange = Date.now()
      worker.on('message', (m) => {
        if (m.type === 'untyped')
          save('untyped', m.index, m.bytes, {
            error: m.error,
            stack: m.stack,
            corpus: m.corpusEntry,
          })
      })
      worker.on('error', (e) => {
        // the worker itself died (out of memory, a throw outside a target): a crash finding
        harvest()
        const index = Atomics.load(state, 1)
        report.crashes++
        save('crash', index, new Uint8Array(inputBuf, 0, Atomics.load(state, 2)).slice(), {
          error: String(e?.message ?? e),
        })
        base = { inputs: report.inputs + 1, typed: report.typed, untyped: report.untyped }
        start = index + 1
        if (!over()) spawn()
      })
    }
    spawn()
    const tick = setInterval(
      () => {
        const count = Atomics.load(state, 0)
        if (count !== lastCount) {
          lastCount = count
          lastChange = Date.now()
        }
        const replayDone = values.replay !== undefined && count >= 1
        if (over() || replayDone) {
          harvest()
          clearInterval(tick)
          void worker.terminate().then(() => resolve(report))
          return
        }
        // a worker that started an input and has not finished it in time: a hang
        if (Date.now() - lastChange > timeoutMs && Atomics.load(state, 1) >= start) {
          harvest()
          const index = Atomics.load(state, 1)
          report.hangs++
          save('hang', index, new Uint8Array(inputBuf, 0, Atomics.load(state, 2)).slice(), {
            corpus: Atomics.load(state, 3),
          })
          base = { inputs: report.inputs + 1, typed: report.typed, untyped: report.untyped }
          start = index + 1
          const old = worker
          old.removeAllListeners('error')
          void old.terminate()
          spawn()
        }
      },
      Math.min(100, timeoutMs / 4),
    )
  })
}

const slice = budgetMs / Math.ceil(names.length / Number(values.parallel))
const reports = []
const queue = [...names]
await Promise.all(
  Array.from({ length: Math.min(Number(values.parallel), names.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift())
      reports.push(await runTarget(name, slice))
  }),
)
reports.sort((a, b) => names.indexOf(a.target) - names.indexOf(b.target))
let bad = 0
for (const r of reports) {
  bad += r.untyped + r.hangs + r.crashes
  console.log(
    `${r.target}: ${r.inputs} inputs, ${r.typed} typed errors, ${r.untyped} untyped, ${r.hangs} hangs, ${r.crashes} crashes`,
  )
}
const total = reports.reduce((s, r) => s + r.inputs, 0)
console.log(
  `fuzz: ${total} inputs over ${reports.length} targets, ${bad === 0 ? 'no' : bad} findings (seed ${seed})`,
)
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify({ seed, budget: Number(values.budget), reports }, null, 2),
  )
process.exitCode = bad === 0 ? 0 : 1
