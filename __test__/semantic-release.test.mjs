// trust-native/semantic-release with the real semantic-release, in dry-run mode, on a temporary
// git repository whose remote is a local bare repository (nothing reaches GitHub: no GitHub
// plugin, no token, a file remote), against the emulator as the registry and GitHub Actions'
// id_token endpoint. Only the plugins needed run: commit-analyzer and trust-native's.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, startEmulator, tempDir, GIT_IDENTITY, git, pushedRepo } from './helpers.mjs'

const require = createRequire(import.meta.url)
const root = join(import.meta.dirname, '..')
const semanticRelease = join(dirname(require.resolve('semantic-release/package.json')), 'bin', 'semantic-release.js')
const { verifyConditions } = require('trust-native/semantic-release')
const TRUSTED = { type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml' }
let emulator, home

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }] }] })
  emulator.clearRequests()
})

/**
 * A repository with one `feat:` commit pushed to a local bare remote, the plugin installed as
 * users install it (node_modules/trust-native, resolved through the exports map), trust.json
 * declaring the trusted publisher, and an .npmrc pointing at the emulator (with `npmrc` added).
 */
function releaseRepo({ pluginConfig, npmrc = '', publish = [], trust = [TRUSTED] } = {}) {
  return pushedRepo((remote) => ({
    'package.json': JSON.stringify({ name: 'widgets', version: '0.0.0-development', repository: 'github:acme/widgets' }),
    '.npmrc': `registry=${emulator.url}\n${npmrc}`,
    '.gitignore': 'node_modules\n',
    'trust.json': JSON.stringify(trust),
    '.releaserc.json': JSON.stringify({
      branches: ['main'],
      repositoryUrl: `file://${remote}`,
      plugins: ['@semantic-release/commit-analyzer', pluginConfig ? ['trust-native/semantic-release', pluginConfig] : 'trust-native/semantic-release', ...publish],
    }),
  }))
}

