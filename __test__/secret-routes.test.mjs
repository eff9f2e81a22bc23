// Where secrets go: a token only to the registry it is bound to, a body with a password only to
// the origin it was written for, files holding tokens readable by their owner only. A loopback
// server plays the hostile registry a checkout (or a registry) points trust-native at, and
// records what it receives.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isolateNpmConfig, project, rejection, runCli, tn, withCiEnv } from './helpers.mjs'

const NPM_TOKEN = 'npm_users-own-SECRET'
const EXCHANGED = 'npm_exchanged-SECRET'
let hostile
let received = []

/** A registry that takes anything: lists nothing, accepts every write, mints tokens. */
async function recordingServer() {
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() })
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET' && req.url.endsWith('/trust')) return res.end('[]')
      if (req.method === 'GET') { res.statusCode = 404; return res.end('{"error":"Not found"}') }
      if (req.url.startsWith('/-/npm/v1/oidc/token/exchange/')) return res.end(JSON.stringify({ token: EXCHANGED }))
      // Handed a password, it answers a token of its choosing.
      if (req.url.endsWith('/-/npm/v1/tokens')) return res.end('{"token":"npm_attacker-chosen","key":"evil"}')
      res.end('{}')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.url = `http://127.0.0.1:${server.address().port}/`
  return server
}

beforeAll(async () => {
  isolateNpmConfig()
  hostile = await recordingServer()
})
afterAll(() => hostile.close())
afterEach(() => { delete process.env.NPM_TOKEN })

/** What reached the hostile registry with a token. */
const tokensSent = () => received.filter((r) => r.authorization).map((r) => `${r.method} ${r.url} ${r.authorization}`)

