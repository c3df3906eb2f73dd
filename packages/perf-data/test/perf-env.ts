/**
 * Whether perf (and babeltrace2) run here, and `perf record` works. Without perf the suites
 * that need it are skipped with a warning, unless `CI` is set: then a failing test says it is
 * missing (CI must run them). Recording fresh files needs a kernel that lets us record; where
 * it does not, those tests skip with a message.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { PERF_SCRIPT_LISTING_ARGS } from '../src/index.js'

const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

/** True when `perf --version` runs. */
export const hasPerf: boolean = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0
/** True when `babeltrace2 --version` runs. */
export const hasBabeltrace: boolean =
  spawnSync('babeltrace2', ['--version'], { stdio: 'ignore' }).status === 0

/** True when `perf record` of a tracepoint of `true` works here (permissions, tracefs). */
export const perfRecords: boolean = ((): boolean => {
  if (!hasPerf) return false
  const dir = mkdtempSync(join(tmpdir(), 'onering-perf-probe-'))
  try {
    const r = spawnSync(
      'perf',
      ['record', '-q', '-o', join(dir, 'p.data'), '-e', 'syscalls:sys_enter_getppid', '--', 'true'],
      { stdio: 'ignore' },
    )
    return r.status === 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

/** Register the CI failure or print the skip warning for suite `what` when `tool` is missing. */
export function requireTool(what: string, tool: 'perf' | 'babeltrace2'): void {
  const present = tool === 'perf' ? hasPerf : hasBabeltrace
  if (present) return
  if (inCi)
    describe(`${what}: ${tool} (CI)`, () => {
      it('is installed', () => {
        throw new Error(`${tool} is missing: CI must run this suite (.ci/run installs it).`)
      })
    })
  else
    console.warn(
      `\n[${what}] ${tool} SKIPPED: not installed (Debian: apt-get install ${tool === 'perf' ? 'linux-perf' : tool}); with CI set this is a failure.\n`,
    )
}

/** `perf script -f -i file <listing args>`, as lines (stderr dropped: perf's notes). */
export function perfScript(file: string): string[] {
  const out = execFileSync('perf', ['script', '-f', '-i', file, ...PERF_SCRIPT_LISTING_ARGS], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 30,
  })
  return out.split('\n').filter((l) => l !== '')
}