/** `semantic-release --dry-run` in `cwd` with exactly `env` (and what git and npm need). */
function dryRun(cwd, env) {
  const base = {
    PATH: process.env.PATH, HOME: home, ...GIT_IDENTITY,
    npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig,
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [semanticRelease, '--dry-run'], { cwd, env: { ...base, ...env } })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** A GitHub Actions job of `workflow` on main, for the emulator's id_token endpoint. */
function githubJob(cwd, workflow, claims = {}) {
  return {
    ...emulator.githubActionsJob({ repository: 'acme/widgets', workflow_ref: `acme/widgets/.github/workflows/${workflow}@refs/heads/main`, ...claims }),
    GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/widgets', GITHUB_SHA: git(cwd, 'rev-parse', 'HEAD').trim(),
  }
}

const exchanges = () => emulator.requests().filter((r) => r.path.startsWith('/-/npm/v1/oidc/token/exchange/'))

describe('semantic-release --dry-run in CI', () => {
  it('passes when the job is the trusted publisher, after the exchange it will need', async () => {
    const { cwd } = releaseRepo()
    const { code, output } = await dryRun(cwd, githubJob(cwd, 'release.yml'))
    expect(output).toContain('widgets: the registry exchanges this job\'s id_token for a publish token')
    expect(output).toContain('the next release version is 1.0.0')
    expect(code).toBe(0)
    expect(exchanges()).toHaveLength(1)
  })

  it('fails before any version is created, explaining the mismatch claim by claim', async () => {
    const { cwd, remote } = releaseRepo()
    const { code, output } = await dryRun(cwd, githubJob(cwd, 'publish.yml'))
    expect(code).not.toBe(0)
    expect(output).toContain('ETRUSTMISMATCH The registry refuses this job\'s id_token for widgets: publishing it would fail.')
    expect(output).toContain('This job\'s id_token compared with the trusted publisher trust.json declares for widgets, claim by claim:')
    expect(output).toContain('repository: the token has acme/widgets, the publisher wants acme/widgets\n')
    expect(output).toContain('file: the token has publish.yml, the publisher wants release.yml (differs)')
    expect(output).toContain('The token comes from workflow file publish.yml but the configuration trusts release.yml.')
    expect(output).toContain('trust-native github widgets --repository acme/widgets --file publish.yml')
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ/)
    // verifyConditions failed: no commit analysis, no version, no tag.
    expect(output).not.toContain('Start step "analyzeCommits"')
    expect(output).not.toContain('next release version')
    expect(git(remote, 'tag', '--list')).toBe('')
  })

  it('with several publishers declared: passes for any of them, else explains the closest and names the others', async () => {
    const NIGHTLY = { ...TRUSTED, file: 'nightly.yml', allowPublish: false, allowStagePublish: true }
    const RELEASE = { ...TRUSTED, environment: 'npm' }
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [
      { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' }, environment: 'npm' }, permissions: ['createPackage'] },
      { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'nightly.yml' } }, permissions: ['createStagedPackage'] },
    ] }] })
    const { cwd } = releaseRepo({ trust: [RELEASE, NIGHTLY] })
    const nightly = await dryRun(cwd, githubJob(cwd, 'nightly.yml'))
    expect(nightly.output).toContain('widgets: the registry exchanges this job\'s id_token for a publish token')
    const { code, output } = await dryRun(cwd, githubJob(cwd, 'publish.yml'))
    expect(code).not.toBe(0)
    expect(output).toContain('This job\'s id_token compared with the trusted publisher trust.json (nightly.yml) declares for widgets, the closest of the 2 it declares, claim by claim:')
    expect(output).toContain('file: the token has publish.yml, the publisher wants nightly.yml (differs)')
    // Each publisher named once, by its file, without nested parentheses.
    expect(output).toContain('The other it declares: release.yml (repository acme/widgets, environment npm).')
    expect(output).not.toContain('(id ')
    // semantic-release renders the details as Markdown, which keeps or drops the code's backticks.
    expect(output).toMatch(/This job publishes widgets once its trusted publisher is: `?trust-native github widgets --repository acme\/widgets --file publish\.yml`?/)
    // The release workflow in another environment: the value to change, not a publisher to add.
    const staging = await dryRun(cwd, githubJob(cwd, 'release.yml', { environment: 'staging' }))
    expect(staging.code).not.toBe(0)
    expect(staging.output).toContain('trust.json (release.yml) declares for widgets, the closest of the 2 it declares')
    expect(staging.output).toMatch(/It is this job's workflow file: either set the environment to npm in the workflow, or the environment to staging in trust\.json and run `?trust-native apply --config trust\.json --replace`?\./)
    expect(staging.output).not.toContain('once its trusted publisher is')
  })

  it('with semantic-release 24, fails naming the @semantic-release/npm it loads, which cannot publish through trusted publishing', async () => {
    // This repository's semantic-release is 24, with its @semantic-release/npm 12.
    const { cwd } = releaseRepo({ publish: ['@semantic-release/npm'] })
    const { code, output } = await dryRun(cwd, githubJob(cwd, 'release.yml'))
    expect(code).not.toBe(0)
    expect(output).toMatch(/ENPMVERSION This release publishes with @semantic-release\/npm 12\.\d+\.\d+/)
    expect(output).not.toContain('next release version')
  })

  it('without id-token: write, says what the workflow needs', async () => {
    const { cwd } = releaseRepo()
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _, ACTIONS_ID_TOKEN_REQUEST_TOKEN: __, ...job } = githubJob(cwd, 'release.yml')
    const { code, output } = await dryRun(cwd, job)
    expect(code).not.toBe(0)
    expect(output).toContain('EOIDCPERMISSION widgets:')
    expect(output).toContain('id-token: write')
  })
})

