// A messy world from JS: 2FA by code and by web approval (asked once per run), retries, TLS
// with a private CA, proxies, plain http, and resolveConfig saying where everything came from.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isolateNpmConfig, project, rejection, tempDir, testing, tn } from './helpers.mjs'

const OTP = '864200'
let emulator, counter = 0

/** A fresh token per test (remembered OTPs are per registry and account), with no 2FA window. */
function freshUser() {
  counter += 1
  const token = `resilience-token-${counter}`
  emulator.seed({ users: [{ name: 'alice', token, otp: OTP }] })
  emulator.setOtp('alice', OTP)
  return token
}

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await testing.startEmulator({ webAuthRetryAfter: 0.05 })
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: ['one', 'two', 'three'].map((name) => ({ name, maintainers: ['alice'] })) })
  emulator.clearFaults()
  emulator.clearRequests()
})

const add = (options) => tn.addGithubPublisher({ registry: emulator.url, repository: 'acme/widgets', file: 'release.yml', ...options })

describe('2FA', () => {
  it('asks onOtp for a code when the given one is refused, and reuses it for the next calls', async () => {
    const token = freshUser()
    const challenges = []
    const onOtp = async (challenge) => { challenges.push(challenge); return OTP }
    // A stale code was given: the registry refuses it (a plain OTP challenge, since one was sent).
    await add({ token, package: 'one', otp: '000000', onOtp })
    for (const pkg of ['two', 'three']) await add({ token, package: pkg, onOtp })
    expect(challenges).toEqual([{ type: 'otp', signal: expect.any(AbortSignal) }])
    expect(['one', 'two', 'three'].map((p) => emulator.publishers(p).length)).toEqual([1, 1, 1])
    expect(emulator.requests().filter((r) => r.method === 'POST').map((r) => r.headers['npm-otp'])).toEqual(['000000', OTP, OTP, OTP])
  })

  it('follows the web flow: shows authUrl, polls doneUrl, asks once for a whole run', async () => {
    const token = freshUser()
    const challenges = []
    const onOtp = async (challenge) => {
      challenges.push(challenge)
      // The user approves in the browser and ticks "skip 2FA for 5 minutes".
      await fetch(`${challenge.authUrl}?approve=true&skip2fa=true`)
    }
    for (const pkg of ['one', 'two', 'three']) await add({ token, package: pkg, onOtp })
    expect(challenges).toEqual([{ type: 'web', authUrl: expect.stringContaining('/auth/cli/'), doneUrl: expect.stringContaining('/-/v1/done?authId='), signal: expect.any(AbortSignal) }])
    expect(['one', 'two', 'three'].map((p) => emulator.publishers(p).length)).toEqual([1, 1, 1])
    expect(emulator.requests().filter((r) => r.path.startsWith('/-/v1/done')).length).toBeGreaterThanOrEqual(1)
  })

  it('a synchronous onOtp works too', async () => {
    const token = freshUser()
    await add({ token, package: 'one', otp: '000000', onOtp: () => OTP })
    expect(emulator.publishers('one')).toHaveLength(1)
  })

  it('concurrent calls of a client share a failed approval instead of asking again', async () => {
    const token = freshUser()
    const client = new tn.TrustClient({ registry: emulator.url, token, webAuthTimeoutMs: 300 })
    const asked = []
    const calls = ['one', 'two', 'three'].map((pkg) =>
      rejection(client.addGithubPublisher({ package: pkg, repository: 'acme/widgets', file: 'release.yml', onOtp: (c) => { asked.push(c.type) } })))
    const errors = await Promise.all(calls)
    expect(asked).toEqual(['web'])
    expect(errors.map((e) => e.code)).toEqual(['EOTP', 'EOTP', 'EOTP'])
    // A call made afterwards asks anew.
    await client.addGithubPublisher({ package: 'one', repository: 'acme/widgets', file: 'release.yml', otp: '000000', onOtp: () => OTP })
    expect(emulator.publishers('one')).toHaveLength(1)
  })

  it('the challenge\'s signal aborts once the approval came through the browser', async () => {
    const token = freshUser()
    let signal
    const onOtp = (challenge) => {
      signal = challenge.signal
      fetch(`${challenge.authUrl}?approve=true`)
      // A prompt waiting for a typed code, until it is no longer needed.
      return new Promise((resolve) => challenge.signal.addEventListener('abort', () => resolve(undefined)))
    }
    await add({ token, package: 'one', onOtp })
    expect(emulator.publishers('one')).toHaveLength(1)
    // The abort comes on its own queue: it may arrive just after the call settled.
    await new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', resolve)))
    expect(signal.aborted).toBe(true)
  })

  it('EOTP when the web approval does not come in time, or onOtp fails', async () => {
    const token = freshUser()
    const slow = await rejection(add({ token, package: 'one', onOtp: () => undefined, webAuthTimeoutMs: 300 }))
    expect(slow.code).toBe('EOTP')
    expect(slow.message).toContain('not completed within')
    const broken = await rejection(add({ token, package: 'one', otp: '000000', onOtp: () => { throw new Error('no TTY here') } }))
    expect(broken.code).toBe('EOTP')
    expect(broken.message).toContain('Asking for a one-time password failed: no TTY here.')
    expect(emulator.publishers('one')).toEqual([])
  })
})

