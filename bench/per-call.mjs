// Benchmark: the cost of one registry call, client side. Every client does the same
// `GET /-/package/widgets/trust` (bearer token, `npm-otp` header, JSON answer of one GitHub
// trust configuration) against one loopback registry stub (bench/registry-stub.mjs, plain
// node:http with keep-alive, in a child process so its CPU is not the client's), from one Node
// process:
//   - node:http with a keep-alive Agent, parsing the JSON: the floor, and the anchor;
//   - npm-registry-fetch (npm's own, from the npm devDependency), `.json()` as `npm trust list`;
//   - trust-native's free function `listPublishers({ registry, token, otp, package, cwd })`;
//   - trust-native's `new TrustClient({...}).listPublishers({ package })`, if the build has it.
// For each: p50 and p99 latency of N sequential calls, and calls/second with C calls in flight;
// in R rounds (client order rotated each round), medians reported. Also `require()` time of
// the addon in fresh processes, with npm-registry-fetch's as the anchor.
//
// The machine is shared and noisy, so absolute times mean little from one run to the next: what
// the README records are ratios to the anchor (node:http) measured in the same round of the
// same run, which machine noise moves alike. Traffic goes only to 127.0.0.1; the run bounds its
// own time (--max-seconds). Measure a release build (`npm run build`): the output names the
// Cargo profile the loaded addon came from, and warns for a debug build.
//
//   node bench/per-call.mjs [--calls 2000] [--concurrency 32] [--throughput-calls 4000]
//     [--warmup 200] [--rounds 3] [--sockets 15] [--require-samples 10] [--max-seconds 300]
//     [--json]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import v8 from 'node:v8'
import vm from 'node:vm'
import { addonRow } from '../scripts/figures.mjs'
import { USER, isolateNpmConfig, median, percentile, serverProcess } from './lib.mjs'

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    'throughput-calls': { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    sockets: { type: 'string', default: '15' },
    'require-samples': { type: 'string', default: '10' },
    'max-seconds': { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
  },
})
const count = (name, min = 1) => {
  const n = Number(args[name])
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`)
  return n
}
const settings = {
  calls: count('calls'),
  concurrency: count('concurrency'),
  throughputCalls: count('throughput-calls'),
  warmup: count('warmup', 0),
  rounds: count('rounds'),
  sockets: count('sockets'),
  requireSamples: count('require-samples'),
  maxSeconds: count('max-seconds'),
}
const log = args.json ? () => {} : (line = '') => console.log(line)
const note = (line) => (args.json ? console.error(line) : console.log(line))

// Bound the run: a round is not started if the previous one says it would not end in time, and
// a watchdog stops everything (exit 2) should a call hang anyway.
const startedAt = Date.now()
const deadline = startedAt + settings.maxSeconds * 1000
let stub
const watchdog = setTimeout(() => {
  console.error(`per-call: stopped after --max-seconds ${settings.maxSeconds}`)
  stub?.stop()
  process.exit(2)
}, settings.maxSeconds * 1000 + 30_000)
watchdog.unref()

// Isolation: empty npm user/global config, no inherited npm_config_* or NPM_TOKEN, no proxy (all
// traffic stays on 127.0.0.1), no extra CA files (trust-native reads NODE_EXTRA_CA_CERTS when it
// resolves a call's transport), a project directory with an empty package.json.
const home = isolateNpmConfig()
for (const key of Object.keys(process.env)) {
  if (/^(https?_proxy|all_proxy|no_proxy|proxy|node_extra_ca_certs|ssl_cert_file|ssl_cert_dir)$/i.test(key)) delete process.env[key]
}
const cwd = mkdtempSync(join(tmpdir(), 'tn-bench-project-'))
writeFileSync(join(cwd, 'package.json'), '{}\n')

const require = createRequire(import.meta.url)
const addonPath = fileURLToPath(new URL('../index.js', import.meta.url))
const npmPackage = fileURLToPath(new URL('../node_modules/npm/package.json', import.meta.url))
const tn = require(addonPath)
const addon = loadedAddon()
if (addon.profile === 'debug') note(`warning: ${addon.path} is a debug build; trust-native's figures mean little (measure \`npm run build\`)`)
let npmFetch
let npmFetchPath
try {
  const fromNpm = createRequire(npmPackage)
  npmFetchPath = fromNpm.resolve('npm-registry-fetch')
  npmFetch = fromNpm('npm-registry-fetch')
} catch (error) {
  npmFetch = null
  npmFetchPath = null
  note(`note: npm-registry-fetch not found under node_modules/npm (${error.code ?? error.message}); skipped`)
}

const OTP = '123456'
const TOKEN = USER.token
const ID = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'
const PATH = '/-/package/widgets/trust'

stub = await serverProcess('./registry-stub.mjs', { token: TOKEN })
const url = stub.url
const { hostname, port } = new URL(url)
if (hostname !== '127.0.0.1') throw new Error(`the stub must listen on 127.0.0.1, not ${hostname}`)

// The clients: each `call()` resolves to the parsed array of configurations.
const clients = []
const skipped = []

const agent = new http.Agent({ keepAlive: true, maxSockets: settings.sockets })
const headers = { authorization: `Bearer ${TOKEN}`, 'npm-otp': OTP, accept: 'application/json' }
clients.push({
  key: 'nodeHttp',
  name: 'node:http (keep-alive Agent)',
  call: () =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: hostname, port, path: PATH, agent, headers, timeout: 30_000 }, (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`node:http: ${res.statusCode}`))
          else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        })
      })
      req.on('timeout', () => req.destroy(new Error('node:http: timed out')))
      req.on('error', reject)
    }),
})

