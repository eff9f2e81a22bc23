// Benchmark: applyTrust with default settings against the emulator rate-limited like a registry
// (a token bucket of R requests/s, burst R, answering 429 with Retry-After), at several rates.
// Each run is compared with its floor: one request per package at the registry's rate. Then the
// same with a reviewed plan (planTrust, then applyTrust: two requests per package), and the loop
// `npm trust` documents (one `npm trust github ... --yes` per package, 2-second sleeps),
// extrapolated from a measured sample.
//
//   node bench/apply.mjs [rate:packages ...] [--npm-sample N]     (default 1:24 2:24 5:24 20:1000)
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { USER, emulatorProcess, isolateNpmConfig, seconds } from './lib.mjs'

const require = createRequire(import.meta.url)
const tn = require('../index.js')
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'npm-sample': { type: 'string', default: '10' } } })
const runs = (positionals.length ? positionals : ['1:24', '2:24', '5:24', '20:1000']).map((arg) => {
  const [rate, packages] = arg.split(':').map(Number)
  return { rate, packages }
})
const sample = Number(values['npm-sample'])
const auth = (registry) => ({ registry, token: USER.token, otp: USER.otp })
const specsFor = (packages) => Array.from({ length: packages }, (_, i) => ({ type: 'github', package: `bench-${i}`, repository: 'acme/mono', file: 'release.yml' }))

const home = isolateNpmConfig()
let failures = 0

/** Runs `work(url)` against a fresh emulator limited to `rate`; prints and answers the figures. */
async function measure(label, rate, packages, requestsPerPackage, work) {
  const limited = await emulatorProcess({ packages, rateLimit: { perSecond: rate, burst: rate } })
  const started = Date.now()
  const results = await work(auth(limited.url))
  const ms = Date.now() - started
  const counts = await limited.count()
  limited.stop()
  const failed = results.filter((r) => r.status !== 'done').length
  const floor = ((packages * requestsPerPackage) / rate) * 1000
  const wasted = counts.requests - packages * requestsPerPackage
  failures += failed + counts.none + counts.more
  console.log(`  ${label}: ${packages - failed}/${packages} configured, ${failed} failed; ${seconds(ms)} s, floor ${seconds(floor)} s: ratio ${(ms / floor).toFixed(2)}; ${wasted} requests answered 429; configurations missing ${counts.none}, duplicated ${counts.more}`)
  return ms
}

console.log('trust-native applyTrust, default settings, registry limited to R requests/s (token bucket, burst R, 429 with Retry-After)')
let last
for (const { rate, packages } of runs) {
  const ms = await measure(`${rate} requests/s, ${packages} packages, given specs`, rate, packages, 1, (options) => tn.applyTrust(specsFor(packages), options))
  last = { rate, packages, ms }
}

// The reviewed path, at the rate the issue reported packages dropped at.
await measure('2 requests/s, 24 packages, planTrust then applyTrust', 2, 24, 2, async (options) => tn.applyTrust(await tn.planTrust(specsFor(24), options), options))

if (sample > 0) {
  // The documented loop, measured on a sample against an unlimited emulator (its 2-second
  // sleeps keep it under any limit), then extrapolated to the last run's size.
  const free = await emulatorProcess({ packages: sample })
  const npmCli = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js')
  const host = new URL(free.url).host
  const cwd = mkdtempSync(join(tmpdir(), 'tn-bench-npm-'))
  writeFileSync(join(cwd, '.npmrc'), `registry=${free.url}\n//${host}/:_authToken=${USER.token}\n`)
  const started = Date.now()
  for (let i = 0; i < sample; i++) {
    execFileSync(process.execPath, [npmCli, 'trust', 'github', `bench-${i}`, '--file', 'release.yml', '--repo', 'acme/mono', '--allow-publish', '--yes', `--otp=${USER.otp}`], {
      cwd, stdio: 'ignore', env: { ...process.env, npm_config_cache: join(home, 'cache'), npm_config_update_notifier: 'false' },
    })
  }
  const perCall = (Date.now() - started) / sample
  free.stop()
  const loopMs = last.packages * (perCall + 2000)
  console.log(`npm trust loop (documented): ${sample} calls measured at ${(perCall / 1000).toFixed(2)} s each, plus the 2 s sleep`)
  console.log(`  extrapolated to ${last.packages} packages: ${seconds(loopMs)} s; ${(loopMs / last.ms).toFixed(1)}x applyTrust at ${last.rate} requests/s`)
  console.log(`  and it needs ${Math.ceil(loopMs / 300000)} separate 2FA approvals (the skip window is 5 minutes); trust-native asks once`)
}
process.exitCode = failures ? 1 : 0
