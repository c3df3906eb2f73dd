import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import * as esmCore from '@onering/core'
import * as esmFtrace from '@onering/ftrace'
import * as esmPerf from '@onering/perf'
import * as esmTraceEvents from '@onering/trace-events'

const require = createRequire(import.meta.url)

for (const [name, esm] of [
  ['@onering/core', esmCore],
  ['@onering/ftrace', esmFtrace],
  ['@onering/perf', esmPerf],
  ['@onering/trace-events', esmTraceEvents],
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