if (npmFetch) {
  // The options npm's flatOptions would carry for this registry: the token under its nerf dart,
  // the OTP, npm's default maxsockets. No cache directory: npm would pass its cacache, which
  // only adds work to this GET, so this is npm-registry-fetch's best case.
  const options = {
    registry: url,
    [`//${hostname}:${port}/:_authToken`]: TOKEN,
    otp: OTP,
    maxSockets: settings.sockets,
    timeout: 30_000,
    method: 'GET',
  }
  clients.push({ key: 'npmRegistryFetch', name: 'npm-registry-fetch .json()', call: () => npmFetch.json(PATH, options) })
}

const tnOptions = { registry: url, token: TOKEN, otp: OTP, package: 'widgets', cwd }
clients.push({ key: 'trustNativeFree', name: 'trust-native listPublishers()', call: () => tn.listPublishers(tnOptions) })

if (typeof tn.TrustClient === 'function') {
  const client = new tn.TrustClient({ registry: url, token: TOKEN, otp: OTP, cwd })
  const callOptions = { package: 'widgets' }
  clients.push({ key: 'trustNativeClient', name: 'trust-native TrustClient#listPublishers()', call: () => client.listPublishers(callOptions) })
} else {
  skipped.push({ key: 'trustNativeClient', reason: 'TrustClient is not in this build of trust-native' })
  note('note: trust-native TrustClient is not in this build; its row is skipped')
}

/** The .node file index.js loaded, its size, and the Cargo profile under target/ it is a copy
 * of (or a link to), if any: figures of a debug build are not worth recording. */
function loadedAddon() {
  const path = Object.keys(require.cache).find((p) => p.endsWith('.node'))
  if (!path) return { path: null, bytes: null, profile: 'unknown' }
  const stat = statSync(path)
  const target = fileURLToPath(new URL('../target/', import.meta.url))
  const candidates = []
  const dirs = (dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name))
    } catch {
      return []
    }
  }
  // target/<profile>/ and target/<triple>/<profile>/ (not deps/ and the like).
  for (const dir of dirs(target)) candidates.push(dir, ...(dir.split(/[\\/]/).pop().includes('-') ? dirs(dir) : []))
  let bytes
  for (const dir of candidates) {
    const lib = join(dir, 'libtrust_native.so')
    let other
    try {
      other = statSync(lib)
    } catch {
      continue
    }
    const same = (other.ino === stat.ino && other.dev === stat.dev) || (other.size === stat.size && (bytes ??= readFileSync(path)).equals(readFileSync(lib)))
    if (same) return { path, bytes: stat.size, profile: dir.split(/[\\/]/).pop() }
  }
  return { path, bytes: stat.size, profile: 'unknown' }
}

