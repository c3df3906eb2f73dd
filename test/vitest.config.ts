import { defineProject } from 'vitest/config'

// These tests import `@onering/*` by name, so they resolve through node_modules to each
// package's dist/ (no `@onering/source` condition here). nx builds the packages first (^build).
export default defineProject({
  test: {
    name: 'integration',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 300_000,
  },
})
