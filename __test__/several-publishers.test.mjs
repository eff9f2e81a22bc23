// Several trusted publishers per package (today's registry: up to 10), and the seed's registry
// that keeps one: ensurePublisher, planTrust/applyTrust with two specs for one package, a change
// of one of them, --prune, and the CLI's drift check. Against the emulator in both of its models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isolateNpmConfig, project, rejection, testing, tn, withCiEnv } from './helpers.mjs'

const BIN = fileURLToPath(new URL('../bin/trust-native.js', import.meta.url))
const OTP = '161803'
const emulators = {}
let counter = 0

beforeAll(async () => {
  isolateNpmConfig()
  emulators.several = await testing.startEmulator({})
  emulators.single = await testing.startEmulator({ trustModel: 'single' })
})
afterAll(async () => {
  await emulators.several.stop()
  await emulators.single.stop()
})

/** A fresh user maintaining `name` (with `publishers`) on `emulator`; answers the call options. */
function setup(emulator, name, publishers = []) {
  counter += 1
  const user = `multi-${counter}`
  const token = `multi-token-${counter}`
  emulator.seed({ users: [{ name: user, token, otp: OTP }], packages: [{ name, maintainers: [user], publishers }] })
  return { registry: emulator.url, token, otp: OTP }
}

const release = (pkg, more = {}) => ({ type: 'github', package: pkg, repository: 'acme/mono', file: 'release.yml', environment: 'npm', ...more })
const nightly = (pkg) => ({ type: 'github', package: pkg, repository: 'acme/mono', file: 'nightly.yml', allowPublish: false, allowStagePublish: true })
const stored = (spec) => ({
  type: 'github',
  claims: { repository: spec.repository, workflow_ref: { file: spec.file }, ...(spec.environment && { environment: spec.environment }) },
  permissions: spec.allowStagePublish ? ['createStagedPackage'] : ['createPackage'],
})

