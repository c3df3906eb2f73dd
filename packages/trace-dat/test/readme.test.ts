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
    'build @onering/trace-dat first',
  ).toBe(true)
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  })
  expect(out.trim().split('\n')).toEqual(['tracing6', 'true'])
})
