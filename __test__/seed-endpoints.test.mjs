// Every endpoint of the seed's registry API (__test__/seed-endpoints.json, made from the seed and
// the npm CLI source, see its note) has a typed method on TrustClient, a row of the API table
// with its method and path where it is one of the table's, and a route in the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, startEmulator, tn } from './helpers.mjs'

const { endpoints } = JSON.parse(readFileSync(join(import.meta.dirname, 'seed-endpoints.json'), 'utf8'))

const ID = '3e4b2f1a-1111-4222-8333-444455556666'
/** Sample values for the seed's path parameters: each names something SEED creates. */
const SAMPLES = {
  orgName: 'acme',
  teamName: 'devs',
  escapedPackageName: '@acme%2ftools',
  package: '@acme%2ftools',
  package_name: '@acme%2ftools',
  'package-name': '@acme%2ftools',
  'stage-id': ID,
  'config-uuid': ID,
  token: ID,
}
/** The emulator's state for the samples: the org and team, the package, its trusted publisher, a staged version, a token. */
const SEED = {
  packages: [{ name: '@acme/tools', maintainers: ['alice'], versions: ['1.0.0'], publishers: [{ id: ID, type: 'github', claims: { repository: 'acme/tools', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }] }],
  orgs: [{ name: 'acme', members: { alice: 'owner' }, teams: [{ name: 'devs', members: ['alice'], packages: { '@acme/tools': 'read-write' } }] }],
  staged: [{ id: ID, package: '@acme/tools', version: '1.1.0' }],
  tokens: [{ user: 'alice', token: 'npm_FAKE-seed-endpoints-token', key: ID, name: 'ci' }],
}
/**
 * Requests the API table makes that the seed does not list: the registry's endpoints beyond its
 * API export (the packument, dist-tags, whoami, a user's packages).
 */
const BEYOND_SEED = ['GET {}', 'GET -/package/{}/dist-tags', 'PUT -/package/{}/dist-tags/{}', 'DELETE -/package/{}/dist-tags/{}', 'GET -/whoami', 'GET -/user/{}/package']
const filled = (path) => path.replace(/\{([^}]+)\}/g, (_, name) => SAMPLES[name])
/** A path with every placeholder the same, and no leading slash: the table's form. */
const shape = (path) => path.replace(/^\//, '').replace(/\{[^}]+\}/g, '{}')

const rows = tn.apiEndpoints()

describe('the seed\'s endpoint list', () => {
  it('lists each endpoint once', () => {
    const keys = endpoints.map((e) => `${e.method} ${shape(e.path)}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('and the API table agree: every request the table makes is a seed endpoint, or one the registry has beyond the seed', () => {
    const seed = new Set(endpoints.map((e) => `${e.method} ${shape(e.path)}`))
    const requests = new Set(rows.flatMap((row) => [row, ...row.steps]).map((r) => `${r.method} ${shape(r.path)}`))
    expect(rows.length).toBeGreaterThan(20)
    // The endpoints the next test compares with their rows (named by their `call`).
    expect(endpoints.filter((e) => rows.some((r) => r.name === e.call)).length).toBeGreaterThan(20)
    expect([...requests].filter((r) => !seed.has(r) && !BEYOND_SEED.includes(r))).toEqual([])
    // Nothing is listed as beyond the seed that the table does not request, or that the seed has.
    expect(BEYOND_SEED.filter((r) => !requests.has(r) || seed.has(r))).toEqual([])
  })

  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e]))('%s has a typed TrustClient method', (_, e) => {
    expect(typeof tn.TrustClient.prototype[e.call], `TrustClient.${e.call}`).toBe('function')
    const dts = readFileSync(join(import.meta.dirname, '..', 'index.d.ts'), 'utf8')
    expect(dts, `index.d.ts declares TrustClient.${e.call}`).toMatch(new RegExp(`\\n  ${e.call}\\(options`))
  })

  it.each(endpoints.filter((e) => rows.some((r) => r.name === e.call)).map((e) => [`${e.method} ${e.path}`, e]))(
    '%s is a row of the API table with that request',
    (_, e) => {
      const row = rows.find((r) => r.name === e.call)
      const requests = [row, ...row.steps].map((r) => `${r.method} ${shape(r.path)}`)
      expect(requests).toContain(`${e.method} ${shape(e.path)}`)
    },
  )
})

describe('the emulator serves every endpoint', () => {
  let emulator
  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await startEmulator(SEED)
  })
  afterAll(() => emulator.stop())

  // Each request finds the samples there (a staged version approved or rejected comes back), so
  // a read answers them, and a write with an empty body is refused for what it lacks: a route
  // that fails (5xx), or that misreads its path and finds nothing (404), fails here.
  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e]))('%s', async (_, e) => {
    emulator.seed(SEED)
    const body = ['POST', 'PUT', 'DELETE'].includes(e.method) ? '{}' : undefined
    const response = await fetch(`${emulator.url}${filled(e.path).slice(1)}${e.path === '/-/v1/search' ? '?text=x' : ''}`, {
      method: e.method,
      headers: { authorization: `Bearer ${ALICE}`, 'npm-otp': OTP, 'content-type': 'application/json' },
      body,
    })
    const text = await response.text()
    const said = `${response.status} ${text.slice(0, 200)}`
    expect(response.headers.get('x-emulator-no-route'), said).toBeNull()
    if (e.method === 'GET') expect(response.status, said).toBeGreaterThanOrEqual(200)
    if (e.method === 'GET') expect(response.status, said).toBeLessThan(300)
    if (response.ok) return
    // Refused: a client error, saying why in the registry's error shape.
    expect([400, 401, 403, 409, 422], said).toContain(response.status)
    const error = JSON.parse(text)
    expect(typeof (error.message ?? error.error), said).toBe('string')
  })

  it('says when it has no route', async () => {
    const response = await fetch(`${emulator.url}-/no/such/endpoint/here`)
    expect(response.status).toBe(404)
    expect(response.headers.get('x-emulator-no-route')).toBe('true')
  })
})
