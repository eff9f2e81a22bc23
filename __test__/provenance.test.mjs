// Provenance: the emulator's Sigstore (Fulcio, Rekor, TrustedRoot) checked by sigstore-js, the
// verifier npm itself uses.
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, OTP, isolateNpmConfig, project, rejection, runCli, testing, tn, withCiEnv } from './helpers.mjs'

const require = createRequire(import.meta.url)
// The pinned npm (a devDependency) and the Sigstore packages it publishes with.
const npmModules = `${dirname(require.resolve('npm/package.json'))}/node_modules`
const sigstore = require(`${npmModules}/sigstore`)
const { Verifier, toSignedEntity, toTrustMaterial } = require(`${npmModules}/@sigstore/verify`)
const { TrustedRoot } = require(`${npmModules}/@sigstore/protobuf-specs`)
const { bundleFromJSON } = require(`${npmModules}/@sigstore/bundle`)

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

/** sigstore-js's verification of `bundle` against `trustedRoot` (no CT log: the emulator has none). */
export function verifyWithSigstoreJs(bundle, trustedRoot, policy) {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0 })
  return verifier.verify(toSignedEntity(bundleFromJSON(bundle)), policy)
}

describe("the emulator's Sigstore, checked by sigstore-js", () => {
  let emulator
  beforeAll(async () => {
    emulator = await testing.startEmulator({})
  })
  afterAll(() => emulator.stop())

  const attest = (identityToken, payload = { _type: 'https://in-toto.io/Statement/v1' }) =>
    sigstore.attest(Buffer.from(JSON.stringify(payload)), 'application/vnd.in-toto+json', {
      fulcioURL: emulator.fulcioUrl,
      rekorURL: emulator.rekorUrl,
      identityToken,
    })

  it("signs with Fulcio's certificate and logs in Rekor, and the bundles verify against its trusted root (each entry's proof in a larger tree)", async () => {
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore', claims: { repository: 'acme/widgets' } })
    const bundles = []
    for (let i = 0; i < 3; i++) bundles.push(await attest(token, { i }))
    for (const bundle of bundles) {
      const signer = verifyWithSigstoreJs(bundle, emulator.trustedRoot(), {
        subjectAlternativeName: 'https://github.com/acme/widgets/.github/workflows/release.yml@refs/heads/main',
        extensions: { issuer: GITHUB_ISSUER },
      })
      expect(signer.identity.extensions.issuer).toBe(GITHUB_ISSUER)
    }
    expect(bundles.map((b) => b.verificationMaterial.tlogEntries[0].inclusionProof.treeSize)).toEqual(['1', '2', '3'])
  })

  it('a bundle fails against another Sigstore, and with its statement changed', async () => {
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore' })
    const bundle = await attest(token)
    const other = await testing.startEmulator({})
    try {
      expect(() => verifyWithSigstoreJs(bundle, other.trustedRoot())).toThrow()
    } finally {
      await other.stop()
    }
    const changed = structuredClone(bundle)
    changed.dsseEnvelope.payload = Buffer.from('{"_type":"forged"}').toString('base64')
    expect(() => verifyWithSigstoreJs(changed, emulator.trustedRoot())).toThrow(/signature|hash/i)
  })

  it("Fulcio refuses a token for another audience, and a proof of possession by another key", async () => {
    const wrongAudience = emulator.issueIdToken({ provider: 'github', audience: 'npm:127.0.0.1' })
    await expect(attest(wrongAudience)).rejects.toThrow(/audience/)
    const crypto = await import('node:crypto')
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore' })
    const response = await fetch(`${emulator.fulcioUrl}/api/v2/signingCert`, {
      method: 'POST',
      body: JSON.stringify({
        credentials: { oidcIdentityToken: token },
        publicKeyRequest: {
          publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) },
          proofOfPossession: crypto.sign('sha256', Buffer.from('repo:acme/widgets:ref:refs/heads/main'), other.privateKey).toString('base64'),
        },
      }),
    })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toMatch(/proof of possession/)
  })
})

/** The variables a GitHub Actions runner sets for a job of `repository`'s `workflow` (besides the id_token ones). */
function githubRunner(repository, workflow = 'release.yml', ref = 'refs/heads/main') {
  return {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_ID: '123456789',
    GITHUB_REPOSITORY_OWNER_ID: '987654321',
    GITHUB_WORKFLOW_REF: `${repository}/.github/workflows/${workflow}@${ref}`,
    GITHUB_REF: ref,
    GITHUB_SHA: '8f4b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_ENVIRONMENT: 'github-hosted',
  }
}

