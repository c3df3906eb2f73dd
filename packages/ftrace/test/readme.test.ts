/**
 * The README's usage example runs as written against the built package and prints what its
 * comments say.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

it('the README usage example runs', () => {
  expect(
    existsSync(new URL('../dist/index.js', import.meta.url)),
    'build @onering/ftrace first',
  ).toBe(true)
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    // plain output whatever the runner's terminal settings (console.log colours numbers)
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  })
  const lines = out.trim().split('\n')
  expect(lines).toHaveLength(3)
  expect(lines[0]).toMatch(/^\d+ 0 hello$/)
  expect(lines[1]).toMatch(/^\d+ 0 world$/)
  // the 3-byte event: payload rounded to 4, no missed events
  expect(lines[2]).toMatch(/^\d+ 4 0$/)
})
