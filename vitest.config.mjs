import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.mjs'],
    // The npm CLI fidelity tests start real npm processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