describe('semantic-release --dry-run outside CI', () => {
  const maintainer = () => `//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`

  it('passes when the package has a trusted publisher', async () => {
    const { cwd } = releaseRepo({ npmrc: maintainer() })
    const { code, output } = await dryRun(cwd, { npm_config_otp: OTP })
    expect(output).toContain('widgets: trusted publisher github acme/widgets')
    expect(code).toBe(0)
  })

  it('fails when it has none, and says how to configure it; ensure would create it', async () => {
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'] }] })
    const { cwd } = releaseRepo({ npmrc: maintainer() })
    const failed = await dryRun(cwd, { npm_config_otp: OTP })
    expect(failed.code).not.toBe(0)
    expect(failed.output).toContain('ENOTRUSTEDPUBLISHER widgets has no trusted publisher: CI could not publish it.')
    expect(failed.output).toContain('npx trust-native github widgets --repository acme/widgets --file release.yml')

    const ensured = releaseRepo({ npmrc: maintainer(), pluginConfig: { ensure: true } })
    const { code, output } = await dryRun(ensured.cwd, { npm_config_otp: OTP })
    expect(output).toContain('widgets: trusted publisher would be created: --repository acme/widgets --file release.yml')
    expect(code).toBe(0)
    expect(emulator.publishers('widgets')).toEqual([])
  })
})

