// trust-native/testing on its own: the JavaScript registry emulator checked with plain fetch and
// node:http(s), and with the real npm CLI (the pinned devDependency) where that is cheap. It does
// not load the addon: the emulator must stand without it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFile, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { startEmulator, startProxy, RegistryEmulator } from '../testing/index.mjs'

const require = createRequire(import.meta.url)
const npmCli = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js')
const CLI = fileURLToPath(new URL('../testing/cli.js', import.meta.url))
const run = promisify(execFile)

const TOKEN = 'alice-token'
const OTP = '246810'
const UUID = '3e4b2f1a-1111-4222-8333-444455556666'
const GITHUB = { type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }

const tempDir = () => mkdtempSync(join(tmpdir(), 'tn-testing-'))
const decode = (jwt) => jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()))

let emulator

beforeAll(async () => {
  emulator = await startEmulator({
    users: [
      { name: 'alice', token: TOKEN, otp: OTP },
      { name: 'mallory', token: 'mallory-token' },
      { name: 'no2fa', token: 'no2fa-token', tfa: false },
      { name: 'bot', token: 'bot-token', bypass2fa: true },
    ],
    pypiProjects: [{ name: 'widgets', publishers: [{ type: 'github', repository: 'Acme/Widgets', workflow: 'release.yml', environment: 'PyPI' }] }],
    webAuthRetryAfter: 0.05,
  })
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({
    packages: [
      { name: '@acme/tools', maintainers: ['alice', 'no2fa', 'bot'], versions: ['1.0.0'] },
      { name: 'widgets', maintainers: ['alice'] },
    ],
  })
  emulator.setOtp('alice', OTP)
  emulator.clearFaults()
  emulator.clearRequests()
})

/** A call to the emulator as alice (with her OTP unless `otp: null`); answers status, headers, JSON body. */
async function call(path, { method = 'GET', token = TOKEN, otp = OTP, body, headers = {}, base = emulator.url } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(otp && { 'npm-otp': otp }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, headers: response.headers, body: json }
}

const trust = (pkg = '@acme%2ftools') => `-/package/${pkg}/trust`

describe('seed validation', () => {
  it('refuses unknown fields and wrong types, naming the field', async () => {
    // The list of known fields grows with the emulator; the message names them all.
    await expect(startEmulator({ user: [] })).rejects.toThrow(/^seed\.user is not a known field \(expected users, packages, .*rateLimit, date\)$/)
    await expect(startEmulator({ users: [{ name: 'a', token: 't', tfa: 'yes' }] })).rejects.toThrow(new TypeError('seed.users[0].tfa must be a boolean, not a string'))
    expect(() => emulator.seed({ packages: [{ name: 'p', maintainers: 'alice' }] })).toThrow(new TypeError('seed.packages[0].maintainers must be an array, not a string'))
    expect(() => emulator.seed({ users: [{ name: 'x' }] })).toThrow(new TypeError('seed.users[0].token is required'))
    expect(() => emulator.seed({ pypiProjects: [{ name: 'p', publishers: [{ type: 'example-ci' }] }] })).toThrow(/seed\.pypiProjects\[0\]\.publishers\[0\]\.type must be one of/)
    expect(() => emulator.seed({ rateLimit: { perSecond: 0 } })).toThrow(new TypeError('seed.rateLimit.perSecond must be greater than 0'))
    expect(() => emulator.injectFault({ kind: 'status' })).toThrow(new TypeError("rule.status is required when kind is 'status'"))
    expect(() => emulator.injectFault({ kind: 'latency', ms: 5, tims: 1 })).toThrow(/rule\.tims is not a known field/)
    const issuers = Object.keys(require('../testing/lib/providers.js').PROVIDERS).map((p) => `'${p}'`)
    expect(() => emulator.issueIdToken({ provider: 'example-ci' })).toThrow(`options.provider must be one of ${issuers.join(', ')}`)
    // What testing/index.d.ts declares is what the emulator takes.
    const declared = readFileSync(join(import.meta.dirname, '..', 'testing', 'index.d.ts'), 'utf8')
    expect(declared.match(/export interface IdTokenSpec \{[^}]*?\n {2}provider: (.*)\n/)[1].split(' | ')).toEqual(issuers)
    expect(() => emulator.githubActionsJob('acme/widgets')).toThrow(new TypeError('claims must be an object, not a string'))
  })

  it('never echoes a value back, and cannot be constructed directly', async () => {
    const error = await startEmulator({ users: [{ name: 'a', token: 12345678 }] }).catch((e) => e)
    expect(error.message).not.toContain('12345678')
    expect(() => new RegistryEmulator()).toThrow(TypeError)
  })
})