// Measurements. Each client's turn starts from a collected heap, so that it does not pay for
// the garbage of the client before it.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
const hrUs = (start) => Number(process.hrtime.bigint() - start) / 1000

async function sequential(call, n) {
  const latencies = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    await call()
    latencies[i] = hrUs(start)
  }
  latencies.sort()
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

async function inFlight(call, n, concurrency) {
  let next = 0
  const start = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next += 1
        await call()
      }
    }),
  )
  return n / (hrUs(start) / 1e6)
}

// Warm-up, which also checks that every client gets the configuration (and fails loudly
// otherwise: a benchmark of errors is no benchmark).
for (const client of clients) {
  const answer = await client.call()
  if (!Array.isArray(answer) || answer.length !== 1 || answer[0].id !== ID) {
    throw new Error(`${client.name} answered ${JSON.stringify(answer)}, not the one configuration`)
  }
  for (let i = 0; i < settings.warmup; i++) await client.call()
  await inFlight(client.call, settings.warmup, settings.concurrency)
}

log(`per-call: GET ${PATH} against a loopback registry stub (${url}); node ${process.version}, ${process.platform}-${process.arch}, ${cpus().length} CPUs`)
log(`  addon: ${addon.path} (${(addon.bytes / 2 ** 20).toFixed(1)} MiB, Cargo profile: ${addon.profile})`)
log(
  `  ${settings.calls} sequential calls (p50, p99) and ${settings.throughputCalls} calls with ${settings.concurrency} in flight, ` +
    `${settings.sockets} sockets per client; ${settings.rounds} rounds after ${settings.warmup} warm-up calls`,
)

const rounds = clients.map(() => [])
let roundMs = 0
for (let r = 0; r < settings.rounds; r++) {
  if (r > 0 && Date.now() + roundMs > deadline) {
    note(`note: stopped after ${r} of ${settings.rounds} rounds to stay within --max-seconds ${settings.maxSeconds}`)
    break
  }
  const roundStart = Date.now()
  for (let k = 0; k < clients.length; k++) {
    const i = (k + r) % clients.length // rotate the order so no client always goes first
    const { call } = clients[i]
    const before = await stub.count()
    gc()
    const cpu = process.cpuUsage()
    const { p50, p99 } = await sequential(call, settings.calls)
    const callsPerSecond = await inFlight(call, settings.throughputCalls, settings.concurrency)
    const used = process.cpuUsage(cpu)
    const after = await stub.count()
    const calls = settings.calls + settings.throughputCalls
    rounds[i].push({
      p50,
      p99,
      callsPerSecond,
      cpuUsPerCall: (used.user + used.system) / calls,
      connections: after.connections - before.connections,
      requests: after.requests - before.requests,
      ok: after.ok - before.ok,
      withOtp: after.withOtp - before.withOtp,
    })
  }
  roundMs = Date.now() - roundStart
}

// Every request of a measured phase must have been a 200 with the OTP header.
for (let i = 0; i < clients.length; i++) {
  for (const round of rounds[i]) {
    if (round.ok !== round.requests || round.withOtp !== round.requests || round.requests !== settings.calls + settings.throughputCalls) {
      throw new Error(`${clients[i].name}: the stub saw ${JSON.stringify(round)}`)
    }
  }
}

// `require()` in fresh processes, alternating with npm-registry-fetch's as the anchor.
function requireMs(path) {
  const code = "const { performance } = require('node:perf_hooks'); const t = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t))"
  return Number(execFileSync(process.execPath, ['-e', code, path], { cwd, env: process.env, timeout: 60_000, encoding: 'utf8' }))
}
const requireSamples = { trustNative: [], npmRegistryFetch: [] }
for (let i = 0; i < settings.requireSamples; i++) {
  if (Date.now() > deadline) {
    note(`note: ${i} of ${settings.requireSamples} require() samples, to stay within --max-seconds ${settings.maxSeconds}`)
    break
  }
  requireSamples.trustNative.push(requireMs(addonPath))
  if (npmFetchPath) requireSamples.npmRegistryFetch.push(requireMs(npmFetchPath))
}

const stubCounts = await stub.count()
stub.stop()
agent.destroy()
rmSync(cwd, { recursive: true, force: true })
rmSync(home, { recursive: true, force: true })

