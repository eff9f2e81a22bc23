// index.d.ts is generated from the binding's declarations, while options are read from the
// provider tables: these tests keep the two naming the same options.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, startEmulator, tn } from './helpers.mjs'

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
    expect(declared('TrustSpec')).toEqual(['type', 'package', 'allowPublish', 'allowStagePublish', ...options].sort())
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
})
