// The registry API table as a caller meets it: strict options, dry runs, errors in the words of
// the call, hostile answers, retried deletes, and no secret in any result or error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { ALICE, OTP, isolateNpmConfig, rejection, startEmulator, tn } from './helpers.mjs'

let emulator, client

const SEED = {
  orgs: [{ name: 'acme', members: { alice: 'owner', mallory: 'developer' }, teams: [{ name: 'devs', members: ['alice', 'mallory'] }] }],
  tokens: [{ user: 'alice', token: 'npm_apiTest0123456789abcdefghijklmnopqrs', key: 'abcdef01-1111-4222-8333-444455556666', name: 'ci' }],
}

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
  client = new tn.TrustClient({ registry: emulator.url, token: ALICE, otp: OTP })
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed(SEED)
  emulator.clearFaults()
  emulator.clearRequests()
})

describe('options', () => {
  it.each([
    ['an option the call does not take', () => client.listTeams({ org: 'acme', package: 'widgets' }), 'package'],
    ['dryRun on a read', () => client.listTokens({ dryRun: true }), 'dryRun'],
    ['a missing required option', () => client.addTeamMember({ team: 'acme:devs' }), 'user'],
    ['a team without its org', () => client.listTeamMembers({ team: 'devs' }), 'team'],
    ['a word not among the choices', () => client.grantAccess({ team: 'acme:devs', package: 'widgets', permissions: 'admin' }), 'permissions'],
    ['a weight out of range', () => client.search({ text: 'x', quality: 2 }), 'quality'],
    ['a page size out of range', () => client.search({ text: 'x', size: 1000 }), 'size'],
    ['an IPv6 range', () => client.createToken({ password: 'password', cidr: ['::1/128'] }), 'cidr'],
    ['audit packages that are not versions', () => client.audit({ packages: { lodash: '4.17.20' } }), 'packages'],
    ['private for an unscoped package', () => client.setPackageAccess({ package: 'widgets', visibility: 'private' }), 'visibility'],
    ['nothing to set', () => client.setPackageAccess({ package: 'widgets' }), 'visibility'],
  ])('refuses %s before sending anything', async (_, call, field) => {
    const error = await rejection(call())
    expect(error.code).toBe('EINVALIDINPUT')
    expect(error.field).toBe(field)
    expect(emulator.requests()).toEqual([])
  })

  it('a dry run of a change sends nothing and answers the request', async () => {
    const result = await client.setOrgMember({ org: '@acme', user: '@bob', dryRun: true })
    expect(result).toEqual({
      dryRun: true,
      request: expect.objectContaining({ method: 'PUT', url: `${emulator.url}-/org/acme/user`, body: { user: 'bob', role: 'developer' } }),
    })
    expect(result.request.headers).toMatchObject({ authorization: 'Bearer ***', 'npm-otp': '***', 'npm-command': 'org' })
    expect(emulator.requests()).toEqual([])
  })

  it('names with characters a path cannot hold are escaped as encodeURIComponent does', async () => {
    const error = await rejection(client.listTeamMembers({ team: 'acme:a b/c' }))
    expect(error.code).toBe('E404')
    expect(emulator.requests()[0].path).toBe('/-/team/acme/a%20b%2Fc/user?format=cli')
  })
})

describe('auth and errors', () => {
  it('a token is needed for access, orgs, teams and tokens; search and audit go without', async () => {
    const anonymous = new tn.TrustClient({ registry: emulator.url, env: {} })
    expect((await rejection(anonymous.listTokens())).code).toBe('ENEEDAUTH')
    expect((await rejection(anonymous.listOrgMembers({ org: 'acme' }))).code).toBe('ENEEDAUTH')
    expect(emulator.requests()).toEqual([])
    await anonymous.search({ text: 'widgets' })
    await anonymous.audit({ packages: { widgets: ['1.0.0'] } })
    expect(emulator.requests().map((r) => r.headers.authorization)).toEqual([undefined, undefined])
  })

  it('errors say what was not found or not allowed, with the registry\'s words', async () => {
    const missing = await rejection(client.listTeams({ org: 'nope' }))
    expect(missing).toMatchObject({ code: 'E404', statusCode: 404 })
    expect(missing.message).toContain('Org nope was not found')
    expect(missing.registryMessage).toBe('Org not found: nope')
    const mallory = new tn.TrustClient({ registry: emulator.url, token: 'mallory-test-token', otp: OTP })
    const refused = await rejection(mallory.createTeam({ team: 'acme:x' }))
    expect(refused.code).toBe('E403')
    expect(refused.message).toContain('You are not allowed to create team acme:x')
    const twice = await rejection(client.createTeam({ team: 'acme:devs' }))
    expect(twice.code).toBe('E409')
  })

  it('a granular token cannot manage tokens', async () => {
    const granular = new tn.TrustClient({ registry: emulator.url, token: SEED.tokens[0].token })
    const error = await rejection(granular.listTokens())
    expect(error.code).toBe('E403')
    expect(error.message).not.toContain(SEED.tokens[0].token)
  })

  it('org and team calls ask onOtp, as npm\'s otplease does', async () => {
    const asked = []
    const prompting = new tn.TrustClient({ registry: emulator.url, token: ALICE, onOtp: (c) => { asked.push(c.type); return OTP } })
    // Not `npm-auth-type: web`: an OTP given once is answered with a code prompt.
    await prompting.setOrgMember({ org: 'acme', user: 'no2fa', otp: '000000' })
    expect(asked).toEqual(['otp'])
    expect(emulator.requests().map((r) => r.headers['npm-otp'])).toEqual(['000000', OTP])
  })
})

