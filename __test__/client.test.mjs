// The binding as a caller meets it: TrustClient, strict options (unknown, mistyped, inherited),
// one time budget per call whatever the server or onOtp does, AbortSignal, and state that
// belongs to a client rather than to the process.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { ALICE, OTP, asAlice, isolateNpmConfig, project, rejection, startEmulator, tn, withCiEnv } from './helpers.mjs'

let emulator

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice', 'no2fa', 'bot'] }] })
  emulator.clearFaults()
  emulator.clearRequests()
})

const github = { package: 'widgets', repository: 'acme/widgets', file: 'release.yml' }

describe('strict options', () => {
  it('refuses a misspelt option, names it and the option meant, and sends nothing', async () => {
    const error = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), ...github, enviroment: 'production' }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'enviroment' })
    expect(error.message).toContain('Did you mean `environment`?')
    const permission = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), ...github, allowpublish: false }))
    expect(permission).toMatchObject({ code: 'EINVALIDINPUT', field: 'allowpublish' })
    expect(permission.message).toContain('Did you mean `allowPublish`?')
    expect(emulator.requests()).toEqual([])
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('refuses an option of the wrong type without showing its value', async () => {
    const error = await rejection(tn.listPublishers({ ...asAlice(emulator), package: 'widgets', otp: 24681357 }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'otp' })
    expect(error.message).toBe('Option `otp` must be a string, not a number.')
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('24681357')
    const timeout = await rejection(tn.listPublishers({ ...asAlice(emulator), timeoutMs: -5 }))
    expect(timeout).toMatchObject({ code: 'EINVALIDINPUT', field: 'timeoutMs' })
    expect(emulator.requests()).toEqual([])
  })

  it('ignores inherited properties: a polluted prototype does not choose where the token goes', async () => {
    const evil = await startEmulator()
    // The token is bound to the project's registry (a `token` option goes only to a registry
    // named in code).
    const cwd = project({ name: 'widgets' }, `registry=${emulator.url}\n${emulator.url.slice(5)}:_authToken=${ALICE}\n`)
    Object.prototype.registry = evil.url
    try {
      const options = { otp: OTP, cwd }
      expect(await tn.listPublishers(options)).toEqual([])
      expect(await new tn.TrustClient({ otp: OTP, cwd }).listPublishers()).toEqual([])
    } finally {
      delete Object.prototype.registry
      evil.stop()
    }
    expect(evil.requests()).toEqual([])
    expect(emulator.requests().map((r) => r.path)).toEqual(['/-/package/widgets/trust', '/-/package/widgets/trust'])
  })

  it('refuses unknown client options when the client is created', () => {
    let error
    try {
      new tn.TrustClient({ registy: emulator.url })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'registy' })
    expect(error.message).toContain('Did you mean `registry`?')
  })
})

describe('TrustClient', () => {
  it('uses its defaults, lets a call override them, and reads its own env', async () => {
    const client = new tn.TrustClient({ registry: emulator.url, otp: OTP, env: { NPM_TOKEN: ALICE } })
    const added = await client.addGithubPublisher(github)
    expect(await client.listPublishers({ package: 'widgets' })).toEqual([added.publisher])
    const wrongOtp = await rejection(client.listPublishers({ package: 'widgets', otp: '000000' }))
    expect(wrongOtp.code).toBe('EOTP')
    expect(emulator.requests().every((r) => r.headers.authorization === `Bearer ${ALICE}`)).toBe(true)
  })

  it('keeps OTPs it obtained to itself', async () => {
    const asked = []
    const first = new tn.TrustClient({ registry: emulator.url, token: ALICE, onOtp: (c) => (asked.push(c.type), OTP) })
    await first.listPublishers({ package: 'widgets' })
    await first.listPublishers({ package: 'widgets' })
    expect(asked).toHaveLength(1)
    const second = new tn.TrustClient({ registry: emulator.url, token: ALICE })
    expect((await rejection(second.listPublishers({ package: 'widgets' }))).code).toBe('EOTP')
  })
})

