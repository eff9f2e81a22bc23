// Fidelity of the registry API table: the npm CLI (pinned devDependency, npm 11.19.x) and
// trust-native perform the same operations from the same emulator state, one group at a time
// (access, tokens, orgs and teams, staged publishing, search and audit). The emulator must see the same requests
// from both: method, path and query, body, and the auth, OTP, command, scope and encoding
// headers; and npm must accept the emulator's answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { referenceNpm12 } from '../scripts/reference-npm.mjs'
import { ALICE, OTP, isolateNpmConfig, project, rejection, runNpm, startEmulator, tn, wire } from './helpers.mjs'

const NPM12 = referenceNpm12()

/** Alice's granular tokens: 11, so that with her login token the list takes two pages. */
const TOKENS = Array.from({ length: 11 }, (_, i) => ({
  user: 'alice',
  token: `npm_granular${String(i).padStart(2, '0')}abcdefghijklmnopqrstuvwxyz0123`,
  key: `c0ffee${String(i).padStart(2, '0')}-1111-4222-8333-444455556666`,
  name: `ci-${i}`,
}))

/** A stage id: `57a9ed00-0000-4000-8000-<n>`. */
const stageId = (n) => `57a9ed00-0000-4000-8000-${String(n).padStart(12, '0')}`
/** Staged versions: 101 of oidc-kit (two pages of 100), one of @acme/tools, one alice cannot see. */
const STAGED = [
  ...Array.from({ length: 101 }, (_, i) => ({
    id: stageId(i + 1), package: 'oidc-kit', version: `3.0.${i}`, createdAt: new Date(Date.UTC(2026, 2, 1, 0, i)).toISOString(),
  })),
  { id: stageId(500), package: '@acme/tools', version: '1.1.0', tag: 'next', actor: 'alice', createdAt: '2026-03-16T09:00:00.000Z' },
  { id: stageId(900), package: 'oidc-lite', version: '0.4.0', actor: 'mallory', createdAt: '2026-03-17T09:00:00.000Z' },
]
const TOOLS = stageId(500)

const SEED = {
  orgs: [{
    name: 'acme',
    members: { alice: 'owner', mallory: 'developer' },
    teams: [{ name: 'devs', description: 'Developers', members: ['alice'], packages: { '@acme/tools': 'read-only' } }],
  }],
  packages: [
    { name: '@acme/tools', maintainers: ['alice'], access: 'restricted', versions: ['1.0.0'] },
    { name: 'oidc-kit', maintainers: ['alice'], description: 'OIDC for release scripts', keywords: ['oidc'], versions: ['2.0.0'], score: { quality: 0.9 } },
    { name: 'oidc-lite', maintainers: ['mallory'], description: 'A small OIDC client', keywords: ['oidc'], versions: ['0.3.0'], score: { popularity: 0.9 } },
    { name: 'lodash', versions: ['4.17.20', '4.17.21'] },
    { name: 'minimist', versions: ['1.2.0', '1.2.8'] },
  ],
  tokens: TOKENS,
  staged: STAGED,
  advisories: [
    { id: 1065, package: 'lodash', versions: ['4.17.20'], vulnerable_versions: '<4.17.21', title: 'Command Injection in lodash', severity: 'high', cwe: ['CWE-77'], cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' } },
    { id: 1179, package: 'minimist', versions: ['1.2.0'], vulnerable_versions: '<1.2.6', title: 'Prototype Pollution in minimist', severity: 'critical' },
  ],
}

let emulator, home, cwd, client

/** Runs the npm command and the trust-native operation from the same state; returns both. */
async function both(npmArgs, ours, dir = cwd, client = undefined) {
  emulator.seed(SEED)
  emulator.clearRequests()
  const cli = await runNpm(npmArgs, { cwd: dir, home, ...(client && { client }) })
  const npmSaw = wire(emulator.requests())
  emulator.seed(SEED)
  emulator.clearRequests()
  const result = await ours().then((value) => ({ value }), (error) => ({ error }))
  return { cli, npmSaw, result, oursSaw: wire(emulator.requests()) }
}

/** Both ran, npm succeeded, and the emulator saw the same requests from each. */
function expectSame(r, count) {
  expect(r.cli.code, r.cli.stderr).toBe(0)
  expect(r.result.error).toBeUndefined()
  expect(r.npmSaw).toHaveLength(count)
  expect(r.oursSaw).toEqual(r.npmSaw)
}

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
  const host = new URL(emulator.url).host
  // The token comes from the project .npmrc for both clients.
  cwd = project({ name: '@acme/tools', version: '1.0.0' }, `registry=${emulator.url}\n//${host}/:_authToken=${ALICE}\n`)
  client = new tn.TrustClient({ cwd })
})
afterAll(() => emulator.stop())

