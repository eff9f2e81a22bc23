// Runs the tests under every Node.js version the project supports (package.json `engines`, the
// CI matrix): `npm test`, or with --js only the JavaScript suites (vitest, with the addon as it is
// built: Node-API is the same on every version). Each Node.js comes from the npm registry, the
// `node-<os>-<cpu>` package of the pinned version, its tarball checked against the sha512 pinned
// here, and is kept in target/node-versions/. A manual check (CI tests each version on its own
// runners), as the README's Development section says:
//
//   node scripts/test-node-versions.mjs [--js] [20 22 24]
//
// Only Linux (glibc, x64 and arm64) is pinned: the registry has no macOS or Windows builds of
// these versions, and a musl system cannot run the glibc builds. Elsewhere it says so and exits 1.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const npmCli = join(root, 'node_modules', 'npm', 'bin', 'npm-cli.js')

/** The pinned builds: version per major, and the sha512 of each platform package's tarball. */
const NODE = {
  20: { version: '20.20.2', 'linux-x64': 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==', 'linux-arm64': 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==' },
  22: { version: '22.23.5', 'linux-x64': 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==', 'linux-arm64': 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==' },
  24: { version: '24.22.3', 'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==', 'linux-arm64': 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' },
}

const { values, positionals } = parseArgs({ options: { js: { type: 'boolean', default: false } }, allowPositionals: true })
const majors = positionals.length ? positionals : Object.keys(NODE)
const { currentFacts, platformKey } = createRequire(import.meta.url)('../binding-error.js')
const facts = currentFacts()
const platform = `${process.platform}-${process.arch}`

function fail(message) {
  console.error(`test-node-versions: ${message}`)
  process.exit(1)
}

/** The `node` binary of `major`, fetched and checked once. */
function nodeBinary(major) {
  const pin = NODE[major]
  if (!pin) fail(`no pinned Node.js ${major}; pinned: ${Object.keys(NODE).join(', ')}`)
  const integrity = pin[platform]
  if (!integrity || facts.musl) fail(`no pinned Node.js build for ${platformKey(facts)}; pinned: ${Object.keys(pin).filter((k) => k !== 'version').join(', ')} (glibc)`)
  const dir = join(root, 'target', 'node-versions', `${pin.version}-${platform}`)
  const bin = join(dir, 'package', 'bin', 'node')
  if (existsSync(bin)) return bin
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const spec = `node-${platform}@${pin.version}`
  const pack = spawnSync(process.execPath, [npmCli, 'pack', spec, '--pack-destination', dir, '--loglevel', 'error'], {
    encoding: 'utf8',
    env: { ...process.env, npm_config_ignore_scripts: 'true', npm_config_update_notifier: 'false' },
  })
  if (pack.status !== 0) fail(`npm pack ${spec} failed:\n${pack.stderr}`)
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')))
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  if (actual !== integrity) fail(`${spec}: the tarball's sha512 is ${actual}, not the pinned ${integrity}`)
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', dir], { stdio: 'inherit' })
  if (untar.status !== 0) fail(`could not unpack ${tarball}`)
  rmSync(tarball)
  return bin
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