// Report: medians over rounds; ratios are medians of the per-round ratios to node:http.
const anchor = rounds[0]
const ratioOf = (i, field) => median(rounds[i].map((round, r) => round[field] / anchor[r][field]))
const results = clients.map((client, i) => ({
  key: client.key,
  name: client.name,
  p50Us: median(rounds[i].map((x) => x.p50)),
  p99Us: median(rounds[i].map((x) => x.p99)),
  callsPerSecond: median(rounds[i].map((x) => x.callsPerSecond)),
  cpuUsPerCall: median(rounds[i].map((x) => x.cpuUsPerCall)),
  connectionsOpened: rounds[i].reduce((sum, x) => sum + x.connections, 0),
  ratio: { p50: ratioOf(i, 'p50'), p99: ratioOf(i, 'p99'), callsPerSecond: ratioOf(i, 'callsPerSecond'), cpuUsPerCall: ratioOf(i, 'cpuUsPerCall') },
  rounds: rounds[i],
}))
const requireTime = {
  trustNativeMs: requireSamples.trustNative.length ? median(requireSamples.trustNative) : null,
  npmRegistryFetchMs: requireSamples.npmRegistryFetch.length ? median(requireSamples.npmRegistryFetch) : null,
  samples: requireSamples,
}
requireTime.ratio = requireTime.trustNativeMs != null && requireTime.npmRegistryFetchMs ? requireTime.trustNativeMs / requireTime.npmRegistryFetchMs : null

if (args.json) {
  console.log(
    JSON.stringify(
      {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpus: cpus().length,
        addon,
        settings,
        roundsRun: anchor.length,
        clients: results,
        skipped,
        require: requireTime,
        stub: stubCounts,
        seconds: (Date.now() - startedAt) / 1000,
      },
      null,
      2,
    ),
  )
} else {
  const cell = (value, width, digits = 0) => value.toFixed(digits).padStart(width)
  const nameWidth = Math.max(...results.map((x) => x.name.length)) + 2
  log()
  log(
    `${'client'.padEnd(nameWidth)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'calls/s'.padStart(10)}${'CPU µs/call'.padStart(13)}` +
      `${'p50 ×'.padStart(8)}${'p99 ×'.padStart(8)}${'calls/s ×'.padStart(11)}${'CPU ×'.padStart(8)}${'conns'.padStart(7)}`,
  )
  for (const x of results) {
    log(
      `${x.name.padEnd(nameWidth)}${cell(x.p50Us, 9)}${cell(x.p99Us, 9)}${cell(x.callsPerSecond, 10)}${cell(x.cpuUsPerCall, 13)}` +
        `${cell(x.ratio.p50, 8, 2)}${cell(x.ratio.p99, 8, 2)}${cell(x.ratio.callsPerSecond, 11, 2)}${cell(x.ratio.cpuUsPerCall, 8, 2)}${String(x.connectionsOpened).padStart(7)}`,
    )
  }
  for (const s of skipped) log(`${s.key}: skipped (${s.reason})`)
  log()
  log(`  × columns: median over ${anchor.length} rounds of the ratio to node:http in the same round (latency and CPU: lower is better; calls/s: higher is better)`)
  log(`  CPU µs/call: this process's user + system CPU (all threads) over both phases, per call; conns: connections the stub saw opened during the measured phases`)
  log()
  const ms = (v) => (v == null ? 'n/a' : `${v.toFixed(1)} ms`)
  log(`require() in a fresh process, median of ${requireSamples.trustNative.length}: trust-native ${ms(requireTime.trustNativeMs)}; npm-registry-fetch ${ms(requireTime.npmRegistryFetchMs)}` + (requireTime.ratio ? `; ratio ${requireTime.ratio.toFixed(2)}` : ''))
  log(`  (${((Date.now() - startedAt) / 1000).toFixed(1)} s in all)`)
  if (addon.profile === 'release') {
    const { platformKey, currentFacts } = require('../binding-error.js')
    log(`\nREADME, Benchmark:\n${addonRow({ platform: platformKey(currentFacts()), bytes: addon.bytes })}`)
  }
}
process.exitCode = 0
