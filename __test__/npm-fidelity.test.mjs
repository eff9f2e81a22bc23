// Fidelity: the real npm CLI (pinned devDependency, npm 11.19.x) and trust-native perform the
// same trust operations against the emulator. The emulator must see the same method, path, body
// and auth/OTP headers from both, and npm must accept the emulator's answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { ALICE, OTP, isolateNpmConfig, project, runNpm, startEmulator, tn, wire, withCiEnv } from './helpers.mjs'

const UUID = '3e4b2f1a-1111-4222-8333-444455556666'
const ID = 'c0ffee00-1111-4222-8333-444455556666'

let emulator, home, cwd

/** Runs the pinned npm in `cwd` with the isolated config; resolves even when npm fails. */
const npm = (args, dir = cwd, env = {}) => runNpm(args, { cwd: dir, home, env })

/** Resets the package (optionally with an existing configuration) and the request log. */
function reset(publishers = []) {
  emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], publishers }] })
  emulator.clearRequests()
}

/** Runs the npm command and the trust-native call from the same state; returns both. */
async function both(npmArgs, ours, publishers) {
  reset(publishers)
  const cli = await npm(npmArgs)
  const npmSaw = wire(emulator.requests())
  const npmState = emulator.publishers('@acme/tools')
  reset(publishers)
  const result = await ours().then((value) => ({ value }), (error) => ({ error }))
  return { cli, npmSaw, npmState, result, oursSaw: wire(emulator.requests()), oursState: emulator.publishers('@acme/tools') }
}

const stripIds = (configs) => configs.map(({ id, ...rest }) => rest)

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
  const host = new URL(emulator.url).host
  // The token comes from the project .npmrc for both clients.
  cwd = project(
    { name: '@acme/tools', version: '1.0.0', repository: { type: 'git', url: 'git+https://github.com/acme/tools.git' } },
    `registry=${emulator.url}\n//${host}/:_authToken=${ALICE}\n`,
  )
})
afterAll(() => emulator.stop())
beforeEach(() => emulator.clearFaults())

describe('npm trust vs trust-native on the wire', () => {
  it('github (package and repository inferred from package.json)', async () => {
    const r = await both(
      ['trust', 'github', '--file', 'release.yml', '--env', 'npm', '--allow-publish', '--yes', `--otp=${OTP}`],
      () => tn.addGithubPublisher({ cwd, file: 'release.yml', environment: 'npm', otp: OTP }),
    )
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.cli.stdout).toContain('Trust configuration created successfully')
    expect(r.npmSaw).toHaveLength(1)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw[0]).toMatchObject({ method: 'POST', path: '/-/package/@acme%2ftools/trust', authorization: `Bearer ${ALICE}`, otp: OTP })
    expect(stripIds(r.oursState)).toEqual(stripIds(r.npmState))
    expect(r.result.value.fromPackageJson).toEqual(['package', 'repository'])
  })

  it('gitlab', async () => {
    const r = await both(
      ['trust', 'gitlab', '@acme/tools', '--file', '.gitlab-ci.yml', '--project', 'acme/sub/tools', '--allow-stage-publish', '--yes', `--otp=${OTP}`],
      () => tn.addGitlabPublisher({ cwd, package: '@acme/tools', project: 'acme/sub/tools', file: '.gitlab-ci.yml', allowStagePublish: true, otp: OTP }),
    )
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(stripIds(r.oursState)).toEqual(stripIds(r.npmState))
  })

  it('circleci with context ids and both permissions', async () => {
    const ids = ['--org-id', UUID, '--project-id', UUID, '--pipeline-definition-id', UUID]
    const r = await both(
      ['trust', 'circleci', '@acme/tools', ...ids, '--vcs-origin', 'github.com/acme/tools', '--context-id', UUID, '--context-id', ID,
        '--allow-publish', '--allow-stage-publish', '--yes', `--otp=${OTP}`],
      () => tn.addCircleciPublisher({
        cwd, package: '@acme/tools', orgId: UUID, projectId: UUID, pipelineDefinitionId: UUID,
        vcsOrigin: 'github.com/acme/tools', contextIds: [UUID, ID], allowPublish: true, allowStagePublish: true, otp: OTP,
      }),
    )
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(stripIds(r.oursState)).toEqual(stripIds(r.npmState))
  })

  it('list', async () => {
    const existing = [{ id: ID, type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }]
    const r = await both(['trust', 'list', `--otp=${OTP}`], () => tn.listPublishers({ cwd, otp: OTP }), existing)
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.cli.stdout).toContain('repository: acme/tools')
    expect(r.cli.stdout).toContain('permissions: publish')
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.result.value).toEqual([{ ...existing[0], repository: 'acme/tools', file: 'release.yml' }])
  })

  it('revoke', async () => {
    const existing = [{ id: ID, type: 'gitlab', claims: { project_path: 'acme/tools', ci_config_ref_uri: { file: '.gitlab-ci.yml' } }, permissions: ['createPackage'] }]
    const r = await both(
      ['trust', 'revoke', '@acme/tools', `--id=${ID}`, `--otp=${OTP}`],
      () => tn.revokePublisher({ cwd, package: '@acme/tools', id: ID, otp: OTP }),
      existing,
    )
    expect(r.cli.code, r.cli.stderr).toBe(0)
    expect(r.cli.stdout).toContain('Revoked trusted configuration')
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmState).toEqual([])
    expect(r.oursState).toEqual([])
  })

  it('without an OTP: the same request, and both report EOTP', async () => {
    const r = await both(
      ['trust', 'github', '--file', 'release.yml', '--allow-publish', '--yes'],
      () => tn.addGithubPublisher({ cwd, file: 'release.yml' }),
    )
    expect(r.cli.code).not.toBe(0)
    expect(r.cli.stderr).toContain('EOTP')
    expect(r.oursSaw).toEqual(r.npmSaw)
    expect(r.npmSaw[0]).toMatchObject({ otp: undefined, authType: 'web' })
    expect(r.result.error.code).toBe('EOTP')
  })
})

