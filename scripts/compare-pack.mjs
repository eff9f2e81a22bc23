// Packs real packages with npm and with trust-native and says where they differ: for each
// package folder of the repositories below (checkouts as they are: `files`, .npmignore-only,
// .gitignore-only, bin/man, bundled dependencies, monorepo packages), `npm pack --json` (the npm
// on PATH; its tarball written to a scratch folder) against trust-native's `publish` to the
// emulator (trust-native/testing, on loopback; the tarball read back from its `dist.tarball`):
// the file lists, then the tar streams inside the gzip (same entries, bytes, modes and order;
// the gzip itself differs: zlib and Rust's deflate compress differently), then the manifest
// against what npm's own @npmcli/package-json `prepare` makes of the folder (every field it
// sets; libnpmpublish's `dist`, `_nodeVersion` and `_npmVersion` aside).
//
// Not part of `npm test`: it needs the repositories. Each is cloned from a local mirror,
// `<mirrors>/<owner>+<name>/repo` (a bare git repository, as the session's fetch tool leaves
// them in /work/.mirror), or, with --remote, from GitHub:
//
//   npx napi build --platform && node scripts/compare-pack.mjs [--mirrors /work/.mirror] [--remote] [owner/name ...]
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const tn = require('../index.js')
const { startEmulator } = require('../testing')
const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim()
const PackageJson = createRequire(join(npmRoot, 'npm', 'package.json'))('@npmcli/package-json')
const USER = { name: 'compare', token: 'npm_FAKE-compare-pack', tfa: false }

/** Repositories and the package folders in them ('.' is the root). */
export const REPOSITORIES = {
  'chalk/chalk': ['.'],
  'tj/commander.js': ['.'],
  'axios/axios': ['.'],
  'expressjs/express': ['.'],
  'debug-js/debug': ['.'],
  'npm/cli': ['.', 'workspaces/libnpmpublish', 'workspaces/arborist'],
  'yargs/yargs': ['.'],
  'isaacs/rimraf': ['.'],
  'npm/node-semver': ['.'],
  'mochajs/mocha': ['.'],
  'uuidjs/uuid': ['.'],
  'motdotla/dotenv': ['.'],
  'jprichardson/node-fs-extra': ['.'],
  'ljharb/qs': ['.'],
  'minimistjs/minimist': ['.'],
  'nodeca/js-yaml': ['.'],
  'changesets/changesets': ['packages/cli', 'packages/changelog-github'],
  'sigstore/sigstore-js': ['packages/client', 'packages/bundle'],
  'semantic-release/semantic-release': ['.'],
  'vercel/ms': ['.'],
  'caolan/async': ['.'],
  'isaacs/node-lru-cache': ['.'],
  'jshttp/mime-types': ['.'],
  'browserify/resolve': ['.'],
  'npm/ignore-walk': ['.'],
  'isaacs/node-glob': ['.'],
  'napi-rs/napi-rs': ['cli', 'triples'],
  'sindresorhus/execa': ['.'],
  'eslint/eslint': ['.', 'packages/js'],
  'feross/buffer': ['.'],
  'npm/npm-packlist': ['.'],
  'npm/package-json': ['.'],
}

const args = process.argv.slice(2)
const option = (name) => {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args.splice(at, 2)[1]
}
const mirrors = option('--mirrors') ?? '/work/.mirror'
const remote = args.includes('--remote') && args.splice(args.indexOf('--remote'), 1)
const chosen = args.length ? args : Object.keys(REPOSITORIES)

const work = mkdtempSync(join(tmpdir(), 'tn-compare-pack-'))
const results = []
const emulator = await startEmulator({ users: [USER] })
try {
  for (const repo of chosen) {
    const source = remote ? `https://github.com/${repo}.git` : join(mirrors, repo.replace('/', '+'), 'repo')
    const checkout = join(work, repo.replace('/', '+'))
    if (!remote && !existsSync(source)) {
      results.push({ name: repo, outcome: 'skipped', detail: `no mirror at ${source}` })
      continue
    }
    const absent = clone(source, checkout)
    for (const folder of REPOSITORIES[repo] ?? ['.']) {
      const result = await compare(`${repo}${folder === '.' ? '' : `/${folder}`}`, join(checkout, folder))
      if (absent) result.detail = [result.detail, `(${absent} files of the commit absent from the mirror: both packed the same checkout)`].filter(Boolean).join(' ')
      results.push(result)
    }
    rmSync(checkout, { recursive: true, force: true })
  }
} finally {
  emulator.stop()
  rmSync(work, { recursive: true, force: true })
}

