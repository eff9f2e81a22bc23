// Trust at scale from JS: ensurePublisher (create, unchanged, replace, restore on failure), and
// planTrust/applyTrust over many packages against a rate-limited registry, with 2FA asked once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isolateNpmConfig, rejection, tempDir, testing, tn } from './helpers.mjs'

const OTP = '314159'
let emulator, seedRegistry, counter = 0

/**
 * A user maintaining `packages` (created fresh), with a token of its own, on today's registry
 * (several publishers per package) or, with `on: seedRegistry`, the seed's (one per package).
 */
function setup(packages, publishers = () => [], on = emulator) {
  counter += 1
  const user = `bulk-${counter}`
  const token = `bulk-token-${counter}`
  on.seed({
    users: [{ name: user, token, otp: OTP }],
    packages: packages.map((name, i) => ({ name, maintainers: [user], publishers: publishers(i) })),
  })
  return { registry: on.url, token }
}

const names = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`)
const github = (pkg, file = 'release.yml') => ({ type: 'github', package: pkg, repository: 'acme/mono', file })

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await testing.startEmulator({ webAuthRetryAfter: 0.05 })
  seedRegistry = await testing.startEmulator({ trustModel: 'single' })
})
afterAll(async () => {
  await emulator.stop()
  await seedRegistry.stop()
})

describe('ensurePublisher', () => {
  it('on the seed\'s registry: creates, then leaves alone, then replaces the one configuration, returning what it removed', async () => {
    const auth = { ...setup(['ensured'], undefined, seedRegistry), otp: OTP }
    const created = await tn.ensurePublisher({ ...auth, ...github('ensured') })
    expect(created.action).toBe('created')
    const same = await tn.ensurePublisher({ ...auth, ...github('ensured') })
    expect(same).toMatchObject({ action: 'unchanged', publisher: { id: created.publisher.id } })
    const replaced = await tn.ensurePublisher({ ...auth, ...github('ensured', 'publish.yml'), environment: 'npm' })
    expect(replaced).toMatchObject({ action: 'replaced', previous: { id: created.publisher.id, file: 'release.yml' }, publisher: { file: 'publish.yml', environment: 'npm' } })
    expect(seedRegistry.publishers('ensured')).toHaveLength(1)
  })

  it('on the seed\'s registry: restores the previous configuration when the create of a replace fails', async () => {
    const auth = { ...setup(['restored'], undefined, seedRegistry), otp: OTP }
    const { publisher: before } = await tn.ensurePublisher({ ...auth, ...github('restored') })
    // The first create is answered (409: the registry keeps one); the one after the revoke fails.
    seedRegistry.injectFault({ kind: 'latency', ms: 0, method: 'POST', times: 1 })
    seedRegistry.injectFault({ kind: 'status', status: 500, method: 'POST', times: 1 })
    const error = await rejection(tn.ensurePublisher({ ...auth, ...github('restored', 'other.yml'), retries: 0 }))
    expect(error.code).toBe('E500')
    expect(error.message).toContain('the old configuration was restored')
    const now = seedRegistry.publishers('restored')
    expect(now).toHaveLength(1)
    expect(now[0].claims).toEqual(before.claims)
  })

  it('rejects a misspelt option instead of ignoring it', async () => {
    const auth = { ...setup(['strict']), otp: OTP }
    const error = await rejection(tn.ensurePublisher({ ...auth, ...github('strict'), enviroment: 'npm' }))
    expect(error.code).toBe('EINVALIDINPUT')
    expect(emulator.publishers('strict')).toEqual([])
  })
})

describe('planTrust and applyTrust', () => {
  it('configures many packages against a rate limit, reports progress, and converges', async () => {
    const limited = await testing.startEmulator({ rateLimit: { perSecond: 40, burst: 4 } })
    try {
      const packages = names('limited', 40)
      limited.seed({ users: [{ name: 'm', token: 'rate-token', otp: OTP }], packages: packages.map((name) => ({ name, maintainers: ['m'] })) })
      const auth = { registry: limited.url, token: 'rate-token', otp: OTP }
      const specs = packages.map((p) => github(p))
      const plan = await tn.planTrust(specs, auth)
      expect(plan.entries.map((e) => e.action)).toEqual(packages.map(() => 'create'))
      const progress = []
      const results = await tn.applyTrust(plan, { ...auth, concurrency: 8, onProgress: (p) => progress.push(p) })
      expect(results.map((r) => r.status)).toEqual(packages.map(() => 'done'))
      expect(results.map((r) => r.package)).toEqual(packages)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(progress.map((p) => p.done)).toEqual(packages.map((_, i) => i + 1))
      expect(progress.every((p) => p.total === 40)).toBe(true)
      // The registry pushed back (429s were retried), and nothing was created twice or lost.
      expect(limited.requests().length).toBeGreaterThan(80)
      for (const p of packages) expect(limited.publishers(p)).toHaveLength(1)
      const again = await tn.planTrust(specs, auth)
      expect(again.entries.every((e) => e.action === 'unchanged')).toBe(true)
    } finally {
      limited.stop()
    }
  })

  it('asks for 2FA once for a whole concurrent run', async () => {
    const packages = names('once', 30)
    const auth = setup(packages)
    const asked = []
    const onOtp = async (challenge) => {
      asked.push(challenge.type)
      await fetch(`${challenge.authUrl}?approve=true`)
    }
    const plan = await tn.planTrust(packages.map((p) => github(p)), { ...auth, onOtp, concurrency: 10 })
    const results = await tn.applyTrust(plan, { ...auth, onOtp, concurrency: 10 })
    expect(results.filter((r) => r.status === 'done')).toHaveLength(30)
    expect(asked).toEqual(['web'])
  })

  it('given specs, plans and applies in one call; on the seed\'s registry a new workflow takes the place of the one there is', async () => {
    const emulator = seedRegistry
    const auth = { ...setup(['direct-1', 'direct-2', 'direct-3'], (i) => (i === 1 ? [{ type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'old.yml' } }, permissions: ['createPackage'] }] : []), seedRegistry), otp: OTP }
    emulator.clearRequests()
    const results = await tn.applyTrust([github('direct-1'), { ...github('direct-2'), replace: true }, github('direct-3'), { type: 'github', package: 'direct-4' }], { ...auth, concurrency: 1 })
    expect(results.map((r) => [r.package, r.action, r.status])).toEqual([
      ['direct-1', 'create', 'done'],
      ['direct-2', 'replace', 'done'],
      ['direct-3', 'create', 'done'],
      ['direct-4', 'error', 'failed'],
    ])
    expect(results[1].previous).toEqual([expect.objectContaining({ file: 'old.yml' })])
    expect(emulator.requests().map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f-]{36}$/, '/:id')}`)).toEqual([
      'GET /-/package/direct-1/trust',
      'GET /-/package/direct-2/trust',
      'GET /-/package/direct-3/trust',
      'POST /-/package/direct-1/trust',
      // Refused: the registry keeps one; the package's only spec takes the place of the one there is.
      'POST /-/package/direct-2/trust',
      'GET /-/package/direct-2/trust',
      'DELETE /-/package/direct-2/trust/:id',
      'POST /-/package/direct-2/trust',
      'POST /-/package/direct-3/trust',
    ])
    // The same specs again: a read each, nothing changed.
    const again = await tn.applyTrust([github('direct-1'), github('direct-2')], auth)
    expect(again.map((r) => r.action)).toEqual(['unchanged', 'unchanged'])
  })

  it('replaces a configuration that differs only when told to, and says how it differs', async () => {
    const other = { type: 'github', claims: { repository: 'acme/other', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
    const auth = { ...setup(['differs-1', 'differs-2'], () => [other]), otp: OTP }
    const difference = [{ field: 'repository', current: 'acme/other', desired: 'acme/mono' }]
    // A plan shows the difference field by field; a drift check reads its status.
    const plan = await tn.planTrust([github('differs-1')], auth)
    expect(plan.status).toBe('changes')
    expect(plan.entries[0]).toMatchObject({ action: 'replace', replace: false, differences: difference })
    // Applied without `replace`, neither a plan nor specs change who may publish.
    emulator.clearRequests()
    for (const work of [plan, [github('differs-1'), github('differs-2')]]) {
      const results = await tn.applyTrust(work, auth)
      expect(results.map((r) => r.status)).toEqual(work === plan ? ['skipped'] : ['skipped', 'skipped'])
      expect(results[0].differences).toEqual(difference)
    }
    expect(emulator.requests().filter((r) => r.method === 'DELETE')).toEqual([])
    expect(emulator.publishers('differs-1')[0].claims.repository).toBe('acme/other')
    // The spec's `replace`, or the run's, allows it.
    const [bySpec] = await tn.applyTrust([{ ...github('differs-1'), replace: true }], auth)
    expect(bySpec).toMatchObject({ action: 'replace', status: 'done', differences: difference })
    const [byRun] = await tn.applyTrust(await tn.planTrust([github('differs-2')], auth), { ...auth, replace: true })
    expect(byRun.status).toBe('done')
    expect((await tn.planTrust([github('differs-1'), github('differs-2')], auth)).status).toBe('inSync')
    // `replace` is a boolean, and only applying takes it.
    expect((await rejection(tn.applyTrust([github('differs-1')], { ...auth, replace: 'yes' }))).field).toBe('replace')
    expect((await rejection(tn.planTrust([github('differs-1')], { ...auth, replace: true }))).field).toBe('replace')
  })

  it('ends with one result per package when a registry answer is absurd', async () => {
    const auth = { ...setup(['absurd-1', 'absurd-2']), otp: OTP }
    // Retry-After: 1e20 once made the core panic, and the whole run rejected.
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1e20, method: 'POST', path: 'absurd-1', times: 1 })
    const results = await tn.applyTrust([github('absurd-1'), github('absurd-2')], auth)
    expect(results.map((r) => [r.status, r.error?.code])).toEqual([['failed', 'E429'], ['done', undefined]])
  })

  it('takes maxRps, a rate above zero', async () => {
    const auth = { ...setup(['capped-1', 'capped-2']), otp: OTP }
    const results = await tn.applyTrust([github('capped-1'), github('capped-2')], { ...auth, maxRps: 50 })
    expect(results.map((r) => r.status)).toEqual(['done', 'done'])
    for (const maxRps of [0, -1, Infinity, '5']) {
      const error = await rejection(tn.planTrust([github('capped-1')], { ...auth, maxRps }))
      expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'maxRps' })
    }
  })

  it('goes on past invalid specs and missing packages, and says why for each', async () => {
    const auth = { ...setup(['fine']), otp: OTP }
    const specs = [github('fine'), github('Not Valid'), github('no-such-package'), { type: 'github', package: 'fine2', file: 'a.yml' }]
    const plan = await tn.planTrust(specs, auth)
    expect(plan.entries.map((e) => [e.package, e.action, e.error?.code])).toEqual([
      ['fine', 'create', undefined],
      ['Not Valid', 'error', 'EINVALIDPACKAGENAME'],
      // Not on the registry: a name to claim, not an error of the plan.
      ['no-such-package', 'claim', undefined],
      ['fine2', 'error', 'EINVALIDINPUT'],
    ])
    const results = await tn.applyTrust(plan, auth)
    expect(results.map((r) => r.status)).toEqual(['done', 'failed', 'failed', 'failed'])
    // Without `claim: true` a package to claim fails, saying how to claim it.
    expect(results[2].error).toMatchObject({ code: 'E404', hint: 'claim' })
    expect(results[2].error.message).toContain('claimPackage publishes a placeholder version')
  })

  it('with `claim: true`, a package not on the registry is claimed, then configured', async () => {
    const auth = { ...setup([]), otp: OTP }
    const plan = await tn.planTrust([github('claimed-in-run')], auth)
    expect(plan.status).toBe('changes')
    const [result] = await tn.applyTrust(plan, { ...auth, claim: true })
    expect(result).toMatchObject({ package: 'claimed-in-run', action: 'claim', status: 'done', publisher: { type: 'github' } })
    expect(emulator.versions('claimed-in-run')).toEqual(['0.0.0-placeholder.0'])
    // Given specs (no plan), the create's 404 leads to the claim the same way.
    const [fromSpecs] = await tn.applyTrust([github('claimed-from-spec')], { ...auth, claim: true })
    expect(fromSpecs).toMatchObject({ action: 'claim', status: 'done' })
  })
})

