import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'perf-data',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
  },
})
