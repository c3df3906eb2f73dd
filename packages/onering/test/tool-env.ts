/**
 * Whether a real tool (trace-cmd, perf) runs here. Without it the suites that need it are
 * skipped with a visible warning, unless `CI` is set: then a failing test says it is missing
 * (CI must run them).
 */
import { spawnSync } from 'node:child_process'
import { describe, it } from 'vitest'

const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

/** True when `<tool> --version` runs. */
export function hasTool(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined
}

/**
 * Register the CI failure or print the skip warning for suite `what` when `tool` (Debian
 * package `pkg`) is missing.
 */
export function requireTool(tool: string, pkg: string, what: string): void {
  if (hasTool(tool)) return
  if (inCi)
    describe(`${what}: ${tool} (CI)`, () => {
      it('is installed', () => {
        throw new Error(`${tool} is missing: CI must run this suite (.ci/run installs it).`)
      })
    })
  else
    console.warn(
      `\n[${what}] ${tool} SKIPPED: not installed (Debian: apt-get install ${pkg}); with CI set this is a failure.\n`,
    )
}
