import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'trace-dat',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
  },
})