describe('verifyConditions, called as semantic-release calls it', () => {
  const logger = () => {
    const lines = []
    const log = (format, ...args) => lines.push([format, ...args].join(' '))
    return { lines, log, warn: log }
  }

  it('ensure creates the missing publisher outside a dry run', async () => {
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'] }] })
    const { cwd } = releaseRepo({ npmrc: `//${new URL(emulator.url).host}/:_authToken=${ALICE}\n` })
    const env = { npm_config_otp: OTP, npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig }
    await verifyConditions({ ensure: true, trust: { type: 'github', repository: 'acme/widgets', file: 'release.yml', environment: 'npm' } }, { cwd, env, envCi: { isCi: false }, options: {}, logger: logger() })
    expect(emulator.publishers('widgets')[0].claims).toEqual({ repository: 'acme/widgets', workflow_ref: { file: 'release.yml' }, environment: 'npm' })
  })

  it('ensure creates every publisher trust.json declares for a package that has none', async () => {
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'] }] })
    const nightly = { ...TRUSTED, file: 'nightly.yml', allowPublish: false, allowStagePublish: true }
    const { cwd } = releaseRepo({ npmrc: `//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`, trust: [TRUSTED, nightly] })
    const env = { npm_config_otp: OTP, npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig }
    const log = logger()
    await verifyConditions({ ensure: true }, { cwd, env, envCi: { isCi: false }, options: {}, logger: log })
    expect(emulator.publishers('widgets').map((p) => p.claims.workflow_ref.file)).toEqual(['release.yml', 'nightly.yml'])
    // Both are there now, and both are named.
    const again = logger()
    await verifyConditions({}, { cwd, env, envCi: { isCi: false }, options: {}, logger: again })
    expect(again.lines.filter((l) => / github acme\/widgets (release|nightly)\.yml$/.test(l))).toHaveLength(2)
  })

  /** A project of widgets whose .npmrc gives alice's token for the emulator. */
  const maintained = () => {
    const cwd = tempDir('tn-plugin-')
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'widgets', version: '1.0.0', repository: 'github:acme/widgets' }))
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    return cwd
  }
  const outsideCi = (cwd, env = {}, plugins) => ({
    cwd,
    env: { npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig, ...env },
    envCi: { isCi: false },
    options: plugins ? { plugins } : {},
    logger: logger(),
  })

  it('suggests the command to configure a publisher without a stray space', async () => {
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'] }] })
    const error = await verifyConditions({}, outsideCi(maintained(), { npm_config_otp: OTP })).then(() => null, (e) => e)
    expect(error.code).toBe('ENOTRUSTEDPUBLISHER')
    expect(error.details).toContain('Configure one with `npx trust-native github widgets` (without')
  })

  it('asks for a one-time password as a semantic-release user gives one: npm_config_otp, not `otp` or onOtp', async () => {
    const error = await verifyConditions({}, outsideCi(maintained())).then(() => null, (e) => e)
    expect(error.code).toBe('EOTP')
    expect(`${error.message} ${error.details}`).toContain('npm_config_otp')
    expect(`${error.message} ${error.details}`).not.toMatch(/onOtp|`otp`/)
  })

  describe('the npm that @semantic-release/npm publishes with', () => {
    /**
     * A project as `npm install` lays it out: `packages` maps a folder under node_modules to
     * its version (`@semantic-release/npm`, `semantic-release/node_modules/@semantic-release/npm`,
     * `npm`), and node_modules/.bin/npm, the npm @semantic-release/npm runs (execa's
     * preferLocal), says `bin`.
     */
    const installed = (packages, bin) => {
      const cwd = maintained()
      for (const [folder, version] of Object.entries(packages)) {
        mkdirSync(join(cwd, 'node_modules', folder), { recursive: true })
        writeFileSync(join(cwd, 'node_modules', folder, 'package.json'), JSON.stringify({ name: folder.split('node_modules/').pop(), version }))
      }
      mkdirSync(join(cwd, 'node_modules', '.bin'), { recursive: true })
      writeFileSync(join(cwd, 'node_modules', '.bin', 'npm'), `#!/bin/sh\necho ${bin}\n`, { mode: 0o755 })
      writeFileSync(join(cwd, 'node_modules', '.bin', 'npm.cmd'), `@echo ${bin}\r\n`)
      return cwd
    }
    const PLUGINS = ['@semantic-release/commit-analyzer', 'trust-native/semantic-release', '@semantic-release/npm']
    const verify = (cwd, plugins = PLUGINS) => verifyConditions({}, outsideCi(cwd, { npm_config_otp: OTP }, plugins)).then(() => null, (e) => e)

    it('fails with @semantic-release/npm 12 and its npm 10 (what semantic-release 24 installs), naming the versions that work', async () => {
      const error = await verify(installed({ 'semantic-release': '24.2.9', '@semantic-release/npm': '12.0.2', npm: '10.9.9' }, '10.9.9'))
      expect(error).toMatchObject({ code: 'ENPMVERSION', semanticRelease: true })
      expect(error.message).toContain('@semantic-release/npm 12.0.2')
      expect(error.details).toContain('@semantic-release/npm 13.1.0 or later')
      expect(error.details).toContain('semantic-release 25')
      expect(error.details).toContain('npm 10.9.9')
      expect(error.details).toContain('11.5.1')
    })

    it('fails when semantic-release loads its own older @semantic-release/npm, whatever the project\'s', async () => {
      const error = await verify(installed({
        'semantic-release': '24.2.9', 'semantic-release/node_modules/@semantic-release/npm': '12.0.2', '@semantic-release/npm': '13.2.0', npm: '11.6.2',
      }, '11.6.2'))
      expect(error).toMatchObject({ code: 'ENPMVERSION' })
      expect(error.message).toContain('@semantic-release/npm 12.0.2')
    })

    it('fails when the npm it runs is older than 11.5.1, though the plugin is new enough', async () => {
      const error = await verify(installed({ 'semantic-release': '25.0.9', '@semantic-release/npm': '13.2.0', npm: '10.9.9' }, '10.9.9'))
      expect(error).toMatchObject({ code: 'ENPMVERSION' })
      expect(error.message).toContain('npm 10.9.9')
      expect(error.details).toContain('11.5.1')
    })

    it('passes with semantic-release 25, @semantic-release/npm 13.1 and npm 11; and without @semantic-release/npm', async () => {
      emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }] }] })
      expect(await verify(installed({ 'semantic-release': '25.0.9', '@semantic-release/npm': '13.1.0', npm: '11.6.2' }, '11.6.2'))).toBe(null)
      expect(await verify(installed({ 'semantic-release': '24.2.9', '@semantic-release/npm': '12.0.2' }, '10.9.9'), ['trust-native/semantic-release'])).toBe(null)
    })
  })

  it('refuses mistyped options', async () => {
    const error = await verifyConditions({ ensure: 'yes' }, { cwd: root, env: {}, logger: logger() }).then(() => null, (e) => e)
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', semanticRelease: true })
    expect(error.message).toContain('`ensure`')
  })
})