describe('trust endpoints', () => {
  it('create, list and revoke with an OTP, scoped names escaped either way', async () => {
    const created = await call(trust(), { method: 'POST', body: [GITHUB] })
    expect(created.status).toBe(201)
    expect(created.body).toEqual([{ id: expect.stringMatching(/^[0-9a-f-]{36}$/), ...GITHUB }])
    const { id } = created.body[0]
    expect(await call(trust('@acme%2Ftools'))).toMatchObject({ status: 200, body: created.body })
    expect(emulator.publishers('@acme/tools')).toEqual(created.body)

    const again = await call(trust(), { method: 'POST', body: [GITHUB] })
    expect(again).toMatchObject({ status: 409, body: { message: 'An identical trusted publisher configuration already exists for this package' } })

    expect(await call(`${trust()}/not-a-uuid`, { method: 'DELETE' })).toMatchObject({ status: 400, body: { message: 'Invalid trusted publisher config id format' } })
    expect(await call(`${trust()}/${UUID}`, { method: 'DELETE' })).toMatchObject({ status: 404 })
    expect((await call(`${trust()}/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect(emulator.publishers('@acme/tools')).toEqual([])
    expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /-/package/@acme%2ftools/trust',
      'GET /-/package/@acme%2Ftools/trust',
      'POST /-/package/@acme%2ftools/trust',
      'DELETE /-/package/@acme%2ftools/trust/not-a-uuid',
      `DELETE /-/package/@acme%2ftools/trust/${UUID}`,
      `DELETE /-/package/@acme%2ftools/trust/${id}`,
    ])
    expect(emulator.requests()[0]).toMatchObject({ headers: { authorization: `Bearer ${TOKEN}`, 'npm-otp': OTP }, body: JSON.stringify([GITHUB]) })
  })

  it('today\'s registry keeps up to 10 configurations per package, none twice; no edit, only delete and create', async () => {
    const gitlab = { type: 'gitlab', claims: { project_path: 'acme/tools', ci_config_ref_uri: { file: '.gitlab-ci.yml' } }, permissions: ['createPackage'] }
    const created = await call(trust(), { method: 'POST', body: [GITHUB] })
    expect((await call(trust(), { method: 'POST', body: [gitlab] })).status).toBe(201)
    // The same claims with other permissions are another configuration; key order does not make one.
    expect((await call(trust(), { method: 'POST', body: [{ ...GITHUB, permissions: ['createStagedPackage'] }] })).status).toBe(201)
    const reordered = { ...GITHUB, claims: { workflow_ref: { file: 'release.yml' }, repository: 'acme/tools' }, permissions: ['createPackage'] }
    expect((await call(trust(), { method: 'POST', body: [reordered] })).status).toBe(409)
    for (let i = 3; i < 10; i++) {
      const workflow = { ...GITHUB, claims: { ...GITHUB.claims, workflow_ref: { file: `w${i}.yml` } } }
      expect((await call(trust(), { method: 'POST', body: [workflow] })).status).toBe(201)
    }
    const eleventh = await call(trust(), { method: 'POST', body: [{ ...GITHUB, claims: { ...GITHUB.claims, workflow_ref: { file: 'w10.yml' } } }] })
    expect(eleventh).toMatchObject({ status: 409, body: { message: 'A package can have at most 10 trusted publisher configurations' } })
    expect((await call(trust())).body).toHaveLength(10)
    expect((await call(`${trust()}/${created.body[0].id}`, { method: 'PUT', body: GITHUB })).status).toBe(405)
    expect((await call(`${trust()}/${created.body[0].id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await call(trust())).body).toHaveLength(9)
  })

  it('with `trustModel: \'single\'`, the seed\'s registry: one configuration per package', async () => {
    const single = await startEmulator({ users: [{ name: 'alice', token: TOKEN, otp: OTP }], packages: [{ name: 'widgets', maintainers: ['alice'] }], trustModel: 'single' })
    try {
      const post = (body) => call('-/package/widgets/trust', { method: 'POST', body: [body], base: single.url })
      expect((await post(GITHUB)).status).toBe(201)
      const second = await post({ ...GITHUB, claims: { ...GITHUB.claims, workflow_ref: { file: 'nightly.yml' } } })
      expect(second).toMatchObject({ status: 409, body: { message: 'A trusted publisher configuration already exists for this package' } })
      expect(single.publishers('widgets')).toHaveLength(1)
      expect(() => single.seed({ trustModel: 'several-ish' })).toThrow(TypeError)
    } finally {
      await single.stop()
    }
  })

  it('checks the token, the account, the package and write access, in the registry\'s order', async () => {
    expect(await call(trust(), { token: 'nobody' })).toMatchObject({ status: 401, body: { message: 'Unauthorized' } })
    expect(await call(trust(), { token: 'bot-token' })).toMatchObject({ status: 401, body: { message: expect.stringContaining('bypass two-factor') } })
    expect(await call(trust(), { token: 'no2fa-token' })).toMatchObject({ status: 403, body: { message: expect.stringContaining('Two-factor authentication must be enabled') } })
    expect(await call(trust('nope'))).toMatchObject({ status: 404, body: { message: 'Package not found' } })
    expect(await call(trust(), { token: 'mallory-token' })).toMatchObject({ status: 403, body: { message: 'You do not have write access to @acme/tools' } })
  })

  it('asks for an OTP, refuses a wrong one, and takes a new one after setOtp', async () => {
    const missing = await call(trust(), { otp: null })
    expect(missing).toMatchObject({ status: 401, body: { error: 'This operation requires a one-time password' } })
    expect(missing.headers.get('www-authenticate')).toBe('OTP')
    expect(await call(trust(), { otp: '000000' })).toMatchObject({ status: 401, body: { error: 'Invalid one-time password' } })
    emulator.setOtp('alice', '111111')
    expect((await call(trust())).status).toBe(401)
    expect((await call(trust(), { otp: '111111' })).status).toBe(200)
  })

  it('validates a create as the registry does', async () => {
    const refused = async (body) => (await call(trust(), { method: 'POST', body })).body.message
    expect(await refused(GITHUB)).toBe('Request body must be a JSON array of trusted publisher configurations')
    expect(await refused([GITHUB, GITHUB])).toBe('Exactly one trusted publisher configuration is supported per package')
    expect(await refused([{ ...GITHUB, type: 'example-ci' }])).toBe('Unsupported trusted publisher type "example-ci"')
    expect(await refused([{ ...GITHUB, claims: { ...GITHUB.claims, workflow_ref: { file: '.github/workflows/release.yml' } } }])).toMatch(/^Invalid claims: workflow_ref /)
    expect(await refused([{ ...GITHUB, claims: { repository: 'acme' , workflow_ref: { file: 'a.yml' } } }])).toMatch(/^Invalid claims: repository /)
    expect(await refused([{ ...GITHUB, claims: { workflow_ref: { file: 'a.yml' } } }])).toBe('Invalid claims: repository is required')
    expect(await refused([{ type: 'circleci', claims: { 'oidc.circleci.com/org-id': 'x' }, permissions: ['createPackage'] }])).toMatch(/^Invalid claims: oidc\.circleci\.com\/org-id must be a UUID/)
    expect(await refused([{ ...GITHUB, permissions: [] }])).toBe('permissions must be a non-empty array')
    expect(await refused([{ ...GITHUB, permissions: ['publish'] }])).toBe('Unknown permission "publish"')
    expect(emulator.publishers('@acme/tools')).toEqual([])
  })

  it('the web login: authUrl, doneUrl polled with Retry-After, and "skip 2FA for 5 minutes"', async () => {
    const challenge = await call(trust(), { otp: null, headers: { 'npm-auth-type': 'web' } })
    expect(challenge.status).toBe(401)
    const { authUrl, doneUrl } = challenge.body
    expect(authUrl).toMatch(new RegExp(`^${emulator.url}auth/cli/[0-9a-f-]{36}$`))
    expect(doneUrl).toBe(`${emulator.url}-/v1/done?authId=${authUrl.split('/').at(-1)}`)

    const pending = await fetch(doneUrl)
    expect([pending.status, pending.headers.get('retry-after')]).toEqual([202, '0.05'])
    expect(await (await fetch(authUrl)).text()).toContain('Approve')
    expect((await fetch(`${authUrl}?approve=true&skip2fa=true`)).status).toBe(200)
    const { token: webOtp } = await (await fetch(doneUrl)).json()
    expect(webOtp).toMatch(/^\d{16}$/)

    expect((await call(trust(), { otp: webOtp })).status).toBe(200)
    // The skip window: no OTP needed for a while, until the authenticator code changes.
    expect((await call(trust(), { otp: null })).status).toBe(200)
    emulator.setOtp('alice', OTP)
    expect((await call(trust(), { otp: null })).status).toBe(401)
    expect((await call(trust(), { otp: webOtp })).status).toBe(401)
    expect((await fetch(`${emulator.url}-/v1/done?authId=${UUID}`)).status).toBe(404)
  })

  it('rate-limits the trust endpoints with a token bucket and whole-second Retry-After', async () => {
    const limited = await startEmulator({ rateLimit: { perSecond: 0.5, burst: 2 }, users: [{ name: 'a', token: 't' }], packages: [{ name: 'p', maintainers: ['a'] }] })
    try {
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push(await call(trust('p'), { base: limited.url, token: 't', otp: '123456' }))
      expect(statuses.map((s) => s.status)).toEqual([200, 200, 429])
      expect(statuses[2].body).toEqual({ message: 'Too many requests, slow down' })
      expect(statuses[2].headers.get('retry-after')).toBe('2')
      // Other routes are not limited.
      expect((await call('p', { base: limited.url })).status).toBe(200)
    } finally {
      limited.stop()
    }
  })
})

describe('access, orgs, teams and tokens', () => {
  beforeEach(() => {
    emulator.seed({
      orgs: [{ name: 'acme', members: { alice: 'owner', mallory: 'admin' }, teams: [{ name: 'devs', members: ['alice'] }] }],
      packages: [{ name: '@acme/secret', maintainers: ['alice'], access: 'restricted' }],
    })
  })

  it('a restricted package is invisible to others; only a scoped one can be private', async () => {
    expect((await call('-/package/@acme%2fsecret/visibility')).body).toEqual({ public: false })
    expect((await call('-/package/@acme%2fsecret/visibility', { token: 'mallory-token' })).status).toBe(404)
    const unscoped = await call('-/package/widgets/access', { method: 'POST', body: { access: 'restricted' } })
    expect(unscoped).toMatchObject({ status: 400, body: { message: 'Unscoped packages cannot be private' } })
  })

  it('only owners make owners, an org keeps one, and a team member must be in the org', async () => {
    const byAdmin = await call('-/org/acme/user', { method: 'PUT', token: 'mallory-token', otp: '123456', body: { user: 'no2fa', role: 'owner' } })
    expect(byAdmin.status).toBe(403)
    const lastOwner = await call('-/org/acme/user', { method: 'DELETE', body: { user: 'alice' } })
    expect(lastOwner.status).toBe(400)
    const outsider = await call('-/team/acme/devs/user', { method: 'PUT', body: { user: 'no2fa' } })
    expect(outsider.status).toBe(404)
    expect((await call('-/org/acme/user', { otp: null, method: 'PUT', body: { user: 'no2fa' } })).status).toBe(401)
  })

  it('a token create checks the password and always wants an OTP; the token it answers works', async () => {
    const noOtp = await call('-/npm/v1/tokens', { method: 'POST', token: 'no2fa-token', otp: null, body: { password: 'password' } })
    expect(noOtp.status).toBe(401)
    expect((await call('-/npm/v1/tokens', { method: 'POST', body: { password: 'nope' } })).status).toBe(401)
    const created = await call('-/npm/v1/tokens', { method: 'POST', body: { password: 'password', name: 'ci' } })
    expect(created.status).toBe(201)
    expect((await call('-/whoami', { token: created.body.token })).body).toEqual({ username: 'alice' })
    expect((await call('-/npm/v1/tokens', { token: created.body.token })).status).toBe(403)
    const listed = await call('-/npm/v1/tokens?perPage=100')
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token)
    expect((await call(`-/npm/v1/tokens/token/${created.body.key}`, { method: 'DELETE' })).status).toBe(204)
    expect((await call('-/whoami', { token: created.body.token })).status).toBe(401)
  })
})

describe('faults', () => {
  it('a status with Retry-After for the given times, then the real answer', async () => {
    emulator.injectFault({ kind: 'status', status: 503, retryAfter: 2, times: 1, method: 'get', path: '/trust' })
    const faulty = await call(trust())
    expect(faulty).toMatchObject({ status: 503, body: { message: 'Injected fault: status 503' } })
    expect(faulty.headers.get('retry-after')).toBe('2')
    expect((await call(trust())).status).toBe(200)
  })

  it('a dropped answer after the registry acted: the change is made', async () => {
    emulator.injectFault({ kind: 'drop', after: true, method: 'POST', times: 1 })
    await expect(call(trust(), { method: 'POST', body: [GITHUB] })).rejects.toThrow()
    expect(emulator.publishers('@acme/tools')).toHaveLength(1)
  })

  it('a delay the client does not wait out: the request never got through', async () => {
    emulator.injectFault({ kind: 'latency', ms: 300, method: 'POST', times: 1 })
    const gaveUp = fetch(`${emulator.url}${trust()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'npm-otp': OTP },
      body: JSON.stringify([GITHUB]),
      signal: AbortSignal.timeout(50),
    })
    await expect(gaveUp).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(emulator.publishers('@acme/tools')).toEqual([])
  })

  it('malformed JSON, a redirect elsewhere, an echo of the headers, a slow body', async () => {
    emulator.injectFault({ kind: 'malformedJson', times: 1 })
    expect(await (await fetch(`${emulator.url}${trust()}`)).text()).toBe('{"id": "3e4b2f1a-1111-4222-8333-44445555')
    emulator.injectFault({ kind: 'redirect', location: 'http://127.0.0.1:9/', times: 1 })
    const redirect = await fetch(`${emulator.url}${trust()}?x=1`, { redirect: 'manual' })
    expect([redirect.status, redirect.headers.get('location')]).toEqual([307, 'http://127.0.0.1:9/-/package/@acme%2ftools/trust'])
    emulator.injectFault({ kind: 'echo', status: 400, times: 1 })
    expect((await call(trust())).body.message).toContain(`authorization: Bearer ${TOKEN}`)
    // The real answer, in ten pieces a tenth of `ms` apart.
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [GITHUB] }] })
    emulator.injectFault({ kind: 'slowBody', ms: 300, times: 1 })
    const started = Date.now()
    expect(await call(trust('widgets'))).toMatchObject({ status: 200, body: [{ ...GITHUB, id: expect.any(String) }] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })
})

describe('OIDC', () => {
  it('issues RS256 id_tokens that verify against the issuer\'s JWKS, with claims shaped like the provider\'s', async () => {
    for (const [provider, claims] of [['github', { repository: 'acme/tools' }], ['gitlab', { project_path: 'acme/sub/tools' }], ['circleci', { 'oidc.circleci.com/org-id': UUID }], ['google', {}]]) {
      const token = emulator.issueIdToken({ provider, claims })
      const [header, payload] = decode(token)
      const discovery = await (await fetch(`${emulator.url}-/oidc/${provider}/.well-known/openid-configuration`)).json()
      const { keys } = await (await fetch(discovery.jwks_uri)).json()
      const jwk = keys.find((k) => k.kid === header.kid)
      expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
      const [input, signature] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)]
      const key = crypto.createPublicKey({ key: jwk, format: 'jwk' })
      expect(crypto.verify('sha256', Buffer.from(input), key, Buffer.from(signature, 'base64url')), provider).toBe(true)
      expect(payload).toMatchObject({ aud: emulator.npmAudience, jti: expect.any(String) })
      expect(payload.exp - payload.iat).toBe(300)
      if (provider === 'github') {
        expect(payload).toMatchObject({ iss: 'https://token.actions.githubusercontent.com', repository_owner: 'acme', workflow_ref: 'acme/tools/.github/workflows/release.yml@refs/heads/main', sub: 'repo:acme/tools:ref:refs/heads/main' })
      }
      if (provider === 'gitlab') expect(payload).toMatchObject({ iss: 'https://gitlab.com', namespace_path: 'acme/sub', ci_config_ref_uri: 'gitlab.com/acme/sub/tools//.gitlab-ci.yml@refs/heads/main' })
      if (provider === 'circleci') expect(payload.iss).toBe(`https://oidc.circleci.com/org/${UUID}`)
      if (provider === 'google') expect(payload).toMatchObject({ iss: 'https://accounts.google.com', email_verified: true })
    }
  })

  it('exchanges a matching id_token for a one-hour package token that publishes', async () => {
    emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], publishers: [{ ...GITHUB, claims: { ...GITHUB.claims, environment: 'npm' } }], versions: ['1.0.0'] }] })
    const exchange = (idToken, pkg = '@acme%2ftools') => call(`-/npm/v1/oidc/token/exchange/package/${pkg}`, { method: 'POST', token: idToken, otp: null })
    const good = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools', environment: 'npm' } })
    const exchanged = await exchange(good)
    expect(exchanged).toMatchObject({ status: 201, body: { token_type: 'oidc', token: expect.any(String) } })
    expect(Date.parse(exchanged.body.expires) - Date.parse(exchanged.body.created)).toBe(3600_000)

    const packument = (version) => ({
      _id: '@acme/tools', name: '@acme/tools', 'dist-tags': { latest: version },
      versions: { [version]: { name: '@acme/tools', version } },
      _attachments: { [`tools-${version}.tgz`]: { data: 'AA==', length: 1 } },
    })
    expect(await call('@acme%2ftools', { method: 'PUT', token: exchanged.body.token, otp: null, body: packument('1.1.0') })).toMatchObject({ status: 200, body: { success: true } })
    expect(await call('@acme%2ftools', { method: 'PUT', token: exchanged.body.token, otp: null, body: packument('1.1.0') })).toMatchObject({ status: 403 })
    expect(await call('widgets', { method: 'PUT', token: exchanged.body.token, otp: null, body: packument('1.0.0') })).toMatchObject({ status: 403, body: { message: 'This OIDC token may only publish @acme/tools' } })
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0', '1.1.0'])
    expect((await call('@acme%2ftools')).body['dist-tags']).toEqual({ latest: '1.1.0' })

    const refusal = async (idToken) => (await exchange(idToken)).body.message
    expect(await refusal(emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' } }))).toBe('OIDC token exchange error - package not found')
    expect(await refusal(emulator.issueIdToken({ provider: 'github', claims: { repository: 'Acme/Tools', environment: 'npm' } }))).toBe('OIDC token exchange error - package not found')
    expect(await refusal(emulator.issueIdToken({ provider: 'gitlab', claims: { environment: 'npm' } }))).toBe('OIDC token exchange error - package not found')
    expect(await refusal(emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools', environment: 'npm' }, expiresIn: -10 }))).toBe('OIDC token exchange error - invalid token: token expired')
    expect(await refusal(emulator.issueIdToken({ provider: 'github', audience: 'npm:registry.npmjs.org' }))).toContain('invalid audience')
    expect(await refusal(emulator.issueIdToken({ provider: 'github', claims: { iss: 'https://evil.example' } }))).toContain('untrusted issuer')
    const [head, , sig] = good.split('.')
    const forged = Buffer.from(JSON.stringify({ ...decode(good)[1], repository: 'acme/other' })).toString('base64url')
    expect(await refusal(`${head}.${forged}.${sig}`)).toContain('invalid signature')
    expect(await refusal('not-a-jwt')).toContain('malformed token')
  })

  it('a stage-only configuration exchanges, but cannot publish', async () => {
    emulator.seed({ packages: [{ name: 'widgets', publishers: [{ ...GITHUB, permissions: ['createStagedPackage'] }] }] })
    const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' } })
    const { body } = await call('-/npm/v1/oidc/token/exchange/package/widgets', { method: 'POST', token: idToken, otp: null })
    const put = await call('widgets', { method: 'PUT', token: body.token, otp: null, body: { versions: { '1.0.0': {} }, _attachments: {} } })
    expect(put).toMatchObject({ status: 403, body: { message: 'OIDC permission denied for this action' } })
  })

  it('GitHub\'s request-URL protocol and Google\'s metadata server', async () => {
    const job = emulator.githubActionsJob({ repository: 'acme/tools', environment: 'npm' })
    expect(job).toMatchObject({ CI: 'true', GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: `${emulator.url}-/oidc/github/token?api-version=2.0` })
    const got = await call(`-/oidc/github/token?api-version=2.0&audience=npm%3A127.0.0.1`, { base: job.ACTIONS_ID_TOKEN_REQUEST_URL.split('-/')[0], token: job.ACTIONS_ID_TOKEN_REQUEST_TOKEN, otp: null })
    expect(got.body.count).toBe(1)
    expect(decode(got.body.value)[1]).toMatchObject({ aud: 'npm:127.0.0.1', repository: 'acme/tools', environment: 'npm', sub: 'repo:acme/tools:environment:npm' })
    const byDefault = await call('-/oidc/github/token', { token: job.ACTIONS_ID_TOKEN_REQUEST_TOKEN, otp: null })
    expect(decode(byDefault.body.value)[1].aud).toBe('https://github.com/acme')
    expect((await call('-/oidc/github/token', { token: 'ghs-unknown', otp: null })).status).toBe(401)

    const { GCE_METADATA_HOST } = emulator.googleCloudIdentity({ email: 'release@acme.iam.gserviceaccount.com' })
    const metadata = `http://${GCE_METADATA_HOST}/computeMetadata/v1/instance/service-accounts/default/identity?audience=pypi`
    expect((await fetch(metadata)).status).toBe(403)
    const identity = await fetch(metadata, { headers: { 'metadata-flavor': 'Google' } })
    expect(decode(await identity.text())[1]).toMatchObject({ iss: 'https://accounts.google.com', aud: 'pypi', email: 'release@acme.iam.gserviceaccount.com' })
  })

  it('PyPI: audience, a single-use mint with PyPI\'s matching, and its 422 refusals', async () => {
    expect((await call('_/oidc/audience')).body).toEqual({ audience: emulator.pypiAudience })
    const mint = async (token) => (await call('_/oidc/mint-token', { method: 'POST', token: null, otp: null, body: { token } })).body
    // PyPI compares owners and environments ignoring case, and reads job_workflow_ref.
    const idToken = emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience, claims: { repository: 'acme/widgets', environment: 'pypi' } })
    const minted = await mint(idToken)
    expect(minted).toMatchObject({ success: true, token: expect.stringMatching(/^pypi-/) })
    expect(minted.expires - Date.now() / 1000).toBeGreaterThan(800)
    const code = async (token) => (await mint(token)).errors?.map((e) => e.code)
    expect(await code(idToken)).toEqual(['invalid-reuse-token'])
    expect(await code(emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience, claims: { repository: 'acme/widgets' } }))).toEqual(['invalid-publisher'])
    expect(await code(emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience, claims: { repository: 'acme/widgets', environment: 'pypi', job_workflow_ref: 'acme/ci/.github/workflows/other.yml@refs/heads/main' } }))).toEqual(['invalid-publisher'])
    expect(await code(emulator.issueIdToken({ provider: 'github' }))).toEqual(['invalid-token'])
    expect(await code(42)).toEqual(['invalid-payload'])
  })
})

