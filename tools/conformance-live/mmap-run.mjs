#!/usr/bin/env node
/**
 * The mmap face alone (the full runner is run.mjs):
 *
 *   node tools/conformance-live/mmap-run.mjs [--scenarios N] [--seed S] [--cpu C] [--verbose]
 *                                            [--shrink TRIES]
 *
 * Skips with a message without Linux or a writable tracefs `instances/`; exit status 1 on a
 * divergence.
 */
import { writableTracefs } from './helper-io.mjs'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { tallySummary } from './compare.mjs'
import { runMmap } from './mmap-half.mjs'

const { values: opts } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '50' },
    seed: { type: 'string' },
    cpu: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    shrink: { type: 'string', default: '40' },
  },
})
const scenarios = Number(opts.scenarios)
if (!Number.isInteger(scenarios) || scenarios < 0) throw new RangeError('--scenarios: a count')
const seed = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed) >>> 0
const cpu = opts.cpu === undefined ? availableParallelism() - 1 : Number(opts.cpu)
const tracefs = writableTracefs()
if (process.platform !== 'linux' || tracefs === undefined) {
  console.log('mmap: skipped: needs Linux, root and a writable tracefs instances/')
  process.exit(0)
}
// ^C or a kill: the helper stops, spawnSync returns, the instance is removed, then we exit
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

const { divergences, tally } = runMmap({
  scenarios,
  seed,
  cpu,
  verbose: opts.verbose,
  tracefs,
  shrinkBudget: Number(opts.shrink),
})
for (const line of tallySummary(tally)) console.log(line)
console.log(`mmap: ${scenarios} scenarios, ${divergences} divergences`)
process.exit(divergences === 0 ? 0 : 1)
