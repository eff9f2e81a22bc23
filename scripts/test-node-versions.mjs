// Runs the tests under every Node.js version the project supports (package.json `engines`, the
// CI matrix): `npm test`, or with --js only the JavaScript suites (vitest, with the addon as it is
// built: Node-API is the same on every version). Each Node.js comes from the npm registry, the
// `node-<os>-<cpu>` package of the version pinned in reference-npm.mjs (`NODE_BUILDS`), its
// tarball checked against the pinned sha512, and is kept in node_modules/.cache/. A manual check (CI tests each version on its own
// runners), as the README's Development section says:
//
//   node scripts/test-node-versions.mjs [--js] [20 22 24]
//
// Only Linux (glibc, x64 and arm64) is pinned: the registry has no macOS or Windows builds of
// these versions, and a musl system cannot run the glibc builds. Elsewhere it says so and exits 1.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { NODE_BUILDS, nodeBuild, unpacked } from './reference-npm.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

const { values, positionals } = parseArgs({ options: { js: { type: 'boolean', default: false } }, allowPositionals: true })
const majors = positionals.length ? positionals : Object.keys(NODE_BUILDS)
const { currentFacts, platformKey } = createRequire(import.meta.url)('../binding-error.js')
const facts = currentFacts()
const platform = `${process.platform}-${process.arch}`

function fail(message) {
  console.error(`test-node-versions: ${message}`)
  process.exit(1)
}

/** The `node` binary of `major`, fetched and checked once. */
function nodeBinary(major) {
  if (!NODE_BUILDS[major]) fail(`no pinned Node.js ${major}; pinned: ${Object.keys(NODE_BUILDS).join(', ')}`)
  const build = nodeBuild(major, platform)
  if (!build || facts.musl) fail(`no pinned Node.js build for ${platformKey(facts)}; pinned: ${Object.keys(NODE_BUILDS[major]).filter((k) => k !== 'version').join(', ')} (glibc)`)
  try {
    return join(unpacked(build), 'bin', 'node')
  } catch (error) {
    fail(error.message)
  }
}

// Fetch every build first: a missing one fails before any suite runs.
const runs = majors.map((major) => ({ major, node: nodeBinary(major) }))
const outcomes = []
for (const { major, node } of runs) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  console.log(`\n== Node.js ${version}: ${values.js ? 'vitest run' : 'npm test'}`)
  // Its folder first on the PATH: every `node` the suites start (npm, napi, vitest) is this one.
  const env = { ...process.env, PATH: [join(node, '..'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) }
  const args = values.js ? [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'] : [join(root, 'scripts', 'test.mjs')]
  const run = spawnSync(node, args, { cwd: root, env, stdio: 'inherit' })
  outcomes.push({ version, status: run.status === 0 ? 'passed' : `failed (exit ${run.status ?? run.signal})` })
}

console.log('\ntest-node-versions:')
for (const { version, status } of outcomes) console.log(`  Node.js ${version}: ${status}`)
process.exitCode = outcomes.every((o) => o.status === 'passed') ? 0 : 1
