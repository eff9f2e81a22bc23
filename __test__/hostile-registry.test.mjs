// A registry is input like any other: what it answers must never steer a request elsewhere.
// These tests play a hostile registry on a loopback port and record what trust-native sends it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { isolateNpmConfig, project, rejection, tn, withCiEnv } from './helpers.mjs'

const UUID = '3e4b2f1a-1111-4222-8333-444455556666'
/** The longest registry text an error quotes (crates/core/src/registry/answer.rs). */
const EXCERPT = 300
let server, registry
const sent = []
/** What the registry answers to a list of `widgets`' configurations. */
let listed = []
/** The audience the index asks for. */
let audience = 'pypi'
/** The token the registry's OIDC exchange answers. */
let exchanged = 'npm_fresh'
/** Bytes of the endless answers that went out, as the socket took them. */
let hugeSent = 0

beforeAll(async () => {
  isolateNpmConfig()
  server = createServer((req, res) => {
    sent.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    // An endless answer: 64 MiB, chunked, with no length announced.
    if (req.url === '/huge/_/oidc/audience' || req.url.startsWith('/huge-id-token') || req.url === '/huge-done') {
      const chunk = Buffer.alloc(1 << 20, 'a')
      let left = 64
      const more = () => { while (left > 0 && !res.destroyed) { left -= 1; hugeSent += chunk.length; if (!res.write(chunk)) return res.once('drain', more) } res.end() }
      res.on('error', () => {})
      return more()
    }
    if (req.url === '/_/oidc/audience') return res.end(JSON.stringify({ audience }))
    // A registry that wants 2FA, then echoes the code it got (and its base64) in a 500.
    if (req.url === '/-/package/echo/trust') {
      const otp = req.headers['npm-otp']
      if (!otp) {
        res.statusCode = 401
        res.setHeader('www-authenticate', 'OTP')
        return res.end(JSON.stringify({ error: 'OTP required' }))
      }
      res.statusCode = 500
      return res.end(JSON.stringify({ error: `failed with npm-otp ${otp} (${Buffer.from(otp).toString('base64')})` }))
    }
    // 2FA through the web, approved at a doneUrl that answers without end.
    if (req.url === '/-/package/webauth/trust') {
      res.statusCode = 401
      res.setHeader('www-authenticate', 'OTP')
      return res.end(JSON.stringify({ authUrl: `${registry}auth`, doneUrl: `${registry}huge-done` }))
    }
    // A server error page that echoes the request's Authorization header, long enough that an
    // excerpt of it cuts the token in two.
    if (req.url === '/-/package/echo-text/trust') {
      res.statusCode = 500
      res.setHeader('content-type', 'text/html')
      const before = 'x'.repeat(EXCERPT - 'Authorization: '.length - 'Bearer '.length - 20)
      return res.end(`${before}Authorization: ${req.headers.authorization} ${'y'.repeat(1000)}`)
    }
    // An exchange refused with the id_token's payload and signature quoted, each on its own.
    if (req.url === '/-/npm/v1/oidc/token/exchange/package/echo-jwt') {
      const [, payload, signature] = (req.headers.authorization ?? '').replace('Bearer ', '').split('.')
      res.statusCode = 400
      return res.end(JSON.stringify({ message: `bad signature ${signature} for claims ${payload}` }))
    }
    if (req.url === '/_/oidc/mint-token') return res.end(JSON.stringify({ token: 'pypi-minted' }))
    if (req.url.startsWith('/-/npm/v1/oidc/token/exchange/')) return res.end(JSON.stringify({ token: exchanged }))
    // A package whose list works once (the plan's), then fails: a create refused after it
    // cannot be told apart (this one there already, or no room).
    if (req.url === '/-/package/fickle/trust' && req.method === 'GET' && sent.filter((r) => r === 'GET /-/package/fickle/trust').length > 1) {
      res.statusCode = 500
      return res.end(JSON.stringify({ error: 'list failed' }))
    }
    // A package that gets a configuration from elsewhere while the first create fails (500),
    // on a registry that keeps one: the retried create is refused (409).
    if (req.url === '/-/package/late/trust') {
      const posted = sent.filter((r) => r === 'POST /-/package/late/trust').length
      if (req.method === 'GET') return res.end(JSON.stringify(posted ? listed : []))
      if (req.method === 'POST' && posted === 1) {
        res.statusCode = 500
        return res.end(JSON.stringify({ error: 'try again' }))
      }
    }
    // A package that gets this very configuration from elsewhere between the plan and the create.
    if (req.url === '/-/package/raced/trust') {
      const posted = sent.includes('POST /-/package/raced/trust')
      if (req.method === 'GET') return res.end(JSON.stringify(posted ? listed : []))
      res.statusCode = 409
      return res.end(JSON.stringify({ error: 'An identical trusted publisher configuration already exists' }))
    }
    // A registry that refuses a create and then lists no configuration at all.
    if (req.url === '/-/package/ghost/trust' && req.method === 'POST') {
      res.statusCode = 409
      return res.end(JSON.stringify({ error: 'A trusted publisher configuration already exists' }))
    }
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

  it('an id that is not a UUID is not quoted: a 409 for a publisher the package has names it only by a UUID', async () => {
    const token = 'npm_SecretToken1234567890'
    const identical = { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
    listed = [{ ...identical, id: token }]
    sent.length = 0
    const error = await rejection(tn.addPublisher({ ...spec, registry, token, otp: '123456' }))
    expect(error).toMatchObject({ code: 'E409', hint: 'listPublishers' })
    expect(error.message).toContain('widgets already has this trusted publisher: there is nothing to add')
    expect(inspect(error)).not.toContain(token)
    listed = [{ ...identical, id: UUID }]
    sent.length = 0
    expect((await rejection(tn.addPublisher({ ...spec, registry, token, otp: '123456' }))).message).toContain(`(id ${UUID})`)
  })

  it('a 409 whose list fails revokes nothing: the package may have the desired configuration already', async () => {
    const fickle = { ...spec, package: 'fickle' }
    const auth = { registry, token: 'npm_x', retries: 0 }
    listed = [{ ...other, id: UUID }]
    sent.length = 0
    const error = await rejection(tn.ensurePublisher({ ...fickle, ...auth }))
    expect(error).toMatchObject({ code: 'E409', hint: 'listPublishers' })
    expect(error.message).toContain('could not be listed to tell which')
    expect(sent.filter((r) => r.startsWith('DELETE'))).toEqual([])
    sent.length = 0
    const [result] = await tn.applyTrust([{ ...fickle, replace: true }], auth)
    expect(result).toMatchObject({ status: 'failed', error: { code: 'E409' } })
    expect(sent.filter((r) => r.startsWith('DELETE'))).toEqual([])
  })

  it('a create refused (409) after a failed attempt is told apart as well: the spec takes the place of the package\'s only one', async () => {
    listed = [{ ...other, id: UUID }]
    sent.length = 0
    const [result] = await tn.applyTrust([{ ...spec, package: 'late', replace: true }], { registry, token: 'npm_x', retries: 1 })
    expect(result).toMatchObject({ action: 'replace', status: 'done', previous: [{ id: UUID }] })
    expect(sent.filter((r) => !r.startsWith('GET'))).toEqual(['POST /-/package/late/trust', 'POST /-/package/late/trust', `DELETE /-/package/late/trust/${UUID}`, 'POST /-/package/late/trust'])
  })

  it('a create refused (409) for a configuration made since the plan reports it unchanged, not created', async () => {
    listed = [{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'], id: UUID }]
    sent.length = 0
    const [result] = await tn.applyTrust([{ ...spec, package: 'raced' }], { registry, token: 'npm_x' })
    expect(result).toMatchObject({ action: 'unchanged', status: 'done', publisher: { id: UUID } })
  })

  it('a 409 for a package that lists no configuration does not advise revoking one', async () => {
    listed = []
    const error = await rejection(tn.addPublisher({ ...spec, package: 'ghost', registry, token: 'npm_x' }))
    expect(error).toMatchObject({ code: 'E409', hint: 'listPublishers' })
    expect(error.message).toContain('listed after the refusal, are none')
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

/** An id_token for `aud`, as a CI job would hold it (the signature is not what is tested). */
function idTokenFor(aud) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ aud, iss: 'https://token.actions.githubusercontent.com', iat: now, exp: now + 600, repository: 'acme/widgets' })}.c2ln`
}

describe('the audience a PyPI index asks for', () => {
  // What an index elsewhere could want a job's id_token for: an npm publish, a signature, a
  // cloud role (AWS, Vault, GCP), another relying party, or a name of its own nobody vouched for.
  const elsewhere = ['npm:registry.npmjs.org', 'sigstore', 'https://evil.example', 'sts.amazonaws.com', 'vault', 'cosign', 'npm', 'gcp', 'warehouse-internal', `pypi${'\u001b'}[2J`]

  it('is refused unless it is tied to the index, before any id_token is sought or sent; the message says how to name it', async () => {
    for (const hostile of elsewhere) {
      audience = hostile
      sent.length = 0
      // The job holds id_tokens for it: a hostile index must not get one.
      const error = await withCiEnv({ NPM_ID_TOKEN: idTokenFor(hostile), PYPI_ID_TOKEN: idTokenFor(hostile), STS_AMAZONAWS_COM_ID_TOKEN: idTokenFor(hostile) }, () => rejection(tn.mintPypiToken({ repositoryUrl: `${registry}legacy/` })))
      expect(error.code, hostile).toBe('EOIDCAUDIENCE')
      expect(error.message).toContain('`audience` option')
      expect(error.message).toContain('"127.0.0.1"')
      expect(error.message).not.toContain('\u001b')
      expect(sent).toEqual(['GET /_/oidc/audience'])
    }
  })

  it('is refused when it is pypi.org\'s or test.pypi.org\'s, named by the caller too, before any id_token is sought or sent', async () => {
    for (const reserved of ['pypi', 'testpypi']) {
      audience = reserved
      sent.length = 0
      // The job holds a real PyPI id_token: another index must not get it.
      const error = await withCiEnv({ PYPI_ID_TOKEN: idTokenFor(reserved), TESTPYPI_ID_TOKEN: idTokenFor(reserved) }, () => rejection(tn.mintPypiToken({ repositoryUrl: `${registry}legacy/` })))
      expect(error.code, reserved).toBe('EOIDCAUDIENCE')
      expect(error.message).toContain('pypi.org')
      const named = await rejection(tn.mintPypiToken({ repositoryUrl: `${registry}legacy/`, audience: reserved, idToken: idTokenFor(reserved) }))
      expect(named.code, reserved).toBe('EOIDCAUDIENCE')
      // Named by the caller, it is refused before anything is asked.
      expect(sent).toEqual(['GET /_/oidc/audience'])
    }
  })

  it('an index gets a token for its own host name, or for the audience the caller names', async () => {
    audience = '127.0.0.1'
    const own = await tn.mintPypiToken({ repositoryUrl: `${registry}legacy/`, idToken: idTokenFor('127.0.0.1') })
    expect(own).toMatchObject({ token: 'pypi-minted', audience: '127.0.0.1' })
    audience = 'warehouse-internal'
    const { token } = await withCiEnv({ WAREHOUSE_INTERNAL_ID_TOKEN: idTokenFor('warehouse-internal') }, () => tn.mintPypiToken({ repositoryUrl: `${registry}legacy/`, audience: 'warehouse-internal' }))
    expect(token).toBe('pypi-minted')
    // Named, it is the only one: the index asking for another is refused.
    audience = 'vault'
    const error = await rejection(tn.mintPypiToken({ repositoryUrl: `${registry}legacy/`, audience: 'warehouse-internal', idToken: idTokenFor('vault') }))
    expect(error.code).toBe('EOIDCAUDIENCE')
    expect(error.message).toContain('"warehouse-internal"')
  })

  it('the audience option is decoded strictly', async () => {
    for (const wrong of [42, '', '   ']) {
      const error = await rejection(tn.mintPypiToken({ repositoryUrl: `${registry}legacy/`, audience: wrong }))
      expect(error, String(wrong)).toMatchObject({ code: 'EINVALIDINPUT', field: 'audience' })
    }
  })
})

describe('secrets a registry echoes in pieces', () => {
  /** Every way to look at an error, flattened to text. */
  const everything = (error) => [error.message, error.registryMessage, JSON.stringify(error), inspect(error, { depth: Infinity })].join('\n')

  it('a token cut by the excerpt of a non-JSON error page is masked, not shown but for its last character', async () => {
    const token = 'npm_ENVSECRET0000aaaabbbbccccddddeeee'
    const error = await rejection(tn.listPublishers({ registry, token, package: 'echo-text', retries: 0 }))
    expect(error.code).toBe('E500')
    expect(error.registryMessage).toContain('Authorization: Bearer ***')
    const text = everything(error)
    for (let at = 0; at + 8 <= token.length; at += 1) expect(text).not.toContain(token.slice(at, at + 8))
  })

  it('the id_token\'s signature or payload quoted on its own is masked', async () => {
    const now = Math.floor(Date.now() / 1000)
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const payload = part({ aud: 'npm:127.0.0.1', iss: 'https://token.actions.githubusercontent.com', iat: now, exp: now + 600, repository: 'acme/widgets' })
    const signature = 'SIGSECRETxyzSIGSECRETxyzSIGSECRETxyz0123456789'
    const idToken = `${part({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`
    const error = await rejection(tn.exchangeToken({ registry, package: 'echo-jwt', idToken, cwd: project({}) }))
    expect(error.code).toBe('EOIDCEXCHANGE')
    const text = everything(error)
    expect(text).not.toContain(signature)
    expect(text).not.toContain(payload)
  })
})

describe('exchangeToken({ writeNpmrc }) with what the registry answers', () => {
  const writes = (token) => async (dir) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const cwd = mkdtempSync(join(tmpdir(), 'tn-hostile-'))
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'widgets' }))
    writeFileSync(join(cwd, '.npmrc'), '//own.example/:_authToken=users-own\n')
    return cwd
  }

  it('a token with a line break is refused: not written, not returned', async () => {
    const { readFileSync } = await import('node:fs')
    exchanged = 'npm_X\nscript-shell=/tmp/evil'
    const cwd = await writes()()
    const error = await rejection(tn.exchangeToken({ cwd, registry, idToken: idTokenFor(`npm:127.0.0.1`), writeNpmrc: `${cwd}/.npmrc` }))
    expect(error.code).toBe('ERESPONSE')
    expect(JSON.stringify(error)).not.toContain('script-shell')
    expect(readFileSync(`${cwd}/.npmrc`, 'utf8')).toBe('//own.example/:_authToken=users-own\n')
  })

  it('writers in several processes at once keep the user\'s own line', async () => {
    const { readFileSync } = await import('node:fs')
    const { spawn } = await import('node:child_process')
    exchanged = 'npm_fresh'
    const cwd = await writes()()
    const script = `require(${JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)))})
      .exchangeToken({ cwd: process.argv[1], registry: process.argv[2], idToken: process.argv[3], writeNpmrc: process.argv[1] + '/.npmrc' })
      .then(() => process.exit(0), (e) => { console.error(e.code, e.message); process.exit(1) })`
    const run = () => new Promise((resolve) => {
      const child = spawn(process.execPath, ['-e', script, cwd, registry, idTokenFor('npm:127.0.0.1')], { stdio: ['ignore', 'ignore', 'inherit'] })
      child.on('exit', resolve)
    })
    expect(await Promise.all(Array.from({ length: 6 }, run))).toEqual([0, 0, 0, 0, 0, 0])
    const port = new URL(registry).port
    expect(readFileSync(`${cwd}/.npmrc`, 'utf8')).toBe(`//own.example/:_authToken=users-own\n//127.0.0.1:${port}/:_authToken=npm_fresh\n`)
  })
})

describe('objects a caller passes', () => {
  it('a cyclic or 100,000-deep object is refused with a coded error, and the process lives', async () => {
    const { spawnSync } = await import('node:child_process')
    // In a child process: a crash (it was a SIGSEGV) fails this test instead of ending vitest.
    const script = `
      const tn = require(${JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)))})
      const { startEmulator } = require(${JSON.stringify(fileURLToPath(new URL('../testing/index.js', import.meta.url)))})
      const deep = {}; let at = deep
      for (let i = 0; i < 100000; i++) { at.a = {}; at = at.a }
      const cyclic = { repository: 'acme/widgets' }; cyclic.self = cyclic
      const outcome = (f) => { try { f(); return 'accepted' } catch (e) { return e.code ?? e.constructor.name } }
      ;(async () => {
        const emulator = await startEmulator()
        const out = {}
        for (const [name, value] of Object.entries({ deep, cyclic })) {
          out[name] = [
            outcome(() => tn.diagnoseTrust({ claims: value, publishers: [] })),
            outcome(() => emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/widgets', extra: value } })),
            outcome(() => emulator.seed({ packages: [{ name: 'w', maintainers: [], publishers: [{ type: 'github', claims: value, permissions: [] }] }] })),
          ]
        }
        emulator.stop()
        console.log(JSON.stringify(out))
      })()`
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(child.signal, child.stderr).toBe(null)
    expect(JSON.parse(child.stdout)).toEqual({ deep: ['EINVALIDINPUT', 'TypeError', 'TypeError'], cyclic: ['EINVALIDINPUT', 'TypeError', 'TypeError'] })
  })
})

describe('answers too large to read', () => {
  it('a PyPI index or a CI id-token endpoint answering without end is cut at 4 MiB', async () => {
    const pypi = await rejection(tn.mintPypiToken({ repositoryUrl: `${registry}huge/legacy/` }))
    expect(pypi.code).toBe('ERESPONSE')
    expect(pypi.message).toContain('more than 4 MiB')
    const github = await withCiEnv({
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${registry}huge-id-token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    }, () => rejection(tn.getIdToken({ audience: 'npm:registry.npmjs.org' })))
    expect(github.code).toBe('EOIDCPROVIDER')
    expect(github.message).toContain('more than 4 MiB')
  })

  it('a web 2FA doneUrl answering without end is cut at 4 MiB, not read whole', async () => {
    hugeSent = 0
    const waiting = () => new Promise(() => {})
    const error = await rejection(tn.listPublishers({ registry, token: 'tok', package: 'webauth', onOtp: waiting }))
    expect(error.code).toBe('ERESPONSE')
    expect(error.message).toContain('more than 4 MiB')
    // What the socket took before the reader stopped: far from the 64 MiB on offer.
    expect(hugeSent).toBeLessThan(32 << 20)
  })
})

describe('one rule for every hop that carries a secret: no plain http across the network', () => {
  // 192.0.2.0/24 is TEST-NET-1: nothing answers there, and the refusal comes before any connection.
  it('an id_token for a PyPI index over http', async () => {
    const error = await withCiEnv({ PYPI_ID_TOKEN: idTokenFor('pypi') }, () => rejection(tn.mintPypiToken({ repositoryUrl: 'http://192.0.2.1/legacy/' })))
    expect(error.code).toBe('EINSECURE')
  })

  it('GitHub\'s request token to an http ACTIONS_ID_TOKEN_REQUEST_URL', async () => {
    const error = await withCiEnv({
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://192.0.2.1/token?api-version=2.0',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token-SECRET',
    }, () => rejection(tn.getIdToken({ audience: 'npm:registry.npmjs.org' })))
    expect(error.code).toBe('EINSECURE')
    expect(error.message).not.toContain('request-token-SECRET')
  })

  it('a token for a loopback http registry through a proxy on another host', async () => {
    sent.length = 0
    const client = new tn.TrustClient({ registry, token: 'npm_x', env: { HTTP_PROXY: 'http://user:pw-SECRET@192.0.2.1:3128' } })
    const error = await rejection(client.listPublishers({ package: 'widgets' }))
    expect(error.code).toBe('EINSECURE')
    expect(error.message).toContain('192.0.2.1')
    expect(error.message).not.toContain('pw-SECRET')
    // Without credentials nothing secret is at stake; with NO_PROXY the request stays local.
    const local = new tn.TrustClient({ registry, token: 'npm_x', env: { HTTP_PROXY: 'http://192.0.2.1:3128', NO_PROXY: '127.0.0.1' } })
    await local.listPublishers({ package: 'widgets' })
    expect(sent).toEqual(['GET /-/package/widgets/trust'])
  })
})

describe('secrets the library learns', () => {
  it('an OTP from onOtp is never shown, in this call or a later one that reuses it', async () => {
    const client = new tn.TrustClient({ registry, token: 'npm_x', retries: 0, onOtp: async () => '246813' })
    for (let call = 0; call < 2; call++) {
      const error = await rejection(client.listPublishers({ package: 'echo' }))
      expect(error.code).toBe('E500')
      expect(error.message).toContain('failed with npm-otp ***')
      expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/246813|MjQ2ODEz/)
    }
  })
})

describe('what resolveConfig reports', () => {
  it('shows a proxy without its password', async () => {
    const config = await withCiEnv({ HTTPS_PROXY: 'http://user:pw-SECRET@proxy.example:3128' }, () => tn.resolveConfig({}))
    expect(config.transport?.proxy?.value ?? JSON.stringify(config)).toContain('proxy.example')
    expect(JSON.stringify(config)).not.toContain('pw-SECRET')
  })
})

// `ulimit` is bash's, on Unix.
describe.skipIf(process.platform === 'win32')('a process out of file descriptors', () => {
  it('is told so, not that its certificate file is invalid', async () => {
    const { spawnSync } = await import('node:child_process')
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const pem = join(mkdtempSync(join(tmpdir(), 'tn-emfile-')), 'extra.pem')
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n')
    // Every descriptor taken (deterministically, under a low limit), then a call that must
    // read NODE_EXTRA_CA_CERTS.
    const script = `
      const fs = require('node:fs')
      const tn = require(${JSON.stringify(fileURLToPath(new URL('../index.js', import.meta.url)))})
      ;(async () => {
        await tn.resolveConfig({}).catch(() => {})
        const held = []
        try { for (;;) held.push(fs.openSync(process.execPath, 'r')) } catch (e) { if (e.code !== 'EMFILE') throw e }
        const outcome = await tn.resolveConfig({}).then(() => 'resolved', (e) => e.code + ' ' + e.message)
        for (const fd of held) fs.closeSync(fd)
        console.log(outcome)
      })()`
    const child = spawnSync('bash', ['-c', 'ulimit -n 64 && exec "$0" -e "$1"', process.execPath, script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: pem },
    })
    expect(child.stdout, child.stderr).toMatch(/^ENETWORK The process has no file descriptors left \(too many open files\)/)
  })
})

describe('option keys a caller passes', () => {
  it('a megabyte-long unknown key is refused, shown cut short, with no suggestion', async () => {
    const key = `x${'y'.repeat(1 << 20)}`
    const error = await rejection(tn.listPublishers({ package: 'widgets', registry, token: 'npm_x', [key]: 1 }))
    expect(error.code).toBe('EINVALIDINPUT')
    expect(error.message.length).toBeLessThan(1000)
    expect(error.field.length).toBeLessThanOrEqual(65)
    expect(error.message).not.toContain('Did you mean')
  })
})
