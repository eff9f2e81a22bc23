// Benchmark: configure N packages (default 1000) against the emulator rate-limited to R
// requests per second (default 20), with applyTrust; compare with the floor (requests / R) and
// with the loop `npm trust` documents (one `npm trust github ... --yes` per package, 2-second
// sleeps), extrapolated from a measured sample.
//
//   node bench/apply.mjs [packages=1000] [rate=20] [sample=10]
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { USER, emulatorProcess, isolateNpmConfig, seconds } from './lib.mjs'

const require = createRequire(import.meta.url)
const tn = require('../index.js')
const [packages = 1000, rate = 20, sample = 10] = process.argv.slice(2).map(Number)
const auth = (registry) => ({ registry, token: USER.token, otp: USER.otp })
const specs = Array.from({ length: packages }, (_, i) => ({ type: 'github', package: `bench-${i}`, repository: 'acme/mono', file: 'release.yml' }))

const home = isolateNpmConfig()

console.log(`trust-native applyTrust: ${packages} packages, registry limited to ${rate} requests/s (token bucket, burst ${rate})`)
const limited = await emulatorProcess({ packages, rateLimit: { perSecond: rate, burst: rate } })
let started = Date.now()
const plan = await tn.planTrust(specs, auth(limited.url))
const planMs = Date.now() - started
started = Date.now()
const results = await tn.applyTrust(plan, auth(limited.url))
const applyMs = Date.now() - started
const counts = await limited.count()
limited.stop()
const failed = results.filter((r) => r.status !== 'done').length
const creates = plan.entries.filter((e) => e.action === 'create').length
const applyFloor = (creates / rate) * 1000
const totalFloor = ((packages + creates) / rate) * 1000
console.log(`  plan:  ${seconds(planMs)} s for ${packages} reads`)
console.log(`  apply: ${seconds(applyMs)} s for ${creates} creates; floor ${seconds(applyFloor)} s; ratio ${(applyMs / applyFloor).toFixed(2)}`)
console.log(`  plan + apply: ${seconds(planMs + applyMs)} s; floor ${seconds(totalFloor)} s; ratio ${((planMs + applyMs) / totalFloor).toFixed(2)}`)
console.log(`  requests the registry saw: ${counts.requests} (${counts.requests - packages - creates} answered 429)`)
console.log(`  failed: ${failed}; packages with no configuration: ${counts.none}; with more than one: ${counts.more}`)

// The documented loop, measured on a sample against an unlimited emulator (its 2-second sleeps
// keep it under any limit), then extrapolated.
const free = await emulatorProcess({ packages: sample })
const npmCli = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js')
const host = new URL(free.url).host
const cwd = mkdtempSync(join(tmpdir(), 'tn-bench-npm-'))
writeFileSync(join(cwd, '.npmrc'), `registry=${free.url}\n//${host}/:_authToken=${USER.token}\n`)
started = Date.now()
for (let i = 0; i < sample; i++) {
  execFileSync(process.execPath, [npmCli, 'trust', 'github', `bench-${i}`, '--file', 'release.yml', '--repo', 'acme/mono', '--allow-publish', '--yes', `--otp=${USER.otp}`], {
    cwd, stdio: 'ignore', env: { ...process.env, npm_config_cache: join(home, 'cache'), npm_config_update_notifier: 'false' },
  })
}
const perCall = (Date.now() - started) / sample
free.stop()
const loopMs = packages * (perCall + 2000)
console.log(`npm trust loop (documented): ${sample} calls measured at ${(perCall / 1000).toFixed(2)} s each, plus the 2 s sleep`)
console.log(`  extrapolated to ${packages} packages: ${seconds(loopMs)} s; ratio to applyTrust: ${(loopMs / applyMs).toFixed(1)}x (to plan + apply: ${(loopMs / (planMs + applyMs)).toFixed(1)}x)`)
console.log(`  and it needs ${Math.ceil(loopMs / 300000)} separate 2FA approvals (the skip window is 5 minutes); trust-native asked once`)
process.exitCode = failed || counts.more || counts.none ? 1 : 0