describe('npm publish through OIDC vs exchangeToken', () => {
  const config = { id: ID, type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }

  /** A project to publish, with the registry but no token: OIDC is the only way in. */
  function publishable(version) {
    const dir = project({ name: '@acme/tools', version }, `registry=${emulator.url}\n`)
    writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
    return dir
  }

  /** The OIDC part of what the emulator saw: the id_token request and the exchange. */
  function oidcRequests() {
    return emulator.requests()
      .filter((r) => r.path.startsWith('/-/oidc/') || r.path.startsWith('/-/npm/v1/oidc/'))
      .map((r) => ({
        method: r.method,
        path: r.path,
        body: r.body,
        accept: r.path.startsWith('/-/oidc/') ? r.headers.accept : undefined,
        authScheme: r.headers.authorization?.split(' ')[0],
        // id_tokens are minted per request: compare what they say, not their iat/jti.
        claims: r.path.startsWith('/-/npm/') ? stable(tn.decodeIdToken(r.headers.authorization.slice(7)).claims) : undefined,
        requestToken: r.path.startsWith('/-/oidc/') ? r.headers.authorization : undefined,
        command: r.headers['npm-command'],
        authType: r.headers['npm-auth-type'],
        contentType: r.headers['content-type'],
      }))
  }
  const stable = ({ iat, nbf, exp, jti, ...claims }) => claims

  it('GitHub Actions: npm publish succeeds, and the id_token request and exchange match', async () => {
    emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], publishers: [config], versions: ['1.0.0'] }] })
    const job = emulator.githubActionsJob({ repository: 'acme/tools' })
    emulator.clearRequests()
    const cli = await npm(['publish', '--provenance=false'], publishable('1.1.0'), { ...job, CI: 'true' })
    expect(cli.code, cli.stderr).toBe(0)
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0', '1.1.0'])
    const npmSaw = oidcRequests()
    expect(npmSaw.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /-/oidc/github/token?api-version=2.0&audience=npm%3A127.0.0.1',
      'POST /-/npm/v1/oidc/token/exchange/package/@acme%2ftools',
    ])

    emulator.clearRequests()
    await withCiEnv({ ...job, CI: 'true' }, () => tn.exchangeToken({ cwd: publishable('1.2.0') }))
    expect(oidcRequests()).toEqual(npmSaw)
  })

  it('GitLab CI/CD: the same exchange request, byte for byte, from NPM_ID_TOKEN', async () => {
    const gitlab = { type: 'gitlab', claims: { project_path: 'acme/tools', ci_config_ref_uri: { file: '.gitlab-ci.yml' } }, permissions: ['createPackage'] }
    emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], publishers: [gitlab], versions: ['1.0.0'] }] })
    const idToken = emulator.issueIdToken({ provider: 'gitlab', claims: { project_path: 'acme/tools' } })
    const ci = { GITLAB_CI: 'true', CI: 'true', NPM_ID_TOKEN: idToken }
    emulator.clearRequests()
    const cli = await npm(['publish', '--provenance=false'], publishable('1.1.0'), ci)
    expect(cli.code, cli.stderr).toBe(0)
    const exchange = (r) => r.path.startsWith('/-/npm/v1/oidc/')
    const npmSaw = wire(emulator.requests().filter(exchange))
    expect(npmSaw).toHaveLength(1)

    emulator.clearRequests()
    await withCiEnv(ci, () => tn.exchangeToken({ cwd: publishable('1.2.0') }))
    expect(wire(emulator.requests().filter(exchange))).toEqual(npmSaw)
    expect(npmSaw[0]).toMatchObject({ authorization: `Bearer ${idToken}`, command: 'publish', authType: 'web', body: '' })
  })
})
