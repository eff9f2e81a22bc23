// index.d.ts is generated from the binding's declarations (napi-derive writes TypeScript from
// literals), while the runtime reads options from the provider and endpoint tables: these tests
// keep the two the same, both ways. A method and the free function of the same name have one
// signature; each call declares exactly the options it reads (asked of the runtime, through the
// unknown-option error that lists the known ones); an option is declared required exactly when
// the runtime cannot do without it; results carry only declared fields.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, asAlice, isolateNpmConfig, startEmulator, tempDir, tn } from './helpers.mjs'
import { HEAD, typeName, withDeclarations } from '../scripts/provider-types.mjs'

const dts = readFileSync(join(import.meta.dirname, '..', 'index.d.ts'), 'utf8')

/** The body of interface `name` in index.d.ts: all its declarations, which TypeScript merges
 * (the binding declares what every `Publisher` has, the provider table's part the rest). */
function interfaceBody(name) {
  const bodies = [...dts.matchAll(new RegExp(`^export interface ${name} \\{([\\s\\S]*?)\\n\\}`, 'gm'))]
  if (!bodies.length) throw new Error(`index.d.ts has no interface ${name}`)
  return bodies.map((b) => b[1]).join('\n')
}

/** What type alias `name` of index.d.ts stands for, or undefined. */
const alias = (name) => dts.match(new RegExp(`^export type ${name} = (.*)$`, 'm'))?.[1]

/** `type` with a named alias replaced by what it stands for. */
const resolve = (type) => (/^\w+$/.test(type) && alias(type)) || type

/** The property names an interface of index.d.ts declares. */
function declared(name) {
  return [...interfaceBody(name).matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort()
}

/** `text` split at top-level occurrences of `separator` (not inside <>, (), {} or []). */
function splitTop(text, separator) {
  const parts = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if ('<({['.includes(c)) depth++
    else if ('>)}]'.includes(c) && text[i - 1] !== '=') depth--
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i).trim())
      start = i + separator.length
      i += separator.length - 1
    }
  }
  parts.push(text.slice(start).trim())
  return parts
}

/**
 * The options an object type of index.d.ts has, each with whether it is required: interfaces,
 * `A & B`, `Omit<A, 'x' | 'y'>` and `{ type: 'x' }`. A union is not one object type: use
 * `members`.
 */