describe('npm access vs trust-native', () => {
  it('get status (the package from package.json)', async () => {
    const r = await both(['access', 'get', 'status'], () => client.getPackageAccess())
    expectSame(r, 1)
    expect(r.npmSaw[0]).toMatchObject({ method: 'GET', path: '/-/package/@acme%2ftools/visibility', command: 'access' })
    expect(r.cli.stdout).toContain('@acme/tools: private')
    expect(r.result.value).toEqual({ package: '@acme/tools', visibility: 'private' })
  })

  it('set status=public, then get status as npm does', async () => {
    const r = await both(['access', 'set', 'status=public', `--otp=${OTP}`], async () => {
      await client.setPackageAccess({ visibility: 'public', otp: OTP })
      return client.getPackageAccess({ otp: OTP })
    })
    expectSame(r, 2)
    expect(r.npmSaw[0]).toMatchObject({ method: 'POST', body: '{"access":"public"}', otp: OTP, authType: 'legacy' })
    expect(r.result.value.visibility).toBe('public')
  })

  it('set status=private sends `restricted`', async () => {
    const r = await both(['access', 'set', 'status=private', `--otp=${OTP}`], async () => {
      await client.setPackageAccess({ visibility: 'private', otp: OTP })
      return client.getPackageAccess({ otp: OTP })
    })
    expectSame(r, 2)
    expect(r.npmSaw[0].body).toBe('{"access":"restricted"}')
  })

  it.each([
    ['none', { publishRequiresTfa: false }, '{"publish_requires_tfa":false}'],
    ['publish', { publishRequiresTfa: true, automationTokenOverridesTfa: false }, '{"publish_requires_tfa":true,"automation_token_overrides_tfa":false}'],
    ['automation', { publishRequiresTfa: true, automationTokenOverridesTfa: true }, '{"publish_requires_tfa":true,"automation_token_overrides_tfa":true}'],
  ])('set mfa=%s', async (level, settings, body) => {
    const r = await both(['access', 'set', `mfa=${level}`, '@acme/tools', `--otp=${OTP}`], () =>
      client.setPackageAccess({ package: '@acme/tools', ...settings, otp: OTP }))
    expectSame(r, 1)
    expect(r.npmSaw[0]).toMatchObject({ method: 'POST', path: '/-/package/@acme%2ftools/access', body, contentType: 'application/json' })
  })

  it('lockDownPackage: after reading the trust configurations, the request of npm access set mfa=publish', async () => {
    const trusted = { type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
    const withPublisher = { packages: [{ ...SEED.packages[0], publishers: [trusted] }] }
    const r = await both(['access', 'set', 'mfa=publish', '@acme/tools', `--otp=${OTP}`], () => {
      emulator.seed(withPublisher)
      return client.lockDownPackage({ package: '@acme/tools', otp: OTP })
    })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /-/package/@acme%2ftools/trust', 'POST /-/package/@acme%2ftools/access'])
    expect(r.oursSaw[1]).toEqual(r.npmSaw[0])
    expect(r.result.value).toMatchObject({ package: '@acme/tools', status: 'locked', dryRun: false, publishers: [{ type: 'github', repository: 'acme/tools' }] })

    // No trusted publisher: nothing is changed.
    emulator.seed(SEED)
    emulator.clearRequests()
    expect(await client.lockDownPackage({ package: '@acme/tools', otp: OTP })).toEqual({ package: '@acme/tools', status: 'skipped', publishers: [] })
    expect(emulator.requests().map((q) => q.method)).toEqual(['GET'])
  })

  it('list collaborators', async () => {
    const r = await both(['access', 'list', 'collaborators', '@acme/tools'], () => client.listCollaborators({ package: '@acme/tools' }))
    expectSame(r, 1)
    expect(r.result.value).toEqual({ alice: 'read-write' })
  })

  it.each([
    ['an org', 'acme', 1, { '@acme/tools': 'read-write' }],
    ['a team', 'acme:devs', 1, { '@acme/tools': 'read-only' }],
    ['a user, after the org lookup finds none', 'mallory', 2, { 'oidc-lite': 'read-write' }],
  ])('list packages of %s', async (_, owner, requests, expected) => {
    const r = await both(['access', 'list', 'packages', owner], () => client.listPackages({ owner }))
    expectSame(r, requests)
    expect(r.result.value).toEqual(expected)
  })

  it('list packages of the logged-in user: whoami first', async () => {
    const r = await both(['access', 'list', 'packages'], () => client.listPackages())
    expectSame(r, 3)
    expect(r.npmSaw.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /-/whoami', 'GET /-/org/alice/package', 'GET /-/user/alice/package'])
    expect(Object.keys(r.result.value).sort()).toEqual(['@acme/tools', 'oidc-kit', 'widgets'])
  })

  it('grant and revoke a team', async () => {
    const grant = await both(['access', 'grant', 'read-write', 'acme:devs', '@acme/tools', `--otp=${OTP}`], () =>
      client.grantAccess({ team: 'acme:devs', package: '@acme/tools', permissions: 'read-write', otp: OTP }))
    expectSame(grant, 1)
    expect(grant.npmSaw[0]).toMatchObject({ method: 'PUT', path: '/-/team/acme/devs/package', scope: 'acme', body: '{"package":"@acme/tools","permissions":"read-write"}' })
    const revoke = await both(['access', 'revoke', 'acme:devs', '@acme/tools', `--otp=${OTP}`], () =>
      client.revokeAccess({ team: 'acme:devs', package: '@acme/tools', otp: OTP }))
    expectSame(revoke, 1)
    expect(revoke.npmSaw[0]).toMatchObject({ method: 'DELETE', body: '{"package":"@acme/tools"}' })
  })

  it('without an OTP: the same request, and both report EOTP', async () => {
    const r = await both(['access', 'set', 'mfa=none'], () => tn.setPackageAccess({ cwd, publishRequiresTfa: false }))
    expect(r.cli.code).not.toBe(0)
    expect(r.cli.stderr).toContain('EOTP')
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.result.error.code).toBe('EOTP')
  })
})

describe('npm token vs trust-native', () => {
  it('list: every page, tokens shown redacted', async () => {
    const r = await both(['token', 'list'], () => client.listTokens())
    expectSame(r, 2)
    expect(r.npmSaw.map((q) => q.path)).toEqual(['/-/npm/v1/tokens', '/-/npm/v1/tokens?page=1&perPage=10'])
    expect(r.result.value).toHaveLength(12)
    const shown = JSON.stringify(r.result.value)
    for (const { token } of TOKENS) expect(shown).not.toContain(token)
    expect(shown).not.toContain(ALICE)
    expect(r.result.value.find((t) => t.name === 'ci-3')).toMatchObject({ key: TOKENS[3].key, id: 'c0ffee03', token: 'npm_gran...0123' })
  })

  it('create, with every option npm token create has', async () => {
    const r = await both(
      ['token', 'create', '--password=password', '--name=release', '--token-description=Release bot', '--expires=30',
        '--packages=@acme/tools', '--scopes=@acme', '--orgs=acme', '--packages-and-scopes-permission=read-write',
        '--orgs-permission=read-only', '--cidr=10.0.0.0/8', '--bypass-2fa', `--otp=${OTP}`],
      () => client.createToken({
        password: 'password', name: 'release', description: 'Release bot', expires: 30, packages: ['@acme/tools'], scopes: ['@acme'],
        orgs: ['acme'], packagesAndScopesPermission: 'read-write', orgsPermission: 'read-only', cidr: ['10.0.0.0/8'], bypass2fa: true, otp: OTP,
      }),
    )
    expectSame(r, 1)
    const { newToken: created, request } = r.result.value
    expect(created.token).toMatch(/^npm_/)
    expect(created).toMatchObject({ name: 'release', cidrWhitelist: ['10.0.0.0/8'], bypass2fa: true })
    expect(JSON.stringify(request)).not.toContain('"password"' + ':"password"')
    expect(request.body.password).toBe('***')
  })

  it('revoke by the short id npm shows: a listing, then the delete', async () => {
    const r = await both(['token', 'revoke', 'c0ffee04', `--otp=${OTP}`], () => client.revokeToken({ id: 'c0ffee04', otp: OTP }))
    expectSame(r, 3)
    expect(r.npmSaw.at(-1)).toMatchObject({ method: 'DELETE', path: `/-/npm/v1/tokens/token/${TOKENS[4].key}` })
    expect(r.result.value.key).toBe(TOKENS[4].key)
  })
})

describe.skipIf(NPM12.skip)(`npm token (12) vs trust-native${NPM12.skip ? ` — skipped: ${NPM12.skip}` : ''}`, () => {
  it('create a stage-only token: the same request, and no warning', async () => {
    const r = await both(
      ['token', 'create', '--password=password', '--name=stager', '--packages-all', '--packages-and-scopes-permission=read-write-stage-only', `--otp=${OTP}`],
      () => client.createToken({ password: 'password', name: 'stager', packagesAll: true, packagesAndScopesPermission: 'read-write-stage-only', otp: OTP }),
      cwd, NPM12,
    )
    expectSame(r, 1)
    expect(JSON.parse(r.npmSaw[0].body)).toMatchObject({ packages_and_scopes_permission: 'read-write-stage-only' })
    expect(r.cli.stderr).not.toContain('Creating a token that can publish directly')
    expect(r.result.value.warnings).toEqual([])
  })

  it('create a direct-publish token: the same request, and npm 12\'s warning word for word', async () => {
    const r = await both(
      ['token', 'create', '--password=password', '--name=direct', '--packages-and-scopes-permission=read-write', `--otp=${OTP}`],
      () => client.createToken({ password: 'password', name: 'direct', packagesAndScopesPermission: 'read-write', otp: OTP }),
      cwd, NPM12,
    )
    expectSame(r, 1)
    const [warning] = r.result.value.warnings
    expect(r.cli.stderr.replace(/\s*\n?npm warn token /g, ' ')).toContain(warning)
  })

  it('a stage-only permission for orgs: npm 12 drops it with a warning, createToken refuses it before any request', async () => {
    const r = await both(
      ['token', 'create', '--password=password', '--name=orgs', '--orgs-permission=read-write-stage-only', `--otp=${OTP}`],
      () => client.createToken({ password: 'password', name: 'orgs', orgsPermission: 'read-write-stage-only', otp: OTP }),
      cwd, NPM12,
    )
    // npm warns that the value is invalid and sends the request without it; trust-native's
    // options are strict: nothing is sent.
    expect(r.cli.stderr).toContain('invalid config orgs-permission="read-write-stage-only"')
    expect(JSON.parse(r.npmSaw[0].body).orgs_permission).toBeUndefined()
    expect(r.oursSaw).toEqual([])
    expect(r.result.error).toMatchObject({ code: 'EINVALIDINPUT', field: 'orgsPermission' })
  })
})

describe('npm org and npm team vs trust-native', () => {
  const otp = { otp: OTP }
  it.each([
    ['org ls', ['org', 'ls', 'acme'], () => client.listOrgMembers({ org: 'acme', ...otp }), 1],
    ['org set', ['org', 'set', 'acme', 'mallory', 'admin'], () => client.setOrgMember({ org: 'acme', user: 'mallory', role: 'admin', ...otp }), 1],
    ['org set (default role)', ['org', 'set', '@acme', '@no2fa'], () => client.setOrgMember({ org: '@acme', user: '@no2fa', ...otp }), 1],
    ['org rm, then ls as npm does', ['org', 'rm', 'acme', 'mallory'], async () => {
      await client.removeOrgMember({ org: 'acme', user: 'mallory', ...otp })
      return client.listOrgMembers({ org: 'acme', ...otp })
    }, 2],
    ['team ls <org>', ['team', 'ls', 'acme'], () => client.listTeams({ org: 'acme', ...otp }), 1],
    ['team ls <org:team>', ['team', 'ls', '@acme:devs'], () => client.listTeamMembers({ team: '@acme:devs', ...otp }), 1],
    ['team create', ['team', 'create', '@acme:release'], () => client.createTeam({ team: '@acme:release', ...otp }), 1],
    ['team destroy', ['team', 'destroy', 'acme:devs'], () => client.destroyTeam({ team: 'acme:devs', ...otp }), 1],
    ['team add', ['team', 'add', 'acme:devs', 'mallory'], () => client.addTeamMember({ team: 'acme:devs', user: 'mallory', ...otp }), 1],
    ['team rm', ['team', 'rm', 'acme:devs', 'alice'], () => client.removeTeamMember({ team: 'acme:devs', user: 'alice', ...otp }), 1],
  ])('%s', async (_, args, ours, requests) => {
    const r = await both([...args, `--otp=${OTP}`], ours)
    expectSame(r, requests)
  })

  it('answers typed results', async () => {
    emulator.seed(SEED)
    expect(await client.listOrgMembers({ org: 'acme', ...otp })).toEqual({ alice: 'owner', mallory: 'developer' })
    expect(await client.listTeams({ org: 'acme', ...otp })).toEqual(['acme:devs'])
    const set = await client.setOrgMember({ org: 'acme', user: 'no2fa', ...otp })
    expect(set.membership).toEqual({ org: { name: 'acme', size: 3 }, user: 'no2fa', role: 'developer' })
    expect((await client.createTeam({ team: 'acme:qa', description: 'QA', ...otp })).team).toEqual({ name: 'qa', description: 'QA' })
  })
})

describe('npm stage vs trust-native', () => {
  it('list: every page of 100, newest first, only what alice maintains', async () => {
    const r = await both(['stage', 'list', '--json'], () => client.listStaged())
    expectSame(r, 2)
    expect(r.npmSaw.map((q) => q.path)).toEqual(['/-/stage?page=0&perPage=100', '/-/stage?page=1&perPage=100'])
    expect(r.npmSaw[0]).toMatchObject({ method: 'GET', command: 'stage', authorization: `Bearer ${ALICE}` })
    expect(r.result.value).toHaveLength(102)
    expect(r.result.value).toEqual(JSON.parse(r.cli.stdout))
    expect(r.result.value[0]).toEqual({
      id: TOOLS, packageName: '@acme/tools', version: '1.1.0', tag: 'next', createdAt: '2026-03-16T09:00:00.000Z',
      actor: 'alice', actorType: 'user', access: 'public', shasum: expect.stringMatching(/^[0-9a-f]{40}$/),
    })
    expect(r.result.value.at(-1).version).toBe('3.0.0')
  })

  it('list one package: the filter in the query', async () => {
    const r = await both(['stage', 'list', '@acme/tools'], () => client.listStaged({ package: '@acme/tools' }))
    expectSame(r, 1)
    expect(r.npmSaw[0].path).toBe('/-/stage?page=0&perPage=100&package=%40acme%2Ftools')
    expect(r.cli.stdout).toContain('package name: @acme/tools\nversion: 1.1.0\ntag: next')
    expect(r.result.value.map((s) => s.id)).toEqual([TOOLS])
  })

  it('view', async () => {
    const r = await both(['stage', 'view', TOOLS], () => client.viewStaged({ id: TOOLS }))
    expectSame(r, 1)
    expect(r.npmSaw[0].path).toBe(`/-/stage/${TOOLS}`)
    expect(r.cli.stdout).toContain('staged by: alice (user)')
    expect(r.result.value).toMatchObject({ id: TOOLS, packageName: '@acme/tools', version: '1.1.0', actor: 'alice' })
  })

  it('approve with --otp: published with its dist-tag', async () => {
    const r = await both(['stage', 'approve', TOOLS, `--otp=${OTP}`], () => client.approveStaged({ id: TOOLS, otp: OTP }))
    expectSame(r, 1)
    expect(r.npmSaw[0]).toMatchObject({ method: 'POST', path: `/-/stage/${TOOLS}/approve`, otp: OTP, authType: 'legacy', body: '', contentType: undefined })
    expect(r.cli.stdout).toContain(`Staged package ${TOOLS} approved and published successfully.`)
    expect(r.result.value).toMatchObject({ dryRun: false, request: { method: 'POST', headers: { 'npm-otp': '***' } } })
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0', '1.1.0'])
    expect((await client.listStaged({ package: '@acme/tools' }))).toEqual([])
  })

  it('approve without an OTP: the same request, and both report EOTP', async () => {
    const r = await both(['stage', 'approve', TOOLS], () => tn.approveStaged({ cwd, id: TOOLS }))
    expect(r.cli.code).not.toBe(0)
    expect(r.cli.stderr).toContain('EOTP')
    expect(r.npmSaw).toHaveLength(1)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.result.error.code).toBe('EOTP')
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0'])
  })

  it('reject with --otp; a dry run sends nothing', async () => {
    const r = await both(['stage', 'reject', TOOLS, `--otp=${OTP}`], () => client.rejectStaged({ id: TOOLS, otp: OTP }))
    expectSame(r, 1)
    expect(r.npmSaw[0]).toMatchObject({ method: 'DELETE', path: `/-/stage/${TOOLS}`, otp: OTP })
    expect(r.cli.stdout).toContain(`Staged package ${TOOLS} has been rejected.`)
    expect(await client.listStaged({ package: '@acme/tools' })).toEqual([])
    emulator.seed(SEED)
    emulator.clearRequests()
    const dry = await client.rejectStaged({ id: TOOLS, dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, request: { method: 'DELETE', url: `${emulator.url}-/stage/${TOOLS}` } })
    expect(emulator.requests()).toEqual([])
  })

  it('download: the tarball npm writes, byte for byte, after a look at the staged version', async () => {
    const npmrc = readFileSync(join(cwd, '.npmrc'), 'utf8')
    const npmDir = project({ name: 'review' }, npmrc)
    const ourDir = project({ name: 'review' }, npmrc)
    const r = await both(['stage', 'download', TOOLS], () => client.downloadStaged({ id: TOOLS, cwd: ourDir }), npmDir)
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.result.error).toBeUndefined()
    // npm reads the name and version from the tarball; trust-native first views the staged
    // version, for the shasum the tarball must have. The tarball request is npm's.
    expect(r.npmSaw).toHaveLength(1)
    expect(r.npmSaw[0]).toMatchObject({ method: 'GET', path: `/-/stage/${TOOLS}/tarball` })
    expect(r.oursSaw).toHaveLength(2)
    expect(r.oursSaw[0]).toEqual({ ...r.npmSaw[0], path: `/-/stage/${TOOLS}` })
    expect(r.oursSaw[1]).toEqual(r.npmSaw[0])
    const name = `acme-tools-1.1.0-${TOOLS}.tgz`
    expect(r.cli.stdout.trim().split('\n').at(-1)).toBe(name)
    const { file, ...rest } = r.result.value
    expect(basename(file)).toBe(name)
    expect(readFileSync(file)).toEqual(readFileSync(join(npmDir, name)))
    expect(rest).toEqual({
      package: '@acme/tools', version: '1.1.0',
      shasum: (await client.viewStaged({ id: TOOLS })).shasum,
      integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/),
    })
  })

  it('download: a tarball that is not the staged one is refused, and nothing is written', async () => {
    emulator.seed(SEED)
    const dir = project({ name: 'review' }, readFileSync(join(cwd, '.npmrc'), 'utf8'))
    // 8 MiB, more than any JSON answer is read: a download has a larger cap, and is checked.
    emulator.injectFault({ kind: 'oversized', method: 'GET', path: '/tarball', times: 1 })
    const error = await rejection(client.downloadStaged({ id: TOOLS, cwd: dir }))
    expect(error.code).toBe('EINTEGRITY')
    expect(error.message).toContain('sha1')
    expect(readdirSync(dir).sort()).toEqual(['.npmrc', 'package.json'])
    expect(existsSync(join(dir, `acme-tools-1.1.0-${TOOLS}.tgz`))).toBe(false)
  })

  it('a malformed id: refused before any request, by both, without echoing it', async () => {
    const bad = '../../-/whoami?x=1'
    const r = await both(['stage', 'view', bad], () => client.viewStaged({ id: bad }))
    expect(r.cli.code).not.toBe(0)
    expect(r.cli.stderr).toContain('stage-id must be a valid UUID')
    expect(r.npmSaw).toEqual([])
    expect(r.oursSaw).toEqual([])
    expect(r.result.error).toMatchObject({ code: 'EINVALIDINPUT', field: 'id' })
    expect(r.result.error.message).not.toContain('whoami')
    for (const call of ['approveStaged', 'rejectStaged', 'downloadStaged']) {
      expect((await rejection(client[call]({ id: 'not-a-uuid', otp: OTP }))).code).toBe('EINVALIDINPUT')
    }
    expect(emulator.requests()).toEqual([])
  })
})