/** The requests that change something: method and path, a configuration id as `:id`. */
const changes = (emulator) => emulator.requests()
  .filter((r) => r.method !== 'GET')
  .map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f-]{36}$/, '/:id')}`)

function cli(args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe("today's registry: several publishers per package", () => {
  it('two specs for one package: apply creates both; a second apply sends nothing that changes and plans both unchanged', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'two-specs')
    const specs = [release('two-specs'), nightly('two-specs')]
    const first = await tn.applyTrust(specs, auth)
    expect(first.map((r) => [r.action, r.status])).toEqual([['create', 'done'], ['create', 'done']])
    // Created concurrently: in either order.
    const created = emulator.publishers('two-specs').map(({ id, ...p }) => p)
    expect(created).toHaveLength(2)
    expect(created).toEqual(expect.arrayContaining(specs.map(stored)))

    emulator.clearRequests()
    const again = await tn.applyTrust(specs, auth)
    expect(again.map((r) => [r.action, r.status])).toEqual([['unchanged', 'done'], ['unchanged', 'done']])
    const plan = await tn.planTrust(specs, auth)
    expect(plan.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged'])
    expect(plan.status).toBe('inSync')
    // Each entry says which configuration it is about.
    expect(plan.entries.map((e) => e.existing.file)).toEqual(['release.yml', 'nightly.yml'])
    expect(await tn.applyTrust(plan, auth)).toHaveLength(2)
    expect(changes(emulator)).toEqual([])
  })

  it('changing one spec replaces only that configuration, the new one created before the old is revoked', async () => {
    const emulator = emulators.several
    const specs = [release('one-changed'), nightly('one-changed')]
    const auth = setup(emulator, 'one-changed', specs.map(stored))
    const [old, other] = emulator.publishers('one-changed')
    const changed = [release('one-changed', { environment: 'production' }), nightly('one-changed')]
    const plan = await tn.planTrust(changed, auth)
    expect(plan.entries.map((e) => e.action)).toEqual(['replace', 'unchanged'])
    expect(plan.entries[0]).toMatchObject({ existing: { id: old.id }, differences: [{ field: 'environment', current: 'npm', desired: 'production' }] })
    // Without `replace` nothing changes.
    emulator.clearRequests()
    expect((await tn.applyTrust(plan, auth)).map((r) => r.status)).toEqual(['skipped', 'done'])
    expect(changes(emulator)).toEqual([])

    const results = await tn.applyTrust(changed, { ...auth, replace: true })
    expect(results.map((r) => [r.action, r.status])).toEqual([['replace', 'done'], ['unchanged', 'done']])
    expect(results[0].previous).toEqual([expect.objectContaining({ id: old.id, environment: 'npm' })])
    expect(changes(emulator)).toEqual(['POST /-/package/one-changed/trust', 'DELETE /-/package/one-changed/trust/:id'])
    expect(emulator.requests().find((r) => r.method === 'DELETE').path).toContain(old.id)
    const now = emulator.publishers('one-changed')
    expect(now.map((p) => p.id)).toEqual([other.id, results[0].publisher.id])
    expect(now[1].claims.environment).toBe('production')
  })

  it('a replace whose create fails leaves the old configuration in place', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'create-fails', [stored(release('create-fails'))])
    emulator.injectFault({ kind: 'status', status: 500, method: 'POST', path: 'create-fails', times: 1 })
    const [result] = await tn.applyTrust([release('create-fails', { environment: 'production' })], { ...auth, replace: true, retries: 0 })
    expect(result).toMatchObject({ action: 'replace', status: 'failed', error: { code: 'E500' } })
    expect(emulator.publishers('create-fails').map((p) => p.claims.environment)).toEqual(['npm'])
  })

  it('a configuration no spec names is left alone, and revoked only with prune', async () => {
    const emulator = emulators.several
    const gitlab = { type: 'gitlab', claims: { project_path: 'acme/mirror', ci_config_ref_uri: { file: '.gitlab-ci.yml' } }, permissions: ['createPackage'] }
    const auth = setup(emulator, 'pruned', [stored(release('pruned')), gitlab])
    const specs = [release('pruned')]
    const kept = await tn.planTrust(specs, auth)
    expect(kept.entries.map((e) => e.action)).toEqual(['unchanged'])
    expect(kept.status).toBe('inSync')
    expect((await tn.applyTrust(specs, auth)).map((r) => r.action)).toEqual(['unchanged'])
    expect(emulator.publishers('pruned')).toHaveLength(2)

    const plan = await tn.planTrust(specs, { ...auth, prune: true })
    expect(plan.entries.map((e) => [e.action, e.existing?.type])).toEqual([['unchanged', 'github'], ['revoke', 'gitlab']])
    expect(plan.status).toBe('changes')
    const results = await tn.applyTrust(plan, auth)
    expect(results.map((r) => [r.action, r.status])).toEqual([['unchanged', 'done'], ['revoke', 'done']])
    expect(results[1].previous).toEqual([expect.objectContaining({ type: 'gitlab', project: 'acme/mirror' })])
    expect(emulator.publishers('pruned').map((p) => p.type)).toEqual(['github'])
    // `prune` is a boolean, and only runs over specs take it.
    expect((await rejection(tn.planTrust(specs, { ...auth, prune: 'yes' }))).field).toBe('prune')
  })

  it('ensurePublisher with another publisher present creates rather than replaces', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'ensure-beside', [stored(release('ensure-beside'))])
    const [first] = emulator.publishers('ensure-beside')
    const { package: pkg, ...spec } = nightly('ensure-beside')
    const added = await tn.ensurePublisher({ ...auth, package: pkg, ...spec })
    expect(added).toMatchObject({ action: 'created', publisher: { file: 'nightly.yml' } })
    expect(added.previous).toBeUndefined()
    expect(emulator.publishers('ensure-beside').map((p) => p.id)).toEqual([first.id, added.publisher.id])
    // The same publisher again is there already.
    expect((await tn.ensurePublisher({ ...auth, package: pkg, ...spec })).action).toBe('unchanged')
    // A change of one replaces it, created first, and leaves the other alone.
    emulator.clearRequests()
    const { package: _, ...changed } = release('ensure-beside', { environment: 'production' })
    const replaced = await tn.ensurePublisher({ ...auth, package: pkg, ...changed })
    expect(replaced).toMatchObject({ action: 'replaced', previous: { id: first.id } })
    expect(changes(emulator)).toEqual(['POST /-/package/ensure-beside/trust', 'DELETE /-/package/ensure-beside/trust/:id'])
    expect(emulator.publishers('ensure-beside').map((p) => p.id)).toEqual([added.publisher.id, replaced.publisher.id])
  })

  it('lockDownPackage locks a package with several publishers, and names them all', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'locked-two', [stored(release('locked-two')), stored(nightly('locked-two'))])
    const result = await tn.lockDownPackage({ ...auth, package: 'locked-two' })
    expect(result.status).toBe('locked')
    expect(result.publishers.map((p) => p.file)).toEqual(['release.yml', 'nightly.yml'])
  })

  it('addGithubPublisher adds beside the publishers there are', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'added', [stored(release('added'))])
    await tn.addGithubPublisher({ ...auth, package: 'added', repository: 'acme/mono', file: 'nightly.yml', allowStagePublish: true })
    expect(emulator.publishers('added').map((p) => p.claims.workflow_ref.file)).toEqual(['release.yml', 'nightly.yml'])
  })

  it('the CLI: apply a trust.json with two publishers for one package, then plan --exit-code is 0', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'cli-two')
    const dir = project({ name: 'cli-two-root' }, `registry=${emulator.url}\n//127.0.0.1:${new URL(emulator.url).port}/:_authToken=${auth.token}\n`)
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([release('cli-two'), nightly('cli-two')]))
    const applied = await cli(['apply', '--config', 'trust.json', '--yes', '--otp', OTP], dir)
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toContain('Applied: 2 created, 0 replaced, 0 unchanged, 0 failed')
    // Each line names the publisher it is about.
    expect(applied.stderr).toMatch(/\/2 created cli-two \(github release\.yml\)/)
    expect(applied.stderr).toMatch(/\/2 created cli-two \(github nightly\.yml\)/)
    const drift = await cli(['plan', '--config', 'trust.json', '--exit-code', '--otp', OTP], dir)
    expect(drift.code, drift.stdout + drift.stderr).toBe(0)
    // One changed: only it is replaced; a configuration no spec names is revoked only with --prune.
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([release('cli-two', { environment: 'production' }), nightly('cli-two')]))
    // Without --replace: left as it is, saying which publisher, and exit 1.
    const left = await cli(['apply', '--config', 'trust.json', '--yes', '--otp', OTP], dir)
    expect(left.code).toBe(1)
    expect(left.stderr).toMatch(/\/2 left cli-two \(github release\.yml\), as it differs/)
    expect(left.stderr).toContain('left cli-two (github release.yml) as it is: one of its trusted publishers differs (environment ')
    expect(left.stderr).toMatch(/\/2 unchanged cli-two \(github nightly\.yml\)/)
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([release('cli-two', { environment: 'production' })]))
    const replaced = await cli(['apply', '--config', 'trust.json', '--yes', '--replace', '--otp', OTP], dir)
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(replaced.stdout).toContain('Applied: 0 created, 1 replaced, 0 unchanged, 0 failed')
    expect(emulator.publishers('cli-two')).toHaveLength(2)
    const pruned = await cli(['apply', '--config', 'trust.json', '--yes', '--prune', '--otp', OTP], dir)
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(pruned.stdout).toContain('1 revoked')
    // The progress counts the revoke too: 2 entries for 1 spec.
    expect(pruned.stderr).toContain('2/2 ')
    expect(pruned.stderr).not.toContain('/1 ')
    expect(emulator.publishers('cli-two').map((p) => p.claims.environment)).toEqual(['production'])
  })
})