describe('retries', () => {
  it('GET and DELETE retry 5xx and 429 (with Retry-After); a create is checked, not repeated', async () => {
    const token = freshUser()
    emulator.injectFault({ kind: 'status', status: 503, times: 2, method: 'GET' })
    expect(await tn.listPublishers({ registry: emulator.url, token, otp: OTP, package: 'one' })).toEqual([])
    expect(emulator.requests().filter((r) => r.method === 'GET')).toHaveLength(3)

    emulator.clearRequests()
    emulator.injectFault({ kind: 'drop', after: true, times: 1, method: 'POST' })
    const { publisher } = await add({ token, otp: OTP, package: 'one' })
    expect(emulator.publishers('one')).toEqual([expect.objectContaining({ id: publisher.id })])
    expect(emulator.requests().map((r) => r.method)).toEqual(['POST', 'GET'])

    emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1, times: 1 })
    const started = Date.now()
    await tn.revokePublisher({ registry: emulator.url, token, otp: OTP, package: 'one', id: publisher.id })
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(emulator.publishers('one')).toEqual([])
  })

  it('retries: 0 reports the first failure', async () => {
    const token = freshUser()
    emulator.injectFault({ kind: 'status', status: 502, times: 1 })
    const error = await rejection(tn.listPublishers({ registry: emulator.url, token, otp: OTP, package: 'one', retries: 0 }))
    expect(error.code).toBe('E502')
  })
})

