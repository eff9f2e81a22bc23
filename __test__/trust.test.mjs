// The trust API as a Node user sees it: create, list, revoke, inference from package.json,
// dry runs, and every documented error code, against the registry emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { ALICE, OTP, asAlice, isolateNpmConfig, project, rejection, startEmulator, tn } from './helpers.mjs'

let emulator

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  // Every test starts with the packages unconfigured.
  emulator.seed({
    packages: [
      { name: 'widgets', maintainers: ['alice', 'no2fa', 'bot'] },
      { name: '@acme/tools', maintainers: ['alice'] },
    ],
  })
  emulator.clearFaults()
  emulator.clearRequests()
})

const UUID = '3e4b2f1a-1111-4222-8333-444455556666'
const github = { package: 'widgets', repository: 'acme/widgets', file: 'release.yml' }

describe('adding, listing and revoking', () => {
  it('round-trips a GitHub publisher', async () => {
    const added = await tn.addGithubPublisher({ ...asAlice(emulator), ...github, environment: 'npm' })
    expect(added.dryRun).toBe(false)
    expect(added.publisher).toMatchObject({
      type: 'github',
      repository: 'acme/widgets',
      file: 'release.yml',
      environment: 'npm',
      permissions: ['createPackage'],
      claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' }, environment: 'npm' },
    })
    expect(added.publisher.id).toMatch(/^[0-9a-f-]{36}$/)

    const listed = await tn.listPublishers(asAlice(emulator, { package: 'widgets' }))
    expect(listed).toEqual([added.publisher])

    const revoked = await tn.revokePublisher(asAlice(emulator, { package: 'widgets', id: added.publisher.id }))
    expect(revoked).toMatchObject({ package: 'widgets', id: added.publisher.id, dryRun: false })
    expect(await tn.listPublishers(asAlice(emulator, { package: 'widgets' }))).toEqual([])
  })

  it('creates GitLab and CircleCI publishers with the claims npm sends', async () => {
    await tn.addGitlabPublisher({
      ...asAlice(emulator), package: 'widgets', project: 'acme/sub/widgets', file: '.gitlab-ci.yml', allowStagePublish: true,
    })
    expect(emulator.publishers('widgets')[0]).toMatchObject({
      type: 'gitlab',
      claims: { project_path: 'acme/sub/widgets', ci_config_ref_uri: { file: '.gitlab-ci.yml' } },
      permissions: ['createStagedPackage'],
    })

    const { publisher } = await tn.addCircleciPublisher({
      ...asAlice(emulator), package: '@acme/tools',
      orgId: UUID, projectId: UUID, pipelineDefinitionId: UUID, vcsOrigin: 'github.com/acme/tools', contextIds: [UUID],
      allowPublish: true, allowStagePublish: true,
    })
    expect(publisher).toMatchObject({
      type: 'circleci', orgId: UUID, vcsOrigin: 'github.com/acme/tools', contextIds: [UUID],
      permissions: ['createPackage', 'createStagedPackage'],
    })
    expect(emulator.requests().at(-1).path).toBe('/-/package/@acme%2ftools/trust')
  })

  it('lists publishers of providers it does not know, with their raw claims', async () => {
    emulator.seed({
      packages: [{
        name: 'widgets', maintainers: ['alice'],
        publishers: [{ id: UUID, type: 'example-ci', claims: { organization_slug: 'acme' }, permissions: ['createPackage'] }],
      }],
    })
    const [p] = await tn.listPublishers(asAlice(emulator, { package: 'widgets' }))
    expect(p).toEqual({ id: UUID, type: 'example-ci', claims: { organization_slug: 'acme' }, permissions: ['createPackage'] })
  })

  it('addPublisher adds any provider trustProviders() lists, by its type, and names them for an unknown one', async () => {
    const client = new tn.TrustClient(asAlice(emulator))
    const added = await client.addPublisher({ type: 'gitlab', package: '@acme/tools', project: 'acme/tools', file: '.gitlab-ci.yml' })
    expect(added.publisher).toMatchObject({ type: 'gitlab', project: 'acme/tools', file: '.gitlab-ci.yml' })
    expect(emulator.publishers('@acme/tools')).toHaveLength(1)
    for (const type of [undefined, 'example-ci']) {
      const error = await rejection(tn.addPublisher({ ...asAlice(emulator), type, package: 'widgets' }))
      expect([error.code, error.field, error.message]).toEqual(['EINVALIDINPUT', 'type', `Option \`type\` must be one of ${tn.trustProviders().map((p) => p.type).join(', ')}.`])
    }
    // Each type reads its own provider's options: strict only where there is a CI file to check.
    const error = await rejection(tn.addPublisher({ ...asAlice(emulator), type: 'circleci', package: 'widgets', strict: true }))
    expect([error.code, error.field]).toEqual(['EINVALIDINPUT', 'strict'])
    expect(emulator.publishers('widgets')).toEqual([])
  })
})

