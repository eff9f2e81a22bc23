// What the CLI and the semantic-release plugin take from the core instead of copying it
// (src/js_support.rs): a publisher added by its provider's `type`, a declared spec as the
// registry stores it, a package.json repository read as npm reads it, npm's UUID rule.
import { beforeAll, describe, expect, it } from 'vitest'
import { isolateNpmConfig, tempDir, tn } from './helpers.mjs'

/** One spec per provider, each option of its table given. */
const SPECS = {
  github: { type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml', environment: 'npm' },
  gitlab: { type: 'gitlab', package: 'widgets', project: 'acme/tools/widgets', file: '.gitlab-ci.yml', environment: 'production' },
  circleci: {
    type: 'circleci',
    package: 'widgets',
    orgId: '9c7e5a6e-0a4b-4a5e-9a55-2f0e1c1d2b3a',
    projectId: '0f3f4b4e-8d0a-4d5e-b1f2-3c4d5e6f7a8b',
    pipelineDefinitionId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
    vcsOrigin: 'github.com/acme/widgets',
    contextIds: ['1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e'],
  },
}
/** The provider's own add function, by type: what addPublisher must do the same as. */
const ADD = { github: tn.addGithubPublisher, gitlab: tn.addGitlabPublisher, circleci: tn.addCircleciPublisher }
/** A dry run needs no registry; the token only makes it one the call could send. */
const OFFLINE = { registry: 'https://registry.npmjs.org/', token: 'npm_FAKE-js-support', dryRun: true }

beforeAll(() => {
  isolateNpmConfig()
})

describe('addPublisher', () => {
  it('covers every provider of trustProviders()', () => {
    expect(Object.keys(SPECS).sort()).toEqual(tn.trustProviders().map((p) => p.type).sort())
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
    await expect(tn.addPublisher({ type: 'bitbucket', ...OFFLINE })).rejects.toMatchObject({
      code: 'EINVALIDINPUT', field: 'type', message: expect.stringContaining('github, gitlab, circleci'),
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
    expect(() => tn.publisherOfSpec({ type: 'bitbucket' }, 'x')).toThrow(expect.objectContaining({ code: 'EINVALIDINPUT', field: 'type' }))
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
