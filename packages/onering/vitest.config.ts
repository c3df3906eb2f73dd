import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'onering',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
  },
})
