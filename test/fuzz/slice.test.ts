/**
 * CI's slice of the fuzz campaign (`npm run fuzz`, tools/fuzz): every target for a few seconds
 * with a fresh seed, printed so that a failure can be replayed (`npm run fuzz -- --seed S
 * --target T --replay I`). Any untyped error, hang or crash fails the test.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
// @ts-expect-error -- a plain .mjs module of the harness, without types
import { targets } from '../../tools/fuzz/targets.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))
// every target of tools/fuzz/targets.mjs (a new reader added there is in the slice at once);
// core.attach: RingBuffer.attach on mutated core buffers (per-CPU control and lock words with
// the header checksum recomputed), then every ring read, the stats and a write.
const TARGETS = Object.keys(targets as Record<string, unknown>)
// about 6 s a target, two at a time (run.mjs splits the budget evenly); on a loaded machine a
// target's slice goes on until it has run MIN_INPUTS inputs (at most four times its length)
const BUDGET_S = 6 * Math.ceil(TARGETS.length / 2)
const MIN_INPUTS = 1001

it(
  `fuzz slice: ${TARGETS.length} targets, ${BUDGET_S} s, fresh seed`,
  { timeout: 4 * BUDGET_S * 1000 + 60_000 },
  async () => {
    const seed = (Date.now() ^ (process.pid << 12)) >>> 0
    const out = mkdtempSync(join(tmpdir(), 'onering-fuzz-'))
    const args = [
      'tools/fuzz/run.mjs',
      '--budget',
      String(BUDGET_S),
      '--seed',
      String(seed),
      '--out',
      out,
      '--min-inputs',
      String(MIN_INPUTS),
    ]
    for (const t of TARGETS) args.push('--target', t)
    console.log(
      `fuzz slice: seed ${seed} (replay: npm run fuzz -- --seed ${seed} --target T --replay I)`,
    )
    let stdout: string
    try {
      ;({ stdout } = await promisify(execFile)(process.execPath, args, {
        cwd: root,
        encoding: 'utf8',
      }))
    } catch (e) {
      const { stdout: o = '', stderr: r = '' } = e as { stdout?: string; stderr?: string }
      throw new Error(`fuzz run failed (seed ${seed}):\n${o}${r}`, { cause: e })
    }
    console.log(stdout)
    for (const t of TARGETS) {
      const line = new RegExp(
        `^${t.replace('.', '\\.')}: (\\d+) inputs, \\d+ typed errors, 0 untyped, 0 hangs, 0 crashes$`,
        'm',
      )
      const m = line.exec(stdout)
      expect(m, `${t} in:\n${stdout}`).not.toBeNull()
      expect(Number(m![1])).toBeGreaterThanOrEqual(MIN_INPUTS)
    }
  },
)
