// A registry is input like any other: what it answers must never steer a request elsewhere.
// These tests play a hostile registry on a loopback port and record what trust-native sends it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { isolateNpmConfig, rejection, tn } from './helpers.mjs'

const UUID = '3e4b2f1a-1111-4222-8333-444455556666'
let server, registry
const sent = []
/** What the registry answers to a list of `widgets`' configurations. */
let listed = []

beforeAll(async () => {
  isolateNpmConfig()
  server = createServer((req, res) => {
    sent.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    if (req.method === 'GET') return res.end(JSON.stringify(listed))
    // As the registry does: one configuration per package, so a create over one conflicts.
    if (req.method === 'POST' && listed.length && !sent.some((r) => r.startsWith('DELETE'))) {
      res.statusCode = 409
      return res.end(JSON.stringify({ error: 'A trusted publisher configuration already exists' }))
    }
    res.statusCode = req.method === 'DELETE' ? 204 : 201
    res.end(req.method === 'DELETE' ? '' : JSON.stringify([{ ...listed[0], id: UUID }]))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  registry = `http://127.0.0.1:${server.address().port}/`
})
afterAll(() => server.close())

describe('ids the registry lists', () => {
  const other = { type: 'github', claims: { repository: 'acme/other', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
  const spec = { type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml' }

  it('never reach a path: an id that is not a UUID is refused before any DELETE', async () => {
    listed = [{ ...other, id: `../../other-pkg/trust/${UUID}` }]
    sent.length = 0
    const error = await rejection(tn.ensurePublisher({ ...spec, registry, token: 'npm_x' }))
    expect(error.code).toBe('ERESPONSE')
    expect(error.message).toContain('not a UUID')
    expect(sent.filter((r) => r.startsWith('DELETE'))).toEqual([])
    // applyTrust, which replaces when told to, refuses it the same way.
    sent.length = 0
    const [result] = await tn.applyTrust([{ ...spec, replace: true }], { registry, token: 'npm_x' })
    expect(result).toMatchObject({ status: 'failed', error: { code: 'ERESPONSE' } })
    expect(sent.filter((r) => r.startsWith('DELETE'))).toEqual([])
  })

  it('a well-formed id is deleted where it belongs', async () => {
    listed = [{ ...other, id: UUID }]
    sent.length = 0
    await tn.ensurePublisher({ ...spec, registry, token: 'npm_x' })
    expect(sent.filter((r) => r.startsWith('DELETE'))).toEqual([`DELETE /-/package/widgets/trust/${UUID}`])
  })

  it('a malformed id given by the caller is refused without being echoed', async () => {
    const error = await rejection(tn.revokePublisher({ package: 'widgets', id: `not-a-uuid-${'x'.repeat(200)}`, registry, token: 'npm_x' }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'id' })
    expect(error.message).not.toContain('not-a-uuid')
  })
})