/**
 * The statement libnpmpublish's own provenance code builds for `subject` in a job with `env`:
 * its generateProvenance run in a child process with that environment (ci-info reads it when
 * loaded), sigstore's attest replaced by one that answers the payload it was given.
 */
function libnpmpublishStatement(subject, env) {
  const script = `
    const provenance = ${JSON.stringify(`${npmModules}/libnpmpublish/lib/provenance.js`)}
    const sigstore = require.resolve('sigstore', { paths: [require('node:path').dirname(provenance)] })
    require.cache[sigstore] = { id: sigstore, filename: sigstore, loaded: true, exports: { attest: async (payload) => payload.toString('utf8') } }
    require(provenance).generateProvenance([${JSON.stringify(subject)}], {}).then((payload) => process.stdout.write(payload))
  `
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CI|GITHUB_|GITLAB_|CI_|RUNNER_|ACTIONS_)/.test(k)))
  return execFileSync(process.execPath, ['-e', script], { env: { ...clean, ...env }, encoding: 'utf8' })
}

const decodeStatement = (bundle) => Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')

describe('publish from a public GitHub Actions job: provenance signed, logged and attached as npm does', () => {
  const RELEASE = { id: 'b5e2f0c4-51d7-4a5e-9f38-7d1f0d6c0a11', type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
  const CLAIMS = { repository: 'acme/widgets', repository_visibility: 'public', workflow_ref: 'acme/widgets/.github/workflows/release.yml@refs/heads/main' }
  let emulator
  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await testing.startEmulator({
      users: [{ name: 'alice', token: ALICE, otp: OTP }],
      packages: [
        { name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'], publishers: [RELEASE] },
        { name: 'gizmos', maintainers: ['alice'], versions: ['1.0.0'], publishers: [{ type: 'gitlab', claims: { project_path: 'acme/gizmos', ci_config_ref_uri: { file: '.gitlab-ci.yml' } }, permissions: ['createPackage'] }] },
      ],
    })
  })
  afterAll(() => emulator.stop())

  const sigstoreOptions = () => ({ fulcioUrl: emulator.fulcioUrl, rekorUrl: emulator.rekorUrl })
  const job = (claims = CLAIMS, runner = githubRunner('acme/widgets')) => ({ ...emulator.githubActionsJob(claims), ...runner })
  const publishIn = (env, pkg, options = {}) => {
    const dir = project({ name: 'widgets', ...pkg }, `registry=${emulator.url}\n`)
    return withCiEnv(env, () => tn.publish({ cwd: dir, ...sigstoreOptions(), ...options }))
  }
  const attestations = async (spec) => (await fetch(`${emulator.url}-/npm/v1/attestations/${spec}`)).json()

  it('attaches a bundle that sigstore-js verifies against the emulator trusted root, whose statement is byte for byte the one libnpmpublish builds', async () => {
    const env = job()
    const published = await publishIn(env, { version: '1.1.0' })
    expect(published.tokenSource).toBe('oidc')
    expect(published.provenance).toMatchObject({ wouldAttach: true, attached: { file: 'widgets-1.1.0.sigstore', source: 'signed' } })
    const log = published.provenance.attached.transparencyLog
    expect(log.url).toBe(`${emulator.rekorUrl}/api/v1/log/entries/${log.uuid}`)
    expect(await (await fetch(log.url)).json()).toHaveProperty(log.uuid)

    const { attestations: [attestation] } = await attestations('widgets@1.1.0')
    expect(attestation.predicateType).toBe('https://slsa.dev/provenance/v1')
    expect(attestation.bundle.verificationMaterial.tlogEntries[0].logIndex).toBe(String(log.logIndex))
    const signer = verifyWithSigstoreJs(attestation.bundle, emulator.trustedRoot(), {
      subjectAlternativeName: 'https://github.com/acme/widgets/.github/workflows/release.yml@refs/heads/main',
      extensions: { issuer: GITHUB_ISSUER },
    })
    expect(signer.identity.extensions.issuer).toBe(GITHUB_ISSUER)

    const sha512 = Buffer.from(published.integrity.slice('sha512-'.length), 'base64').toString('hex')
    const expected = libnpmpublishStatement({ name: 'pkg:npm/widgets@1.1.0', digest: { sha512 } }, env)
    expect(decodeStatement(attestation.bundle)).toBe(expected)
    expect(JSON.parse(expected).predicate.buildDefinition.externalParameters.workflow).toEqual({ ref: 'refs/heads/main', repository: 'https://github.com/acme/widgets', path: '.github/workflows/release.yml' })
  })

  it('from a public GitLab project with a SIGSTORE_ID_TOKEN: the SLSA v0.2 statement libnpmpublish builds, verified by sigstore-js', async () => {
    const claims = { project_path: 'acme/gizmos', project_visibility: 'public' }
    const env = {
      CI: 'true',
      GITLAB_CI: 'true',
      NPM_ID_TOKEN: emulator.issueIdToken({ provider: 'gitlab', claims }),
      SIGSTORE_ID_TOKEN: emulator.issueIdToken({ provider: 'gitlab', audience: 'sigstore', claims }),
      CI_PROJECT_URL: 'https://gitlab.com/acme/gizmos',
      CI_PROJECT_PATH: 'acme/gizmos',
      CI_RUNNER_ID: '12270837',
      CI_COMMIT_SHA: '8f4b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a',
      CI_JOB_NAME: 'release',
      CI_JOB_ID: '7001',
      CI_JOB_URL: 'https://gitlab.com/acme/gizmos/-/jobs/7001',
      CI_PIPELINE_ID: '9001',
      CI_CONFIG_PATH: '.gitlab-ci.yml',
      CI_SERVER_URL: 'https://gitlab.com',
      CI_RUNNER_DESCRIPTION: 'gitlab.com shared runner',
      CI_RUNNER_EXECUTABLE_ARCH: 'linux/amd64',
      GITLAB_USER_LOGIN: 'alice',
    }
    const dir = project({ name: 'gizmos', version: '1.1.0' }, `registry=${emulator.url}\n`)
    const published = await withCiEnv(env, () => tn.publish({ cwd: dir, ...sigstoreOptions() }))
    expect(published.provenance).toMatchObject({ wouldAttach: true, attached: { file: 'gizmos-1.1.0.sigstore', source: 'signed' } })
    const { attestations: [attestation] } = await attestations('gizmos@1.1.0')
    expect(attestation.predicateType).toBe('https://slsa.dev/provenance/v0.2')
    verifyWithSigstoreJs(attestation.bundle, emulator.trustedRoot(), { subjectAlternativeName: 'https://gitlab.com/acme/gizmos//.gitlab-ci.yml@refs/heads/main' })
    const sha512 = Buffer.from(published.integrity.slice('sha512-'.length), 'base64').toString('hex')
    const { NPM_ID_TOKEN, SIGSTORE_ID_TOKEN, ...job } = env
    expect(decodeStatement(attestation.bundle)).toBe(libnpmpublishStatement({ name: 'pkg:npm/gizmos@1.1.0', digest: { sha512 } }, { ...job, SIGSTORE_ID_TOKEN }))
  })

  it('verifyProvenance names the trusted publisher whose workflow built it', async () => {
    const verified = await tn.verifyProvenance({ registry: emulator.url, token: ALICE, otp: OTP, package: 'widgets', version: '1.1.0', trustedRoot: emulator.trustedRoot() })
    expect(verified).toMatchObject({
      package: 'widgets',
      version: '1.1.0',
      predicateType: 'https://slsa.dev/provenance/v1',
      checkedAgainst: 'publishers',
      trusted: true,
      publisher: { id: RELEASE.id, type: 'github' },
      signer: { issuer: GITHUB_ISSUER, repository: 'acme/widgets', workflow: 'release.yml', ref: 'refs/heads/main', trigger: 'push' },
    })
    expect(verified.reason).toBe(`widgets@1.1.0 was built by release.yml of acme/widgets at refs/heads/main: its trusted publisher github (${RELEASE.id}).`)
    expect(verified.transparencyLog.logIndex).toBeGreaterThanOrEqual(0)
  })

  it('a version signed by another workflow is reported, to a maintainer and to a reader who says what to expect', async () => {
    // Published with a token from another workflow of the repository, with provenance: true.
    const other = { ...CLAIMS, workflow_ref: 'acme/widgets/.github/workflows/nightly.yml@refs/heads/dev', ref: 'refs/heads/dev' }
    const env = job(other, githubRunner('acme/widgets', 'nightly.yml', 'refs/heads/dev'))
    const dir = project({ name: 'widgets', version: '0.9.0' }, `registry=${emulator.url}\n`)
    const published = await withCiEnv(env, () => tn.publish({ cwd: dir, registry: emulator.url, token: ALICE, otp: OTP, provenance: true, tag: 'nightly', ...sigstoreOptions() }))
    expect(published.provenance.attached.source).toBe('signed')
    const asMaintainer = await tn.verifyProvenance({ registry: emulator.url, token: ALICE, otp: OTP, package: 'widgets', version: '0.9.0', trustedRoot: emulator.trustedRoot() })
    expect(asMaintainer).toMatchObject({ trusted: false, signer: { workflow: 'nightly.yml', ref: 'refs/heads/dev' } })
    expect(asMaintainer.publisher).toBeUndefined()
    expect(asMaintainer.reason).toBe('widgets@0.9.0 was built by nightly.yml of acme/widgets at refs/heads/dev, which is none of its trusted publishers.')
    const expect_ = { repository: 'acme/widgets', workflow: 'release.yml', ref: 'refs/heads/main' }
    const asReader = await tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '0.9.0', expect: expect_, trustedRoot: emulator.trustedRoot() })
    expect(asReader).toMatchObject({ checkedAgainst: 'expect', trusted: false })
    expect(asReader.reason).toBe('widgets@0.9.0 was built by nightly.yml of acme/widgets at refs/heads/dev, not as expected: workflow nightly.yml instead of release.yml, ref refs/heads/dev instead of refs/heads/main.')
    const good = await tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '1.1.0', expect: expect_, trustedRoot: emulator.trustedRoot() })
    expect(good).toMatchObject({ checkedAgainst: 'expect', trusted: true })
  })

  it('a bundle that does not chain to the trusted root (Sigstore\'s public one by default) or a version without provenance is EPROVENANCE', async () => {
    const expect_ = { repository: 'acme/widgets' }
    const publicRoot = await rejection(tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '1.1.0', expect: expect_ }))
    expect(publicRoot).toMatchObject({ code: 'EPROVENANCE' })
    expect(publicRoot.message).toMatch(/does not verify: its (certificate|log)|transparency log the trusted root does not name/)
    const other = await testing.startEmulator({})
    try {
      const foreign = await rejection(tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '1.1.0', expect: expect_, trustedRoot: other.trustedRoot() }))
      expect(foreign).toMatchObject({ code: 'EPROVENANCE' })
    } finally {
      await other.stop()
    }
    const none = await rejection(tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '1.0.0', expect: expect_, trustedRoot: emulator.trustedRoot() }))
    expect(none).toMatchObject({ code: 'EPROVENANCE' })
    expect(none.message).toMatch(/has no provenance/)
    expect(await rejection(tn.verifyProvenance({ registry: emulator.url, package: 'widgets', version: '1.1.0', expect: { repo: 'acme/widgets' } }))).toMatchObject({ code: 'EINVALIDINPUT', field: 'expect' })
  })

  it('trust-native verify <name>@<version> says who built it, exit 0 when trusted and 1 when not', async () => {
    const { writeFileSync } = await import('node:fs')
    const root = `${project()}/trusted_root.json`
    writeFileSync(root, JSON.stringify(emulator.trustedRoot()))
    const flags = ['--registry', emulator.url, '--trusted-root', root, '--repository', 'acme/widgets', '--workflow', 'release.yml']
    const trusted = await runCli(['verify', 'widgets@1.1.0', ...flags])
    expect(trusted.code, trusted.stderr).toBe(0)
    expect(trusted.stdout).toContain('widgets@1.1.0 was built by release.yml of acme/widgets at refs/heads/main, as expected.')
    expect(trusted.stdout).toContain(`transparency log ${emulator.rekorUrl}/api/v1/log/entries/`)
    const other = await runCli(['verify', 'widgets@0.9.0', ...flags])
    expect(other.code).toBe(1)
    expect(other.stdout).toContain('not as expected: workflow nightly.yml instead of release.yml')
    const usage = await runCli(['verify', 'widgets'])
    expect(usage.code).toBe(2)
  })

  it('trust-native publish in the job says where the signed statement is logged, and --no-provenance publishes without', async () => {
    const env = { ...job(), npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig }
    const sigstore = ['--tag', 'ci', '--fulcio-url', emulator.fulcioUrl, '--rekor-url', emulator.rekorUrl]
    const signed = await runCli(['publish', ...sigstore], { cwd: project({ name: 'widgets', version: '0.9.1' }, `registry=${emulator.url}\n`), env })
    expect(signed.code, signed.stderr).toBe(0)
    expect(signed.stdout).toMatch(new RegExp(`provenance logged at ${emulator.rekorUrl}/api/v1/log/entries/[0-9a-f]{64}`))
    expect(signed.stderr).not.toContain('without provenance')
    expect((await attestations('widgets@0.9.1')).attestations).toHaveLength(1)
    const unsigned = await runCli(['publish', '--no-provenance', ...sigstore], { cwd: project({ name: 'widgets', version: '0.9.2' }, `registry=${emulator.url}\n`), env })
    expect(unsigned.code, unsigned.stderr).toBe(0)
    expect(unsigned.stderr).toContain('widgets: published without provenance (--no-provenance)')
  })

  it('none from a private repository (as npm), nor with provenance: false; provenance: true outside CI says why', async () => {
    const fromPrivate = await publishIn(job({ ...CLAIMS, repository_visibility: 'private' }), { version: '1.2.0' })
    expect(fromPrivate.provenance).toMatchObject({ wouldAttach: false })
    expect(fromPrivate.provenance.attached).toBeUndefined()
    const refused = await publishIn(job(), { version: '1.3.0' }, { provenance: false })
    expect(refused.provenance).toMatchObject({ wouldAttach: true })
    expect(refused.provenance.attached).toBeUndefined()
    expect((await fetch(`${emulator.url}-/npm/v1/attestations/widgets@1.3.0`)).status).toBe(404)
    const outside = await rejection(publishIn({}, { version: '1.4.0' }, { provenance: true, registry: emulator.url, token: ALICE, otp: OTP }))
    expect(outside).toMatchObject({ code: 'EPROVENANCE' })
    expect(outside.message).toMatch(/GitHub Actions or GitLab/)
  })

  it('a bundle given as provenanceFile is attached when its subject is the tarball and it verifies (against trustedRoot; the public root by default), refused otherwise', async () => {
    const { attestations: [{ bundle }] } = await attestations('widgets@1.1.0')
    const dir = project({ name: 'widgets', version: '1.5.0' }, `registry=${emulator.url}\n`)
    const file = `${dir}/widgets.sigstore`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(file, JSON.stringify(bundle))
    const error = await rejection(tn.publish({ cwd: dir, registry: emulator.url, token: ALICE, otp: OTP, provenanceFile: file }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'provenanceFile' })
    expect(error.message).toMatch(/subject is not pkg:npm\/widgets@1\.5\.0/)

    // The very tarball it was signed for (packing is reproducible), on another registry.
    const elsewhere = await testing.startEmulator({ users: [{ name: 'alice', token: ALICE, otp: OTP }], packages: [{ name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'] }] })
    try {
      const same = project({ name: 'widgets', version: '1.1.0' }, `registry=${elsewhere.url}\n`)
      const unverified = await rejection(tn.publish({ cwd: same, registry: elsewhere.url, token: ALICE, otp: OTP, provenanceFile: file }))
      expect(unverified).toMatchObject({ code: 'EINVALIDINPUT', field: 'provenanceFile' })
      expect(unverified.message).toMatch(/does not verify: it was logged in a transparency log the trusted root does not name/)
      const published = await tn.publish({ cwd: same, registry: elsewhere.url, token: ALICE, otp: OTP, provenanceFile: file, trustedRoot: emulator.trustedRoot() })
      expect(published.provenance.attached).toMatchObject({ file: 'widgets-1.1.0.sigstore', source: 'file', transparencyLog: { logIndex: Number(bundle.verificationMaterial.tlogEntries[0].logIndex) } })
      expect(published.provenance.attached.transparencyLog.url).toMatch(new RegExp(`^${emulator.rekorUrl}/api/v1/log/entries/[0-9a-f]{64}$`))
      const { attestations: [attached] } = await (await fetch(`${elsewhere.url}-/npm/v1/attestations/widgets@1.1.0`)).json()
      expect(attached.bundle).toEqual(bundle)
    } finally {
      await elsewhere.stop()
    }
  })
})