function options(type) {
  const result = {}
  for (const part of splitTop(resolve(type), ' & ')) {
    if (alias(part)) {
      Object.assign(result, options(part))
      continue
    }
    const omit = part.match(/^Omit<(.*)>$/s)
    if (omit) {
      const [inner, keys] = splitTop(omit[1], ',')
      const omitted = keys.split('|').map((k) => k.trim().replace(/'/g, ''))
      for (const [name, required] of Object.entries(options(inner))) if (!omitted.includes(name)) result[name] = required
      continue
    }
    const literal = part.match(/^\{(.*)\}$/s)?.[1]
    const properties = literal ? literal.matchAll(/(?:^|[;,]) *(\w+)(\??):/g) : interfaceBody(part).matchAll(/^ {2}(\w+)(\??):/gm)
    for (const [, name, optional] of properties) result[name] = optional !== '?'
  }
  return result
}

/** The members of a union type (`(A) | (B)`), or the type itself. */
const members = (type) => splitTop(resolve(type), ' | ').map((m) => m.replace(/^\((.*)\)$/s, '$1'))

/** `name(params): result` of each function (or method) declared by `block` of index.d.ts. */
function signatures(block, prefix) {
  const found = {}
  for (const [, name, params, result] of block.matchAll(new RegExp(`^${prefix}(\\w+)\\((.*)\\): (.*)$`, 'gm'))) {
    found[name] = { params: splitTop(params, ','), result }
  }
  return found
}

const classBody = dts.match(/^export declare class TrustClient \{([\s\S]*?)\n\}/m)[1]
const methods = signatures(classBody, '  ')
delete methods.constructor
const functions = signatures(dts, 'export declare function ')

/** The type of the options object a signature's last parameter declares. */
const optionsType = (signature) => signature.params.at(-1).replace(/^\w+\??: /, '')

/**
 * The options `call` reads, given options `extra` and an unknown one: the unknown one is refused
 * with a message that lists the ones it knows.
 */
async function runtimeOptions(call, extra = {}) {
  let message
  try {
    await call({ ...extra, zzUnknownOption: 1 })
  } catch (error) {
    message = error.message
  }
  const known = message?.match(/Known options: (.*)\.$/)
  if (!known) throw new Error(`no list of known options in: ${message}`)
  return known[1].split(', ').sort()
}

/** The leading arguments a call needs before its options (specs: an apply of specs reads the most). */
const LEADING = { planTrust: [[]], applyTrust: [[]] }
/**
 * What the options must say to be read, in each of their variants: checkWorkflow reads
 * `repository` for GitHub, `project` for GitLab, and declares both.
 */
const VARIANTS = {
  checkWorkflow: [{ type: 'github' }, { type: 'gitlab' }],
  // One member of the declared union per provider, in the table's order.
  addPublisher: tn.trustProviders().map((p) => ({ type: p.type })),
}

/** The options a call reads, over all its variants. */
async function read(call, name) {
  const all = new Set()
  for (const variant of VARIANTS[name] ?? [{}]) for (const option of await runtimeOptions(call, variant)) all.add(option)
  return [...all].sort()
}

/** Free functions that take no client defaults (nothing of a registry, token or environment). */
const FREE_ONLY = ['apiEndpoints', 'closestName', 'decodeIdToken', 'diagnoseTrust', 'discoverWorkspacePackages', 'explainExchangeFailure', 'isUuid', 'parseRepository', 'publisherOfSpec', 'readTrustConfig', 'trustProviders']
/** Methods with no free function: org and team calls come in series, one 2FA for them all (README). */
const CLIENT_ONLY = ['addTeamMember', 'createTeam', 'destroyTeam', 'listOrgMembers', 'listTeamMembers', 'listTeams', 'removeOrgMember', 'removeTeamMember', 'setOrgMember', 'whoami']

describe('TypeScript declarations', () => {
  it('the provider part of index.d.ts\'s head is what the provider table gives', () => {
    const head = readFileSync(HEAD, 'utf8')
    expect(head, 'run node scripts/provider-types.mjs, then npx napi build --platform').toBe(withDeclarations(head, tn.trustProviders()))
    // napi build puts the head at the top of index.d.ts.
    expect(dts.startsWith(head.trimEnd()), 'run npx napi build --platform').toBe(true)
  })

  it('declare exactly each provider table\'s options', () => {
    const providers = tn.trustProviders()
    expect(providers.length).toBeGreaterThan(0)
    for (const provider of providers) {
      const iface = `${typeName(provider.type)}PublisherOptions`
      expect(declared(iface), iface).toEqual(provider.fields.map((f) => f.option).sort())
    }
  })

  it('TrustSpec declares type, package, the permissions and every provider option', () => {
    const options = new Set(tn.trustProviders().flatMap((p) => p.fields.map((f) => f.option)))
    expect(options.size).toBeGreaterThan(0)
    expect(declared('TrustSpec')).toEqual(['type', 'package', 'allowPublish', 'allowStagePublish', 'replace', ...options].sort())
  })

  it('the provider union, the flattened Publisher and addPublisher follow the provider table', () => {
    const providers = tn.trustProviders()
    const types = providers.map((p) => `'${p.type}'`)
    const fields = [...new Set(providers.flatMap((p) => p.fields.map((f) => f.option)))]
    expect(resolve(interfaceBody('TrustSpec').match(/^ {2}type: (.*)$/m)[1]).split(' | ')).toEqual(types)
    // A Publisher has what every configuration has, and each provider's fields when it is of it.
    const publisher = options('Publisher')
    expect(Object.keys(publisher).sort()).toEqual(['id', 'type', 'permissions', 'claims', ...fields].sort())
    for (const field of fields) expect(publisher[field], `Publisher.${field}`).toBe(false)
    // addPublisher: one member of its union per provider, in the table's order.
    const union = members(optionsType(functions.addPublisher))
    expect(union.map((member) => member.match(/^\{ type: ('\w+') \}/)?.[1])).toEqual(types)
  })

  it('a method and the free function of the same name have one signature', () => {
    expect(Object.keys(methods).length).toBeGreaterThan(40)
    for (const [name, method] of Object.entries(methods)) {
      if (CLIENT_ONLY.includes(name)) expect(functions[name], name).toBeUndefined()
      else expect.soft(functions[name], name).toEqual(method)
    }
    const withoutMethod = Object.keys(functions).filter((name) => !methods[name]).sort()
    expect(withoutMethod).toEqual(FREE_ONLY)
  })

  it('each call declares exactly the options it reads, as a method and as a free function', async () => {
    const client = new tn.TrustClient({})
    const calls = Object.keys(methods)
    expect(calls.length).toBeGreaterThan(40)
    for (const name of calls) {
      const leading = LEADING[name] ?? []
      const reads = await read((o) => client[name](...leading, o), name)
      const union = members(optionsType(methods[name]))
      if (union.length > 1) {
        // A union: each member is one variant of the options, and declares what that variant reads.
        expect(union.length, name).toBe(VARIANTS[name].length)
        for (const [i, variant] of VARIANTS[name].entries()) {
          const declaredOptions = Object.keys(options(union[i])).sort()
          expect.soft(declaredOptions, `${name}: declared (${union[i]}) and read`).toEqual(await runtimeOptions((o) => client[name](...leading, o), variant))
        }
      } else {
        expect.soft(Object.keys(options(union[0])).sort(), `${name}: declared (${union[0]}) and read`).toEqual(reads)
      }
      if (functions[name]) expect.soft(await read((o) => tn[name](...leading, o), name), name).toEqual(reads)
    }
    let constructorError
    try {
      new tn.TrustClient({ zzUnknownOption: 1 })
    } catch (error) {
      constructorError = error.message
    }
    expect(constructorError.match(/Known options: (.*)\.$/)[1].split(', ').sort()).toEqual(declared('TrustClientOptions'))
  })
})

describe('the registry API table and its declarations', () => {
  const endpoints = tn.apiEndpoints()
  it('has rows', () => expect(endpoints.length).toBeGreaterThan(20))
  it.each(endpoints.map((e) => [e.name, e]))('%s declares exactly the options its row reads, required as the row says', (_, endpoint) => {
    const expected = {}
    for (const input of endpoint.inputs) expected[input.option] = input.type !== 'package' && input.required
    const declaredOptions = options(optionsType(methods[endpoint.name]))
    const own = Object.fromEntries(Object.entries(declaredOptions).filter(([name]) => name in expected))
    expect(own).toEqual(expected)
    expect('dryRun' in declaredOptions).toBe(endpoint.changes)
  })
})

describe('required and optional options', () => {
  let emulator
  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await startEmulator()
  })
  afterAll(() => emulator.stop())

  /** A valid value of each option of `provider`: its row's example (a list of one). */
  const example = (provider, option) => {
    const field = provider.fields.find((f) => f.option === option)
    return field.list ? [field.example] : field.example
  }
  const RELEASE = 'on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    environment: npm\n    permissions:\n      id-token: write\n    steps:\n      - run: npm publish\n'
  const PIPELINE = 'publish:\n  environment: npm\n  id_tokens:\n    NPM_ID_TOKEN:\n      aud: npm:registry.npmjs.org\n  script:\n    - npm publish\n'

  /** A checkout from which everything that can be inferred is: package.json, the CI files. */
  function checkout(type) {
    const root = tempDir('tn-declared-')
    mkdirSync(join(root, '.git'))
    mkdirSync(join(root, '.github', 'workflows'), { recursive: true })
    const host = type === 'gitlab' ? 'gitlab' : 'github'
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'widgets', repository: `${host}:acme/widgets` }))
    writeFileSync(join(root, '.github', 'workflows', 'release.yml'), RELEASE)
    writeFileSync(join(root, '.gitlab-ci.yml'), PIPELINE)
    return root
  }

  it('an add*Publisher option is declared required exactly when the runtime cannot do without it', async () => {
    const providers = tn.trustProviders()
    expect(providers.length).toBeGreaterThan(0)
    for (const provider of providers) {
      const name = `add${typeName(provider.type)}Publisher`
      expect(functions[name], `index.d.ts declares ${name}: its operation in src/trust.rs (CONTRIBUTING, "Adding a CI provider")`).toBeDefined()
      const declaredOptions = options(optionsType(functions[name]))
      // addPublisher({ type }) declares, for the type, what the provider's own function does.
      const member = members(optionsType(functions.addPublisher)).find((m) => m.includes(`type: '${provider.type}'`))
      expect(options(member)).toEqual({ type: true, ...declaredOptions })
      const required = provider.fields.map((f) => f.option).filter((o) => declaredOptions[o])
      const call = (values) => tn[name]({ ...asAlice(emulator), cwd: checkout(provider.type), dryRun: true, ...values })
      const given = (except) => Object.fromEntries(required.filter((o) => o !== except).map((o) => [o, example(provider, o)]))
      // Everything declared optional can be left out...
      expect((await call(given())).dryRun, name).toBe(true)
      const generic = await tn.addPublisher({ type: provider.type, ...asAlice(emulator), cwd: checkout(provider.type), dryRun: true, ...given() })
      expect(generic.request.body, `addPublisher({ type: '${provider.type}' })`).toEqual((await call(given())).request.body)
      // ...and nothing declared required can.
      for (const option of required) {
        const outcome = await call(given(option)).then(() => 'resolved', (error) => [error.code, error.field])
        expect.soft(outcome, `${name} without ${option}`).toEqual(['EINVALIDINPUT', option])
      }
    }
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
    expect(plan.entries).toHaveLength(2)
    for (const entry of plan.entries) expectDeclared(entry, 'PlanEntry', publisherShape)
    const applied = await client.applyTrust(plan)
    expect(applied).toHaveLength(2)
    for (const result of applied) expectDeclared(result, 'ApplyResult', publisherShape)
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
    const tokens = await client.listTokens()
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) expectDeclared(token, 'AccessToken')
    const created = await client.createToken({ password: 'password', name: 'x', cidr: ['10.0.0.0/8'] })
    expectDeclared(created, 'CreateTokenResult', { ...change, newToken: 'NewToken' })
    expectDeclared(await client.revokeToken({ id: created.newToken.key }), 'RevokeTokenResult', change)
    const search = await client.search({ text: 'widgets' })
    expect(search.objects).toHaveLength(1)
    expectDeclared(search, 'SearchResults', {
      objects: 'SearchResult', package: 'SearchPackage', score: 'SearchScore', detail: 'SearchScoreDetail', publisher: 'SearchPerson', maintainers: 'SearchPerson',
    })
    const advisories = await client.audit({ packages: { widgets: ['1.0.0'] } })
    expect(advisories.widgets).toHaveLength(1)
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