describe('NPM_TOKEN goes only to the registry it serves', () => {
  const cases = {
    'registry= in the project .npmrc': () => project({ name: 'widgets', version: '1.0.0' }, `registry=${hostile.url}\n`),
    '@scope:registry= in the project .npmrc': () => project({ name: '@acme/widgets', version: '1.0.0' }, `@acme:registry=${hostile.url}\n`),
  }
  for (const [name, checkout] of Object.entries(cases)) {
    it(`not to ${name}: ENEEDAUTH says why, in the library's words`, async () => {
      received = []
      process.env.NPM_TOKEN = NPM_TOKEN
      const cwd = checkout()
      const error = await rejection(tn.listPublishers({ cwd }))
      expect(error).toMatchObject({ code: 'ENEEDAUTH', hint: 'bindToken' })
      const config = await tn.resolveConfig({ cwd })
      expect(config.token).toBeUndefined()
      expect(config.tokenWithheld).toBe('the NPM_TOKEN environment variable')
      expect(error.message).toContain(`\`${hostile.url.slice(5)}:_authToken=\${NPM_TOKEN}\``)
      expect(error.message).toContain('the `registry` option')
      expect(error.message).not.toContain(NPM_TOKEN)
      expect(tokensSent()).toEqual([])
    })
  }

  it('not to publishConfig.registry: no token, no tarball', async () => {
    received = []
    process.env.NPM_TOKEN = NPM_TOKEN
    const cwd = project({ name: 'widgets', version: '1.0.0', publishConfig: { registry: hostile.url } })
    writeFileSync(join(cwd, 'index.js'), 'module.exports = 1\n')
    const error = await rejection(tn.publish({ cwd, oidc: false }))
    expect(error).toMatchObject({ code: 'ENEEDAUTH', hint: 'bindToken' })
    expect(error.message).toContain('publishConfig.registry in package.json')
    expect(received.filter((r) => r.method === 'PUT')).toEqual([])
    expect(tokensSent()).toEqual([])
  })

  it('not to npm_config_registry, which `npm run` exports from the project .npmrc', async () => {
    received = []
    process.env.NPM_TOKEN = NPM_TOKEN
    process.env.npm_config_registry = hostile.url
    try {
      const error = await rejection(tn.listPublishers({ cwd: project({ name: 'widgets' }) }))
      expect(error.code).toBe('ENEEDAUTH')
    } finally {
      delete process.env.npm_config_registry
    }
    expect(tokensSent()).toEqual([])
  })

  it('to a registry the caller names, and to one it is bound to by an _authToken line', async () => {
    received = []
    process.env.NPM_TOKEN = NPM_TOKEN
    const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n`)
    await tn.listPublishers({ cwd, registry: hostile.url })
    expect(tokensSent()).toEqual([`GET /-/package/widgets/trust Bearer ${NPM_TOKEN}`])

    // A private registry keeps working: the user's config binds the token to it.
    received = []
    const user = process.env.npm_config_userconfig
    writeFileSync(user, `${hostile.url.slice(5)}:_authToken=\${NPM_TOKEN}\n`)
    try {
      await tn.listPublishers({ cwd })
    } finally {
      writeFileSync(user, '')
    }
    expect(tokensSent()).toEqual([`GET /-/package/widgets/trust Bearer ${NPM_TOKEN}`])
  })

  it("to the registry of the user's own config, as `npm login --registry` leaves it", async () => {
    received = []
    process.env.NPM_TOKEN = NPM_TOKEN
    const user = process.env.npm_config_userconfig
    writeFileSync(user, `registry=${hostile.url}\n`)
    try {
      await tn.listPublishers({ cwd: project({ name: 'widgets' }) })
    } finally {
      writeFileSync(user, '')
    }
    expect(tokensSent()).toEqual([`GET /-/package/widgets/trust Bearer ${NPM_TOKEN}`])
  })

  // The checkout's files take from the user's environment only what the user chose to send.
  for (const [name, line] of Object.entries({
    '${NPM_TOKEN}': '${NPM_TOKEN}',
    '${NPM_TOKEN?}': '${NPM_TOKEN?}',
    'any other variable': '${MY_SECRET}',
  })) {
    it(`not to a checkout's registry through its own _authToken line (${name})`, async () => {
      received = []
      process.env.NPM_TOKEN = NPM_TOKEN
      process.env.MY_SECRET = NPM_TOKEN
      try {
        const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n${hostile.url.slice(5)}:_authToken=${line}\n`)
        const error = await rejection(tn.listPublishers({ cwd, otp: '123456' }))
        expect(error).toMatchObject({ code: 'ENEEDAUTH', hint: 'bindToken' })
        expect(error.message).toContain("the checkout's")
        expect(error.message).not.toContain(NPM_TOKEN)
        expect((await tn.resolveConfig({ cwd })).tokenWithheld).toMatch(/_authToken in .*\.npmrc/)
      } finally {
        delete process.env.MY_SECRET
      }
      expect(received).toEqual([])
    })
  }

  it("a checkout's URL cannot carry the user's environment: refused before anything is sent", async () => {
    received = []
    process.env.NPM_TOKEN = NPM_TOKEN
    for (const line of [`registry=${hostile.url}\${NPM_TOKEN}/`, `@acme:registry=${hostile.url}\${NPM_TOKEN}/`, `https-proxy=${hostile.url}\${NPM_TOKEN}`]) {
      const cwd = project({ name: '@acme/widgets' }, `${line}\n`)
      // One call at a time: a call started before the previous one is awaited could reject
      // unhandled meanwhile.
      for (const call of [() => tn.resolveConfig({ cwd }), () => tn.listPublishers({ cwd }), () => tn.listDistTags({ cwd })]) {
        const error = await rejection(call())
        expect(error.code, line).toBe('EINVALIDINPUT')
        expect(error.message).toContain(`\`${line.split('=')[0]}\``)
        expect(JSON.stringify({ ...error, message: error.message })).not.toContain(NPM_TOKEN)
      }
    }
    expect(received).toEqual([])
  })

  it('the `token` option, bound to no registry either, goes only where the caller names', async () => {
    received = []
    const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n`)
    const error = await rejection(tn.listPublishers({ cwd, token: NPM_TOKEN }))
    expect(error).toMatchObject({ code: 'ENEEDAUTH', hint: 'bindToken' })
    expect(error.message).toContain('the `token` option')
    expect(error.message).not.toContain(NPM_TOKEN)
    expect(tokensSent()).toEqual([])
    await tn.listPublishers({ cwd, token: NPM_TOKEN, registry: hostile.url })
    expect(tokensSent()).toHaveLength(1)
  })

  it('the CLI: refused in its own words (--registry), sent with --registry', async () => {
    received = []
    const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n`)
    const refused = await runCli(['list', 'widgets'], { cwd, env: { NPM_TOKEN } })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('--registry')
    expect(refused.stderr).not.toMatch(/`registry` option|NPM_TOKEN=/)
    expect(refused.stderr).not.toContain(NPM_TOKEN)
    expect(tokensSent()).toEqual([])

    const named = await runCli(['list', 'widgets', '--registry', hostile.url], { cwd, env: { NPM_TOKEN } })
    expect(named.code, named.stderr).toBe(0)
    expect(tokensSent()).toEqual([`GET /-/package/widgets/trust Bearer ${NPM_TOKEN}`])
  })
})

