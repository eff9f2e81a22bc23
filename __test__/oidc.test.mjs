// OIDC as a CI script uses it: trust configured with trust-native, an id_token from the CI's
// mechanism, the exchange, a publish with the exchanged token; every way it fails, with the
// code and the diagnosis that names the cause; PyPI minting.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { ALICE, OTP, asAlice, isolateNpmConfig, project, rejection, startEmulator, tn, withCiEnv } from './helpers.mjs'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const npmCli = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js')
const UUID = '3e4b2f1a-1111-4222-8333-444455556666'

let emulator, home

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator({
    pypiProjects: [{ name: 'widgets', publishers: [{ type: 'github', repository: 'acme/widgets', workflow: 'release.yml', environment: 'pypi' }] }],
  })
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], versions: ['1.0.0'] }] })
  emulator.clearRequests()
})

/** A project folder for @acme/tools whose .npmrc points at the emulator. */
function toolsProject(version = '1.0.1') {
  return project({ name: '@acme/tools', version }, `registry=${emulator.url}\n`)
}

/** PUT of a minimal packument with `token`, as npm publish sends it. */
async function publish(token, version) {
  const response = await fetch(`${emulator.url}@acme%2ftools`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      _id: '@acme/tools', name: '@acme/tools', 'dist-tags': { latest: version },
      versions: { [version]: { name: '@acme/tools', version } },
      _attachments: { [`tools-${version}.tgz`]: { content_type: 'application/octet-stream', data: 'AA==', length: 1 } },
    }),
  })
  return { status: response.status, body: await response.json() }
}

describe('end to end: configure, get an id_token, exchange, publish', () => {
  it('GitHub Actions through the request-URL protocol, handing the token to the real npm publish', async () => {
    await tn.addGithubPublisher({ ...asAlice(emulator), package: '@acme/tools', repository: 'acme/tools', file: 'release.yml' })
    const cwd = toolsProject()
    writeFileSync(join(cwd, 'index.js'), 'module.exports = 1\n')
    const exchanged = await withCiEnv(emulator.githubActionsJob({ repository: 'acme/tools' }), () =>
      tn.exchangeToken({ cwd, writeNpmrc: true }))
    expect(exchanged).toMatchObject({ package: '@acme/tools', registry: emulator.url, idTokenSource: 'ACTIONS_ID_TOKEN_REQUEST_URL', tokenType: 'oidc' })
    expect(Date.parse(exchanged.expires) - Date.now()).toBeGreaterThan(55 * 60_000)
    // In the user config, where npm writes tokens: npm reads it from there.
    expect(exchanged.npmrc).toMatchObject({ path: process.env.npm_config_userconfig, key: `${emulator.url.slice(5)}:_authToken` })
    expect(exchanged.env.NODE_AUTH_TOKEN).toBe(exchanged.token)

    // npm itself, outside any CI variables, publishes with the written .npmrc.
    const { stdout } = await run(process.execPath, [npmCli, 'publish', '--provenance=false'], {
      cwd, env: { PATH: process.env.PATH, HOME: home, npm_config_cache: join(home, 'cache'), npm_config_userconfig: process.env.npm_config_userconfig },
    })
    expect(stdout).toContain('+ @acme/tools@1.0.1')
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0', '1.0.1'])
  })

  it('GitLab CI/CD through NPM_ID_TOKEN', async () => {
    await tn.addGitlabPublisher({ ...asAlice(emulator), package: '@acme/tools', project: 'acme/sub/tools', file: '.gitlab-ci.yml', environment: 'production' })
    const idToken = emulator.issueIdToken({ provider: 'gitlab', claims: { project_path: 'acme/sub/tools', environment: 'production' } })
    const { token } = await withCiEnv({ GITLAB_CI: 'true', NPM_ID_TOKEN: idToken }, () => tn.exchangeToken({ cwd: toolsProject() }))
    expect((await publish(token, '1.0.2')).status).toBe(200)
    expect(emulator.versions('@acme/tools')).toContain('1.0.2')
  })

  it('CircleCI through NPM_ID_TOKEN, with context ids', async () => {
    await tn.addCircleciPublisher({
      ...asAlice(emulator), package: '@acme/tools',
      orgId: UUID, projectId: UUID, pipelineDefinitionId: UUID, vcsOrigin: 'github.com/acme/tools', contextIds: [UUID],
    })
    const idToken = emulator.issueIdToken({
      provider: 'circleci',
      claims: {
        'oidc.circleci.com/org-id': UUID, 'oidc.circleci.com/project-id': UUID, 'oidc.circleci.com/pipeline-definition-id': UUID,
        'oidc.circleci.com/vcs-origin': 'github.com/acme/tools', 'oidc.circleci.com/context-ids': [UUID],
      },
    })
    const { token } = await withCiEnv({ CIRCLECI: 'true', NPM_ID_TOKEN: idToken }, () => tn.exchangeToken({ cwd: toolsProject() }))
    expect((await publish(token, '1.0.3')).status).toBe(200)
  })
})

