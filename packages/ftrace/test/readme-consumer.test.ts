/**
 * The README's ported libtracefs consumer loop (`// file: consumer.mjs`) runs as written
 * against the built packages and prints both markers as trace-cmd's event line.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

it('the README consumer loop runs and prints each trace_marker write', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```js\n(\/\/ file: consumer\.mjs\n[\s\S]*?)```/.exec(readme)![1]!
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  })
  const lines = out.trimEnd().split('\n')
  expect(lines).toHaveLength(2)
  // no comm is registered: libtraceevent prints "<...>"; the pid is the writing thread's, the
  // child's main thread, whose tid is its pid — not ours, so any number
  expect(lines[0]).toMatch(/^<\.\.\.>-\d+ \[000\] +\d+\.\d{6}: print: tracing_mark_write: hello$/)
  expect(lines[1]).toMatch(/^<\.\.\.>-\d+ \[000\] +\d+\.\d{6}: print: tracing_mark_write: world$/)
})