describe('a body that carries a secret goes only to the origin it was written for', () => {
  const PASSWORD = 'hunter2-SECRET-password'
  let redirecting

  beforeAll(async () => {
    // A registry that moves the token endpoint: to another origin (the hostile recorder, which
    // would answer with a token of its choosing), or to another path of its own.
    redirecting = createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        received.push({ method: req.method, url: `redirecting${req.url}`, body: Buffer.concat(chunks).toString() })
        res.setHeader('content-type', 'application/json')
        if (req.url === '/elsewhere/-/npm/v1/tokens') {
          res.statusCode = 307
          res.setHeader('location', `${hostile.url}-/npm/v1/tokens`)
          return res.end()
        }
        if (req.url === '/pypi/_/oidc/audience') return res.end('{"audience":"warehouse-internal"}')
        if (req.url === '/pypi/_/oidc/mint-token') {
          res.statusCode = 307
          res.setHeader('location', `${hostile.url}_/oidc/mint-token`)
          return res.end()
        }
        // 301, 302 and 303 turn the POST into a GET without the password: still, the answer
        // would be another host's token.
        const found = req.url.match(/^\/(30[123])\/-\/npm\/v1\/tokens$/)
        if (found) {
          res.statusCode = Number(found[1])
          res.setHeader('location', `${hostile.url}-/npm/v1/tokens`)
          return res.end()
        }
        // The OIDC exchange, moved to another origin: the id_token is withheld, but the answer
        // would be another host's token.
        const exchange = req.url.match(/^\/-\/npm\/v1\/oidc\/token\/exchange\/package\/moved-(30[12378])$/)
        if (exchange) {
          res.statusCode = Number(exchange[1])
          res.setHeader('location', `${hostile.url}-/npm/v1/oidc/token/exchange/package/widgets`)
          return res.end()
        }
        if (req.url === '/moved/-/npm/v1/tokens') {
          res.statusCode = 308
          res.setHeader('location', '/here/-/npm/v1/tokens')
          return res.end()
        }
        res.end(JSON.stringify({ token: 'npm_from-the-registry', key: 'k1' }))
      })
    })
    await new Promise((resolve) => redirecting.listen(0, '127.0.0.1', resolve))
    redirecting.url = `http://127.0.0.1:${redirecting.address().port}/`
  })
  afterAll(() => redirecting.close())

  it('createToken: a 307 to another origin is refused, the password is not sent again', async () => {
    received = []
    const error = await rejection(tn.createToken({ registry: `${redirecting.url}elsewhere/`, token: 'npm_x', otp: '123456', password: PASSWORD, retries: 0 }))
    expect(error.code).toBe('ERESPONSE')
    expect(error.message).toContain(hostile.url.slice(0, -1))
    expect(error.message).toContain('secret')
    expect(JSON.stringify(error)).not.toContain(PASSWORD)
    // The registry got it once, as it was meant to; the other origin nothing.
    expect(received.map((r) => r.url)).toEqual(['redirecting/elsewhere/-/npm/v1/tokens'])
  })

  for (const status of [301, 302, 303]) {
    it(`createToken: a ${status} to another origin is refused, not followed for another host's token`, async () => {
      received = []
      const error = await rejection(tn.createToken({ registry: `${redirecting.url}${status}/`, token: 'npm_x', otp: '123456', password: PASSWORD, retries: 0 }))
      expect(error.code).toBe('ERESPONSE')
      expect(error.message).toContain(hostile.url.slice(0, -1))
      expect(error.message).toContain(redirecting.url.slice(0, -1))
      expect(JSON.stringify(error)).not.toContain(PASSWORD)
      expect(received.map((r) => r.url)).toEqual([`redirecting/${status}/-/npm/v1/tokens`])
    })
  }

  it('exchangeToken: a redirect to another origin, whatever its status, is refused: the exchanged token comes from the registry asked', async () => {
    const now = Math.floor(Date.now() / 1000)
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const idToken = `${part({ alg: 'RS256' })}.${part({ aud: 'npm:127.0.0.1', iss: 'https://token.actions.githubusercontent.com', iat: now, exp: now + 600 })}.c2ln`
    for (const status of [301, 302, 303, 307, 308]) {
      received = []
      const error = await rejection(tn.exchangeToken({ registry: redirecting.url, package: `moved-${status}`, idToken, cwd: project({}) }))
      expect(error.code, String(status)).toBe('ERESPONSE')
      expect(error.message).toContain(hostile.url.slice(0, -1))
      expect(error.message).toContain(redirecting.url.slice(0, -1))
      expect(JSON.stringify(error)).not.toContain(EXCHANGED)
      expect(received.map((r) => r.url)).toEqual([`redirecting/-/npm/v1/oidc/token/exchange/package/moved-${status}`])
    }
  })

  it('createToken: a redirect within the registry\'s origin is followed', async () => {
    received = []
    const { newToken } = await tn.createToken({ registry: `${redirecting.url}moved/`, token: 'npm_x', otp: '123456', password: PASSWORD, retries: 0 })
    expect(newToken.token).toBe('npm_from-the-registry')
    expect(received.map((r) => r.url)).toEqual(['redirecting/moved/-/npm/v1/tokens', 'redirecting/here/-/npm/v1/tokens'])
    expect(JSON.parse(received[1].body).password).toBe(PASSWORD)
  })

  it('mintPypiToken: the id_token in the body follows no redirect', async () => {
    received = []
    const now = Math.floor(Date.now() / 1000)
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const idToken = `${part({ alg: 'RS256' })}.${part({ aud: 'warehouse-internal', iss: 'https://token.actions.githubusercontent.com', iat: now, exp: now + 600 })}.c2ln`
    const error = await withCiEnv({ WAREHOUSE_INTERNAL_ID_TOKEN: idToken }, () => rejection(tn.mintPypiToken({ repositoryUrl: `${redirecting.url}pypi/legacy/`, audience: 'warehouse-internal' })))
    expect(error.code).toBe('ERESPONSE')
    expect(error.message).toContain(hostile.url.slice(0, -1))
    expect(error.message).toContain(redirecting.url.slice(0, -1))
    expect(received.map((r) => r.url)).toEqual(['redirecting/pypi/_/oidc/audience', 'redirecting/pypi/_/oidc/mint-token'])
  })
})

