// The package as a user gets it: scripts/package.mjs writes the tarballs a release publishes
// (here with the debug addon `npm test` just built, not a release build), they are installed into
// an empty project with npm --offline, and the library, its ES module face, its types, the
// emulator and the CLI are used from there. Installed without the platform package, loading says
// which platform, which package and what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { load } from 'js-yaml'
import { sizesParagraph } from '../scripts/figures.mjs'
import { binaryKind, packageAll, platformTargets } from '../scripts/package.mjs'
import { versionProblems } from '../scripts/version.mjs'
import { testing, tn } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { explainBindingFailure, platformKey, currentFacts } = require('../binding-error.js')

const root = join(import.meta.dirname, '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const npmBin = join(root, 'node_modules', 'npm', 'bin')
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
const hostKey = platformKey(currentFacts())

let work
let env
let packages
let full
let bare
let printed

/** The environment of a process in a test project: no npm configuration from this machine or from `npm test`, no registry to reach. */
function isolatedEnv() {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !/^(NODE_OPTIONS|NPM_TOKEN|NAPI_RS_.*)$/i.test(k)))
  writeFileSync(join(work, 'npmrc-user'), '')
  writeFileSync(join(work, 'npmrc-global'), '')
  return {
    ...clean,
    npm_config_userconfig: join(work, 'npmrc-user'),
    npm_config_globalconfig: join(work, 'npmrc-global'),
    npm_config_cache: join(work, 'npm-cache'),
    // Nothing may come from a registry: --offline, and the registry is a closed loopback port.
    npm_config_offline: 'true',
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  }
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 })
  if (result.error) throw result.error
  return result
}

function npm(args, cwd) {
  return run(process.execPath, [join(npmBin, 'npm-cli.js'), ...args], cwd)
}

function node(script, cwd, file = 'script.cjs') {
  writeFileSync(join(cwd, file), script)
  return run(process.execPath, [file], cwd)
}

