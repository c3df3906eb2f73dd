#!/usr/bin/env node
/**
 * The perf half alone, for development:
 *
 *   node tools/conformance-live/perf-run.mjs [--scenarios N] [--seed S] [--cpu C] [--verbose]
 *
 * Ends with `perf: N scenarios, D divergences` (exit 1 when D > 0) or `perf: skipped: <why>`
 * (exit 0, or 1 under CI on a root machine with tracefs, as run.mjs).
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { perfSummary, runPerf } from './perf-half.mjs'

const { values: opts } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '100' },
    seed: { type: 'string' },
    cpu: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})
const scenarios = Number(opts.scenarios)
if (!Number.isInteger(scenarios) || scenarios < 0) throw new RangeError('--scenarios: a count')
const seed = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed) >>> 0
const cpu = opts.cpu === undefined ? availableParallelism() - 1 : Number(opts.cpu)
const r = runPerf({ scenarios, seed, cpu, verbose: opts.verbose })
if (r.skipped !== undefined) {
  const strict =
    !!process.env.CI && process.getuid?.() === 0 && existsSync('/sys/kernel/tracing/instances')
  console.log(`perf: ${strict ? 'FAILED' : 'skipped'}: ${r.skipped}`)
  process.exit(strict ? 1 : 0)
}
for (const line of perfSummary(r.tally)) console.log(line)
console.log(`perf: ${r.scenarios} scenarios, ${r.divergences} divergences`)
process.exit(r.divergences === 0 ? 0 : 1)