describe('2FA that fails in a run', () => {
  it('a web approval that times out is asked once: the other packages end EOTP at once', async () => {
    const packages = names('timedout', 6)
    const auth = setup(packages)
    const plan = await tn.planTrust(packages.map((p) => github(p)), { ...auth, otp: OTP })
    const asked = []
    const results = await tn.applyTrust(plan, { ...auth, onOtp: (c) => { asked.push(c.type) }, webAuthTimeoutMs: 300, concurrency: 3 })
    expect(asked).toEqual(['web'])
    expect(results.map((r) => r.error?.code)).toEqual(packages.map(() => 'EOTP'))
    expect(results.filter((r) => r.error.message.includes('not asking again'))).toHaveLength(5)
    const shared = results.find((r) => r.error.message.includes('not asking again'))
    expect(shared.error).toMatchObject({ hint: 'otp', summary: expect.stringContaining('The web approval was not completed within 300 ms.') })
    // A new run asks again.
    const again = await tn.applyTrust(plan, { ...auth, onOtp: (c) => fetch(`${c.authUrl}?approve=true&skip2fa=true`).then(() => undefined) })
    expect(again.map((r) => r.status)).toEqual(packages.map(() => 'done'))
  })

  it('three wrong codes in a row: the run stops asking', async () => {
    const packages = names('wrong', 6)
    const auth = setup(packages)
    const plan = await tn.planTrust(packages.map((p) => github(p)), { ...auth, otp: OTP })
    let asked = 0
    const onOtp = () => String(100000 + asked++)
    const results = await tn.applyTrust(plan, { ...auth, otp: '000000', onOtp, concurrency: 3 })
    expect(asked).toBe(3)
    expect(results.map((r) => r.error?.code)).toEqual(packages.map(() => 'EOTP'))
    expect(results[0].error.message).toContain('3 one-time passwords in a row were refused')
    expect(packages.map((p) => emulator.publishers(p))).toEqual(packages.map(() => []))
  })
})

