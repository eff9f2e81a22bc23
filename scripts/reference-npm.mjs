// npm 12, the second reference client of the fidelity tests, and a Node it runs on (it needs
// Node 22.22.2+ or 24.15+). Both come from the npm registry, pinned by version and checksum,
// fetched once into node_modules/.cache/ with `npm pack`: npm 12 is not a devDependency
// because its `npm` and `npx` bins would take the place of the pinned npm 11's in
// node_modules/.bin, and Node's binaries exist only for some platforms (an optional
// dependency would install them for every user of trust-native too).
//
// `referenceNpm12()` answers `{ node, npmCli }`, or `{ skip }` saying why there is none here.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const CACHE = join(ROOT, 'node_modules', '.cache', 'trust-native-reference')
/** The npm that fetches them: the pinned npm 11 devDependency. */
const NPM11 = join(ROOT, 'node_modules', 'npm', 'bin', 'npm-cli.js')

export const NPM12 = { spec: 'npm@12.2.3', integrity: 'sha512-ovmNRRe76Jvcp1E6iOePQ6H9Zr4XMOrqgfaeGNhtRvP3XSl2Lo/a9C1N5/jRlLLrsqCem/omgGdZHpZ5a6yn1Q==' }
/**
 * The Node.js builds the project tests on, from the registry's `node-<os>-<cpu>` packages: the
 * pinned version of each major, and the checksum of each platform's tarball, or `{ version,
 * integrity }` where that platform's package lags. Linux (glibc) is pinned for every major, and
 * Windows x64 for 22 (its latest there), for scripts/test-targets.mjs's Wine check: Wine 8 runs
 * Node 20 and 22, while Node 24's V8 stops at start. The registry has no macOS builds of these.
 */
export const NODE_BUILDS = {
  20: { version: '20.20.2', 'linux-x64': 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==', 'linux-arm64': 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==' },
  22: { version: '22.23.5', 'linux-x64': 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==', 'linux-arm64': 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==', 'win-x64': { version: '22.22.2', integrity: 'sha512-w6ir5BjNVuSIC43FWLchnuc/bu9hT0ntMH/FJFouaR2oxADkFhim4YlOp4r92Euyj5b15YdbiL5xYwgmELZuZg==' } },
  24: { version: '24.22.3', 'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==', 'linux-arm64': 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' },
}

/** The pinned Node.js `major` for `platform` (`linux-x64`) as a package to unpack, if pinned. */
export function nodeBuild(major, platform = `${process.platform}-${process.arch}`) {
  const pin = NODE_BUILDS[major]?.[platform]
  if (!pin) return undefined
  const { version, integrity } = typeof pin === 'string' ? { version: NODE_BUILDS[major].version, integrity: pin } : pin
  return { spec: `node-${platform}@${version}`, integrity }
}

/** Whether this Node runs npm 12 (its engines: ^22.22.2 || ^24.15.0 || >=26). */
function runsNpm12([major, minor]) {
  return (major === 22 && minor >= 22) || (major === 24 && minor >= 15) || major >= 26
}

/**
 * The package `spec`, unpacked into the cache (once: a folder appears whole, by rename, so
 * concurrent test files never see half of one). Its tarball's checksum must be `integrity`.
 */
export function unpacked({ spec, integrity }) {
  const dir = join(CACHE, spec.replace('/', '+'))
  if (existsSync(dir)) return dir
  mkdirSync(CACHE, { recursive: true })
  const work = mkdtempSync(join(CACHE, '.tmp-'))
  try {
    const packed = JSON.parse(execFileSync(process.execPath, [NPM11, 'pack', spec, '--json', '--pack-destination', work], {
      cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' },
    }))
    if (packed[0].integrity !== integrity) throw new Error(`${spec}: the registry's tarball is not the pinned one (${packed[0].integrity})`)
    const out = join(work, 'package')
    mkdirSync(out)
    execFileSync('tar', ['-xzf', join(work, packed[0].filename), '-C', out, '--strip-components=1'])
    try {
      renameSync(out, dir)
    } catch (error) {
      if (!existsSync(dir)) throw error
    }
    return dir
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** npm 12 and a Node to run it with, or why there is none on this machine. */
export function referenceNpm12() {
  let node = process.execPath
  if (!runsNpm12(process.versions.node.split('.').map(Number))) {
    const binary = nodeBuild(24)
    const needs = `npm 12 needs Node 22.22+ or 24.15+; this is Node ${process.versions.node}`
    if (!binary) return { skip: `${needs} and the registry has no Node 24 binary package for ${process.platform}-${process.arch}` }
    // The registry's Linux binaries are built for glibc: they do not run on musl (Alpine).
    if (!process.report.getReport().header.glibcVersionRuntime) return { skip: `${needs} and the registry's Node 24 for Linux needs glibc, which this system (musl) does not have` }
    node = join(unpacked(binary), 'bin', 'node')
  }
  return { node, npmCli: join(unpacked(NPM12), 'bin', 'npm-cli.js') }
}
