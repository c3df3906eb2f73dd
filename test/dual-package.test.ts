import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as esmCore from '@onering/core'
import * as esmFtrace from '@onering/ftrace'
import * as esmPerf from '@onering/perf'
import * as esmTraceEvents from '@onering/trace-events'
import * as esmTraceDat from '@onering/trace-dat'

const require = createRequire(import.meta.url)

for (const [name, esm] of [
  ['@onering/core', esmCore],
  ['@onering/ftrace', esmFtrace],
  ['@onering/perf', esmPerf],
  ['@onering/trace-events', esmTraceEvents],
  ['@onering/trace-dat', esmTraceDat],
] as const) {
  describe(`${name} dual package (built dist)`, () => {
    it('exposes the same non-empty set of exports from ESM and CJS', () => {
      const cjs = require(name) as Record<string, unknown>
      const esmNames = Object.keys(esm)
        .filter((n) => n !== 'default')
        .sort()
      const cjsNames = Object.keys(cjs)
        .filter((n) => n !== 'default' && n !== '__esModule')
        .sort()
      expect(esmNames.length).toBeGreaterThan(0)
      expect(cjsNames).toEqual(esmNames)
    })

    it('resolves ESM and CJS to the built files, not to src', () => {
      expect(require.resolve(name)).toMatch(/[\\/]dist[\\/]index\.cjs$/)
      expect(import.meta.resolve(name)).toMatch(/\/dist\/index\.js$/)
    })
  })
}

/**
 * The dual-package hazard: one program that loads `@onering/core` through `require` and a face
 * through `import` (or the reverse) has two copies of the core. A buffer made through either must
 * attach through the other — the client registry is one per thread, not one per copy. Each
 * direction runs in a fresh process so that only the copies it names are loaded.
 */
describe('a buffer made by one build attaches through the other', () => {
  const run = (source: string): string =>
    execFileSync(process.execPath, ['--input-type=module', '-e', source], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
      // plain output whatever the runner's terminal settings (console.log colours numbers)
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
  const script = (coreFrom: 'esm' | 'cjs', ftraceFrom: 'esm' | 'cjs'): string => `
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const load = (name, how) => (how === 'cjs' ? require(name) : import(name))
    const core = await load('@onering/core', '${coreFrom}')
    const ftrace = await load('@onering/ftrace', '${ftraceFrom}')
    // made through the face's copy of the core, attached through the other copy
    const buffer = ftrace.ring_buffer_alloc(8192, 0)
    const rb = core.RingBuffer.attach(buffer.rb.sab)
    const w = rb.writer(0)
    w.write(new Uint8Array([1, 2, 3, 4]))
    w.close()
    console.log(rb.client.id, rb.stats().written)
  `
  it.each([
    ['cjs core, esm ftrace', 'cjs', 'esm'],
    ['esm core, cjs ftrace', 'esm', 'cjs'],
  ] as const)('%s', (_, coreFrom, ftraceFrom) => {
    expect(run(script(coreFrom, ftraceFrom)).trim()).toBe('onering.ftrace/1 1')
  })

  it('declares the modules that register clients as side effects', () => {
    for (const name of ['@onering/core', '@onering/ftrace']) {
      const pkg = require(`${name}/package.json`) as { sideEffects: unknown }
      expect(pkg.sideEffects).toEqual(
        expect.arrayContaining(['./dist/index.js', './dist/index.cjs']),
      )
    }
  })
})
