import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.mjs'],
    globalSetup: ['__test__/global-setup.mjs'],
    // The addon reads process.env through the C library; only separate processes (not worker
    // threads) give each test file a real environment of its own.
    pool: 'forks',
    // The npm CLI fidelity tests start real npm processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