describe('files that hold tokens are readable by their owner only', () => {
  /** An id_token for the loopback registry, as a CI job would hold it (not signature-checked here). */
  function idToken() {
    const now = Math.floor(Date.now() / 1000)
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    return `${part({ alg: 'RS256' })}.${part({ aud: 'npm:127.0.0.1', iss: 'https://token.actions.githubusercontent.com', iat: now, exp: now + 600, repository: 'acme/widgets' })}.c2ln`
  }
  const mode = (path) => statSync(path).mode & 0o777
  // Windows has no such modes (Node reports 0o666): nothing to check there, as for npm's files.
  const ownerOnly = (path) => process.platform === 'win32' || mode(path) === 0o600

  it('exchangeToken({ writeNpmrc: true }) writes the user config, as npm does, not the checkout\'s .npmrc', async () => {
    const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n`)
    chmodSync(join(cwd, '.npmrc'), 0o644)
    const user = process.env.npm_config_userconfig
    writeFileSync(user, 'mine=1\n')
    chmodSync(user, 0o644)
    const out = await tn.exchangeToken({ cwd, idToken: idToken(), writeNpmrc: true })
    expect(out.npmrc.path).toBe(user)
    expect(readFileSync(join(cwd, '.npmrc'), 'utf8')).toBe(`registry=${hostile.url}\n`)
    expect(readFileSync(user, 'utf8')).toBe(`mine=1\n${hostile.url.slice(5)}:_authToken=${EXCHANGED}\n`)
    expect(ownerOnly(user), `${user} is readable by its owner only`).toBe(true)
  })

  it('writeNpmrc: true does not write a user config that the checkout put inside the project', async () => {
    // `userconfig=./ci-cache.npmrc` in a project .npmrc: `npm run` exports it as npm_config_userconfig.
    const cwd = project({ name: 'widgets' }, `userconfig=./ci-cache.npmrc\n`)
    const user = process.env.npm_config_userconfig
    process.env.npm_config_userconfig = join(cwd, 'ci-cache.npmrc')
    received = []
    try {
      const error = await rejection(tn.exchangeToken({ cwd, idToken: idToken(), registry: hostile.url, writeNpmrc: true }))
      expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'writeNpmrc' })
      expect(error.message).toContain('inside the project folder')
    } finally {
      process.env.npm_config_userconfig = user
    }
    expect(received).toEqual([])
    expect(existsSync(join(cwd, 'ci-cache.npmrc'))).toBe(false)
  })

  it('a path named: the file is made private, whatever its mode was', async () => {
    const cwd = project({ name: 'widgets' }, `registry=${hostile.url}\n`)
    const named = join(cwd, '.npmrc')
    chmodSync(named, 0o644)
    const out = await tn.exchangeToken({ cwd, idToken: idToken(), writeNpmrc: named })
    expect(out.npmrc.path).toBe(named)
    expect(readFileSync(named, 'utf8')).toContain(`:_authToken=${EXCHANGED}`)
    expect(ownerOnly(named), `${named} is readable by its owner only`).toBe(true)
  })
})