describe('stopping a run', () => {
  it('its signal: nothing starts after it, what is in flight finishes and is reported, one result each', async () => {
    const packages = names('stopped', 20)
    const auth = { ...setup(packages), otp: OTP }
    const plan = await tn.planTrust(packages.map((p) => github(p)), auth)
    emulator.injectFault({ kind: 'latency', ms: 200, method: 'POST', path: '/trust' })
    const creates = () => emulator.requests().filter((r) => r.method === 'POST' && r.path.includes('stopped')).length
    const stop = new AbortController()
    const reported = []
    const running = tn.applyTrust(plan, { ...auth, concurrency: 2, signal: stop.signal, onProgress: ({ result }) => reported.push(result.package) })
    // Abort once the registry has received two creates: both are in flight.
    while (creates() < 2) await new Promise((resolve) => setImmediate(resolve))
    stop.abort()
    const results = await running
    emulator.clearFaults()
    const created = packages.filter((p) => emulator.publishers(p).length === 1)
    expect(results.map((r) => r.package)).toEqual(packages)
    expect(results.filter((r) => r.status === 'done').map((r) => r.package)).toEqual(created)
    expect(created.length).toBeGreaterThanOrEqual(2)
    expect(reported.sort()).toEqual(created)
    const rest = results.filter((r) => r.status === 'failed')
    expect(rest.length).toBe(packages.length - created.length)
    expect(rest.every((r) => r.error.code === 'EABORTED')).toBe(true)
  })
})

