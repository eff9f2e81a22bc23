// "Did anything publish without OIDC since we locked down?": publishHistory and `trust-native
// history` read how each version was published from the public package document (the
// registry's `_npmUser.trustedPublisher` for trusted publishing, `dist.attestations` for
// provenance), and, with checkTrust (2FA), whether its configuration is still there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, project, rejection, runCli, startEmulator, tn, withCiEnv } from './helpers.mjs'

const CONFIG = '7e57c0de-0a97-49bd-9a15-5d0b718e645a'
const TRUSTED = { id: CONFIG, type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
const JOB = { repository: 'acme/widgets', workflow_ref: 'acme/widgets/.github/workflows/release.yml@refs/heads/main' }

let emulator, anonymous

/** Publishes `version` on `date`: with alice's token, or in CI through trusted publishing. */
async function publishOn(date, version, how, { provenance = false } = {}) {
  emulator.seed({ date })
  const dir = project({ name: 'widgets', version }, `registry=${emulator.url}\n`)
  if (how === 'oidc') return withCiEnv(emulator.githubActionsJob(JOB), () => tn.publish({ cwd: dir }))
  if (!provenance) return tn.publish({ cwd: dir, registry: emulator.url, token: ALICE, otp: OTP })
  // What npm sends with --provenance: a Sigstore bundle (here only its statement) beside the tarball.
  const statement = Buffer.from(JSON.stringify({ predicateType: 'https://slsa.dev/provenance/v1' })).toString('base64')
  const bundle = JSON.stringify({ dsseEnvelope: { payload: statement } })
  const body = { name: 'widgets', 'dist-tags': { latest: version }, versions: { [version]: { name: 'widgets', version } }, _attachments: { [`widgets-${version}.tgz`]: { data: '' }, [`widgets-${version}.sigstore`]: { data: bundle } } }
  const answer = await fetch(`${emulator.url}widgets`, { method: 'PUT', headers: { authorization: `Bearer ${ALICE}`, 'npm-otp': OTP, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(answer.status).toBe(200)
}

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator({ date: '2026-06-01', packages: [{ name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'], publishers: [TRUSTED] }] })
  anonymous = { registry: emulator.url, package: 'widgets' }
  await publishOn('2026-08-15', '1.1.0', 'token')
  await publishOn('2026-09-10', '1.2.0', 'oidc')
  await publishOn('2026-10-01', '1.3.0', 'token', { provenance: true })
  await publishOn('2026-11-02', '1.4.0', 'oidc')
})
afterAll(() => emulator.stop())

describe('publishHistory', () => {
  it('reads each version from the public document, without a token or 2FA', async () => {
    emulator.clearRequests()
    const report = await tn.publishHistory(anonymous)
    expect(emulator.requests().map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual(['GET /widgets undefined'])
    expect(report).toMatchObject({ package: 'widgets', trustChecked: false, withoutTrustedPublishing: ['1.0.0', '1.1.0', '1.3.0'] })
    expect(report.versions.map((v) => [v.version, v.time.slice(0, 10), v.how, v.provenance])).toEqual([
      ['1.0.0', '2026-06-01', 'unknown', false],
      ['1.1.0', '2026-08-15', 'token', false],
      ['1.2.0', '2026-09-10', 'trustedPublishing', false],
      ['1.3.0', '2026-10-01', 'token', true],
      ['1.4.0', '2026-11-02', 'trustedPublishing', false],
    ])
    expect(report.versions[1].user).toBe('alice')
    expect(report.versions[2]).toMatchObject({ user: 'GitHub Actions', trustedPublisher: { provider: 'github', configId: `oidc:${CONFIG}` }, stillConfigured: null })
  })

  it('since a date: only the versions published from then', async () => {
    const report = await tn.publishHistory({ ...anonymous, since: '2026-09-01' })
    expect(report.versions.map((v) => v.version)).toEqual(['1.2.0', '1.3.0', '1.4.0'])
    expect(report.withoutTrustedPublishing).toEqual(['1.3.0'])
    expect(await rejection(tn.publishHistory({ ...anonymous, since: 'last week' }))).toMatchObject({ code: 'EINVALIDINPUT', field: 'since' })
  })

  it('checkTrust: whether each version\'s configuration is still configured (a 2FA read)', async () => {
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    let report = await client.publishHistory({ package: 'widgets', checkTrust: true })
    expect(report.trustChecked).toBe(true)
    expect(report.versions.filter((v) => v.how === 'trustedPublishing').map((v) => v.stillConfigured)).toEqual([true, true])
    expect(report.versions[1].stillConfigured).toBeNull()
    // Which publisher: the configuration, as listPublishers shows it.
    expect(report.versions[2].publisher).toMatchObject({ id: CONFIG, type: 'github', repository: 'acme/widgets', file: 'release.yml' })
    expect(report.versions[1].publisher).toBeNull()
    // Without 2FA the read is refused, and says so.
    expect((await rejection(tn.publishHistory({ ...anonymous, token: ALICE, checkTrust: true }))).code).toBe('EOTP')

    await client.revokePublisher({ package: 'widgets', id: CONFIG })
    report = await client.publishHistory({ package: 'widgets', checkTrust: true })
    expect(report.versions.filter((v) => v.how === 'trustedPublishing').map((v) => v.stillConfigured)).toEqual([false, false])
    expect(report.versions[2].publisher).toBeNull()
  })
})

describe('publishHistory of staged versions', () => {
  it('says who staged each (trusted publishing or a token) and who approved it', async () => {
    const stager = { ...TRUSTED, id: '5ea9ed00-0a97-49bd-9a15-5d0b718e645a', permissions: ['createStagedPackage'] }
    emulator.seed({ date: '2026-11-10', packages: [{ name: 'gadgets', maintainers: ['alice'], publishers: [stager] }] })
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    const ci = project({ name: 'gadgets', version: '1.0.0' }, `registry=${emulator.url}\n`)
    const staged = await withCiEnv(emulator.githubActionsJob(JOB), () => tn.stagePublish({ cwd: ci }))
    await client.approveStaged({ id: staged.stageId })
    const mine = await tn.stagePublish({ cwd: project({ name: 'gadgets', version: '1.0.1' }), registry: emulator.url, token: ALICE })
    await client.approveStaged({ id: mine.stageId })
    const { versions } = await tn.publishHistory({ registry: emulator.url, package: 'gadgets' })
    expect(versions.map((v) => [v.version, v.how, v.user, v.approver, v.trustedPublisher?.configId])).toEqual([
      ['1.0.0', 'trustedPublishing', 'GitHub Actions', 'alice', `oidc:${stager.id}`],
      ['1.0.1', 'token', 'alice', 'alice', undefined],
    ])
  })
})

describe('trust-native history', () => {
  it('prints how each version was published; --exit-code fails on a version without trusted publishing since --since', async () => {
    const failing = await runCli(['history', 'widgets', '--registry', emulator.url, '--since', '2026-09-01', '--exit-code'])
    expect(failing.code, failing.stderr).toBe(1)
    expect(failing.stdout).toContain(`1.2.0  2026-09-10  trusted publishing (github oidc:${CONFIG})  no provenance`)
    // Whether a configuration is still there is said once, not on every line.
    expect(failing.stdout.match(/--check-trust/g)).toHaveLength(1)
    expect(failing.stdout).toContain('Whether each configuration is still there, and which publisher it is: --check-trust reads them (with 2FA).')
    expect(failing.stdout).toContain('1.3.0  2026-10-01  with a token of alice  provenance')
    expect(failing.stdout).toContain('Published without trusted publishing since 2026-09-01: 1.3.0')
    expect(failing.stdout).not.toContain('1.1.0')
    expect(failing.stdout).toMatch(/^widgets:$/m)

    const passing = await runCli(['history', 'widgets', '--registry', emulator.url, '--since', '2026-10-15', '--exit-code'])
    expect(passing.code, passing.stderr).toBe(0)
    // Without --exit-code the report alone never fails.
    expect((await runCli(['history', 'widgets', '--registry', emulator.url])).code).toBe(0)
    const json = JSON.parse((await runCli(['history', 'widgets', '--registry', emulator.url, '--json'])).stdout)
    expect(json.map((r) => [r.package, r.versions.length])).toEqual([['widgets', 5]])
  })

  it("a claim's placeholder is not a version published without trusted publishing: --exit-code passes after the first release", async () => {
    emulator.seed({ date: '2026-11-25' })
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    await client.claimPackage({ package: 'doohickeys' })
    await client.addPublisher({ type: 'github', package: 'doohickeys', repository: 'acme/widgets', file: 'release.yml' })
    emulator.seed({ date: '2026-11-26' })
    await withCiEnv(emulator.githubActionsJob(JOB), () => tn.publish({ cwd: project({ name: 'doohickeys', version: '1.0.0' }, `registry=${emulator.url}\n`) }))
    const report = await tn.publishHistory({ registry: emulator.url, package: 'doohickeys' })
    expect(report.versions.map((v) => [v.version, v.how, v.placeholder])).toEqual([['0.0.0-placeholder.0', 'token', true], ['1.0.0', 'trustedPublishing', false]])
    expect(report.withoutTrustedPublishing).toEqual([])
    const run = await runCli(['history', 'doohickeys', '--registry', emulator.url, '--exit-code'])
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain('0.0.0-placeholder.0  2026-11-25  placeholder of trust-native claim, with a token of alice')
    expect(run.stdout).not.toContain('Published without trusted publishing')
  })

  it('--check-trust names the publisher of each version whose configuration is still there', async () => {
    emulator.seed({ date: '2026-11-20', packages: [{ name: 'sprockets', maintainers: ['alice'], publishers: [{ ...TRUSTED, id: '5940c8e7-0a97-49bd-9a15-5d0b718e645a' }] }] })
    await withCiEnv(emulator.githubActionsJob(JOB), () => tn.publish({ cwd: project({ name: 'sprockets', version: '1.0.0' }, `registry=${emulator.url}\n`) }))
    const cwd = project({ name: 'sprockets' }, `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    const r = await runCli(['history', 'sprockets', '--check-trust', '--otp', OTP], { cwd })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('1.0.0  2026-11-20  trusted publishing (github release.yml, still configured)  no provenance')
    expect(r.stdout).not.toContain('--check-trust')
  })

  it('--workspaces: every package of the workspace, failing --exit-code for the one published with a token', async () => {
    const root = project({ name: 'mono', private: true, workspaces: ['packages/*'] }, `registry=${emulator.url}\n`)
    for (const name of ['widgets', 'gadgets']) {
      mkdirSync(join(root, 'packages', name), { recursive: true })
      writeFileSync(join(root, 'packages', name, 'package.json'), JSON.stringify({ name, version: '9.0.0' }))
    }
    const r = await runCli(['history', '--workspaces', '--since', '2026-11-01', '--exit-code'], { cwd: root })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toMatch(/^widgets:\n {2}1\.4\.0 .*trusted publishing/m)
    expect(r.stdout).toMatch(/^gadgets:\n/m)
    expect(r.stdout).toContain('  Published without trusted publishing since 2026-11-01: 1.0.1')
    expect(r.stdout).not.toContain('Published without trusted publishing since 2026-11-01: 1.4.0')
  })
})