describe('inference from package.json, like npm trust', () => {
  it('takes the package and repository from cwd and says so', async () => {
    const cwd = project({ name: '@acme/tools', repository: { type: 'git', url: 'git+https://github.com/acme/tools.git' } })
    const added = await tn.addGithubPublisher({ ...asAlice(emulator), cwd: join(cwd), file: 'publish.yml' })
    expect(added.package).toBe('@acme/tools')
    expect(added.publisher.repository).toBe('acme/tools')
    expect(added.fromPackageJson).toEqual(['package', 'repository'])
  })

  it('takes a GitLab project from a gitlab: shorthand', async () => {
    const cwd = project({ name: 'widgets', repository: 'gitlab:acme/sub/widgets' })
    const added = await tn.addGitlabPublisher({ ...asAlice(emulator), cwd, file: '.gitlab-ci.yml' })
    expect(added.publisher.project).toBe('acme/sub/widgets')
  })

  it('warns, without printing, when the given repository differs from package.json', async () => {
    const cwd = project({ name: 'widgets', repository: 'github:acme/widgets' })
    const added = await tn.addGithubPublisher({ ...asAlice(emulator), cwd, repository: 'acme/other', file: 'a.yml' })
    expect(added.warnings).toContain('Repository in package.json (acme/widgets) differs from provided GitHub repository (acme/other)')
    expect(added.publisher.repository).toBe('acme/other')
  })

  it('refuses to infer a GitHub repository from a GitLab URL', async () => {
    const cwd = project({ name: 'widgets', repository: 'https://gitlab.com/acme/widgets' })
    const error = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), cwd, file: 'a.yml' }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'repository' })
    expect(error.message).toContain('is not a GitHub repository')
  })

  it('reads the token from the project .npmrc with ${VAR} expansion', async () => {
    process.env.TN_TEST_TOKEN = ALICE
    const host = new URL(emulator.url).host
    const cwd = project({ name: 'widgets' }, `//${host}/:_authToken=\${TN_TEST_TOKEN}\n`)
    const listed = await tn.listPublishers({ registry: emulator.url, otp: OTP, cwd })
    expect(listed).toEqual([])
    expect(emulator.requests()[0].headers.authorization).toBe(`Bearer ${ALICE}`)
    delete process.env.TN_TEST_TOKEN
  })

  it('falls back to NPM_TOKEN', async () => {
    process.env.NPM_TOKEN = ALICE
    try {
      expect(await tn.listPublishers({ registry: emulator.url, otp: OTP, package: 'widgets' })).toEqual([])
    } finally {
      delete process.env.NPM_TOKEN
    }
  })
})

describe('dry runs', () => {
  it('validate and return the exact request, sending nothing and showing no secret', async () => {
    const result = await tn.addGithubPublisher({ ...asAlice(emulator), ...github, dryRun: true })
    expect(result.publisher).toBeUndefined()
    expect(result.request).toMatchObject({
      method: 'POST',
      url: `${emulator.url}-/package/widgets/trust`,
      body: [{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }],
    })
    expect(result.request.headers).toMatchObject({ authorization: 'Bearer ***', 'npm-otp': '***', 'npm-command': 'trust' })
    expect(JSON.stringify(result)).not.toContain(ALICE)
    expect(emulator.requests()).toEqual([])

    const revoke = await tn.revokePublisher(asAlice(emulator, { package: '@acme/tools', id: UUID, dryRun: true }))
    expect(revoke.request).toMatchObject({ method: 'DELETE', url: `${emulator.url}-/package/@acme%2ftools/trust/${UUID}` })
    expect(emulator.requests()).toEqual([])
  })
})