describe('specs from the workspace and from trust.json', () => {
  it('discovers packages and builds specs with their repositories', async () => {
    const root = tempDir('tn-bulk-ws-')
    writeFileSync(join(root, 'package.json'), JSON.stringify({ private: true, workspaces: ['libs/*'], repository: 'github:acme/libs' }))
    for (const [dir, pkg] of [['one', { name: 'one' }], ['two', { name: 'two', repository: 'gitlab:acme/two' }], ['hidden', { name: 'hidden', private: true }]]) {
      mkdirSync(join(root, 'libs', dir), { recursive: true })
      writeFileSync(join(root, 'libs', dir, 'package.json'), JSON.stringify(pkg))
    }
    const ws = await tn.discoverWorkspacePackages(join(root, 'libs', 'one'))
    expect(ws.packages.map((p) => [p.name, p.repositoryHost, p.repository, p.repositoryFromRoot])).toEqual([
      ['one', 'github', 'acme/libs', true],
      ['two', 'gitlab', 'acme/two', false],
    ])
    expect(ws.skipped).toEqual([expect.stringContaining('hidden is private')])
    const specs = await tn.readTrustConfig({ defaults: { type: 'gitlab', file: '.gitlab-ci.yml' }, workspaces: true }, root)
    expect(specs).toEqual([
      { type: 'gitlab', package: 'one', file: '.gitlab-ci.yml' },
      { type: 'gitlab', package: 'two', file: '.gitlab-ci.yml', project: 'acme/two' },
    ])
    // The file by its bare name, as the README's `--config trust.json`: the folder it is in.
    writeFileSync(join(root, 'trust.json'), JSON.stringify({ defaults: { type: 'gitlab', file: '.gitlab-ci.yml' }, workspaces: true }))
    const here = process.cwd()
    process.chdir(root)
    try {
      expect((await tn.readTrustConfig('trust.json')).map((s) => s.package)).toEqual(['one', 'two'])
    } finally {
      process.chdir(here)
    }
    // A misspelt key would configure nothing, silently: it is refused, naming it.
    const misspelt = await rejection(tn.readTrustConfig({ defaults: { type: 'github' }, package: [{ package: 'one' }] }, root))
    expect(misspelt).toMatchObject({ code: 'EINVALIDINPUT', field: 'specs' })
    expect(misspelt.message).toContain('unknown key `package`')
  })
})
