// index.d.ts is generated from the binding's declarations, while options are read from the
// provider tables: these tests keep the two naming the same options.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, startEmulator, tempDir, tn } from './helpers.mjs'

const dts = readFileSync(join(import.meta.dirname, '..', 'index.d.ts'), 'utf8')

/** The property names an interface of index.d.ts declares. */
function declared(name) {
  const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
  if (!body) throw new Error(`index.d.ts has no interface ${name}`)
  return [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort()
}

describe('TypeScript declarations', () => {
  it('declare exactly each provider table\'s options', () => {
    for (const provider of tn.trustProviders()) {
      const iface = `${provider.type[0].toUpperCase()}${provider.type.slice(1)}PublisherOptions`
      expect(declared(iface), iface).toEqual(provider.fields.map((f) => f.option).sort())
    }
  })

  it('TrustSpec declares type, package, the permissions and every provider option', () => {
    const options = new Set(tn.trustProviders().flatMap((p) => p.fields.map((f) => f.option)))
    expect(declared('TrustSpec')).toEqual(['type', 'package', 'allowPublish', 'allowStagePublish', 'replace', ...options].sort())
  })
})

/** The options a TrustClient method's declaration accepts, with whether each is required. */
function accepted(method) {
  const signature = dts.match(new RegExp(`\\n  ${method}\\(options(\\??): ([^)]*)\\): Promise`))
  if (!signature) throw new Error(`index.d.ts declares no TrustClient.${method}(options)`)
  const options = {}
  for (const part of signature[2].split(' & ')) {
    const common = part.match(/^(?:Omit<)?CommonOptions(?:, (.*)>)?$/)
    if (common) {
      const omitted = (common[1] ?? '').split('|').map((o) => o.trim().replace(/'/g, ''))
      for (const option of ['package', 'dryRun']) if (!omitted.includes(option)) options[option] = false
      continue
    }
    const body = dts.match(new RegExp(`export interface ${part} \\{([\\s\\S]*?)\\n\\}`))
    if (!body) throw new Error(`index.d.ts has no interface ${part}`)
    for (const [, name, optional] of body[1].matchAll(/^ {2}(\w+)(\??):/gm)) options[name] = optional !== '?'
  }
  return options
}

describe('the registry API table and its declarations', () => {
  it.each(tn.apiEndpoints().map((e) => [e.name, e]))('%s declares exactly the options its row reads', (_, endpoint) => {
    const expected = {}
    for (const input of endpoint.inputs) expected[input.option] = input.type !== 'package' && input.required
    if (endpoint.changes) expected.dryRun = false
    expect(accepted(endpoint.name)).toEqual(expected)
  })
})

/** Fails when `value` has a key its interface does not declare (recursing into `nested`). */
function expectDeclared(value, iface, nested = {}) {
  const keys = declared(iface)
  for (const [key, item] of Object.entries(value)) {
    expect(keys, `${iface}.${key}`).toContain(key)
    const inner = nested[key]
    if (inner && item) for (const element of [].concat(item)) expectDeclared(element, inner, nested)
  }
}

describe('results carry only declared fields', () => {
  let emulator
  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await startEmulator()
  })
  afterAll(() => emulator.stop())

  it('trust, bulk, config and OIDC results', async () => {
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    const github = { package: 'widgets', repository: 'acme/widgets', file: 'release.yml', environment: 'npm' }
    const publisherShape = { publisher: 'Publisher', previous: 'Publisher', current: 'Publisher', request: 'PlannedRequest', error: 'TrustProblem' }
    expectDeclared(await client.addGithubPublisher({ ...github, dryRun: true }), 'AddPublisherResult', publisherShape)
    expectDeclared(await client.addGithubPublisher(github), 'AddPublisherResult', publisherShape)
    const [listed] = await client.listPublishers({ package: 'widgets' })
    expectDeclared(listed, 'Publisher')
    expectDeclared(await client.ensurePublisher({ type: 'github', ...github, environment: 'prod' }), 'EnsureResult', publisherShape)
    const plan = await client.planTrust([{ type: 'gitlab', package: '@acme/tools', project: 'acme/tools', file: '.gitlab-ci.yml' }, { type: 'github', package: 'widgets' }])
    expectDeclared(plan, 'TrustPlan')
    for (const entry of plan.entries) expectDeclared(entry, 'PlanEntry', publisherShape)
    for (const result of await client.applyTrust(plan)) expectDeclared(result, 'ApplyResult', publisherShape)
    const [current] = await client.listPublishers({ package: 'widgets' })
    expectDeclared(await client.revokePublisher({ package: 'widgets', id: current.id }), 'RevokePublisherResult', publisherShape)
    expectDeclared(await client.resolveConfig({ package: 'widgets' }), 'ResolvedConfig', { files: 'ConfigFile', proxy: 'SourcedValue' })
    const checks = { jobs: 'WorkflowJob', findings: 'WorkflowFinding' }
    expectDeclared(await client.checkWorkflow({ type: 'github', package: 'trust-native', file: 'release.yml' }), 'WorkflowCheck', checks)
    expectDeclared(await client.checkWorkflow({ type: 'github', package: 'trust-native', file: 'release.yml', environment: 'prod' }), 'WorkflowCheck', checks)

    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/widgets' } })
    expectDeclared(tn.decodeIdToken(idToken), 'DecodedIdToken')
    const diagnosis = tn.diagnoseTrust({ claims: tn.decodeIdToken(idToken).claims, publishers: [listed] })
    expectDeclared(diagnosis, 'Diagnosis', { findings: 'Finding' })
    expectDeclared(tn.explainExchangeFailure(new Error('404'), { publishers: [listed] }), 'Explanation', { diagnosis: 'Diagnosis', findings: 'Finding' })
  })

  it('registry API results', async () => {
    emulator.seed({
      orgs: [{ name: 'acme', members: { alice: 'owner' }, teams: [{ name: 'devs', members: ['alice'] }] }],
      packages: [{ name: 'widgets', maintainers: ['alice', 'no2fa', 'bot'], description: 'widgets', keywords: ['w'], versions: ['1.0.0'] }],
      tokens: [{ user: 'alice', token: 'npm_declared0123456789abcdefghijklmnopq', cidr: ['10.0.0.0/8'] }],
      advisories: [{ id: 7, package: 'widgets', versions: ['1.0.0'], vulnerable_versions: '<2', title: 't', severity: 'low', cwe: ['CWE-1'], cvss: { score: 1, vectorString: 'v' } }],
    })
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    const change = { request: 'PlannedRequest' }
    expectDeclared(await client.getPackageAccess({ package: 'widgets' }), 'PackageAccess')
    expectDeclared(await client.setPackageAccess({ package: 'widgets', publishRequiresTfa: true }), 'ChangeResult', change)
    expectDeclared(await client.whoami(), 'Whoami')
    const membership = await client.setOrgMember({ org: 'acme', user: 'mallory' })
    expectDeclared(membership, 'SetOrgMemberResult', { ...change, membership: 'OrgMembership', org: 'OrgSummary' })
    expectDeclared(await client.createTeam({ team: 'acme:qa', description: 'QA' }), 'CreateTeamResult', { ...change, team: 'CreatedTeam' })
    for (const token of await client.listTokens()) expectDeclared(token, 'AccessToken')
    const created = await client.createToken({ password: 'password', name: 'x', cidr: ['10.0.0.0/8'] })
    expectDeclared(created, 'CreateTokenResult', { ...change, newToken: 'NewToken' })
    expectDeclared(await client.revokeToken({ id: created.newToken.key }), 'RevokeTokenResult', change)
    const search = await client.search({ text: 'widgets' })
    expect(search.objects).toHaveLength(1)
    expectDeclared(search, 'SearchResults', {
      objects: 'SearchResult', package: 'SearchPackage', score: 'SearchScore', detail: 'SearchScoreDetail', publisher: 'SearchPerson', maintainers: 'SearchPerson',
    })
    const advisories = await client.audit({ packages: { widgets: ['1.0.0'] } })
    for (const advisory of advisories.widgets) expectDeclared(advisory, 'Advisory', { cvss: 'Cvss' })

    const id = '57a9ed00-0000-4000-8000-000000000001'
    emulator.seed({ staged: [{ id, package: 'widgets', version: '1.1.0', tag: 'next' }, { package: 'widgets', version: '1.2.0' }] })
    const staged = await client.listStaged({ package: 'widgets' })
    expect(staged).toHaveLength(2)
    for (const item of staged) expectDeclared(item, 'StagedPackage')
    expectDeclared(await client.viewStaged({ id }), 'StagedPackage')
    const file = join(tempDir(), 'staged.tgz')
    expectDeclared(await client.downloadStaged({ id, file }), 'DownloadedTarball')
    expectDeclared(await client.rejectStaged({ id: staged[0].id }), 'ChangeResult', change)
    expectDeclared(await client.approveStaged({ id }), 'ChangeResult', change)
  })
})