describe('npm search and npm audit vs trust-native', () => {
  it('search: libnpmsearch\'s query, with the page size', async () => {
    const r = await both(['search', 'oidc', '--searchlimit=5'], () => client.search({ text: 'oidc', size: 5 }))
    expectSame(r, 1)
    expect(r.npmSaw[0].path).toBe('/-/v1/search?text=oidc&size=5&from=0&quality=0.65&popularity=0.98&maintenance=0.5')
    expect(r.result.value.total).toBe(2)
    expect(r.result.value.objects.map((o) => o.package.name)).toEqual(['oidc-lite', 'oidc-kit'])
  })

  it('search: paging and weights', async () => {
    const page = await client.search({ text: 'oidc', size: 1, from: 1, quality: 1, popularity: 0, maintenance: 0 })
    expect(emulator.requests().at(-1).path).toBe('/-/v1/search?text=oidc&size=1&from=1&quality=1&popularity=0&maintenance=0')
    expect(page).toMatchObject({ total: 2, objects: [{ package: { name: 'oidc-lite' } }] })
  })

  it('audit: the bulk advisories request, gzipped as npm sends it', async () => {
    const app = project(
      { name: 'app', version: '1.0.0', dependencies: { lodash: '^4.17.20', minimist: '^1.2.0' } },
      `registry=${emulator.url}\n`,
    )
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify({
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { lodash: '^4.17.20', minimist: '^1.2.0' } },
        'node_modules/lodash': { version: '4.17.20' },
        'node_modules/minimist': { version: '1.2.0' },
      },
    }))
    const packages = { lodash: ['4.17.20'], minimist: ['1.2.0'] }
    const r = await both(['audit', '--json'], () => tn.audit({ cwd: app, packages }), app)
    // npm exits 1 when it finds vulnerabilities, then reads the packuments to suggest fixes.
    expect(r.cli.code, r.cli.stderr).toBe(1)
    const bulk = r.npmSaw.filter((q) => q.path === '/-/npm/v1/security/advisories/bulk')
    expect(bulk).toHaveLength(1)
    expect(bulk[0]).toMatchObject({ method: 'POST', contentEncoding: 'gzip', command: 'audit', body: JSON.stringify(packages) })
    expect(r.oursSaw).toEqual(bulk)
    expect(r.result.value).toEqual({
      lodash: [{
        id: 1065, url: 'https://github.com/advisories/GHSA-1065', title: 'Command Injection in lodash', severity: 'high',
        vulnerableVersions: '<4.17.21', cwe: ['CWE-77'], cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
      }],
      minimist: [{
        id: 1179, url: 'https://github.com/advisories/GHSA-1179', title: 'Prototype Pollution in minimist', severity: 'critical',
        vulnerableVersions: '<1.2.6', cwe: [], cvss: { score: 0 },
      }],
    })
  })
})