describe('one time budget per call', () => {
  it('ends a call to a silent registry by timeoutMs and says what it waited for', async () => {
    emulator.injectFault({ kind: 'latency', ms: 60_000 })
    const started = Date.now()
    const error = await rejection(tn.listPublishers(asAlice(emulator, { package: 'widgets', timeoutMs: 300, retries: 5 })))
    expect(error.code).toBe('ETIMEDOUT')
    expect(error.message).toContain('/-/package/widgets/trust')
    // Far below the fault's minute, whatever the machine's speed.
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('ends a call whose onOtp never answers, and later calls are not blocked by it', async () => {
    const never = () => new Promise(() => {})
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, timeoutMs: 300 })
    // A wrong code makes the registry ask for another; the prompt never gives one.
    const error = await rejection(client.listPublishers({ package: 'widgets', otp: '000000', onOtp: never }))
    expect(error.code).toBe('ETIMEDOUT')
    expect(error.message).toContain('waiting for an answer to the one-time password prompt')
    // The same account, the same client: the abandoned prompt holds nothing.
    expect(await client.listPublishers({ package: 'widgets', otp: '000000', onOtp: () => OTP, timeoutMs: 30_000 })).toEqual([])
    // A web approval that never comes ends the same way (a new client: this one now has an OTP).
    const fresh = new tn.TrustClient({ registry: emulator.url, token: ALICE, timeoutMs: 300 })
    const web = await rejection(fresh.listPublishers({ package: 'widgets', onOtp: never }))
    expect(web.code).toBe('ETIMEDOUT')
  })

  it('bounds the id_token request of exchangeToken', async () => {
    // A CI token endpoint that accepts connections and never answers.
    const silent = createServer(() => {})
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${silent.address().port}/token`
    const cwd = project({ name: 'widgets' })
    try {
      const error = await withCiEnv(
        { CI: 'true', GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
        () => rejection(tn.exchangeToken({ registry: emulator.url, cwd, timeoutMs: 300 })),
      )
      expect(error.code).toBe('ETIMEDOUT')
      expect(error.message).toContain('id_token')
      expect(error.message).not.toContain('request-token')
    } finally {
      silent.close()
    }
  })
})

describe('AbortSignal', () => {
  it('rejects at once with an aborted signal and sends nothing', async () => {
    const error = await rejection(tn.listPublishers(asAlice(emulator, { package: 'widgets', signal: AbortSignal.abort() })))
    expect(error.code).toBe('EABORTED')
    expect(emulator.requests()).toEqual([])
  })

  it('aborts a call in flight', async () => {
    const controller = new AbortController()
    // The registry asks for an OTP; the prompt aborts instead of answering.
    const onOtp = () => {
      controller.abort()
      return new Promise(() => {})
    }
    const error = await rejection(
      tn.addGithubPublisher({ registry: emulator.url, token: ALICE, ...github, onOtp, signal: controller.signal }),
    )
    expect(error.code).toBe('EABORTED')
    expect(error.message).toContain('may or may not have reached the registry')
  })

  it('stops an applyTrust run', async () => {
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    const plan = await client.planTrust([{ type: 'github', ...github }])
    const controller = new AbortController()
    controller.abort()
    const error = await rejection(client.applyTrust(plan, { signal: controller.signal }))
    expect(error.code).toBe('EABORTED')
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('does not collect listeners on a signal shared by many calls', async () => {
    const controller = new AbortController()
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    let listeners = 0
    const { addEventListener, removeEventListener } = controller.signal
    controller.signal.addEventListener = function (...args) { listeners++; return addEventListener.apply(this, args) }
    controller.signal.removeEventListener = function (...args) { listeners--; return removeEventListener.apply(this, args) }
    for (let i = 0; i < 5; i++) await client.listPublishers({ package: 'widgets', signal: controller.signal })
    expect(listeners).toBe(0)
  })
})

describe('results', () => {
  it('are plain objects: a "__proto__" key in a registry answer stays data', async () => {
    const claims = JSON.parse('{"repository":"acme/widgets","workflow_ref":{"file":"release.yml"},"__proto__":{"polluted":true}}')
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [{ type: 'github', claims, permissions: ['createPackage'] }] }] })
    const [publisher] = await tn.listPublishers(asAlice(emulator, { package: 'widgets' }))
    expect(Object.getPrototypeOf(publisher.claims)).toBe(Object.prototype)
    expect(publisher.claims.polluted).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(publisher.claims, '__proto__').value).toEqual({ polluted: true })
  })

  it('are plain objects: a "__proto__" claim in an id_token given to decodeIdToken stays data', () => {
    const part = (text) => Buffer.from(text).toString('base64url')
    const jwt = `${part('{"alg":"none"}')}.${part('{"aud":"npm:registry.npmjs.org","__proto__":{"polluted":true}}')}.`
    const { claims } = tn.decodeIdToken(jwt)
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype)
    expect(claims.polluted).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(claims, '__proto__').value).toEqual({ polluted: true })
  })
})

describe('what a first user and an attacker tried', () => {
  it('ensurePublisher and applyTrust refuse dryRun instead of changing the registry', async () => {
    const ensure = await rejection(tn.ensurePublisher({ ...asAlice(emulator), type: 'github', ...github, dryRun: true }))
    expect(ensure).toMatchObject({ code: 'EINVALIDINPUT', field: 'dryRun' })
    expect(ensure.message).toContain('planTrust')
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    const plan = await client.planTrust([{ type: 'github', ...github }])
    expect((await rejection(client.applyTrust(plan, { dryRun: true }))).field).toBe('dryRun')
    expect(emulator.requests().map((r) => r.method)).toEqual(['GET'])
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('an onProgress that throws or rejects neither stops the run nor crashes the process', async () => {
    const client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
    emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'] }, { name: 'gadgets', maintainers: ['alice'] }] })
    const plan = await client.planTrust([{ type: 'github', ...github }, { type: 'github', ...github, package: 'gadgets' }])
    let calls = 0
    const results = await client.applyTrust(plan, {
      onProgress: () => {
        calls += 1
        if (calls === 1) throw new Error('bug in my progress bar')
        return Promise.reject(new Error('async bug'))
      },
    })
    expect(results.map((r) => r.status)).toEqual(['done', 'done'])
  })

  it('positional arguments of the wrong type are refused without echoing them', async () => {
    let error
    try {
      tn.decodeIdToken({ token: 'SECRET-ID-TOKEN' })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'jwt' })
    expect(error.message).not.toContain('SECRET')
    const cwd = await rejection(tn.discoverWorkspacePackages({ secret: 'SECRET-CWD' }))
    expect(cwd).toMatchObject({ code: 'EINVALIDINPUT', field: 'cwd' })
    expect(cwd.message).not.toContain('SECRET')
    expect((await rejection(tn.readTrustConfig([], 5))).field).toBe('cwd')
  })

  it('a throwing getter or Proxy in the options rejects the call instead of throwing', async () => {
    const options = { ...asAlice(emulator), package: 'widgets' }
    Object.defineProperty(options, 'otp', { enumerable: true, get() { throw new Error('boom') } })
    const promise = tn.listPublishers(options)
    expect(promise).toBeInstanceOf(Promise)
    expect(await rejection(promise)).toMatchObject({ code: 'EINVALIDINPUT', field: 'otp' })
    const trap = new Proxy({}, { ownKeys() { throw new Error('trap') } })
    expect((await rejection(tn.listPublishers(trap))).code).toBe('EINVALIDINPUT')
    const fake = Object.create(AbortSignal.prototype)
    expect((await rejection(tn.listPublishers({ ...asAlice(emulator), package: 'widgets', signal: fake }))).field).toBe('signal')
    expect(emulator.requests()).toEqual([])
  })

  it('an error says what to do in the library\'s words, and gives the kind of advice as hint', async () => {
    const error = await rejection(tn.listPublishers({ registry: emulator.url, token: ALICE, package: 'widgets' }))
    expect(error).toMatchObject({ code: 'EOTP', hint: 'otp', authUrl: expect.any(String) })
    expect(error.summary).toContain('This operation requires two-factor authentication.')
    expect(error.summary).not.toContain('`otp`')
    expect(error.message).toBe(`${error.summary} Pass \`otp\` with a code from your authenticator, or an \`onOtp\` callback to be asked. Or approve it in a browser at ${error.authUrl} and retry.`)
    const unhinted = await rejection(tn.listPublishers({ registry: emulator.url, token: 'nobody', package: 'widgets', otp: OTP }))
    expect(unhinted.hint).toBeUndefined()
    expect(unhinted.summary).toBeUndefined()
  })

  it('an onOtp answering a number says what it must answer', async () => {
    const error = await rejection(tn.listPublishers({ registry: emulator.url, token: ALICE, package: 'widgets', otp: '000000', onOtp: () => 123456 }))
    expect(error.code).toBe('EOTP')
    expect(error.message).toContain('onOtp must return the code as a string')
  })
})

describe('secrets in registry answers', () => {
  it('are scrubbed from authUrl and doneUrl too', async () => {
    const { createServer } = await import('node:http')
    const token = 'SECRET-TOKEN-in-auth-url'
    const server = createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'OTP' })
      res.end(JSON.stringify({ authUrl: `http://127.0.0.1/auth?t=${token}`, doneUrl: `http://127.0.0.1/done?t=${token}` }))
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const error = await rejection(tn.listPublishers({ registry: `http://127.0.0.1:${server.address().port}/`, token, package: 'widgets' }))
      expect(error.code).toBe('EOTP')
      expect(error.authUrl).toBe('http://127.0.0.1/auth?t=***')
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(token)
    } finally {
      server.close()
    }
  })
})
