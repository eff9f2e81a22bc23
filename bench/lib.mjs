// Shared by the benchmarks: server child processes (the emulator, the registry stub) and their
// answers, npm config isolation, statistics.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

export const USER = { name: 'bench', token: 'bench-token-not-a-secret', otp: '112358' }

/** Starts the emulator in a child process; resolves to `{ url, count(), stop() }`. */
export function emulatorProcess(config) {
  return serverProcess('./emulator-process.mjs', { user: USER, ...config })
}

/** Starts `script` (relative to bench/) in a child process with `config` as JSON in argv[2].
 * The script prints its URL first, answers `count` on stdin with one JSON line, and stops when
 * stdin ends. Resolves to `{ url, count(), stop() }`. */
export function serverProcess(script, config) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const next = () => new Promise((resolve) => lines.once('line', resolve))
  const exited = new Promise((resolve, reject) => child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before printing its URL`))))
  return Promise.race([next(), exited]).then((url) => ({
    url,
    async count() {
      child.stdin.write('count\n')
      return JSON.parse(await next())
    },
    stop() {
      child.stdin.end()
    },
  }))
}

export const seconds = (ms) => (ms / 1000).toFixed(1)

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The nearest-rank `p`th percentile (0 < p <= 100) of numbers already sorted ascending. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Empty npm user and global config, and no inherited npm_config_*: the machine's own npm setup
 * (nor its NPM_TOKEN) must not change what is measured. Answers the temporary home. */
export function isolateNpmConfig() {
  const home = mkdtempSync(join(tmpdir(), 'tn-bench-'))
  writeFileSync(join(home, 'npmrc-user'), '')
  writeFileSync(join(home, 'npmrc-global'), '')
  for (const key of Object.keys(process.env)) if (/^npm_config_/i.test(key) || key === 'NPM_TOKEN') delete process.env[key]
  process.env.npm_config_userconfig = join(home, 'npmrc-user')
  process.env.npm_config_globalconfig = join(home, 'npmrc-global')
  return home
}