describe('2FA as npm asks for it', () => {
  it('reads npm does not wrap in otplease report EOTP without asking; org reads ask', async () => {
    // A registry that wants an OTP for everything.
    const server = createServer((req, res) => {
      const ok = req.headers['npm-otp'] === OTP
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', ...(!ok && { 'www-authenticate': 'OTP' }) })
      res.end(ok ? '{}' : '{"error":"otp required"}')
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const asked = []
      const prompting = new tn.TrustClient({ registry: `http://127.0.0.1:${server.address().port}/`, token: ALICE, onOtp: () => { asked.push('asked'); return OTP } })
      expect((await rejection(prompting.listCollaborators({ package: 'widgets' }))).code).toBe('EOTP')
      expect((await rejection(prompting.listTokens())).code).toBe('EOTP')
      expect(asked).toEqual([])
      expect(await prompting.listOrgMembers({ org: 'acme' })).toEqual({})
      expect(asked).toEqual(['asked'])
    } finally {
      server.close()
    }
  })
})

describe('hostile answers', () => {
  it('an answer that is not what the endpoint answers is ERESPONSE', async () => {
    emulator.injectFault({ kind: 'malformedJson', path: '/collaborators' })
    expect((await rejection(client.listCollaborators({ package: 'widgets' }))).code).toBe('ERESPONSE')
    emulator.clearFaults()
    emulator.injectFault({ kind: 'oversized', path: '/-/v1/search' })
    expect((await rejection(client.search({ text: 'widgets' }))).code).toBe('ERESPONSE')
  })

  it('fields of the wrong type are dropped, never passed on', async () => {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({
        total: 'many',
        objects: [
          { package: { name: 'ok', version: 1, keywords: ['a', 2], __proto__: { polluted: true }, links: { npm: 'u', x: {} } }, score: { final: '1' } },
          { package: { version: '1.0.0' } },
          'junk',
        ],
      }))
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const page = await tn.search({ registry: `http://127.0.0.1:${server.address().port}/`, text: 'x' })
      expect(page).toEqual({ total: 1, objects: [{ package: { name: 'ok', keywords: ['a'], links: { npm: 'u' } }, score: {} }] })
      expect({}.polluted).toBeUndefined()
    } finally {
      server.close()
    }
  })

  it('a token page linking to another origin is refused, and nothing is sent there', async () => {
    let elsewhere = 0
    const other = createServer((req, res) => { elsewhere += 1; res.end('{}') })
    await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve))
    const registry = createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ objects: [{ key: 'k1', token: 'npm_aBcD...7890' }], urls: { next: `http://localhost:${other.address().port}/-/npm/v1/tokens?page=1` } }))
    })
    await new Promise((resolve) => registry.listen(0, '127.0.0.1', resolve))
    try {
      const error = await rejection(tn.listTokens({ registry: `http://127.0.0.1:${registry.address().port}/`, token: ALICE }))
      expect(error.code).toBe('ERESPONSE')
      expect(error.message).toContain('a link to the next page on the same registry')
      expect(elsewhere).toBe(0)
    } finally {
      registry.close()
      other.close()
    }
  })
})

describe('retries and secrets', () => {
  it('a delete whose answer was lost is retried, and the 404 of the retry means done', async () => {
    emulator.injectFault({ kind: 'drop', after: true, method: 'DELETE', times: 1 })
    const result = await client.removeTeamMember({ team: 'acme:devs', user: 'mallory' })
    expect(result.dryRun).toBe(false)
    expect(emulator.requests().map((r) => r.method)).toEqual(['DELETE', 'DELETE'])
    expect(await client.listTeamMembers({ team: 'acme:devs' })).toEqual(['alice'])
  })

  it('a create whose answer was lost is not repeated', async () => {
    emulator.injectFault({ kind: 'drop', after: true, method: 'PUT', times: 1 })
    const error = await rejection(client.createTeam({ team: 'acme:qa' }))
    expect(error.code).toBe('ENETWORK')
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toHaveLength(1)
  })

  it('no password, token or OTP in errors or results', async () => {
    const password = 'correct-horse-battery'
    const wrong = await rejection(client.createToken({ password, name: 'x' }))
    expect(wrong.code).toBe('E401')
    const dry = await client.createToken({ password, dryRun: true })
    expect(dry.request.body.password).toBe('***')
    emulator.injectFault({ kind: 'echo', status: 400, times: 1 })
    const echoed = await rejection(client.revokeToken({ id: SEED.tokens[0].token, otp: OTP }))
    const byValue = await client.revokeToken({ id: SEED.tokens[0].token, dryRun: true })
    expect(byValue.key).toBeUndefined()
    expect(byValue.request.url).toBe(`${emulator.url}-/npm/v1/tokens/token/***`)
    for (const shown of [wrong, dry, echoed, byValue].map((v) => JSON.stringify({ ...v, message: v.message }))) {
      for (const secret of [password, ALICE, OTP, SEED.tokens[0].token]) expect(shown).not.toContain(secret)
    }
  })
})