/** An empty project with `tarballs` installed from disk, offline. */
function install(name, tarballs) {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, private: true }, null, 2)}\n`)
  const result = npm(['install', '--offline', '--no-audit', '--no-fund', ...tarballs.map((t) => join(work, 'dist', t.file))], dir)
  if (result.status !== 0) throw new Error(`npm install failed in ${dir}:\n${result.stdout}\n${result.stderr}`)
  return dir
}

/** Every file under `dir`, as `a/b.js` paths. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort()
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tn-package-'))
  env = isolatedEnv()
  printed = []
  packages = packageAll({ binaries: [root], out: join(work, 'dist'), log: (line) => printed.push(line) })
  const main = packages.find((p) => p.name === manifest.name)
  const platform = packages.find((p) => p.name === `${manifest.name}-${hostKey}`)
  if (!platform) throw new Error(`no ${manifest.napi.binaryName}.${hostKey}.node in ${root}: build the addon first (npx napi build --platform)`)
  full = install('full', [main, platform])
  bare = install('bare', [main])
}, 240_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('npm run package', () => {
  it('writes the main package and the platform package whose binary is here', () => {
    expect(packages.map((p) => p.file).sort()).toEqual([`${manifest.name}-${hostKey}-${manifest.version}.tgz`, `${manifest.name}-${manifest.version}.tgz`].sort())
    // Platform packages come first: the order to publish in.
    expect(packages.at(-1).name).toBe(manifest.name)
    expect(JSON.parse(readFileSync(join(work, 'dist', 'packages.json'), 'utf8'))).toEqual(packages)
  })

  it('every file the shipped README links to is shipped (testing/README.md: users start the emulator in their tests)', () => {
    const dir = join(full, 'node_modules', manifest.name)
    const readme = readFileSync(join(dir, 'README.md'), 'utf8')
    const linked = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((href) => !/^[a-z]+:/i.test(href))
    expect(linked).toContain('testing/README.md')
    const shipped = files(dir)
    expect(linked.filter((href) => !shipped.includes(href))).toEqual([])
  })

  it('the main package ships only what users run, and needs every platform package at its version', () => {
    const dir = join(full, 'node_modules', manifest.name)
    const emulator = readdirSync(join(root, 'testing', 'lib')).filter((f) => f.endsWith('.js')).map((f) => `testing/lib/${f}`)
    // The CLI: its entry point and every module of bin/ (commands/, cli/), nothing else of bin/.
    const cli = readdirSync(join(root, 'bin'), { recursive: true }).map((f) => String(f).replaceAll('\\', '/')).filter((f) => f.endsWith('.js')).map((f) => `bin/${f}`)
    expect(cli).toEqual(expect.arrayContaining(['bin/trust-native.js', 'bin/commands/doctor.js', 'bin/cli/errors.js']))
    expect(files(dir)).toEqual(
      ['LICENSE', 'README.md', ...cli, 'binding-error.js', 'index.d.ts', 'index.js', 'main.js', 'package.json',
        'semantic-release/index.d.ts', 'semantic-release/index.js', 'semantic-release/publishing-npm.js', 'semantic-release/release.js', 'testing/README.md', 'testing/cli.js', 'testing/index.d.ts', 'testing/index.js', 'testing/index.mjs', ...emulator].sort(),
    )
    const published = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    expect(published.optionalDependencies).toEqual(Object.fromEntries(platformTargets().map((t) => [t.name, manifest.version])))
    expect(Object.keys(published.exports)).toEqual(['.', './testing', './semantic-release', './package.json'])
    expect(published.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/)
    expect(published.homepage).toMatch(/^https:\/\/github\.com\//)
    expect(published.bugs.url).toMatch(/^https:\/\/github\.com\/.*\/issues$/)
    for (const field of ['devDependencies', 'scripts', 'overrides', 'dependencies']) expect(published, field).not.toHaveProperty(field)
  })

  it('the platform package is the binary, for its os, cpu and libc, with the same version and repository', () => {
    const name = `${manifest.name}-${hostKey}`
    const dir = join(full, 'node_modules', name)
    expect(files(dir)).toEqual(['LICENSE', 'README.md', 'package.json', `${manifest.napi.binaryName}.${hostKey}.node`])
    const published = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const own = JSON.parse(readFileSync(join(root, 'npm', hostKey, 'package.json'), 'utf8'))
    expect(published).toMatchObject({ name, version: manifest.version, main: `${manifest.napi.binaryName}.${hostKey}.node`, os: own.os, cpu: own.cpu, repository: manifest.repository })
    if (own.libc) expect(published.libc).toEqual(own.libc)
  })

  it('prints the README\'s sizes paragraph for the platform package and the main package it wrote', () => {
    const main = packages.find((p) => p.name === manifest.name)
    const platform = packages.find((p) => p.name === `${manifest.name}-${hostKey}`)
    const text = printed.join('\n')
    const date = /packed them on (\d{4}-\d\d-\d\d) /.exec(text)?.[1] // the day it ran
    const paragraph = sizesParagraph({ date, platform: hostKey, main, native: platform, addonBytes: statSync(join(root, platform.binary)).size })
    expect(text).toContain(`README, Install:\n${paragraph}`)
  })

  it('refuses a binary built for another platform, and with --require-all a missing one', () => {
    const host = platformTargets().find((t) => t.key === hostKey)
    const kind = binaryKind(join(root, host.binary))
    expect(kind).toEqual({ format: { linux: 'elf', darwin: 'macho', win32: 'pe' }[host.platform], arch: host.arch })
    const other = platformTargets().find((t) => t.platform !== host.platform)
    const wrong = join(work, 'wrong')
    mkdirSync(wrong)
    writeFileSync(join(wrong, other.binary), readFileSync(join(root, host.binary)))
    expect(() => packageAll({ binaries: [wrong], out: join(work, 'dist-wrong'), log: () => {} })).toThrow(`not the ${{ linux: 'elf', darwin: 'macho', win32: 'pe' }[other.platform]} ${other.arch} binary ${other.name} needs`)
    expect(() => packageAll({ binaries: [root], out: join(work, 'dist-all'), requireAll: true, log: () => {} })).toThrow(/^no binary for /)
  })

  it('every file that carries the version says package.json\'s', () => {
    expect(versionProblems()).toEqual([])
  })
})

describe('installed from the tarballs, offline', () => {
  it('require() loads the addon from the platform package, and it works against the emulator', () => {
    const result = node(`
      const tn = require('trust-native')
      const { startEmulator } = require('trust-native/testing')
      const addon = Object.keys(require.cache).find((p) => p.endsWith('.node'))
      ;(async () => {
        const emulator = await startEmulator({ users: [{ name: 'alice', token: 'tok', otp: '123456' }], packages: [{ name: 'widgets', maintainers: ['alice'] }] })
        try {
          const { publisher } = await tn.addGithubPublisher({ registry: emulator.url, token: 'tok', otp: '123456', package: 'widgets', repository: 'acme/widgets', file: 'release.yml' })
          const listed = await new tn.TrustClient({ registry: emulator.url, token: 'tok', otp: '123456' }).listPublishers({ package: 'widgets' })
          console.log(JSON.stringify({ addon, exports: Object.keys(tn).sort(), created: publisher.repository, listed: listed.map((p) => p.id), stored: emulator.publishers('widgets').map((p) => p.id) }))
        } finally {
          emulator.stop()
        }
      })().catch((e) => { console.error(e); process.exit(1) })
    `, full)
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const out = JSON.parse(result.stdout)
    expect(relative(full, out.addon).split(sep)).toEqual(['node_modules', `${manifest.name}-${hostKey}`, `${manifest.napi.binaryName}.${hostKey}.node`])
    expect(out.exports).toEqual(expect.arrayContaining(['TrustClient', 'addGithubPublisher', 'applyTrust', 'exchangeToken', 'planTrust']))
    expect(out.created).toBe('acme/widgets')
    expect(out.listed).toEqual(out.stored)
    expect(out.stored).toHaveLength(1)
  })

  it('an ES module imports the named exports of trust-native and trust-native/testing', () => {
    const result = node(`
      import tn, { TrustClient, addGithubPublisher, trustProviders } from 'trust-native'
      import testing, { startEmulator, RegistryEmulator } from 'trust-native/testing'
      console.log(JSON.stringify({
        named: [typeof TrustClient, typeof addGithubPublisher, typeof startEmulator, typeof RegistryEmulator],
        same: tn.addGithubPublisher === addGithubPublisher && testing.startEmulator === startEmulator,
        providers: trustProviders().map((p) => p.type).sort(),
      }))
    `, full, 'esm.mjs')
    expect(result.stderr).toBe('')
    // The installed addon's table is the one of the build under test.
    const providers = tn.trustProviders().map((p) => p.type).sort()
    expect(JSON.parse(result.stdout)).toEqual({ named: ['function', 'function', 'function', 'function'], same: true, providers })
  })

  it('TypeScript resolves the declarations of both entry points (ESM and CommonJS, nodenext)', () => {
    const code = `
      import { addGithubPublisher, TrustClient, type AddPublisherResult, type TrustError } from 'trust-native'
      import { startEmulator, type RegistryEmulator } from 'trust-native/testing'
      import { verifyConditions, type PluginConfig } from 'trust-native/semantic-release'
      export async function main(): Promise<string | undefined> {
        const plugin: PluginConfig = { trust: { type: 'github', file: 'release.yml' }, ensure: true }
        await verifyConditions(plugin, { cwd: '.', envCi: { isCi: false }, logger: console })
        const emulator: RegistryEmulator = await startEmulator({ users: [{ name: 'alice', token: 'tok' }] })
        const client = new TrustClient({ registry: emulator.url, token: 'tok', timeoutMs: 5_000 })
        const result: AddPublisherResult = await addGithubPublisher({ package: 'widgets', repository: 'acme/widgets', file: 'release.yml', otp: '123456' })
        // @ts-expect-error: an option the declarations do not have
        await client.listPublishers({ packag: 'widgets' })
        const failure = new Error('x') as TrustError
        return result.publisher?.repository ?? failure.code
      }
    `
    writeFileSync(join(full, 'check.mts'), code)
    writeFileSync(join(full, 'check.cts'), code)
    writeFileSync(join(full, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'],
        types: ['node'], typeRoots: [join(root, 'node_modules', '@types')], skipLibCheck: false,
      },
      files: ['check.mts', 'check.cts'],
    }))
    const result = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], full)
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('')
    expect(result.status).toBe(0)
  })

  it('npx trust-native --help runs the CLI', () => {
    const result = run(process.execPath, [join(npmBin, 'npx-cli.js'), '--offline', 'trust-native', '--help'], full)
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^Usage: trust-native <command> \[options\]/)
    expect(result.stdout).toContain('doctor')
  })
})

describe('a missing binary says what is wrong', () => {
  const expectExplained = (out) => {
    expect(out.code).toBe('EBINDING')
    expect(out.platform).toBe(hostKey)
    expect(out.package).toBe(`${manifest.name}-${hostKey}`)
    expect(out.message).toContain(`native addon for ${hostKey}`)
    expect(out.message).toContain(`the package ${manifest.name}-${hostKey}@${manifest.version}, an optional dependency of ${manifest.name}, and it is not installed`)
    for (const fix of ['--no-optional', '--omit=optional', 'delete node_modules and package-lock.json', '`npm run build`']) expect(out.message).toContain(fix)
    expect(out.message).not.toMatch(/npm has a bug related to optional dependencies/)
  }

  it('require() without the platform package names the platform, the package and the fixes', () => {
    const result = node(`
      try {
        require('trust-native')
        console.log('{}')
      } catch (e) {
        console.log(JSON.stringify({ code: e.code, platform: e.platform, package: e.package, message: e.message, cause: e.cause && e.cause.message }))
      }
    `, bare)
    const out = JSON.parse(result.stdout)
    expectExplained(out)
    // The generated loader's own error stays reachable as the cause.
    expect(out.cause).toMatch(/Cannot find native binding/)
  })

  it('so do an ES module import and the CLI', () => {
    const esm = node(`
      try {
        await import('trust-native')
      } catch (e) {
        console.log(JSON.stringify({ code: e.code, platform: e.platform, package: e.package, message: e.message }))
      }
    `, bare, 'esm.mjs')
    expectExplained(JSON.parse(esm.stdout))
    const cli = run(process.execPath, [join(bare, 'node_modules', manifest.name, 'bin', 'trust-native.js'), '--help'], bare)
    expect(cli.status).not.toBe(0)
    expect(cli.stderr).toContain(`${manifest.name}-${hostKey}@${manifest.version}, an optional dependency`)
  })
})

describe('the missing-binary message on other platforms', () => {
  const installed = { name: manifest.name, version: '1.2.3', repository: 'https://github.com/acme/trust-native', node: 'v22.0.0' }
  const platformPackages = platformTargets().map((t) => t.name)
  const napiError = () => {
    const error = new Error('Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828).')
    error.cause = new Error(`Cannot find module '${manifest.name}-linux-x64-musl'`)
    return error
  }

  it('names linux-x64-musl and its package on musl', () => {
    const e = explainBindingFailure(napiError(), { ...installed, platform: 'linux', arch: 'x64', musl: true, platformPackages, installed: () => null })
    expect(e).toMatchObject({ code: 'EBINDING', platform: 'linux-x64-musl', package: `${manifest.name}-linux-x64-musl` })
    expect(e.message).toContain('native addon for linux-x64-musl (Node.js v22.0.0, linux x64, musl libc)')
    expect(e.message).toContain(`${manifest.name}-linux-x64-musl@1.2.3, an optional dependency`)
    expect(e.message).toContain('in a clone of https://github.com/acme/trust-native, run `npm install` and `npm run build`')
  })

  it('names darwin-arm64 and win32-arm64-msvc', () => {
    expect(explainBindingFailure(napiError(), { ...installed, platform: 'darwin', arch: 'arm64', platformPackages, installed: () => null }).package).toBe(`${manifest.name}-darwin-arm64`)
    expect(explainBindingFailure(napiError(), { ...installed, platform: 'win32', arch: 'arm64', platformPackages, installed: () => null }).package).toBe(`${manifest.name}-win32-arm64-msvc`)
  })

  it('every platform package is one that platformKey can name', () => {
    const named = platformTargets().map((t) => platformKey({ platform: t.platform, arch: t.arch, musl: t.abi === 'musl' }))
    expect(named).toEqual(platformTargets().map((t) => t.key))
  })

  it('says when there is no prebuilt addon for the platform', () => {
    const e = explainBindingFailure(napiError(), { ...installed, platform: 'freebsd', arch: 'x64', platformPackages, installed: () => null })
    expect(e.platform).toBe('freebsd-x64')
    expect(e.message).toContain('has no prebuilt addon for freebsd-x64; the platform packages are for linux-x64-gnu, linux-arm64-gnu')
    expect(e.message).toContain('`npm run build`')
  })

  it('says why an installed platform package did not load, and a version mismatch', () => {
    const error = napiError()
    error.cause = new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.39' not found")
    error.cause.cause = new Error("Cannot find module './trust-native.linux-x64-gnu.node'")
    const e = explainBindingFailure(error, { ...installed, platform: 'linux', arch: 'x64', musl: false, platformPackages, installed: () => ({ dir: '/p/node_modules/x', version: '1.2.2' }) })
    expect(e.message).toContain("installed (/p/node_modules/x, version 1.2.2) but did not load: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.39' not found")
    expect(e.message).toContain('It should be version 1.2.3')
    expect(e.message).toContain('delete node_modules and package-lock.json')
  })

  it('in a source checkout, says to build the addon', () => {
    const e = explainBindingFailure(napiError(), { ...installed, platform: 'linux', arch: 'arm64', musl: false, platformPackages: [], installed: () => null })
    expect(e.message).toContain('This is a source checkout')
    expect(e.message).toContain(`${manifest.napi.binaryName}.linux-arm64-gnu.node`)
    expect(e.message).toContain('`npm run build`')
  })

  it('leaves other errors alone', () => {
    const other = new TypeError('boom')
    expect(explainBindingFailure(other, { ...installed, platform: 'linux', arch: 'x64', platformPackages, installed: () => null })).toBe(other)
  })
})

// The publish job runs on ubuntu-latest (x64), with bash: its two scripts run here as written,
// against the emulator (doctor) and with a stand-in for npm that records how it is called (publish).
describe("the release workflow's publish job, run as written", () => {
  const release = load(readFileSync(join(root, '.github', 'workflows', 'release.yml'), 'utf8'))
  const script = (name) => release.jobs.publish.steps.find((s) => name.test(s.name ?? '')).run
  const { repository, environment, file } = JSON.parse(readFileSync(join(root, 'trust.json'), 'utf8')).defaults
  const hasBash = process.platform !== 'win32' && spawnSync('bash', ['--version']).status === 0
  /** A job's working directory: the repository's package.json and the packed dist/. */
  function jobDir(name) {
    const dir = join(work, name)
    mkdirSync(join(dir, 'tmp'), { recursive: true })
    symlinkSync(join(work, 'dist'), join(dir, 'dist'), 'dir')
    writeFileSync(join(dir, 'package.json'), readFileSync(join(root, 'package.json')))
    return dir
  }
  // GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`. Not spawnSync: the
  // emulator answers from this process.
  const bash = (text, cwd, more) => new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', text], {
      cwd, env: { ...env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`, RUNNER_TEMP: join(cwd, 'tmp'), ...more },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })

  it.runIf(hasBash && hostKey === 'linux-x64-gnu')('doctor installs trust-native from the tarballs and passes for every package before any is published', async () => {
    const emulator = await testing.startEmulator({
      users: [{ name: 'maintainer', token: 'maintainer-token' }],
      packages: packages.map((p) => ({
        name: p.name,
        maintainers: ['maintainer'],
        publishers: [{ type: 'github', claims: { repository, workflow_ref: { file }, environment }, permissions: ['createPackage'] }],
      })),
    })
    try {
      const cwd = jobDir('job-doctor')
      const job = emulator.githubActionsJob({ repository, environment, workflow_ref: `${repository}/.github/workflows/${file}@refs/tags/v${manifest.version}` })
      const result = await bash(script(/doctor/), cwd, { ...job, npm_config_registry: emulator.url })
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0)
      for (const p of packages) expect(result.stdout).toContain(`Exchange: ok, an npm token for ${p.name}`)
      expect(emulator.requests().filter((r) => r.method === 'PUT')).toEqual([])
    } finally {
      emulator.stop()
    }
  })

  it.runIf(hasBash)('publish: platform packages first, then the main package, with provenance; a re-run skips what is on the registry', async () => {
    const cwd = jobDir('job-publish')
    const shim = join(cwd, 'bin')
    mkdirSync(shim)
    writeFileSync(join(shim, 'npm'), '#!/usr/bin/env bash\necho "$*" >> "$NPM_CALLS"\nif [ "$1" = view ] && [ "$2" = "$ALREADY" ]; then echo "${2##*@}"; fi\n')
    chmodSync(join(shim, 'npm'), 0o755)
    const publish = async (already) => {
      const calls = join(cwd, `calls-${already || 'none'}`)
      const result = await bash(script(/^Publish/), cwd, { PATH: `${shim}:${process.env.PATH}`, NPM_CALLS: calls, ALREADY: already })
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0)
      return readFileSync(calls, 'utf8').trim().split('\n')
    }
    const v = manifest.version
    const tag = v.includes('-') ? 'next' : 'latest'
    const platformPackage = packages[0]
    const main = packages.at(-1)
    expect(await publish('')).toEqual([
      `view ${platformPackage.name}@${v} version`,
      `publish ./dist/${platformPackage.file} --provenance --access public --tag ${tag}`,
      `view ${main.name}@${v} version`,
      `publish ./dist/${main.file} --provenance --access public --tag ${tag}`,
    ])
    expect(await publish(`${platformPackage.name}@${v}`)).toEqual([
      `view ${platformPackage.name}@${v} version`,
      `view ${main.name}@${v} version`,
      `publish ./dist/${main.file} --provenance --access public --tag ${tag}`,
    ])
  })
})