describe('getting an id_token', () => {
  it('decodes what it gets and checks audience and expiry', async () => {
    const job = emulator.githubActionsJob({ repository: 'acme/tools', environment: 'npm' })
    const got = await withCiEnv(job, () => tn.getIdToken({ audience: 'npm:127.0.0.1' }))
    expect(got).toMatchObject({ provider: 'github', source: 'ACTIONS_ID_TOKEN_REQUEST_URL', claims: { aud: 'npm:127.0.0.1', repository: 'acme/tools', environment: 'npm' } })
    expect(got.expiresAt * 1000).toBeGreaterThan(Date.now())
    expect(tn.decodeIdToken(got.token)).toEqual({ header: got.header, claims: got.claims })
    expect(() => tn.decodeIdToken('not-a-jwt')).toThrow(expect.objectContaining({ code: 'EINVALIDINPUT' }))
  })

  it('EOIDCNOTCI outside CI, at once', async () => {
    const error = await withCiEnv({}, () => rejection(tn.getIdToken()))
    expect(error.code).toBe('EOIDCNOTCI')
    expect(error.message).toContain('NPM_ID_TOKEN')
  })

  it('EOIDCPERMISSION when a GitHub workflow lacks id-token: write', async () => {
    const error = await withCiEnv({ GITHUB_ACTIONS: 'true' }, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    expect(error.code).toBe('EOIDCPERMISSION')
    expect(error.message).toContain('id-token: write')
  })

  it('a pull request from a fork gets no id_token: said so, not "add id-token: write"', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const event = join(mkdtempSync(join(tmpdir(), 'tn-event-')), 'event.json')
    const pr = (head) => ({ pull_request: { head: { repo: { full_name: head } }, base: { repo: { full_name: 'acme/tools' } } } })
    writeFileSync(event, JSON.stringify(pr('someone/tools')))
    const env = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/tools' }
    const fork = await withCiEnv(env, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    expect(fork.code).toBe('EOIDCPERMISSION')
    expect(fork.message).toContain('pull request from the fork someone/tools')
    expect(fork.message).not.toContain('lacks')
    // A pull request from a branch of the repository itself: the permission is what is missing.
    writeFileSync(event, JSON.stringify(pr('acme/tools')))
    const branch = await withCiEnv(env, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    expect(branch.message).toContain('id-token: write')
  })

  it('EOIDCPERMISSION on GitLab without id_tokens:, naming the variable to declare', async () => {
    const error = await withCiEnv({ GITLAB_CI: 'true' }, () => rejection(tn.getIdToken()))
    expect(error.code).toBe('EOIDCPERMISSION')
    expect(error.message).toMatch(/id_tokens:\s+NPM_ID_TOKEN:\s+aud: "npm:registry.npmjs.org"/)
  })

  it('EOIDCAUDIENCE for CircleCI\'s own token, with the way to mint the right one', async () => {
    const own = emulator.issueIdToken({ provider: 'circleci', audience: UUID })
    const error = await withCiEnv({ CIRCLECI: 'true', NPM_ID_TOKEN: own }, () => rejection(tn.getIdToken()))
    expect(error.code).toBe('EOIDCAUDIENCE')
    expect(error.message).toContain('circleci run oidc get')
  })
})

describe('each mismatch: the exchange is refused and diagnoseTrust names the cause', () => {
  const configured = { package: '@acme/tools', repository: 'acme/tools', file: 'release.yml' }

  /** Configures trust, exchanges a GitHub token with `claims`, and diagnoses the failure. */
  async function refused(config, claims, options = {}) {
    await tn.addGithubPublisher({ ...asAlice(emulator), ...configured, ...config })
    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools', ...claims }, ...options })
    const error = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    const publishers = await tn.listPublishers(asAlice(emulator, { package: '@acme/tools' }))
    const diagnosis = tn.diagnoseTrust({ claims: tn.decodeIdToken(idToken).claims, publishers, audience: emulator.npmAudience })
    expect(diagnosis.ok).toBe(false)
    expect(JSON.stringify(error)).not.toContain(idToken)
    return { error, diagnosis, publishers }
  }

  it('workflow file: publish.yml vs configured release.yml', async () => {
    const { error, diagnosis, publishers } = await refused({}, { workflow_ref: 'acme/tools/.github/workflows/publish.yml@refs/heads/main' })
    expect(error).toMatchObject({ code: 'EOIDCEXCHANGE', statusCode: 404, registryMessage: 'OIDC token exchange error - package not found', package: '@acme/tools' })
    expect(error.message).toContain('file publish.yml')
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'file', expected: 'release.yml', actual: 'publish.yml' })])
    expect(tn.explainExchangeFailure(error, { publishers }).summary).toBe(diagnosis.findings[0].message)
    expect(tn.explainExchangeFailure(error).summary).toContain('listPublishers')
  })

  it('environment required but missing', async () => {
    const { error, diagnosis } = await refused({ environment: 'npm' }, {})
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'environment', expected: 'npm' })])
    expect(diagnosis.findings[0].message).toContain('add `environment: npm`')
  })

  it('a package never published: said so, without advice to list its publishers', async () => {
    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' } })
    const error = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => rejection(tn.exchangeToken({ package: 'never-published-widgets', registry: emulator.url })))
    expect(error).toMatchObject({ code: 'EOIDCEXCHANGE', statusCode: 404 })
    expect(error.message).toContain('never-published-widgets has never been published')
    expect(error.message).not.toContain('listPublishers')
    // Created by claimPackage (or applyTrust with `claim: true`), each interface in its words.
    expect(error.hint).toBe('claim')
    expect(error.message).toContain('claimPackage')
    // A package that exists, with no matching configuration, still gets the comparison advice.
    const mismatch = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => rejection(tn.exchangeToken({ package: '@acme/tools', registry: emulator.url })))
    expect(mismatch.message).not.toContain('never been published')
  })

  it('the token\'s own problems are in the exchange\'s message; a refused token is not explained by publishers', async () => {
    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/nowhere', runner_environment: 'self-hosted' } })
    const error = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(error.message).toContain('The token itself: The job runs on a self-hosted runner')
    const expired = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' }, expiresIn: -120 })
    const refused = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: expired }, () => rejection(tn.exchangeToken({ cwd: toolsProject() })))
    expect(refused.code).toBe('EOIDCEXPIRED')
    const { summary } = tn.explainExchangeFailure(refused)
    expect(summary).toBe(refused.message)
    expect(summary).not.toContain('listPublishers')
  })

  it('the job runs in an environment the configuration does not name', async () => {
    // The registry compares the environment exactly: a job with `environment: npm` does not
    // match a configuration without one (fletchto99/hexo-sliding-spoiler#25).
    const { error, diagnosis, publishers } = await refused({}, { environment: 'npm' })
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'environment', severity: 'error', actual: 'npm' })])
    expect(diagnosis.findings[0].expected).toBeUndefined()
    expect(diagnosis.findings[0].message).toContain('add environment "npm" to the configuration')
    expect(diagnosis.findings[0].message).toContain('remove `environment: npm` from the publishing job')
    expect(tn.explainExchangeFailure(error, { publishers }).summary).toBe(diagnosis.findings[0].message)
  })

  it('repository differs, even only in letter case', async () => {
    const { error, diagnosis } = await refused({}, { repository: 'Acme/Tools' })
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'repository', expected: 'acme/tools', actual: 'Acme/Tools' })])
    expect(diagnosis.findings[0].message).toContain('letter case')
  })

  it('token expired', async () => {
    const { error, diagnosis } = await refused({}, {}, { expiresIn: -120 })
    expect(error.code).toBe('EOIDCEXPIRED')
    expect(diagnosis.findings.map((f) => f.kind)).toEqual(['expired'])
  })

  it('wrong audience', async () => {
    const { error, diagnosis } = await refused({}, {}, { audience: 'npm:registry.npmjs.org' })
    expect(error.code).toBe('EOIDCAUDIENCE')
    expect(diagnosis.findings.map((f) => f.kind)).toEqual(['audience'])
  })

  it('permission: a stage-only configuration cannot publish', async () => {
    await tn.addGithubPublisher({ ...asAlice(emulator), ...configured, allowStagePublish: true })
    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' } })
    // The exchange succeeds (stage publishing needs a token too); the publish is refused.
    const { token } = await withCiEnv({ GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: idToken }, () => tn.exchangeToken({ cwd: toolsProject() }))
    expect(await publish(token, '2.0.0')).toEqual({ status: 403, body: { message: 'OIDC permission denied for this action' } })
    const publishers = await tn.listPublishers(asAlice(emulator, { package: '@acme/tools' }))
    const diagnosis = tn.diagnoseTrust({ claims: tn.decodeIdToken(idToken).claims, publishers })
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'permission', expected: 'createPackage', actual: 'createStagedPackage' })])
  })

  it('suggests the configuration a token needs when there is none', () => {
    const idToken = emulator.issueIdToken({ provider: 'gitlab', claims: { project_path: 'acme/tools', environment: 'prod' } })
    const diagnosis = tn.diagnoseTrust({ claims: tn.decodeIdToken(idToken).claims, publishers: [] })
    expect(diagnosis.suggestion).toEqual({ type: 'gitlab', project: 'acme/tools', file: '.gitlab-ci.yml', environment: 'prod' })
  })
})

