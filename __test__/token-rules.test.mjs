// The registry's token rules of 2026-2027 as a user meets them: stage-only tokens (npm 12's
// `read-write-stage-only`), the warning for tokens that publish directly, a publish refused with
// E_STAGE_REQUIRED, what each listed token can still do, and `tokens --exit-code`.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ALICE, OTP, isolateNpmConfig, project, rejection, runCli, startEmulator, tn } from './helpers.mjs'

const STAGER = 'npm_FAKE-stageOnly-56789abcdefghijklmnopq'
const BYPASS = 'npm_FAKE-bypassDirect-56789abcdefghijklmn'
const PLAIN = 'npm_FAKE-plainWrite-56789abcdefghijklmnopq'
const TOKENS = [
  { user: 'alice', token: STAGER, key: 'aaaaaa01-1111-4222-8333-444455556666', name: 'stager', permission: 'read-write-stage-only' },
  { user: 'alice', token: BYPASS, key: 'bbbbbb01-1111-4222-8333-444455556666', name: 'old-ci', permission: 'read-write', bypass2fa: true },
  { user: 'alice', token: PLAIN, key: 'cccccc01-1111-4222-8333-444455556666', name: 'laptop', permission: 'read-write' },
]
const SEED = { tokens: TOKENS, packages: [{ name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'] }], date: '2026-12-07' }

let emulator, client, pkg

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
  client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
  pkg = project({ name: 'widgets', version: '1.1.0' })
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed(SEED)
  emulator.clearRequests()
})

const writes = () => emulator.requests().filter((r) => r.method !== 'GET')

describe('createToken', () => {
  it('takes read-write-stage-only and sends it as npm 12 does, without a warning', async () => {
    const result = await client.createToken({ password: 'password', name: 'stage', packagesAndScopesPermission: 'read-write-stage-only', packagesAll: true })
    expect(JSON.parse(writes()[0].body)).toEqual({ name: 'stage', password: 'password', packages_all: true, packages_and_scopes_permission: 'read-write-stage-only' })
    expect(result.warnings).toEqual([])
    expect(result.newToken).toMatchObject({ packagesAndScopesPermission: 'read-write-stage-only', readonly: false })
  })

  it('warns, as npm 12 does, when the token can publish directly', async () => {
    const result = await client.createToken({ password: 'password', packagesAndScopesPermission: 'read-write', dryRun: true })
    expect(result.warnings).toEqual([expect.stringContaining('Creating a token that can publish directly to the registry. Consider `--packages-and-scopes-permission=read-write-stage-only`')])
    expect(result.warnings[0]).toContain('Bypass-2FA tokens with direct-publish access will stop working in January 2027.')
  })

  it('orgs have no stage-only permission', async () => {
    const error = await rejection(client.createToken({ password: 'password', orgsPermission: 'read-write-stage-only' }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'orgsPermission' })
  })
})

describe('a publish refused with E_STAGE_REQUIRED', () => {
  it('is its own code, saying how to stage and approve; staging then approving publishes it', async () => {
    const error = await rejection(tn.publish({ cwd: pkg, registry: emulator.url, token: STAGER }))
    expect(error.code).toBe('E_STAGE_REQUIRED')
    expect(error.hint).toBe('stage')
    expect(error.statusCode).toBe(403)
    expect(error.message).toContain('can only stage')
    expect(error.message).toContain('`stagePublish`')
    expect(error.message).toContain('`approveStaged`')
    expect(error.message).not.toContain(STAGER)

    const staged = await tn.stagePublish({ cwd: pkg, registry: emulator.url, token: STAGER })
    await client.approveStaged({ id: staged.stageId })
    expect(emulator.versions('widgets')).toEqual(['1.0.0', '1.1.0'])
  })

  it('in the CLI names its subcommands', async () => {
    const r = await runCli(['publish', '--registry', emulator.url], { cwd: pkg, env: { NPM_TOKEN: STAGER } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('trust-native stage publish')
    expect(r.stderr).toContain('trust-native stage approve')
    expect(r.stderr).not.toContain('stagePublish')
  })

  it('from January 2027 for a token that bypasses 2FA, which publishes before then without an OTP', async () => {
    expect(await tn.publish({ cwd: pkg, registry: emulator.url, token: BYPASS })).toMatchObject({ version: '1.1.0' })
    emulator.seed({ ...SEED, date: '2027-01-01' })
    const next = project({ name: 'widgets', version: '1.2.0' })
    expect((await rejection(tn.publish({ cwd: next, registry: emulator.url, token: BYPASS }))).code).toBe('E_STAGE_REQUIRED')
  })
})

describe('listTokens: what each token can still do', () => {
  it('on a day in December 2026', async () => {
    const tokens = await client.listTokens({ asOf: '2026-12-07' })
    const byName = Object.fromEntries(tokens.map((t) => [t.name, t]))
    expect(byName.stager).toMatchObject({ publish: 'stage', manage: true, atRisk: false, packagesAndScopesPermission: 'read-write-stage-only' })
    expect(byName['old-ci']).toMatchObject({ publish: 'direct', manage: false, atRisk: true, directPublishEnds: '2027-01-01' })
    expect(byName['old-ci'].notes.join(' ')).toMatch(/direct publishing stops on 2027-01-01/)
    expect(byName.laptop).toMatchObject({ publish: 'direct', manage: true, atRisk: false })
    expect(byName['npm login']).toMatchObject({ publish: 'direct', manage: true })
  })

  it('after the January 2027 cut-off, a bypass token only stages', async () => {
    const tokens = await client.listTokens({ asOf: '2027-02-01T10:00:00Z' })
    expect(tokens.find((t) => t.name === 'old-ci')).toMatchObject({ publish: 'stage', atRisk: true })
  })

  it('refuses a date it cannot read', async () => {
    expect(await rejection(client.listTokens({ asOf: 'next week' }))).toMatchObject({ code: 'EINVALIDINPUT', field: 'asOf' })
  })

  it('tokens --exit-code exits 1 while a token relied on for publishing will stop working, 0 once it is gone', async () => {
    const args = ['tokens', '--registry', emulator.url, '--exit-code', '--as-of', '2026-12-07']
    const env = { env: { NPM_TOKEN: ALICE } }
    const risky = await runCli(args, env)
    expect(risky.code, risky.stderr).toBe(1)
    expect(risky.stdout).toMatch(/old-ci .*publishes directly/)
    expect(risky.stdout).toContain('direct publishing stops on 2027-01-01')
    expect(risky.stdout).toMatch(/stager .*can only stage/)
    expect(risky.stdout).not.toContain(BYPASS)

    // Without --exit-code the listing alone never fails.
    expect((await runCli(args.filter((a) => a !== '--exit-code'), env)).code).toBe(0)
    await client.revokeToken({ id: 'bbbbbb01' })
    const safe = await runCli(args, env)
    expect(safe.code, safe.stderr).toBe(0)
  })

  it('tokens --json holds the same assessment', async () => {
    const r = await runCli(['tokens', '--registry', emulator.url, '--json', '--as-of', '2026-12-07'], { env: { NPM_TOKEN: ALICE } })
    expect(JSON.parse(r.stdout).find((t) => t.name === 'old-ci')).toMatchObject({ atRisk: true, publish: 'direct' })
    expect(r.code).toBe(0)
  })
})

describe('the emulator models the rules', () => {
  it('a granular token that bypasses 2FA cannot manage trusted publishers, as a login that does cannot', async () => {
    const refused = await rejection(tn.listPublishers({ registry: emulator.url, package: 'widgets', token: BYPASS, otp: OTP }))
    expect(refused.statusCode).toBe(401)
    expect(refused.registryMessage).toContain('bypass two-factor authentication')
    expect(await tn.listPublishers({ registry: emulator.url, package: 'widgets', token: PLAIN, otp: OTP })).toEqual([])
  })

  it('a token that bypasses 2FA cannot change access (since August 2026), before then it could', async () => {
    // The seeded bot's authenticator code is the emulator's default.
    const bot = new tn.TrustClient({ registry: emulator.url, token: 'bypass-test-token', otp: '123456' })
    const refused = await rejection(bot.setPackageAccess({ package: 'widgets', publishRequiresTfa: true }))
    expect(refused.statusCode).toBe(403)
    expect(refused.message).toContain('bypass two-factor authentication')
    emulator.seed({ ...SEED, date: '2026-07-31', packages: [{ name: 'widgets', maintainers: ['alice', 'bot'] }] })
    await expect(bot.setPackageAccess({ package: 'widgets', publishRequiresTfa: true })).resolves.toMatchObject({ dryRun: false })
  })
})