describe('TLS, proxies, plain http', () => {
  it('trusts a private CA given by cafile, and says ETLS otherwise', async () => {
    const secure = await testing.startEmulator({ tls: true, users: [{ name: 'alice', token: 'tls-token', otp: OTP }], packages: [{ name: 'one', maintainers: ['alice'] }] })
    try {
      const options = { registry: secure.url, token: 'tls-token', otp: OTP, package: 'one' }
      const untrusted = await rejection(tn.listPublishers({ ...options, cwd: project({}) }))
      expect(untrusted.code).toBe('ETLS')
      const dir = tempDir()
      const ca = join(dir, 'ca.pem')
      writeFileSync(ca, secure.caPem)
      // The user's config may trust a CA; the checkout's may not (it could read what goes
      // through a proxy it names).
      const checkout = project({}, `cafile=${ca}\n`)
      expect((await rejection(tn.listPublishers({ ...options, cwd: checkout }))).code).toBe('ETLS')
      expect((await tn.resolveConfig({ cwd: checkout })).ignored).toEqual([expect.stringContaining('`cafile`')])
      writeFileSync(process.env.npm_config_userconfig, `cafile=${ca}\n`)
      try {
        expect(await tn.listPublishers({ ...options, cwd: project({}) })).toEqual([])
      } finally {
        writeFileSync(process.env.npm_config_userconfig, '')
      }
    } finally {
      secure.stop()
    }
  })

  // Apart from cafile: NODE_EXTRA_CA_CERTS adds to the system's roots, which Wine cannot do
  // (scripts/test-targets.mjs skips this test there by name).
  it('trusts a private CA given by NODE_EXTRA_CA_CERTS, beside the system roots', async () => {
    const secure = await testing.startEmulator({ tls: true, users: [{ name: 'alice', token: 'tls-token', otp: OTP }], packages: [{ name: 'one', maintainers: ['alice'] }] })
    try {
      const options = { registry: secure.url, token: 'tls-token', otp: OTP, package: 'one' }
      const ca = join(tempDir(), 'ca.pem')
      writeFileSync(ca, secure.caPem)
      process.env.NODE_EXTRA_CA_CERTS = ca
      try {
        expect(await tn.listPublishers({ ...options, cwd: project({}) })).toEqual([])
      } finally {
        delete process.env.NODE_EXTRA_CA_CERTS
      }
    } finally {
      secure.stop()
    }
  })

  it('goes through HTTPS_PROXY and npm\'s proxy, except for noproxy hosts', async () => {
    const token = freshUser()
    const proxy = await testing.startProxy()
    try {
      const options = { registry: emulator.url, token, otp: OTP, package: 'one' }
      await tn.listPublishers({ ...options, cwd: project({}, `proxy=${proxy.url}\n`) })
      expect(proxy.requests()).toEqual([`GET ${emulator.url}-/package/one/trust`])
      await tn.listPublishers({ ...options, cwd: project({}, `proxy=${proxy.url}\nnoproxy=127.0.0.1\n`) })
      expect(proxy.requests()).toHaveLength(1)
    } finally {
      proxy.stop()
    }
  })

  it('EINSECURE: no credentials over plain http to another machine, unless allowed', async () => {
    const error = await rejection(tn.listPublishers({ registry: 'http://registry.invalid/', token: 'secret-token', package: 'one' }))
    expect(error.code).toBe('EINSECURE')
    const allowed = await rejection(tn.listPublishers({ registry: 'http://registry.invalid/', token: 'secret-token', package: 'one', allowInsecure: true, retries: 0 }))
    expect(allowed.code).toBe('ENETWORK')
  })
})

describe('resolveConfig', () => {
  it('says where the registry, token, proxy and certificates came from, never the token', async () => {
    const cwd = project({ name: '@corp/lib' }, '@corp:registry=https://npm.corp.example/\nstrict-ssl=false\n')
    const user = process.env.npm_config_userconfig
    writeFileSync(user, '//npm.corp.example/:_authToken=${CORP_NPM_TOKEN}\n')
    process.env.CORP_NPM_TOKEN = 'corp-secret-token'
    process.env.HTTPS_PROXY = 'http://proxy.corp.example:3128'
    try {
      const config = await tn.resolveConfig({ cwd })
      expect(config).toMatchObject({
        package: '@corp/lib',
        registry: 'https://npm.corp.example/',
        registrySource: `@corp:registry in ${join(cwd, '.npmrc')}`,
        token: '***',
        tokenSource: `//npm.corp.example/:_authToken in ${user}`,
        // Windows' names have no case: setting HTTPS_PROXY sets an https_proxy already there.
        proxy: { value: 'http://proxy.corp.example:3128', source: process.platform === 'win32' ? expect.stringMatching(/^the HTTPS_PROXY environment variable$/i) : 'the HTTPS_PROXY environment variable' },
        // The checkout's strict-ssl=false is not applied, and that is said.
        strictSsl: true,
        ignored: [expect.stringContaining(`\`strict-ssl\` in ${join(cwd, '.npmrc')} is not applied`)],
      })
      expect(config.files.map((f) => f.layer)).toEqual(['project', 'user', 'global'])
      expect(JSON.stringify(config)).not.toContain('corp-secret-token')
    } finally {
      delete process.env.CORP_NPM_TOKEN
      delete process.env.HTTPS_PROXY
      writeFileSync(user, '')
    }
  })
})