describe('errors: a stable code, the HTTP details, and what to do', () => {
  const codeOf = async (promise) => {
    const error = await rejection(promise)
    expect(error).toBeInstanceOf(Error)
    const text = `${error.message} ${inspect(error)} ${JSON.stringify(error)}`
    expect(text).not.toContain(ALICE)
    expect(text).not.toContain(OTP)
    return error
  }

  it('EINVALIDPACKAGENAME', async () => {
    const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...github, package: 'Bad Name' }))
    expect(error.code).toBe('EINVALIDPACKAGENAME')
    expect(error.message).toContain('URL-friendly')
  })

  it('a legacy name with capitals (JSONStream) is accepted, as npm trust accepts it', async () => {
    const requests = emulator.requests().length
    const error = await codeOf(tn.listPublishers({ ...asAlice(emulator), package: 'JSONStream' }))
    // The registry answers for it (it has no such package); nothing refused it locally.
    expect(error.code).not.toBe('EINVALIDPACKAGENAME')
    expect(emulator.requests().length).toBeGreaterThan(requests)
    expect(emulator.requests().at(-1).path).toBe('/-/package/JSONStream/trust')
  })

  it('EINVALIDINPUT names the field and uses npm\'s message', async () => {
    const cases = [
      [{ ...github, file: 'release.json' }, 'file', 'GitHub Actions Workflow must end in .yml or .yaml'],
      [{ ...github, file: '.github/workflows/release.yml' }, 'file', 'GitHub Actions workflow must be just a file not a path'],
      [{ ...github, repository: 'acme' }, 'repository', 'GitHub repository must be specified in the format owner/repository'],
      [{ ...github, allowPublish: false }, 'allowPublish', 'At least one permission is required'],
    ]
    for (const [options, field, message] of cases) {
      const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...options }))
      expect(error).toMatchObject({ code: 'EINVALIDINPUT', field })
      expect(error.message).toContain(message)
    }
    const error = await codeOf(tn.revokePublisher(asAlice(emulator, { package: 'widgets', id: 'not-a-uuid' })))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'id' })
    const circle = await codeOf(tn.addCircleciPublisher({ ...asAlice(emulator), package: 'widgets', orgId: UUID, projectId: UUID, pipelineDefinitionId: 'x', vcsOrigin: 'github.com/a/b' }))
    expect(circle).toMatchObject({ code: 'EINVALIDINPUT', field: 'pipelineDefinitionId', message: 'pipeline-definition-id must be a valid UUID' })
    expect(emulator.requests()).toEqual([])
  })

  it('ENEEDAUTH before any request, saying where it looked', async () => {
    const error = await codeOf(tn.addGithubPublisher({ registry: emulator.url, otp: OTP, ...github }))
    expect(error.code).toBe('ENEEDAUTH')
    expect(error.message).toContain(`//${new URL(emulator.url).host}/:_authToken`)
    expect(emulator.requests()).toEqual([])
  })

  it('E401 for an unknown token and for a token that bypasses 2FA', async () => {
    for (const token of ['wrong-test-token', 'bypass-test-token']) {
      const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), token, ...github }))
      expect(error).toMatchObject({ code: 'E401', statusCode: 401, method: 'POST', url: `${emulator.url}-/package/widgets/trust` })
      expect(error.message).toContain('bypass 2FA')
    }
  })

  it('E403 without write access, or without 2FA on the account', async () => {
    for (const token of ['mallory-test-token', 'no2fa-test-token']) {
      const error = await codeOf(tn.listPublishers({ ...asAlice(emulator), token, package: 'widgets' }))
      expect(error).toMatchObject({ code: 'E403', statusCode: 403 })
      expect(error.registryMessage).toBeTruthy()
    }
  })

  it('E404 for a package that does not exist yet, explaining the first-publish rule', async () => {
    const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...github, package: 'not-yet-published' }))
    expect(error).toMatchObject({ code: 'E404', statusCode: 404, registryMessage: 'Package not found' })
    expect(error.message).toContain('publish its first version')
  })

  it('E409 for a second configuration on a registry that keeps one, saying to revoke one first', async () => {
    const seedRegistry = await startEmulator({ trustModel: 'single' })
    try {
      await tn.addGithubPublisher({ ...asAlice(seedRegistry), ...github })
      const error = await codeOf(tn.addGitlabPublisher({ ...asAlice(seedRegistry), package: 'widgets', project: 'a/b', file: '.gitlab-ci.yml' }))
      expect(error).toMatchObject({ code: 'E409', statusCode: 409 })
      expect(error.message).toContain('refused another trusted publisher for widgets, which has 1')
      expect(error.message).toContain('Revoke one first')
      expect(error.hint).toBe('revokeFirst')
      expect(seedRegistry.publishers('widgets')).toHaveLength(1)
    } finally {
      await seedRegistry.stop()
    }
  })

  it('E409 for the same configuration twice, on today\'s registry too, naming the one it has', async () => {
    const { publisher: { id } } = await tn.addGithubPublisher({ ...asAlice(emulator), ...github })
    const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...github }))
    expect(error).toMatchObject({ code: 'E409', statusCode: 409, hint: 'listPublishers' })
    expect(error.message).toContain(`widgets already has this trusted publisher (id ${id})`)
    expect(error.message).toContain('nothing to add')
    // Revoking is no answer to a publisher the package already has.
    expect(error.message).not.toContain('Revoke one first')
    expect(emulator.publishers('widgets')).toHaveLength(1)
  })

  it('E409 for an eleventh configuration, saying how many the package has and to revoke one first', async () => {
    for (let n = 0; n < 10; n++) await tn.addGithubPublisher({ ...asAlice(emulator), ...github, file: `w${n}.yml` })
    const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...github, file: 'w10.yml' }))
    expect(error).toMatchObject({ code: 'E409', statusCode: 409, hint: 'revokeFirst' })
    expect(error.message).toContain('refused another trusted publisher for widgets, which has 10')
    expect(error.message).toContain('Revoke one first')
    expect(emulator.publishers('widgets')).toHaveLength(10)
  })

  it('EOTP with the web flow URLs when no OTP is given, and when the OTP is wrong', async () => {
    const missing = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), otp: undefined, ...github }))
    expect(missing).toMatchObject({ code: 'EOTP', statusCode: 401 })
    expect(missing.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\/cli\//)
    expect(missing.doneUrl).toMatch(/\/-\/v1\/done\?authId=/)
    const wrong = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), otp: '000000', ...github }))
    expect(wrong.code).toBe('EOTP')
    expect(wrong.message).toContain('rejected')
  })

  it('E429 and E5xx from the registry, once retries are spent', async () => {
    // The registry asks for more patience than the call has: no point waiting.
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: 60, times: 1 })
    const limited = await codeOf(tn.listPublishers(asAlice(emulator, { package: 'widgets' })))
    expect(limited).toMatchObject({ code: 'E429', statusCode: 429 })
    expect(limited.message).toContain('wait 60 s')
    for (const status of [500, 502, 503]) {
      emulator.injectFault({ kind: 'status', status, times: 1, method: 'POST' })
      const error = await codeOf(tn.addGithubPublisher({ ...asAlice(emulator), ...github, retries: 0 }))
      expect(error).toMatchObject({ code: `E${status}`, statusCode: status })
      expect(error.message).toContain('retry later')
      expect(error.message).toContain('it was not created')
    }
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('ENETWORK when the registry cannot be reached', async () => {
    const gone = await startEmulator()
    const url = gone.url
    gone.stop()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const error = await codeOf(tn.listPublishers(asAlice(emulator, { registry: url, package: 'widgets' })))
    expect(error.code).toBe('ENETWORK')
    expect(error.message).toContain(url)
  })

  it('ETIMEDOUT when the registry does not answer within timeoutMs, retries included', async () => {
    emulator.injectFault({ kind: 'latency', ms: 2000 })
    const error = await codeOf(tn.listPublishers(asAlice(emulator, { package: 'widgets', timeoutMs: 200 })))
    expect(error.code).toBe('ETIMEDOUT')
    expect(error.message).toContain('timeoutMs')
  })
})