describe('a monorepo whose trust.json gives every package a release and a nightly publisher', () => {
  it('plan, apply, then a change of one publisher replaced with --replace, in the CLI', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, '@mono/a')
    emulator.seed({ packages: [{ name: '@mono/b', maintainers: [`multi-${counter}`] }] })
    const root = project({ name: 'mono', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' },
      `registry=${emulator.url}\n//127.0.0.1:${new URL(emulator.url).port}/:_authToken=${auth.token}\n`)
    for (const name of ['a', 'b']) {
      mkdirSync(join(root, 'packages', name), { recursive: true })
      writeFileSync(join(root, 'packages', name, 'package.json'), JSON.stringify({ name: `@mono/${name}`, version: '1.0.0' }))
    }
    const config = (environment) => ({
      defaults: [
        { type: 'github', file: 'release.yml', environment },
        { type: 'github', file: 'nightly.yml', allowPublish: false, allowStagePublish: true },
      ],
      workspaces: true,
    })
    // `--config trust.json`: a path without a folder is the current one's (the workspace's).
    writeFileSync(join(root, 'trust.json'), JSON.stringify(config('npm')))
    const planned = await cli(['plan', '--config', 'trust.json', '--otp', OTP], root)
    expect(planned.stdout).toContain('2 packages: 4 to create, 0 to replace, 0 unchanged, 0 errors')
    expect((await cli(['apply', '--config', 'trust.json', '--yes', '--otp', OTP], root)).stdout).toContain('Applied: 4 created')
    expect((await cli(['plan', '--config', 'trust.json', '--exit-code', '--otp', OTP], root)).code).toBe(0)
    writeFileSync(join(root, 'trust.json'), JSON.stringify(config('production')))
    const replaced = await cli(['apply', '--config', 'trust.json', '--yes', '--replace', '--otp', OTP], root)
    expect(replaced.stdout).toContain('Applied: 0 created, 2 replaced, 2 unchanged, 0 failed')
    for (const pkg of ['@mono/a', '@mono/b']) {
      expect(emulator.publishers(pkg).map((p) => `${p.claims.workflow_ref.file} ${p.claims.environment ?? '-'}`).sort()).toEqual(['nightly.yml -', 'release.yml production'])
    }
  })
})

