// Every platform the README promises (issue 23): what a Windows or macOS checkout, runner or
// Node meets, simulated here on Linux where it can be. The core's side (the .npmrc lock, npm's
// builtin config, `Path`, workflow names on case-insensitive disks) is tested in the core.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { versionedFiles, versionProblems } from '../scripts/version.mjs'
import { nodeBuild, unpacked } from '../scripts/reference-npm.mjs'
import { isolateNpmConfig, project, tempDir, tn } from './helpers.mjs'

const root = join(import.meta.dirname, '..')
const read = (file) => readFileSync(join(root, file), 'utf8')
const git = (args, options = {}) => spawnSync('git', args, { cwd: root, encoding: 'utf8', ...options })
const inGit = git(['rev-parse', '--is-inside-work-tree']).stdout?.trim() === 'true'

describe('a Windows checkout (core.autocrlf=true)', () => {
  it.skipIf(!inGit)('has LF line ends: scripts run under bash, napi build leaves index.js/index.d.ts unchanged', () => {
    const out = tempDir('tn-crlf-')
    const files = git(['ls-files', '-z']).stdout.split('\0').filter(Boolean)
    // Every file, as a Windows runner's actions/checkout writes it (git's own conversion).
    git(['-c', 'core.autocrlf=true', 'checkout-index', `--prefix=${out}/`, '--', ...files])
    const withCr = files.filter((file) => readFileSync(join(out, file)).includes('\r\n'))
    expect(withCr).toEqual([])
  })

  it('scripts/version.mjs reads and writes CRLF files', () => {
    const dir = tempDir('tn-version-crlf-')
    const crlf = (file) => {
      mkdirSync(join(dir, file, '..'), { recursive: true })
      writeFileSync(join(dir, file), read(file).replace(/\n/g, '\r\n'))
    }
    const platforms = readdirSync(join(root, 'npm')).map((d) => `npm/${d}/package.json`)
    for (const file of ['package.json', 'Cargo.toml', 'crates/core/Cargo.toml', 'Cargo.lock', ...platforms]) crlf(file)
    expect(versionProblems(dir)).toEqual([])
    for (const place of versionedFiles(dir).filter((p) => p.set)) {
      const text = place.set('9.9.9')
      expect(text, place.file).toContain('9.9.9')
      expect(text.replace(/\r\n/g, ''), place.file).not.toContain('\n')
    }
  })
})

describe('Windows runners', () => {
  const jobs = Object.entries({ ...load(read('.github/workflows/ci.yml')).jobs, ...prefixed('release', load(read('.github/workflows/release.yml')).jobs) })

  function prefixed(name, jobs) {
    return Object.fromEntries(Object.entries(jobs).map(([k, v]) => [`${name}.${k}`, v]))
  }

  it('a job that builds for aarch64-pc-windows-msvc has clang (ring needs it) before it builds', () => {
    const armJobs = jobs.filter(([, job]) => JSON.stringify(job.strategy?.matrix ?? {}).includes('aarch64-pc-windows-msvc'))
    expect(armJobs.map(([name]) => name).sort()).toEqual(['release.build', 'release.test', 'test'])
    for (const [name, job] of armJobs.filter(([name]) => name !== 'release.test')) {
      const runs = job.steps.map((s) => s.run ?? '')
      const clang = runs.findIndex((r) => r.includes('scripts/windows-clang.sh'))
      const build = runs.findIndex((r) => /npm test|napi build/.test(r))
      expect(clang, name).toBeGreaterThan(-1)
      expect(clang, name).toBeLessThan(build)
      expect(job.steps[clang].if, name).toMatch(/== 'aarch64-pc-windows-msvc'$/)
    }
    expect(spawnSync('bash', ['-n', join(root, 'scripts/windows-clang.sh')]).status).toBe(0)
  })
})

describe('Node 24 on Windows', () => {
  // Node 24 deprecates arguments beside `shell: true` (DEP0190); Windows needs the shell for
  // npm's .cmd shims. Here: this Node if it is 24 or later, else the pinned Node 24 build.
  const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : nodeBuild(24) && join(unpacked(nodeBuild(24)), 'bin', 'node')
  const asWindows = ['--throw-deprecation', '--import', `data:text/javascript,Object.defineProperty(process, 'platform', { value: 'win32' })`]

  it.skipIf(!node)('doctor runs `npm --version` without DEP0190', () => {
    // The addon is loaded first, as Linux's: posing as Windows before would look for Windows' addon.
    const code = [
      `require(${JSON.stringify(join(root, 'main.js'))})`,
      "Object.defineProperty(process, 'platform', { value: 'win32' })",
      `require(${JSON.stringify(join(root, 'bin/doctor-checks.js'))}).npmVersion(process.cwd())`,
    ].join(';')
    const ran = spawnSync(node, ['--throw-deprecation', '-e', code], { encoding: 'utf8' })
    expect(ran.stderr).not.toContain('DEP0190')
    expect(ran.status, ran.stderr).toBe(0)
  })

  it.skipIf(!node)('npm test runs its steps without DEP0190', () => {
    // On Linux the Windows shell (cmd.exe) does not start: each step fails to, and says so.
    const ran = spawnSync(node, [...asWindows, join(root, 'scripts/test.mjs')], { encoding: 'utf8', env: { ...process.env, ComSpec: 'tn-no-such-shell' } })
    expect(ran.stderr).not.toContain('DEP0190')
    expect(ran.stdout).toContain('addon build: failed to start')
  })
})

describe('tests that run on Windows', () => {
  it('take a file path from a file URL with fileURLToPath, never its pathname (/C:/...)', () => {
    const tests = readdirSync(join(root, '__test__')).filter((f) => /\.m?js$/.test(f))
    const offending = tests.filter((f) => /import\.meta\.url\)\.pathname/.test(read(`__test__/${f}`)))
    expect(offending).toEqual([])
  })
})

describe("npm's builtin config (Node's Windows installer, Homebrew)", () => {
  it('is read below the others, and its prefix moves the global config', async () => {
    const home = isolateNpmConfig()
    delete process.env.npm_config_globalconfig
    mkdirSync(join(home, 'npm', 'bin'), { recursive: true })
    mkdirSync(join(home, 'prefix', 'etc'), { recursive: true })
    writeFileSync(join(home, 'npm', 'npmrc'), `prefix=${join(home, 'prefix')}\nregistry=https://builtin.example/\n`)
    writeFileSync(join(home, 'prefix', 'etc', 'npmrc'), 'registry=https://global.example/\n')
    const config = await tn.resolveConfig({ cwd: project({ name: 'x' }) })
    expect(config.registry).toBe('https://global.example/')
    expect(config.files.filter((f) => f.found).map((f) => [f.layer, f.path])).toEqual([
      ['user', join(home, 'npmrc-user')],
      ['global', join(home, 'prefix', 'etc', 'npmrc')],
      ['builtin', join(home, 'npm', 'npmrc')],
    ])
  })
})
