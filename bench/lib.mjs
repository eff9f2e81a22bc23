// Shared by the benchmarks: an emulator child process and its answers.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

export const USER = { name: 'bench', token: 'bench-token-not-a-secret', otp: '112358' }

/** Starts the emulator in a child process; resolves to `{ url, count(), stop() }`. */
export function emulatorProcess(config) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./emulator-process.mjs', import.meta.url)), JSON.stringify({ user: USER, ...config })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const next = () => new Promise((resolve) => lines.once('line', resolve))
  return next().then((url) => ({
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

/** Empty npm user and global config, and no inherited npm_config_*: the machine's own npm setup
 * must not change what is measured. Answers the temporary home. */
export function isolateNpmConfig() {
  const home = mkdtempSync(join(tmpdir(), 'tn-bench-'))
  writeFileSync(join(home, 'npmrc-user'), '')
  writeFileSync(join(home, 'npmrc-global'), '')
  for (const key of Object.keys(process.env)) if (/^npm_config_/i.test(key)) delete process.env[key]
  process.env.npm_config_userconfig = join(home, 'npmrc-user')
  process.env.npm_config_globalconfig = join(home, 'npmrc-global')
  return home
}
