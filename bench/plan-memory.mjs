// Benchmark: peak resident memory of planning N packages (default 10,000), the emulator in
// another process so only trust-native's memory counts.
//
//   node bench/plan-memory.mjs [packages=10000]
import { createRequire } from 'node:module'
import { USER, emulatorProcess, isolateNpmConfig, seconds } from './lib.mjs'

const require = createRequire(import.meta.url)
const tn = require('../index.js')
const packages = Number(process.argv[2] ?? 10000)
isolateNpmConfig()

const emulator = await emulatorProcess({ packages })
const baseline = process.resourceUsage().maxRSS
const specs = Array.from({ length: packages }, (_, i) => ({ type: 'github', package: `bench-${i}`, repository: 'acme/mono', file: 'release.yml' }))
const started = Date.now()
const plan = await tn.planTrust(specs, { registry: emulator.url, token: USER.token, otp: USER.otp, concurrency: 16 })
const elapsed = Date.now() - started
const peak = process.resourceUsage().maxRSS
emulator.stop()
const mib = (kib) => (kib / 1024).toFixed(1)
console.log(`planTrust of ${plan.entries.length} packages: ${seconds(elapsed)} s`)
console.log(`  peak RSS ${mib(peak)} MiB (Node with the addon loaded, before planning: ${mib(baseline)} MiB; the plan added ${mib(peak - baseline)} MiB)`)