describe('PyPI', () => {
  const repositoryUrl = () => `${emulator.url}legacy/`

  it('mints an upload token end to end from a GitHub Actions job', async () => {
    const job = emulator.githubActionsJob({ repository: 'acme/widgets', environment: 'PyPI' })
    const minted = await withCiEnv(job, () => tn.mintPypiToken({ repositoryUrl: repositoryUrl() }))
    expect(minted).toMatchObject({ audience: emulator.pypiAudience, index: emulator.url })
    expect(minted.token).toMatch(/^pypi-/)
    expect(minted.expires * 1000).toBeGreaterThan(Date.now())
  })

  it('surfaces PyPI\'s error codes and diagnoses the PyPI publisher', async () => {
    const idToken = emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience, claims: { repository: 'acme/widgets' } })
    const error = await rejection(tn.mintPypiToken({ repositoryUrl: repositoryUrl(), idToken }))
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(error.errors).toEqual([{ code: 'invalid-publisher', description: expect.stringContaining('no corresponding publisher') }])
    const diagnosis = tn.diagnoseTrust({
      claims: error.claims,
      publishers: [{ type: 'github', repository: 'acme/widgets', workflow: 'release.yml', environment: 'pypi' }],
    })
    expect(diagnosis.findings).toEqual([expect.objectContaining({ kind: 'environment', expected: 'pypi' })])
  })
})

