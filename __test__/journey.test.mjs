// The whole move to trusted publishing, as the README tells it, against the emulator: a new
// monorepo goes from nothing on the registry to locked down with exactly this sequence of CLI
// commands: claim -> apply (workflow checked, file inferred) -> plan --exit-code (0) ->
// lockdown -> tokens (list, then revoke the CI token that is no longer needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isolateNpmConfig, runCli, tempDir, testing } from './helpers.mjs'

const OTP = '135790'
const TOKEN = 'npm_journeyLoginToken0000000000000001'
const OLD_CI_TOKEN = 'npm_oldCiAutomationToken00000000000002'
const RELEASE = `name: release
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v5
      - run: npm publish --workspaces
`

let emulator, root
const NAMES = ['@acme/core', '@acme/cli', '@acme/plugin']

/** Runs the CLI in the monorepo with the OTP (a last object argument: `otp`, more environment). */
function cli(...args) {
  const { otp = OTP, ...env } = typeof args.at(-1) === 'object' ? args.pop() : {}
  return runCli([...args, ...(otp ? ['--otp', otp] : [])], { cwd: root, env })
}

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await testing.startEmulator({
    users: [{ name: 'ann', token: TOKEN, otp: OTP }],
    tokens: [{ user: 'ann', token: OLD_CI_TOKEN, key: 'abcdef12-3456-4789-8abc-def012345678', name: 'old-ci' }],
  })
  root = tempDir('tn-journey-')
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'acme', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' }))
  for (const name of NAMES) {
    const dir = join(root, 'packages', name.split('/')[1])
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0' }))
  }
  mkdirSync(join(root, '.github', 'workflows'), { recursive: true })
  writeFileSync(join(root, '.github', 'workflows', 'release.yml'), RELEASE)
  writeFileSync(join(root, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${TOKEN}\n`)
})
afterAll(() => emulator.stop())

describe('from nothing to locked down', () => {
  it('before the claim, a drift check says the packages must be claimed (exit 1)', async () => {
    const plan = await cli('plan', '--workspaces', '--exit-code')
    expect(plan.code, plan.stderr).toBe(1)
    expect(plan.stdout).toContain('3 to claim')
    expect(plan.stdout).toMatch(/@acme\/core\s+claim/)

    emulator.clearRequests()
    const dry = await cli('claim', '--workspaces', '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    const planned = JSON.parse(dry.stdout)
    expect(planned.map((r) => [r.package, r.status, r.published.dryRun, r.published.request.method]).sort())
      .toEqual([...NAMES].sort().map((name) => [name, 'claimed', true, 'PUT']))
    expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('runs the README sequence', async () => {
    const claim = await cli('claim', '--workspaces')
    expect(claim.code, claim.stderr).toBe(0)
    for (const name of NAMES) {
      expect(claim.stdout).toContain(`${name}: published placeholder 0.0.0-placeholder.0 (tag placeholder, public access)`)
      expect(emulator.versions(name)).toEqual(['0.0.0-placeholder.0'])
    }

    const apply = await cli('apply', '--workspaces', '--yes')
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stdout).toContain('Applied: 3 created')
    for (const name of NAMES) {
      // The file was inferred from the one workflow that publishes.
      expect(emulator.publishers(name)).toEqual([expect.objectContaining({ type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } } })])
    }

    const plan = await cli('plan', '--workspaces', '--exit-code')
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stdout).toContain('3 unchanged')

    emulator.clearRequests()
    const lockdown = await cli('lockdown', '--workspaces')
    expect(lockdown.code, lockdown.stderr).toBe(0)
    const settings = emulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/access'))
    expect(settings.map((r) => [r.path, r.body]).sort()).toEqual([...NAMES].sort().map((name) => [
      `/-/package/${name.replace('/', '%2f')}/access`, '{"publish_requires_tfa":true,"automation_token_overrides_tfa":false}',
    ]))
    expect(lockdown.stdout).toContain('@acme/core: now requires 2FA for publishing, and tokens may not publish')

    const tokens = await cli('tokens')
    expect(tokens.code, tokens.stderr).toBe(0)
    expect(tokens.stdout).toContain('old-ci')
    expect(tokens.stdout).not.toContain(OLD_CI_TOKEN)
    const revoke = await cli('tokens', '--revoke', 'abcdef')
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(revoke.stdout).toContain('Revoked token abcdef12-3456-4789-8abc-def012345678')
    expect((await cli('tokens')).stdout).not.toContain('old-ci')
  })

  it('claims names given on the command line (a native addon\'s platform packages), leaving one that exists alone', async () => {
    const run = await cli('claim', '@acme/core-linux-x64-gnu', '@acme/core-darwin-arm64', '@acme/core')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('@acme/core-linux-x64-gnu: published placeholder')
    expect(run.stdout).toContain('@acme/core-darwin-arm64: published placeholder')
    expect(run.stdout).toContain('@acme/core: exists, left alone')
  })

  it('without a code and nothing to read it from, the first package fails EOTP and the rest are not tried', async () => {
    const run = await cli('lockdown', '--workspaces', { otp: '' })
    expect(run.code).toBe(1)
    expect(run.stderr.match(/EOTP/g)).toHaveLength(1)
    expect(run.stderr).toContain('2 more packages not tried: no one-time password. Run the command again with --otp <code>.')
  })

  it('lockdown leaves a package without a trusted publisher alone, and says so', async () => {
    emulator.seed({ packages: [{ name: '@acme/untrusted', maintainers: ['ann'] }] })
    const run = await cli('lockdown', '@acme/untrusted')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('@acme/untrusted: left as it is: it has no trusted publisher')
  })
})

describe('release day: stage from CI through trusted publishing, approve every package with one 2FA', () => {
  it('runs the README example', async () => {
    // The publishers allow staging too (`--allow-stage-publish`).
    const trusted = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage', 'createStagedPackage'] }
    emulator.seed({ packages: NAMES.map((name) => ({ name, maintainers: ['ann'], versions: ['1.0.0'], publishers: [trusted] })) })
    for (const name of NAMES) {
      writeFileSync(join(root, 'packages', name.split('/')[1], 'package.json'), JSON.stringify({ name, version: '1.1.0' }))
    }
    const job = emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/tags/v1.1.0' })
    // In CI the exchange comes first, as with npm 11.5.1 and later: the maintainer's token in
    // the .npmrc is not used.
    const staged = await cli('stage', 'publish', '--workspaces', '--tag', 'latest', job)
    expect(staged.code, staged.stderr).toBe(0)
    for (const name of NAMES) expect(staged.stdout).toMatch(new RegExp(`\\+ ${name}@1\\.1\\.0 \\(staged with id [0-9a-f-]{36}, through trusted publishing\\)`))
    for (const name of NAMES) expect(emulator.versions(name)).toEqual(['1.0.0'])

    // On a maintainer's machine: every staged version, one 2FA.
    emulator.clearRequests()
    const approve = await cli('stage', 'approve', '--workspaces', '--yes')
    expect(approve.code, approve.stderr).toBe(0)
    expect(approve.stdout).toContain('Approved 3 of 3 staged versions.')
    const approvals = emulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/approve'))
    expect(approvals.map((r) => r.headers['npm-otp'])).toEqual([OTP, OTP, OTP])
    for (const name of NAMES) expect(emulator.versions(name)).toEqual(['1.0.0', '1.1.0'])
  })
})

describe('publishing from CI with the CLI', () => {
  it('publish --workspaces publishes every package through trusted publishing, and says why when a package is refused', async () => {
    const trusted = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
    emulator.seed({
      packages: NAMES.map((name) => ({ name, maintainers: ['ann'], versions: ['1.1.0'], publishers: name === '@acme/plugin' ? [] : [trusted] })),
    })
    for (const name of NAMES) {
      writeFileSync(join(root, 'packages', name.split('/')[1], 'package.json'), JSON.stringify({ name, version: '1.2.0' }))
    }
    const job = emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/tags/v1.2.0' })
    // The monorepo's .npmrc has a token, as actions/setup-node writes one: @acme/plugin, which
    // trusts no publisher, falls back to it as npm does, and needs a code CI does not have.
    // The failure says why trusted publishing was refused, not only that a code is missing.
    const run = await cli('publish', '--workspaces', { ...job, otp: '' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('+ @acme/core@1.2.0 (through trusted publishing)')
    expect(run.stdout).toContain('+ @acme/cli@1.2.0 (through trusted publishing)')
    // Named as the release names it (package@version), with the run's summary last.
    expect(run.stderr).toMatch(/@acme\/plugin@1\.2\.0: EOTP: .*Trusted publishing was tried first and refused, so the configured token was used: .*@acme\/plugin/)
    expect(run.stderr).toContain('Published 2, failed 1 (@acme/plugin).')
    // Each warning once, not once per package.
    expect(run.stderr.match(/sets a static token/g)).toHaveLength(1)
    expect(emulator.versions('@acme/core')).toEqual(['1.1.0', '1.2.0'])
    expect(emulator.versions('@acme/plugin')).toEqual(['1.1.0'])
  })
})

describe('npm run demo (the README\'s first try)', () => {
  it('walks through today\'s registry: two publishers for one package, the same one twice refused, one revoked', async () => {
    const { execFile } = await import('node:child_process')
    const run = await new Promise((resolve) => {
      execFile(process.execPath, [join(import.meta.dirname, '..', 'demo', 'demo.js')], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error?.code ?? 0, stdout, stderr }))
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).not.toContain('unexpectedly')
    const titles = [...run.stdout.matchAll(/^== (.*)$/gm)].map((m) => m[1])
    expect(titles).toEqual([
      'Registry emulator',
      'Add a GitHub Actions publisher (package and repository from package.json)',
      'Add a second one, for nightly builds (up to 10 per package)',
      'List trusted publishers',
      'Add the same one again',
      'Revoke the nightly one',
      'List again',
      'What the registry received',
    ])
    expect(run.stdout).toContain('E409')
  })
})
