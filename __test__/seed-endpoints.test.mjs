// Every endpoint of the seed's registry API (__test__/seed-endpoints.json, made from the seed and
// the npm CLI source, see its note) has a typed method on TrustClient, a row of the API table
// with its method and path where it is one of the table's, and a route in the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, isolateNpmConfig, startEmulator, tn } from './helpers.mjs'

const { endpoints } = JSON.parse(readFileSync(join(import.meta.dirname, 'seed-endpoints.json'), 'utf8'))

/** Sample values for the seed's path parameters. */
const SAMPLES = {
  orgName: 'acme',
  teamName: 'devs',
  escapedPackageName: '@acme%2ftools',
  package: '@acme%2ftools',
  package_name: '@acme%2ftools',
  'package-name': '@acme%2ftools',
  'stage-id': '3e4b2f1a-1111-4222-8333-444455556666',
  'config-uuid': '3e4b2f1a-1111-4222-8333-444455556666',
  token: '3e4b2f1a-1111-4222-8333-444455556666',
}
const filled = (path) => path.replace(/\{([^}]+)\}/g, (_, name) => SAMPLES[name])
/** A path with every placeholder the same, and no leading slash: the table's form. */
const shape = (path) => path.replace(/^\//, '').replace(/\{[^}]+\}/g, '{}')

const rows = tn.apiEndpoints()

describe('the seed\'s endpoint list', () => {
  it('is the whole seed: 32 endpoints, none twice', () => {
    expect(endpoints).toHaveLength(32)
    const keys = endpoints.map((e) => `${e.method} ${shape(e.path)}`)
    expect(new Set(keys).size).toBe(keys.length)
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

describe('the emulator routes every endpoint', () => {
  let emulator
  beforeAll(async () => {
    isolateNpmConfig()
    emulator = await startEmulator()
  })
  afterAll(() => emulator.stop())

  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e]))('%s', async (_, e) => {
    const body = ['POST', 'PUT', 'DELETE'].includes(e.method) ? '{}' : undefined
    const response = await fetch(`${emulator.url}${filled(e.path).slice(1)}${e.path === '/-/v1/search' ? '?text=x' : ''}`, {
      method: e.method,
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' },
      body,
    })
    expect(response.headers.get('x-emulator-no-route'), `${response.status} ${await response.text()}`).toBeNull()
  })

  it('says when it has no route', async () => {
    const response = await fetch(`${emulator.url}-/no/such/endpoint/here`)
    expect(response.status).toBe(404)
    expect(response.headers.get('x-emulator-no-route')).toBe('true')
  })
})
