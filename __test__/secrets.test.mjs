// The secret-leak sweep: every error path, driven with recognisable secrets (npm token, OTP,
// id_token, GitHub's request token), including a registry that echoes request headers back.
// No secret may appear in a message, a property, a cause, the stack, or util.inspect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspect } from 'node:util'
import { isolateNpmConfig, project, rejection, testing, tn, withCiEnv } from './helpers.mjs'

const TOKEN = 'npmtoken-SECRET-7f3a9c1e'
const WRONG_TOKEN = 'npmtoken-SECRET-wrong-b81d'
const OTP = '918273'
const WRONG_OTP = '564738'
let emulator, other, secrets, idToken

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await testing.startEmulator({
    users: [
      { name: 'alice', token: TOKEN, otp: OTP },
      { name: 'bot', token: 'npmtoken-SECRET-bypass-4c2e', bypass2fa: true },
    ],
    packages: [{ name: 'widgets', maintainers: ['alice', 'bot'] }],
    pypiProjects: [{ name: 'widgets', publishers: [{ type: 'gitlab', project: 'acme/widgets', workflow: '.gitlab-ci.yml' }] }],
  })
  other = await testing.startEmulator()
  idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/widgets' } })
  secrets = [TOKEN, WRONG_TOKEN, OTP, WRONG_OTP, 'npmtoken-SECRET-bypass-4c2e', idToken, idToken.split('.')[2]]
})
afterAll(() => {
  emulator.stop()
  other.stop()
})

/** Every way to look at an error, flattened to text. */
function everything(error) {
  const own = Object.getOwnPropertyNames(error).map((k) => `${k}=${JSON.stringify(error[k]) ?? String(error[k])}`)
  return [
    String(error),
    error.message,
    error.stack,
    JSON.stringify(error),
    inspect(error, { depth: Infinity, showHidden: true }),
    inspect(error.cause, { depth: Infinity }),
    ...own,
  ].join('\n')
}

const base = () => ({ registry: emulator.url, token: TOKEN, otp: OTP, package: 'widgets', repository: 'acme/widgets', file: 'release.yml', retries: 0 })

const paths = {
  'E401 (wrong token)': () => tn.addGithubPublisher({ ...base(), token: WRONG_TOKEN }),
  'E401 (bypass-2FA token)': () => tn.listPublishers({ ...base(), token: 'npmtoken-SECRET-bypass-4c2e' }),
  'EOTP (wrong OTP)': () => tn.addGithubPublisher({ ...base(), otp: WRONG_OTP }),
  'EOTP (onOtp throws)': () => tn.addGithubPublisher({ ...base(), otp: WRONG_OTP, onOtp: () => { throw new Error('declined') } }),
  'E404': () => tn.listPublishers({ ...base(), package: 'missing' }),
  'E400 (echoing registry)': () => {
    emulator.injectFault({ kind: 'echo', status: 400, times: 1 })
    return tn.addGithubPublisher(base())
  },
  'EOTP (echoing registry, OTP challenge)': () => {
    emulator.injectFault({ kind: 'echo', status: 401, times: 1 })
    return tn.listPublishers(base())
  },
  'E429': () => {
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: 60, times: 1 })
    return tn.listPublishers(base())
  },
  'E503': () => {
    emulator.injectFault({ kind: 'status', status: 503, times: 1 })
    return tn.listPublishers(base())
  },
  'ERESPONSE (malformed)': () => {
    emulator.injectFault({ kind: 'malformedJson', times: 1 })
    return tn.listPublishers(base())
  },
  'ERESPONSE (oversized)': () => {
    emulator.injectFault({ kind: 'oversized', times: 1 })
    return tn.listPublishers(base())
  },
  'E401 (redirect to another origin)': () => {
    emulator.injectFault({ kind: 'redirect', location: other.url, times: 1 })
    return tn.listPublishers(base())
  },
  'ETIMEDOUT': () => {
    emulator.injectFault({ kind: 'latency', ms: 1000, times: 1 })
    return tn.listPublishers({ ...base(), timeoutMs: 100 })
  },
  'ENETWORK (dropped)': () => {
    emulator.injectFault({ kind: 'drop', times: 1 })
    return tn.listPublishers(base())
  },
  'EINSECURE': () => tn.listPublishers({ ...base(), registry: 'http://registry.invalid/' }),
  'EINVALIDINPUT': () => tn.revokePublisher({ ...base(), id: `not-a-uuid-${TOKEN}` }),
  'EOIDCEXCHANGE (no matching publisher)': () => tn.exchangeToken({ registry: emulator.url, package: 'widgets', idToken, cwd: project({}) }),
  'EOIDCAUDIENCE': () => tn.exchangeToken({ registry: 'https://registry.npmjs.org/', package: 'widgets', idToken, cwd: project({}) }),
  'EOIDCEXPIRED': () => tn.exchangeToken({
    registry: emulator.url, package: 'widgets', cwd: project({}),
    idToken: emulator.issueIdToken({ provider: 'github', expiresIn: -60 }),
  }),
  'EINVALIDINPUT (not a JWT)': () => tn.exchangeToken({ registry: emulator.url, package: 'widgets', idToken: TOKEN, cwd: project({}) }),
  'EOIDCEXCHANGE (PyPI)': () => tn.mintPypiToken({ repositoryUrl: `${emulator.url}legacy/`, idToken: emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience }) }),
  'EOIDCPROVIDER (GitHub refuses the request token)': () =>
    withCiEnv({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: `${emulator.url}-/oidc/github/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'ghs-SECRET-request-token' }, () =>
      tn.getIdToken()),
}

describe('no secret in any error', () => {
  for (const [name, run] of Object.entries(paths)) {
    it(name, async () => {
      const error = await rejection(run())
      expect(error).toBeInstanceOf(Error)
      expect(error.code).toMatch(/^E[A-Z0-9]+$/)
      const text = everything(error)
      for (const secret of [...secrets, 'ghs-SECRET-request-token']) {
        expect(text).not.toContain(secret)
      }
    })
  }

  it('the echoing registry did receive the secrets, so the sweep above is meaningful', () => {
    const echoed = emulator.requests().filter((r) => r.headers.authorization === `Bearer ${TOKEN}`)
    expect(echoed.length).toBeGreaterThan(0)
  })

  it('dry-run requests mask the token and OTP', async () => {
    const { request } = await tn.addGithubPublisher({ ...base(), dryRun: true })
    const text = JSON.stringify(request) + inspect(request)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})
