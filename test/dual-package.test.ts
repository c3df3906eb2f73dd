import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import * as esm from '@onering/core'

const require = createRequire(import.meta.url)

describe('@onering/core dual package (built dist)', () => {
  it('exposes the same non-empty set of exports from ESM and CJS', () => {
    const cjs = require('@onering/core') as Record<string, unknown>
    const esmNames = Object.keys(esm)
      .filter((name) => name !== 'default')
      .sort()
    const cjsNames = Object.keys(cjs)
      .filter((name) => name !== 'default' && name !== '__esModule')
      .sort()

    expect(esmNames.length).toBeGreaterThan(0)
    expect(cjsNames).toEqual(esmNames)
  })

  it('resolves ESM and CJS to the built files, not to src', () => {
    expect(require.resolve('@onering/core')).toMatch(/[\\/]dist[\\/]index\.cjs$/)
    expect(import.meta.resolve('@onering/core')).toMatch(/\/dist\/index\.js$/)
  })
})