describe('handing tokens to package managers', () => {
  it('replaces a static token line that would shadow OIDC, and warns about it', async () => {
    await tn.addGithubPublisher({ ...asAlice(emulator), package: '@acme/tools', repository: 'acme/tools', file: 'release.yml' })
    const host = emulator.url.slice(5)
    // actions/setup-node's `registry-url` writes its line in the user config (NPM_CONFIG_USERCONFIG).
    const user = process.env.npm_config_userconfig
    writeFileSync(user, `${host}:_authToken=\${NODE_AUTH_TOKEN}\n`)
    const cwd = project({ name: '@acme/tools' }, `registry=${emulator.url}\n`)
    process.env.NODE_AUTH_TOKEN = 'setup-node-placeholder'
    try {
      const job = emulator.githubActionsJob({ repository: 'acme/tools' })
      const out = await withCiEnv(job, () => tn.exchangeToken({ cwd, writeNpmrc: true }))
      expect(out.warnings.join('\n')).toContain('fall back to that token when the exchange fails')
      expect(out.warnings.join('\n')).toContain('The exchanged token was written in its place')
      expect(out.npmrc.replaced).toBe(1)
      expect(readFileSync(user, 'utf8')).toBe(`${host}:_authToken=${out.token}\n`)

      // The same line in the checkout's .npmrc outranks the user config: said so.
      writeFileSync(user, '')
      const shadowed = project({ name: '@acme/tools' }, `registry=${emulator.url}\n${host}:_authToken=\${NODE_AUTH_TOKEN}\n`)
      const again = await withCiEnv(emulator.githubActionsJob({ repository: 'acme/tools' }), () => tn.exchangeToken({ cwd: shadowed, writeNpmrc: true }))
      expect(again.warnings.join('\n')).toContain(`The exchanged token was written to ${user}, which that file outranks`)
    } finally {
      delete process.env.NODE_AUTH_TOKEN
      writeFileSync(process.env.npm_config_userconfig, '')
    }
  })
})
