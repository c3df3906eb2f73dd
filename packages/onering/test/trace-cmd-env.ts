/**
 * Whether trace-cmd runs here. Without it the suites that need it are skipped with a warning,
 * unless `CI` is set: then a failing test says it is missing (CI must run them).
 */
import { spawnSync } from 'node:child_process'
import { describe, it } from 'vitest'

const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

/** True when `trace-cmd --version` runs. */
export const hasTraceCmd: boolean =
  spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error === undefined

/** Register the CI failure or print the skip warning for suite `what` when trace-cmd is missing. */
export function requireTraceCmd(what: string): void {
  if (hasTraceCmd) return
  if (inCi)
    describe(`${what}: trace-cmd (CI)`, () => {
      it('is installed', () => {
        throw new Error('trace-cmd is missing: CI must run this suite (.ci/run installs it).')
      })
    })
  else
    console.warn(
      `\n[${what}] trace-cmd SKIPPED: not installed (Debian: apt-get install trace-cmd); with CI set this is a failure.\n`,
    )
}
