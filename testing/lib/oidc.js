'use strict'

// OIDC over HTTP: the fake issuers' discovery documents and JWKS, GitHub's id_token request URL,
// Google's metadata server, and the registry's exchange of an id_token for a package-scoped npm
// token.

const crypto = require('node:crypto')
const { isDeepStrictEqual } = require('node:util')
const { Reply } = require('./http.js')
const { ID_TOKEN_LIFETIME, now } = require('./issuers.js')
const { PROVIDERS, refFile } = require('./providers.js')

/** How long an exchanged npm token lives, as on the registry. */
const GRANT_LIFETIME = 3600
/** How long the metadata server's identity tokens live, as Google's do. */
const GOOGLE_TOKEN_LIFETIME = 3600

/**
 * `/-/oidc/:provider/.well-known/openid-configuration`, `/-/oidc/:provider/jwks`, and GitHub's
 * `/-/oidc/github/token?audience=` (the ACTIONS_ID_TOKEN_REQUEST_URL protocol).
 */
function issuerEndpoint({ state, issuers }, request, provider, rest) {
  if (!Object.hasOwn(PROVIDERS, provider)) return Reply.message(404, 'Unknown issuer')
  const base = `${request.origin()}/-/oidc/${provider}`
  const path = rest.join('/')
  if (path === '.well-known/openid-configuration') {
    return Reply.json(200, { issuer: base, jwks_uri: `${base}/jwks`, id_token_signing_alg_values_supported: ['RS256'] })
  }
  if (path === 'jwks') return Reply.json(200, { keys: [issuers.key(provider).jwk] })
  if (path === 'token' && provider === 'github') {
    const claims = state.githubJobs.get(request.bearer() ?? '')
    if (!claims) return Reply.message(401, 'Bad credentials: unknown ACTIONS_ID_TOKEN_REQUEST_TOKEN')
    // Without an audience, GitHub's default: the repository owner's URL.
    const audience = request.queryParam('audience') ?? `https://github.com/${claims.repository_owner ?? 'acme'}`
    return Reply.json(200, { count: 1, value: issuers.issue('github', audience, claims, ID_TOKEN_LIFETIME) })
  }
  return Reply.message(404, 'Not found')
}

/** Google's metadata server: the instance's identity token, for the audience asked. */
function googleMetadata({ state, issuers }, request) {
  if (request.header('metadata-flavor') !== 'Google') return Reply.message(403, 'Missing Metadata-Flavor: Google header')
  const audience = request.queryParam('audience')
  if (audience === undefined) return Reply.message(400, 'audience parameter required')
  return Reply.bytes(200, 'application/text', issuers.issue('google', audience, state.googleIdentity, GOOGLE_TOKEN_LIFETIME))
}

/**
 * Whether a token's claim satisfies a configured one, by the registry's rules: a string matches
 * exactly, `{ file }` matches the file of the token's ref claim, and a list needs each of its
 * values among the token's.
 */
function satisfies(expected, actual) {
  if (typeof expected === 'string') return actual === expected
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e) => actual.some((a) => isDeepStrictEqual(a, e)))
  if (typeof expected?.file === 'string') return typeof actual === 'string' && refFile(actual) === expected.file
  return false
}

function matches(config, provider, claims) {
  const wanted = config.claims
  if (config.type !== provider || typeof wanted !== 'object' || wanted === null) return false
  // The environment is compared both ways: a job that runs in an environment matches only a
  // configuration that names it, as users of the registry report (hexo-sliding-spoiler#25).
  const environment = claims.environment
  if (PROVIDERS[provider]?.trust.environment && typeof environment === 'string' && environment !== '' && wanted.environment === undefined) return false
  return Object.entries(wanted).every(([key, expected]) => satisfies(expected, claims[key]))
}

/**
 * `POST /-/npm/v1/oidc/token/exchange/package/:name`: verifies the bearer id_token (issuer,
 * signature, `aud` = `npm:<registry host>`, validity), finds a configuration of the package its
 * claims satisfy, and mints a one-hour token for that package with that configuration's
 * permissions.
 */
function exchange({ state, issuers }, request, name) {
  const idToken = request.bearer()
  if (!idToken) return Reply.message(401, 'OIDC token exchange error - missing id_token')
  let verified
  try {
    verified = issuers.verify(idToken, `npm:${request.hostname()}`)
  } catch (error) {
    return Reply.message(401, `OIDC token exchange error - invalid token: ${error.message}`)
  }
  // The registry answers the same whether the package is missing or no configuration matches.
  const config = state.packages.get(name)?.publishers.find((c) => matches(c, verified.provider, verified.claims))
  if (!config) return Reply.message(404, 'OIDC token exchange error - package not found')
  const token = `oidc-emulated-${crypto.randomUUID().replaceAll('-', '')}`
  const created = now()
  const permissions = Array.isArray(config.permissions) ? [...config.permissions] : []
  // Today's registry lets every connection stage; the seed's only those that allow it.
  if (state.trustModel === 'several' && !permissions.includes('createStagedPackage')) permissions.push('createStagedPackage')
  state.grants.set(token, { package: name, permissions, expires: created + GRANT_LIFETIME, provider: verified.provider, configId: config.id })
  return Reply.json(201, {
    token_type: 'oidc',
    token,
    created: new Date(created * 1000).toISOString(),
    expires: new Date((created + GRANT_LIFETIME) * 1000).toISOString(),
  })
}

module.exports = { exchange, googleMetadata, issuerEndpoint }
