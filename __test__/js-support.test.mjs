// What the CLI and the semantic-release plugin take from the core instead of copying it
// (src/js_support.rs): a publisher added by its provider's `type`, a declared spec as the
// registry stores it, a package.json repository read as npm reads it, npm's UUID rule.
import { beforeAll, describe, expect, it } from 'vitest'
import { isolateNpmConfig, tempDir, tn } from './helpers.mjs'
import { typeName } from '../scripts/provider-types.mjs'

const PROVIDERS = tn.trustProviders()
/** `github` -> `addGithubPublisher`: the provider's own add function. */
const addName = (type) => `add${typeName(type)}Publisher`
/** One spec per provider, each option of its table given its row's example. */
const SPECS = Object.fromEntries(PROVIDERS.map((p) => [p.type, {
  type: p.type,
  package: 'widgets',
  ...Object.fromEntries(p.fields.map((f) => [f.option, f.list ? [f.example] : f.example])),
}]))
/** The provider's own add function, by type: what addPublisher must do the same as. */
const ADD = Object.fromEntries(PROVIDERS.map((p) => [p.type, tn[addName(p.type)]]))
/** A dry run needs no registry; the token only makes it one the call could send. */
const OFFLINE = { registry: 'https://registry.npmjs.org/', token: 'npm_FAKE-js-support', dryRun: true }

beforeAll(() => {
  isolateNpmConfig()
})

describe('addPublisher', () => {
  it('every provider of trustProviders() has its own add function', () => {
    expect(PROVIDERS.length).toBeGreaterThan(0)
    for (const { type } of PROVIDERS) expect(typeof ADD[type], addName(type)).toBe('function')
  })

  it.each(Object.keys(SPECS))('%s: the request of its add*Publisher, for the client too', async (type) => {
    const { type: _, ...options } = SPECS[type]
    const cwd = tempDir()
    const expected = await ADD[type]({ ...options, ...OFFLINE, cwd })
    const free = await tn.addPublisher({ type, ...options, ...OFFLINE, cwd })
    const method = await new tn.TrustClient({ cwd }).addPublisher({ type, ...options, ...OFFLINE })
    for (const added of [free, method]) {
      expect(added.request).toEqual(expected.request)
      expect(added.options).toEqual(expected.options)
      expect(added.request.body[0].type).toBe(type)
    }
  })

  it('refuses an unknown type, naming the known ones, and the provider\'s unknown options', async () => {
    await expect(tn.addPublisher({ type: 'example-ci', ...OFFLINE })).rejects.toMatchObject({
      code: 'EINVALIDINPUT', field: 'type', message: expect.stringContaining(PROVIDERS.map((p) => p.type).join(', ')),
    })
    await expect(tn.addPublisher({ ...OFFLINE })).rejects.toMatchObject({ code: 'EINVALIDINPUT', field: 'type' })
    await expect(tn.addPublisher({ ...SPECS.circleci, ...OFFLINE, file: 'x.yml' })).rejects.toMatchObject({ code: 'EINVALIDINPUT', field: 'file' })
  })
})

describe('publisherOfSpec', () => {
  it.each(Object.keys(SPECS))('%s: the claims and permissions the registry is sent for the spec', async (type) => {
    for (const permissions of [{}, { allowStagePublish: true }, { allowPublish: true, allowStagePublish: true }]) {
      const spec = { ...SPECS[type], ...permissions }
      const { type: _, ...options } = spec
      const [sent] = (await ADD[type]({ ...options, ...OFFLINE, cwd: tempDir() })).request.body
      expect(tn.publisherOfSpec(spec, 'trust.json')).toEqual({ id: 'trust.json', ...sent })
    }
  })

  it('ignores what is not the provider\'s option, and refuses an unknown type', () => {
    const { claims } = tn.publisherOfSpec({ ...SPECS.github, replace: true, label: 'release.yml', source: 'trust.json' }, 'x')
    expect(Object.keys(claims).sort()).toEqual(['environment', 'repository', 'workflow_ref'])
    expect(() => tn.publisherOfSpec({ type: 'example-ci' }, 'x')).toThrow(expect.objectContaining({ code: 'EINVALIDINPUT', field: 'type' }))
  })
})

describe('parseRepository', () => {
  it('reads each form npm accepts, and nothing else', () => {
    const forms = {
      'acme/widgets': { host: 'github', path: 'acme/widgets' },
      'github:acme/widgets': { host: 'github', path: 'acme/widgets' },
      'git+https://github.com/acme/widgets.git#main': { host: 'github', path: 'acme/widgets' },
      'git@github.com:acme/widgets.git': { host: 'github', path: 'acme/widgets' },
      'gitlab:acme/tools/widgets': { host: 'gitlab', path: 'acme/tools/widgets' },
      'https://gitlab.com/acme/tools/widgets.git': { host: 'gitlab', path: 'acme/tools/widgets' },
      'https://bitbucket.org/acme/widgets': { host: 'bitbucket', path: 'acme/widgets' },
      'https://example.com/acme/widgets': null,
      '': null,
    }
    for (const [form, expected] of Object.entries(forms)) expect(tn.parseRepository(form), form).toEqual(expected)
  })
})

describe('isUuid', () => {
  it('is npm\'s rule: hyphenated hex 8-4-4-4-12, any case', () => {
    expect(tn.isUuid('3e4b2f1a-1111-4222-8333-444455556666')).toBe(true)
    expect(tn.isUuid('3E4B2F1A-1111-4222-8333-444455556666')).toBe(true)
    for (const bad of ['', '3e4b2f1a11114222833344445555666', '3e4b2f1a-1111-4222-8333-44445555666g', ' 3e4b2f1a-1111-4222-8333-444455556666']) {
      expect(tn.isUuid(bad), bad).toBe(false)
    }
  })
})