describe('publishing and reading packages', () => {
  it('a maintainer publishes with 2FA; others may not; the packument lists versions', async () => {
    const body = { 'dist-tags': { latest: '2.0.0' }, versions: { '2.0.0': { name: 'widgets', version: '2.0.0' } }, _attachments: { 'w.tgz': {} } }
    expect((await call('widgets', { method: 'PUT', otp: null, body })).status).toBe(401)
    expect((await call('widgets', { method: 'PUT', token: 'mallory-token', body })).status).toBe(403)
    expect((await call('widgets', { method: 'PUT', body })).status).toBe(200)
    const { time, ...document } = (await call('widgets')).body
    // The registry records who published each version, and when.
    expect(document).toEqual({ _id: 'widgets', name: 'widgets', 'dist-tags': { latest: '2.0.0' }, versions: { '2.0.0': { name: 'widgets', version: '2.0.0', _npmUser: { name: 'alice' } } } })
    expect(Object.keys(time)).toEqual(['created', 'modified', '2.0.0'])
    expect(await call('nothing-here')).toMatchObject({ status: 404, body: { error: 'Not found' } })
    expect(await call('-/whoami')).toMatchObject({ status: 200, body: { username: 'alice' } })
  })
})

describe('staged publishing', () => {
  const sha1 = (bytes) => crypto.createHash('sha1').update(bytes).digest('hex')
  /** What `npm stage publish` sends: a publish packument, its tarball attached. */
  const packument = (name, version, tag = 'latest', tarball = Buffer.from(`tarball of ${name}@${version}`)) => ({
    _id: name,
    name,
    'dist-tags': { [tag]: version },
    access: 'public',
    versions: { [version]: { name, version } },
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
  })
  const stage = (name, version, options = {}) =>
    call(`-/stage/package/${name.replace('/', '%2f')}`, { method: 'POST', otp: null, body: packument(name, version, options.tag, options.tarball), ...options })
  const tarballOf = async (id, token = TOKEN) => {
    const response = await fetch(`${emulator.url}-/stage/${id}/tarball`, { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) }
  }

  it('a maintainer stages without 2FA; an approval with 2FA publishes it with its dist-tag', async () => {
    const tarball = Buffer.from('the bytes of @acme/tools@1.5.0')
    const staged = await stage('@acme/tools', '1.5.0', { tag: 'next', tarball })
    expect(staged).toMatchObject({ status: 201, body: { message: 'Package version staged successfully.', stageId: expect.stringMatching(/^[0-9a-f-]{36}$/) } })
    const id = staged.body.stageId
    expect((await call(`-/stage/${id}`)).body).toEqual({
      id, packageName: '@acme/tools', version: '1.5.0', tag: 'next', createdAt: expect.any(String), actor: 'alice', actorType: 'user', access: 'public', shasum: sha1(tarball),
    })
    expect(await tarballOf(id)).toEqual({ status: 200, bytes: tarball })
    expect((await stage('@acme/tools', '1.5.0')).status).toBe(409)
    expect((await stage('@acme/tools', '1.0.0')).status).toBe(403)
    // Others neither stage it nor see it.
    expect((await stage('@acme/tools', '1.6.0', { token: 'mallory-token' })).status).toBe(403)
    expect((await call(`-/stage/${id}`, { token: 'mallory-token' })).status).toBe(404)
    expect((await call(`-/stage/${id}/approve`, { method: 'POST', token: 'mallory-token' })).status).toBe(404)
    expect((await call('-/stage', { token: 'mallory-token' })).body).toEqual({ items: [], page: 0, perPage: 10, total: 0 })

    expect((await call(`-/stage/${id}/approve`, { method: 'POST', otp: null })).status).toBe(401)
    expect(await call(`-/stage/${id}/approve`, { method: 'POST' })).toMatchObject({ status: 200, body: { message: 'Package version approved and published successfully.' } })
    expect((await call('@acme%2ftools')).body['dist-tags']).toEqual({ latest: '1.0.0', next: '1.5.0' })
    expect((await call(`-/stage/${id}`)).status).toBe(404)
  })

  it('an exchanged token stages when its configuration allows createStagedPackage', async () => {
    const exchanged = async (permissions) => {
      emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [{ ...GITHUB, permissions }] }] })
      const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/tools' } })
      return (await call('-/npm/v1/oidc/token/exchange/package/widgets', { method: 'POST', token: idToken, otp: null })).body.token
    }
    // Today's registry lets every configuration stage; the seed's only one that allows it.
    const publishOnly = await exchanged(['createPackage'])
    emulator.seed({ trustModel: 'single' })
    const seedPublishOnly = await exchanged(['createPackage'])
    emulator.seed({ trustModel: 'several' })
    expect(await stage('widgets', '1.0.0', { token: seedPublishOnly })).toMatchObject({ status: 403, body: { message: 'OIDC permission denied for this action' } })
    expect((await stage('widgets', '0.9.0', { token: publishOnly })).status).toBe(201)
    const stageOnly = await exchanged(['createStagedPackage'])
    expect((await stage('@acme/tools', '1.0.1', { token: stageOnly })).status).toBe(403)
    const { status, body } = await stage('widgets', '1.0.0', { token: stageOnly })
    expect(status).toBe(201)
    expect((await call(`-/stage/${body.stageId}`)).body).toMatchObject({ packageName: 'widgets', actor: 'github', actorType: 'oidc' })
  })

  it('lists newest first, page by page, one package or all; rejects with 2FA; ids must be UUIDs', async () => {
    emulator.seed({
      packages: [{ name: 'listed-a', maintainers: ['alice'] }, { name: 'listed-b', maintainers: ['alice'] }],
      staged: Array.from({ length: 12 }, (_, i) => ({ package: i % 2 ? 'listed-b' : 'listed-a', version: `7.0.${i}`, createdAt: `2026-03-01T00:${String(i).padStart(2, '0')}:00.000Z` })),
    })
    const versions = async (query) => (await call(`-/stage?${query}`)).body.items.map((s) => s.version)
    expect(await versions('page=0&perPage=3&package=listed-b')).toEqual(['7.0.11', '7.0.9', '7.0.7'])
    expect(await versions('page=1&perPage=3&package=listed-b')).toEqual(['7.0.5', '7.0.3', '7.0.1'])
    expect(await versions('page=2&perPage=3&package=listed-b')).toEqual([])
    expect((await call('-/stage?package=listed-a')).body).toMatchObject({ page: 0, perPage: 10, total: 6 })
    expect((await call('-/stage?perPage=101')).status).toBe(400)
    const [newest] = (await call('-/stage?package=listed-b')).body.items
    expect((await call(`-/stage/${newest.id}`, { method: 'DELETE', otp: null })).status).toBe(401)
    expect((await call(`-/stage/${newest.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await call(`-/stage/${newest.id}`)).status).toBe(404)
    expect((await call('-/stage/not-a-uuid')).status).toBe(400)
    expect((await call('-/stage')).status).toBe(200)
    expect((await call('-/stage', { token: null })).status).toBe(401)
  })

  it('seeds staged versions: with a tarball npm can read, or the one given; the seed is checked', async () => {
    const id = '57a9ed00-0000-4000-8000-000000000001'
    emulator.seed({ staged: [{ id, package: 'widgets', version: '9.0.0' }] })
    const { bytes } = await tarballOf(id)
    expect((await call(`-/stage/${id}`)).body).toMatchObject({ actor: 'alice', tag: 'latest', shasum: sha1(bytes) })
    const tar = zlib.gunzipSync(bytes)
    expect(tar.subarray(0, 20).toString()).toBe('package/package.json')
    expect(JSON.parse(tar.subarray(512, 512 + Number.parseInt(tar.subarray(124, 135).toString(), 8)))).toEqual({ name: 'widgets', version: '9.0.0' })
    // Named again (by id, or package and version): replaced.
    emulator.seed({ staged: [{ id, package: 'widgets', version: '9.0.0', tarball: Buffer.from('given').toString('base64') }] })
    expect(await tarballOf(id)).toEqual({ status: 200, bytes: Buffer.from('given') })
    expect((await call('-/stage?package=widgets')).body.items.filter((s) => s.version === '9.0.0')).toHaveLength(1)
    expect(() => emulator.seed({ staged: [{ id: 'secret-value', package: 'p', version: '1.0.0' }] })).toThrow(new TypeError('seed.staged[0].id must be a UUID'))
    expect(() => emulator.seed({ staged: [{ package: 'p', version: '1.0.0', tarball: 'not base64!' }] })).toThrow(new TypeError('seed.staged[0].tarball must be a base64 string'))
    expect(() => emulator.seed({ staged: [{ package: 'p' }] })).toThrow(new TypeError('seed.staged[0].version is required'))
  })
})

describe('TLS and the proxy', () => {
  /** GET over https, trusting `ca`; resolves to the status, or rejects. */
  const httpsGet = (url, ca, agent) => new Promise((resolve, reject) => {
    https.get(url, { ca, agent }, (res) => {
      res.resume()
      resolve(res.statusCode)
    }).on('error', reject)
  })

  it('serves HTTPS with a certificate from a throwaway CA, trusted only through caPem', async () => {
    const secure = await startEmulator({ tls: true })
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
      const ca = new crypto.X509Certificate(secure.caPem)
      expect(ca.ca).toBe(true)
      expect(await httpsGet(`${secure.url}-/whoami`, secure.caPem)).toBe(401)
      await expect(httpsGet(`${secure.url}-/whoami`)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNED/) })
      const other = await startEmulator({ tls: true })
      await expect(httpsGet(`${secure.url}-/whoami`, other.caPem)).rejects.toThrow()
      other.stop()
      expect(emulator.caPem).toBeNull()
    } finally {
      secure.stop()
    }
  })

  it('tunnels CONNECT and forwards plain http to loopback only, recording each request line', async () => {
    const secure = await startEmulator({ tls: true })
    const proxy = await startProxy()
    try {
      const { port } = new URL(secure.url)
      // A CONNECT tunnel, then TLS through it.
      const socket = await new Promise((resolve, reject) => {
        http.request({ host: '127.0.0.1', port: new URL(proxy.url).port, method: 'CONNECT', path: `127.0.0.1:${port}` })
          .on('connect', (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(String(res.statusCode)))))
          .on('error', reject)
          .end()
      })
      const tunnelled = tls.connect({ socket, ca: secure.caPem, checkServerIdentity: (host, cert) => tls.checkServerIdentity('127.0.0.1', cert) })
      tunnelled.write(`GET /-/whoami HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`)
      let answer = ''
      for await (const chunk of tunnelled) answer += chunk
      expect(answer).toMatch(/^HTTP\/1\.1 401/)

      const plain = await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: new URL(proxy.url).port, path: `${emulator.url}-/whoami`, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = ''
          res.on('data', (d) => { text += d })
          res.on('end', () => resolve(JSON.parse(text)))
        }).on('error', reject)
      })
      expect(plain).toEqual({ username: 'alice' })
      const refused = await new Promise((resolve) => {
        http.request({ host: '127.0.0.1', port: new URL(proxy.url).port, method: 'CONNECT', path: 'registry.npmjs.org:443' })
          .on('connect', (res, s) => { s.destroy(); resolve(res.statusCode) }).on('error', () => resolve('error')).end()
      })
      expect(refused).toBe(403)
      expect(proxy.requests()).toEqual([`CONNECT 127.0.0.1:${port}`, `GET ${emulator.url}-/whoami`, 'CONNECT registry.npmjs.org:443'])
      expect(emulator.requests().at(-1)).toMatchObject({ path: '/-/whoami', headers: { authorization: `Bearer ${TOKEN}`, connection: 'close' } })
    } finally {
      proxy.stop()
      secure.stop()
    }
  })

  it('stop() closes keep-alive connections at once, awaited or not', async () => {
    const short = await startEmulator()
    const agent = new http.Agent({ keepAlive: true })
    const status = await new Promise((resolve) => http.get(`${short.url}-/whoami`, { agent }, (res) => { res.resume(); resolve(res.statusCode) }))
    expect(status).toBe(401)
    const [socket] = Object.values(agent.freeSockets).flat()
    const closed = new Promise((resolve) => socket.once('close', resolve))
    const started = Date.now()
    short.stop()
    await closed
    expect(Date.now() - started).toBeLessThan(1000)
    await expect(fetch(short.url)).rejects.toThrow()
    await short.stop()
    agent.destroy()
  })
})

describe('the control API and cli.js', () => {
  const control = async (base, path, { method = 'GET', body } = {}) => {
    const response = await fetch(`${base}-/emulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() }
  }

  it('mirrors the methods; its requests are neither recorded nor faulted', async () => {
    const base = emulator.url
    emulator.injectFault({ kind: 'status', status: 500 })
    expect(await control(base, '')).toEqual({ status: 200, body: { url: emulator.url, caPem: null, npmAudience: 'npm:127.0.0.1' } })
    expect((await control(base, '/seed', { method: 'POST', body: { packages: [{ name: '@acme/cp', versions: ['0.1.0'], publishers: [GITHUB] }] } })).status).toBe(204)
    expect((await control(base, '/publishers/@acme%2fcp')).body).toEqual([{ ...GITHUB, id: expect.any(String) }])
    expect((await control(base, '/publishers/@acme/cp')).body).toHaveLength(1)
    expect((await control(base, '/publishers/none')).body).toBeNull()
    expect((await control(base, '/versions/@acme%2fcp')).body).toEqual(['0.1.0'])
    expect(await control(base, '/seed', { method: 'POST', body: { users: [{ name: 1 }] } })).toEqual({ status: 400, body: { message: 'seed.users[0].name must be a string, not a number' } })
    const idToken = (await control(base, '/id-token', { method: 'POST', body: { provider: 'gitlab', claims: { project_path: 'a/b' } } })).body
    expect(decode(idToken)[1]).toMatchObject({ iss: 'https://gitlab.com', project_path: 'a/b', aud: 'npm:127.0.0.1' })
    expect((await control(base, '/github-actions-job', { method: 'POST' })).body).toMatchObject({ GITHUB_ACTIONS: 'true' })
    expect((await control(base, '/google-cloud-identity', { method: 'POST', body: { email: 'x@y' } })).body).toEqual({ GCE_METADATA_HOST: new URL(base).host })
    expect((await control(base, '/otp', { method: 'POST', body: { user: 'alice', otp: '999999' } })).status).toBe(204)
    expect((await control(base, '/faults', { method: 'DELETE' })).status).toBe(204)
    expect((await call(trust(), { otp: '999999' })).status).toBe(200)
    expect((await control(base, '/faults', { method: 'POST', body: { kind: 'status', status: 418, times: 1 } })).status).toBe(204)
    expect((await call(trust(), { otp: '999999' })).status).toBe(418)
    expect((await control(base, '/requests')).body.map((r) => r.method)).toEqual(['GET', 'GET'])
    expect((await control(base, '/requests', { method: 'DELETE' })).status).toBe(204)
    expect(emulator.requests()).toEqual([])
    expect((await control(base, '/nothing')).status).toBe(404)
  })

  /** Spawns cli.js; resolves to the child and the line it printed. */
  function startCli(args, input) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
    if (input !== undefined) child.stdin.write(input)
    return new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('\n')) resolve({ child, exited, info: JSON.parse(out) })
      })
      child.on('exit', () => reject(new Error(`cli.js exited: ${out}`)))
    })
  }

  it('cli.js: a seed file, one line of JSON, driven over the control API, gone when stdin closes', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'seed.json'), JSON.stringify({ users: [{ name: 'ci', token: 'ci-token' }], packages: [{ name: 'p', maintainers: ['ci'] }] }))
    const { child, exited, info } = await startCli([join(dir, 'seed.json')])
    expect(info).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), caPem: null, npmAudience: 'npm:127.0.0.1' })
    expect((await call(trust('p'), { base: info.url, token: 'ci-token', otp: '123456' })).status).toBe(200)
    expect((await control(info.url, '/requests')).body).toHaveLength(1)
    child.stdin.end()
    expect(await exited).toEqual({ code: 0, signal: null })
    await expect(fetch(info.url)).rejects.toThrow()
  })

  it('cli.js: a TLS seed from stdin; stops on /-/emulator/stop', async () => {
    const first = await startCli(['-'], `${JSON.stringify({ tls: true })}\n`)
    expect(first.info.url).toMatch(/^https:/)
    expect(first.info.caPem).toContain('BEGIN CERTIFICATE')
    const stopped = await new Promise((resolve, reject) => {
      https.request(`${first.info.url}-/emulator/stop`, { method: 'POST', ca: first.info.caPem }, (res) => {
        res.resume()
        resolve(res.statusCode)
      }).on('error', reject).end()
    })
    expect(stopped).toBe(204)
    expect(await first.exited).toEqual({ code: 0, signal: null })
    const bad = await run(process.execPath, [CLI, join(tempDir(), 'missing.json')]).catch((e) => e)
    expect(bad.code).toBe(2)
  })

  // Windows has no SIGTERM to send: `kill('SIGTERM')` ends the process there, unasked.
  it.skipIf(process.platform === 'win32')('cli.js stops on SIGTERM', async () => {
    const { child, exited } = await startCli([])
    child.kill('SIGTERM')
    expect((await exited).code).toBe(0)
  })

  it('cli.js --proxy: a proxy whose log is read at /-/proxy/requests', async () => {
    const { child, exited, info } = await startCli(['--proxy'])
    const through = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: new URL(info.url).port, path: `${emulator.url}_/oidc/audience` }, (res) => {
        res.resume()
        resolve(res.statusCode)
      }).on('error', reject)
    })
    expect(through).toBe(200)
    expect(await (await fetch(`${info.url}/-/proxy/requests`)).json()).toEqual([`GET ${emulator.url}_/oidc/audience`])
    child.stdin.end()
    expect((await exited).code).toBe(0)
  })
})