/**
 * Clones `source` into `checkout`; answers how many files of its commit could not be checked
 * out (a mirror may lack its largest blobs: git then writes what it has).
 */
function clone(source, checkout) {
  try {
    execFileSync('git', ['clone', '--quiet', ...(remote ? ['--depth', '1'] : []), source, checkout], { stdio: 'ignore' })
    return 0
  } catch {
    const listed = execFileSync('git', ['-C', checkout, 'ls-tree', '-r', '--name-only', 'HEAD'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter(Boolean)
    return listed.filter((file) => !existsSync(join(checkout, file))).length
  }
}

async function compare(name, dir) {
  if (!existsSync(join(dir, 'package.json'))) return { name, outcome: 'skipped', detail: 'no package.json' }
  const out = mkdtempSync(join(work, 'out-'))
  let npm
  try {
    const json = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 })
    const [packed] = JSON.parse(json)
    npm = { files: packed.files.map((f) => f.path).sort(), tarball: join(out, packed.filename) }
  } catch (error) {
    return { name, outcome: 'skipped', detail: `npm pack failed: ${String(error.stderr ?? error.message).split('\n')[0]}` }
  }
  let packed
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    emulator.seed({ packages: [{ name: manifest.name, maintainers: [USER.name] }] })
    // A tag, so that prereleases publish too.
    const ours = await tn.publish({ cwd: dir, registry: emulator.url, token: USER.token, tag: 'compare', timeoutMs: 600_000 })
    const published = (await (await fetch(new URL(manifest.name.replace('/', '%2f'), emulator.url))).json()).versions[ours.version]
    const bytes = Buffer.from(await (await fetch(published.dist.tarball)).arrayBuffer())
    packed = { files: [...ours.files].sort(), tar: gunzipSync(bytes), manifest: published }
  } catch (error) {
    return { name, outcome: 'error', detail: `${error.code}: ${error.message}` }
  }
  const missing = npm.files.filter((f) => !packed.files.includes(f))
  const extra = packed.files.filter((f) => !npm.files.includes(f))
  const some = (list) => `${list.slice(0, 5).join(', ')}${list.length > 5 ? ` (+${list.length - 5})` : ''}`
  if (missing.length || extra.length) return { name, outcome: 'other files', files: npm.files.length, detail: `npm only: ${some(missing)}; trust-native only: ${some(extra)}` }
  if (!gunzipSync(readFileSync(npm.tarball)).equals(packed.tar)) return { name, outcome: 'other tar bytes', files: npm.files.length }
  const prepared = (await PackageJson.prepare(dir)).content
  const fields = Object.keys(prepared).filter((key) => !key.startsWith('_') || key === '_id')
  const differing = fields.filter((key) => !isDeepStrictEqual(prepared[key], packed.manifest[key]))
  if (differing.length) return { name, outcome: 'other manifest', files: npm.files.length, detail: differing.map((k) => `${k}: npm ${JSON.stringify(prepared[k])?.slice(0, 80)}, trust-native ${JSON.stringify(packed.manifest[k])?.slice(0, 80)}`).join('; ') }
  return { name, outcome: 'identical', files: npm.files.length }
}

const settled = results
for (const r of settled) console.log(`${r.outcome.padEnd(24)} ${r.name}${r.files ? ` (${r.files} files)` : ''}${r.detail ? `\n${' '.repeat(25)}${r.detail}` : ''}`)
const count = (o) => settled.filter((r) => r.outcome === o).length
console.log(`\n${settled.length} packages: ${count('identical')} identical (files, tar stream, manifest), ${count('other files')} with other files, ${count('other tar bytes')} with other tar bytes, ${count('other manifest')} with another manifest, ${count('error')} errors, ${count('skipped')} skipped`)