describe('a CI job against several publishers', () => {
  /** The exchange of a GitHub job of `workflow` (in `environment`) for `pkg`: its token's claims and the outcome. */
  async function exchange(emulator, pkg, workflow, environment) {
    const claims = { repository: 'acme/mono', workflow_ref: `acme/mono/.github/workflows/${workflow}@refs/heads/main`, ...(environment && { environment }) }
    const idToken = emulator.issueIdToken({ provider: 'github', claims })
    const cwd = project({ name: pkg, version: '1.0.0' }, `registry=${emulator.url}\n`)
    const outcome = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => tn.exchangeToken({ cwd }).catch((e) => e))
    return { claims: tn.decodeIdToken(idToken).claims, outcome }
  }

  it('passes when one publisher matches; otherwise explains the closest claim by claim and names the others', async () => {
    const emulator = emulators.several
    const auth = setup(emulator, 'ci-several', [stored(release('ci-several')), stored(nightly('ci-several'))])
    const publishers = await tn.listPublishers({ ...auth, package: 'ci-several' })
    const [releaseId, nightlyId] = publishers.map((p) => p.id)

    // The nightly job matches the second publisher.
    const nightlyJob = await exchange(emulator, 'ci-several', 'nightly.yml')
    expect(nightlyJob.outcome.token).toBeDefined()
    const passing = tn.diagnoseTrust({ claims: nightlyJob.claims, publishers, audience: emulator.npmAudience, permission: 'createStagedPackage' })
    expect(passing).toMatchObject({ ok: true, matched: nightlyId, findings: [] })

    // The release job without its environment matches none: the release publisher is the closest.
    const releaseJob = await exchange(emulator, 'ci-several', 'release.yml')
    expect(releaseJob.outcome.code).toBe('EOIDCEXCHANGE')
    const diagnosis = tn.diagnoseTrust({ claims: releaseJob.claims, publishers, audience: emulator.npmAudience })
    expect(diagnosis).toMatchObject({ ok: false, closest: releaseId })
    expect(diagnosis.findings.map((f) => [f.kind, f.publisher])).toEqual([['environment', releaseId], ['publishers', undefined]])
    const { summary } = tn.explainExchangeFailure(releaseJob.outcome, { publishers })
    expect(summary).toContain('add `environment: npm` to the publishing job')
    expect(summary).toContain(`None of the package's 2 trusted publishers matches this token. The differences named are those of the closest, the GitHub Actions publisher ${releaseId} (`)
    expect(summary).toContain(`The others: the GitHub Actions publisher ${nightlyId} (`)
    expect(summary).toContain('file nightly.yml')
    expect(summary).not.toMatch(/\([^()]*\(/)
  })
})

describe("the seed's registry: one publisher per package", () => {
  it('two specs for one package: the first is created, the second refused, saying the registry keeps one', async () => {
    const emulator = emulators.single
    const auth = setup(emulator, 'seed-two')
    // One at a time: which of two concurrent creates the registry takes first is a race.
    const results = await tn.applyTrust([release('seed-two'), nightly('seed-two')], { ...auth, concurrency: 1 })
    expect(results.map((r) => [r.action, r.status])).toEqual([['create', 'done'], ['create', 'failed']])
    expect(results[1].error).toMatchObject({ code: 'E409' })
    expect(results[1].error.message).toContain('refused another trusted publisher')
    expect(emulator.publishers('seed-two')).toHaveLength(1)
  })

  it('ensurePublisher replaces the one configuration: revoked, then created', async () => {
    const emulator = emulators.single
    const auth = setup(emulator, 'seed-ensure', [stored(release('seed-ensure'))])
    const [old] = emulator.publishers('seed-ensure')
    emulator.clearRequests()
    const { package: pkg, ...spec } = release('seed-ensure', { file: 'publish.yml' })
    const replaced = await tn.ensurePublisher({ ...auth, package: pkg, ...spec })
    expect(replaced).toMatchObject({ action: 'replaced', previous: { id: old.id }, publisher: { file: 'publish.yml' } })
    expect(changes(emulator)).toEqual(['POST /-/package/seed-ensure/trust', 'DELETE /-/package/seed-ensure/trust/:id', 'POST /-/package/seed-ensure/trust'])
    expect(emulator.publishers('seed-ensure')).toHaveLength(1)
  })

  it('applyTrust replaces a changed spec with --replace, and a second apply finds it unchanged', async () => {
    const emulator = emulators.single
    const auth = setup(emulator, 'seed-apply', [stored(release('seed-apply'))])
    const changed = [release('seed-apply', { environment: 'production' })]
    const [result] = await tn.applyTrust(changed, { ...auth, replace: true })
    expect(result).toMatchObject({ action: 'replace', status: 'done' })
    expect(emulator.publishers('seed-apply').map((p) => p.claims.environment)).toEqual(['production'])
    expect((await tn.planTrust(changed, auth)).status).toBe('inSync')
  })
})
