// Fidelity of dist-tags: `npm dist-tag ls|add|rm` (npm 11.19.x, the pinned devDependency, and
// npm 12, fetched by scripts/reference-npm.mjs) and listDistTags / addDistTag / removeDistTag
// do the same from the same emulator state, and the emulator sees the same requests: npm reads
// the dist-tags before a change, and npm 12 first exchanges the CI's id_token for a token for
// the package (trusted publishing), so a release job moves a tag without a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { referenceNpm12 } from '../scripts/reference-npm.mjs'
import { ALICE, OTP, isolateNpmConfig, project, rejection, runCli, runNpm, startEmulator, tn, wire, withCiEnv } from './helpers.mjs'

const NPM12 = referenceNpm12()
const TRUSTED = { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
const PACKAGE = { name: 'widgets', maintainers: ['alice'], versions: ['1.0.0', '2.0.0-rc.1', '1.1.0'], publishers: [TRUSTED] }
const JOB = { repository: 'acme/widgets', workflow_ref: 'acme/widgets/.github/workflows/release.yml@refs/heads/main' }

let emulator, home, cwd, ci, client

/** The package as seeded, with `tags` set besides `latest` (not recorded). */
async function reset(tags = {}) {
  emulator.seed({ packages: [PACKAGE] })
  for (const [tag, version] of Object.entries(tags)) await client.addDistTag({ package: 'widgets', version, tag })
  emulator.clearRequests()
}

/** Runs npm (`npm`: which) and ours from the same state; the requests each made. */
async function both(npmArgs, ours, { npm, tags, env, dir = cwd } = {}) {
  await reset(tags)
  const cli = await runNpm(npmArgs, { cwd: dir, home, env, ...(npm && { client: npm }) })
  const npmSaw = wire(emulator.requests())
  await reset(tags)
  const result = await (env ? withCiEnv(env, ours) : ours()).then((value) => ({ value }), (error) => ({ error }))
  return { cli, npmSaw, result, oursSaw: wire(emulator.requests()) }
}

/** An exchanged token is minted per exchange: its value differs, its kind does not. */
const masked = (requests) => requests.map((r) => ({ ...r, authorization: r.authorization?.replace(/oidc-emulated-\w+/, 'oidc-emulated-…').replace(/eyJ[\w.-]+/, 'id_token') }))

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
  client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
  cwd = project({ name: 'widgets', version: '1.1.0' }, `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
  // A CI job's checkout: no token for the registry, trusted publishing is the way in.
  ci = project({ name: 'widgets', version: '1.1.0' }, `registry=${emulator.url}\n`)
})
afterAll(() => emulator.stop())

const ours = (call) => () => call(new tn.TrustClient({ cwd, otp: OTP }))

describe('npm dist-tag (11.19) vs trust-native', () => {
  it('ls: one read of the dist-tags', async () => {
    const r = await both(['dist-tag', 'ls', 'widgets'], () => new tn.TrustClient({ cwd }).listDistTags({ package: 'widgets' }), { tags: { next: '2.0.0-rc.1' } })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw).toMatchObject([{ method: 'GET', path: '/-/package/widgets/dist-tags', command: 'dist-tag', authorization: `Bearer ${ALICE}` }])
    expect(r.result.value).toEqual({ latest: '1.1.0', next: '2.0.0-rc.1' })
    expect(r.cli.stdout).toBe('latest: 1.1.0\nnext: 2.0.0-rc.1\n')
  })

  it('add: reads the dist-tags, then PUTs the version as a JSON string with the OTP', async () => {
    const r = await both(['dist-tag', 'add', 'widgets@2.0.0-rc.1', 'next', `--otp=${OTP}`], ours((c) => c.addDistTag({ package: 'widgets', version: '2.0.0-rc.1', tag: 'next' })))
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /-/package/widgets/dist-tags', 'PUT /-/package/widgets/dist-tags/next'])
    expect(r.npmSaw[1]).toMatchObject({ body: '"2.0.0-rc.1"', contentType: 'application/json', otp: OTP })
    expect(r.result.value).toMatchObject({ package: 'widgets', tag: 'next', version: '2.0.0-rc.1', changed: true, tokenSource: 'config', dryRun: false, warnings: [] })
  })

  it('add without a tag sets latest', async () => {
    const r = await both(['dist-tag', 'add', 'widgets@1.0.0', `--otp=${OTP}`], ours((c) => c.addDistTag({ package: 'widgets', version: '1.0.0' })))
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw.at(-1).path).toBe('/-/package/widgets/dist-tags/latest')
  })

  it('add of a tag already there sends nothing after the read', async () => {
    const r = await both(['dist-tag', 'add', 'widgets@1.1.0', 'latest', `--otp=${OTP}`], ours((c) => c.addDistTag({ package: 'widgets', version: '1.1.0', tag: 'latest' })))
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw).toHaveLength(1)
    expect(r.result.value).toMatchObject({ changed: false, warnings: ['latest is already set to version 1.1.0.'] })
  })

  it('rm: reads the dist-tags, then DELETEs the tag', async () => {
    const r = await both(['dist-tag', 'rm', 'widgets', 'beta', `--otp=${OTP}`], ours((c) => c.removeDistTag({ package: 'widgets', tag: 'beta' })), { tags: { beta: '1.0.0' } })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /-/package/widgets/dist-tags', 'DELETE /-/package/widgets/dist-tags/beta'])
    expect(r.result.value).toMatchObject({ tag: 'beta', version: '1.0.0' })
  })

  it('rm of a tag that is not there: no DELETE, and the tags that are', async () => {
    const r = await both(['dist-tag', 'rm', 'widgets', 'nope', `--otp=${OTP}`], ours((c) => c.removeDistTag({ package: 'widgets', tag: 'nope' })))
    expect(r.cli.code).not.toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.result.error).toMatchObject({ code: 'EINVALIDINPUT', field: 'tag' })
    expect(r.result.error.message).toContain('nope is not a dist-tag on widgets (it has latest)')
  })

  it('refuses a tag that is a version range, as npm does, before any request', async () => {
    await reset()
    expect(await rejection(client.addDistTag({ package: 'widgets', version: '1.0.0', tag: '^1' }))).toMatchObject({ code: 'EINVALIDINPUT', field: 'tag' })
    expect(emulator.requests()).toEqual([])
  })

  it('the CLI takes npm\'s arguments', async () => {
    await reset()
    const env = { env: { NPM_TOKEN: ALICE } }
    const added = await runCli(['dist-tag', 'add', 'widgets@1.0.0', 'legacy', '--registry', emulator.url, '--otp', OTP], env)
    expect(added.stdout, added.stderr).toBe('+legacy: widgets@1.0.0\n')
    const listed = await runCli(['dist-tag', 'ls', 'widgets', '--registry', emulator.url], env)
    expect(listed.stdout).toBe('latest: 1.1.0\nlegacy: 1.0.0\n')
    const removed = await runCli(['dist-tag', 'rm', 'widgets', 'legacy', '--registry', emulator.url, '--otp', OTP], env)
    expect(removed.stdout, removed.stderr).toBe('-legacy: widgets@1.0.0\n')
    expect((await runCli(['dist-tag', 'add', 'widgets', '--registry', emulator.url], env)).code).toBe(2)
  })
})

describe.skipIf(NPM12.skip)(`npm dist-tag (12) vs trust-native${NPM12.skip ? ` — skipped: ${NPM12.skip}` : ''}`, () => {
  it('without CI: the same requests as npm 11', async () => {
    const r = await both(['dist-tag', 'add', 'widgets@1.0.0', 'legacy', `--otp=${OTP}`], ours((c) => c.addDistTag({ package: 'widgets', version: '1.0.0', tag: 'legacy' })), { npm: NPM12 })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw).toHaveLength(2)
  })

  it('in CI, add: the exchange, then the read and the PUT with the exchanged token, and no OTP', async () => {
    const r = await both(['dist-tag', 'add', 'widgets@1.0.0', 'legacy'],
      () => tn.addDistTag({ cwd: ci, package: 'widgets', version: '1.0.0', tag: 'legacy' }),
      { npm: NPM12, env: emulator.githubActionsJob(JOB), dir: ci })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    const writes = (saw) => masked(saw.filter((q) => !q.path.startsWith('/-/oidc/')))
    expect(writes(r.oursSaw)).toEqual(writes(r.npmSaw))
    expect(writes(r.npmSaw).map((q) => `${q.method} ${q.path} ${q.authorization}`)).toEqual([
      'POST /-/npm/v1/oidc/token/exchange/package/widgets Bearer id_token',
      'GET /-/package/widgets/dist-tags Bearer oidc-emulated-…',
      'PUT /-/package/widgets/dist-tags/legacy Bearer oidc-emulated-…',
    ])
    expect(writes(r.npmSaw).every((q) => q.command === 'dist-tag')).toBe(true)
    expect(r.result.value).toMatchObject({ tokenSource: 'oidc', changed: true })
    // The exchanged token is nowhere in what the call answers.
    expect(JSON.stringify(r.result.value)).not.toMatch(/oidc-emulated-|eyJ/)
  })

  it('in CI, rm and ls go through the exchange too', async () => {
    const env = emulator.githubActionsJob(JOB)
    for (const [args, call, tags] of [
      [['dist-tag', 'rm', 'widgets', 'beta'], () => tn.removeDistTag({ cwd: ci, package: 'widgets', tag: 'beta' }), { beta: '1.0.0' }],
      [['dist-tag', 'ls', 'widgets'], () => tn.listDistTags({ cwd: ci, package: 'widgets' }), {}],
    ]) {
      const r = await both(args, call, { npm: NPM12, env, dir: ci, tags })
      expect(r.cli.code, r.cli.stderr).toBe(0)
      const paths = (saw) => masked(saw.filter((q) => !q.path.startsWith('/-/oidc/'))).map((q) => `${q.method} ${q.path} ${q.authorization?.split(' ')[1].slice(0, 14)}`)
      expect(paths(r.oursSaw)).toEqual(paths(r.npmSaw))
      expect(r.result.error).toBeUndefined()
    }
  })

  it('in CI, a refused exchange without a token: npm goes on without one, trust-native says why and sends nothing else', async () => {
    const env = emulator.githubActionsJob({ ...JOB, repository: 'acme/fork', workflow_ref: 'acme/fork/.github/workflows/release.yml@refs/heads/main' })
    const r = await both(['dist-tag', 'add', 'widgets@1.0.0', 'legacy'], () => tn.addDistTag({ cwd: ci, package: 'widgets', version: '1.0.0', tag: 'legacy' }), { npm: NPM12, env, dir: ci })
    expect(r.cli.code).not.toBe(0)
    expect(r.npmSaw.some((q) => q.method === 'PUT')).toBe(true)
    expect(r.result.error.code).toBe('EOIDCEXCHANGE')
    expect(r.result.error.message).toContain('acme/fork')
    // The exchange, and its public read of the package to tell "no such package" from "no match".
    expect(r.oursSaw.filter((q) => !q.path.startsWith('/-/oidc/')).map((q) => `${q.method} ${q.path}`)).toEqual(['POST /-/npm/v1/oidc/token/exchange/package/widgets', 'GET /widgets'])
  })

  it('in CI, ls with a refused exchange and no token reads the public dist-tags, as npm 12 does', async () => {
    const env = emulator.githubActionsJob({ ...JOB, repository: 'acme/fork' })
    const r = await both(['dist-tag', 'ls', 'widgets'], () => tn.listDistTags({ cwd: ci, package: 'widgets' }), { npm: NPM12, env, dir: ci })
    expect(r.cli.code, r.cli.stderr).toBe(0)
    const reads = (saw) => saw.filter((q) => q.path.endsWith('/dist-tags'))
    expect(reads(r.oursSaw)).toEqual(reads(r.npmSaw))
    expect(reads(r.npmSaw)).toMatchObject([{ method: 'GET', authorization: undefined }])
    expect(r.result.value).toEqual({ latest: '1.1.0' })
  })

  it('in CI, a refused exchange with a configured token: the token is used, with a warning saying why', async () => {
    const env = emulator.githubActionsJob({ ...JOB, repository: 'acme/fork' })
    await reset()
    const result = await withCiEnv(env, () => tn.addDistTag({ cwd, package: 'widgets', version: '1.0.0', tag: 'legacy', otp: OTP }))
    expect(result).toMatchObject({ tokenSource: 'config', changed: true })
    expect(result.warnings.join('\n')).toContain('Trusted publishing did not work, so the configured token is used instead')
    // A failure with that token still says why trusted publishing was refused.
    await reset()
    const error = await withCiEnv(env, () => rejection(tn.addDistTag({ cwd, package: 'widgets', version: '1.0.0', tag: 'legacy' })))
    expect(error.code).toBe('EOTP')
    expect(error.message).toContain('Trusted publishing was tried first and refused')
  })
})

it('the planned request of a dry run holds no token', async () => {
  await reset()
  const dry = await client.addDistTag({ package: 'widgets', version: '1.0.0', tag: 'legacy', dryRun: true })
  expect(dry).toMatchObject({ dryRun: true, changed: true, request: { method: 'PUT', body: '1.0.0' } })
  expect(JSON.stringify(dry)).not.toContain(ALICE)
  expect(emulator.requests().map((q) => q.method)).toEqual(['GET'])
})