describe('the real npm CLI against it', () => {
  let home, cwd

  /** Runs the pinned npm in `cwd`, isolated from the machine's npm configuration. */
  async function npm(args, env = {}, dir = cwd) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_config_|NPM_|ACTIONS_|GITHUB_|GITLAB|CIRCLE|CI$)/i.test(k)))
    try {
      const { stdout } = await run(process.execPath, [npmCli, ...args], {
        cwd: dir,
        env: {
          ...clean,
          npm_config_userconfig: join(home, 'npmrc'),
          npm_config_globalconfig: join(home, 'npmrc-global'),
          npm_config_cache: join(home, 'cache'),
          npm_config_update_notifier: 'false',
          NO_COLOR: '1',
          ...env,
        },
      })
      return { code: 0, stdout }
    } catch (error) {
      return { code: error.code, stdout: error.stdout, stderr: error.stderr }
    }
  }

  beforeAll(() => {
    home = tempDir()
    writeFileSync(join(home, 'npmrc'), '')
    writeFileSync(join(home, 'npmrc-global'), '')
    cwd = tempDir()
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: '@acme/tools', version: '1.0.0', repository: 'github:acme/tools' }))
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${TOKEN}\n`)
  })

  it('npm trust github, list and revoke are accepted, and send what the registry expects', async () => {
    const created = await npm(['trust', 'github', '--file', 'release.yml', '--env', 'npm', '--allow-publish', '--yes', `--otp=${OTP}`])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toContain('Trust configuration created successfully')
    const [config] = emulator.publishers('@acme/tools')
    expect(config).toEqual({ id: expect.any(String), type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' }, environment: 'npm' }, permissions: ['createPackage'] })
    expect(emulator.requests()[0]).toMatchObject({ method: 'POST', path: '/-/package/@acme%2ftools/trust', headers: { 'npm-otp': OTP, 'npm-command': 'trust' } })

    const listed = await npm(['trust', 'list', `--otp=${OTP}`])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(`id: ${config.id}`)

    // A second publisher is added beside the first, and npm lists both; the same one again is refused.
    const second = await npm(['trust', 'gitlab', '--file', '.gitlab-ci.yml', '--project', 'acme/tools', '--allow-publish', '--yes', `--otp=${OTP}`])
    expect(second.code, second.stderr).toBe(0)
    const both = await npm(['trust', 'list', `--otp=${OTP}`])
    expect(both.stdout).toContain(`id: ${config.id}`)
    expect(both.stdout).toContain('project: acme/tools')
    const again = await npm(['trust', 'github', '--file', 'release.yml', '--env', 'npm', '--allow-publish', '--yes', `--otp=${OTP}`])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('409')

    const missing = await npm(['trust', 'list'])
    expect(missing.stderr).toContain('EOTP')

    const revoked = await npm(['trust', 'revoke', `--id=${config.id}`, `--otp=${OTP}`])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(emulator.publishers('@acme/tools').map((p) => p.type)).toEqual(['gitlab'])
  })

  it('npm publish in a GitHub Actions job exchanges its id_token and publishes', async () => {
    emulator.seed({ packages: [{ name: '@acme/tools', maintainers: ['alice'], publishers: [GITHUB], versions: ['1.0.0'] }] })
    const dir = tempDir()
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@acme/tools', version: '1.2.0' }))
    writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
    writeFileSync(join(dir, '.npmrc'), `registry=${emulator.url}\n`)
    const published = await npm(['publish', '--provenance=false'], emulator.githubActionsJob({ repository: 'acme/tools' }), dir)
    expect(published.code, published.stderr).toBe(0)
    expect(published.stdout).toContain('+ @acme/tools@1.2.0')
    expect(emulator.versions('@acme/tools')).toEqual(['1.0.0', '1.2.0'])
    expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining([
      'GET /-/oidc/github/token?api-version=2.0&audience=npm%3A127.0.0.1',
      'POST /-/npm/v1/oidc/token/exchange/package/@acme%2ftools',
      'PUT /@acme%2ftools',
    ]))
  })
})
