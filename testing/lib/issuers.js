'use strict'

// The fake OIDC issuers: RS256 JWTs signed with a key each provider gets on first use (generated,
// never stored), their JWKS, and verification as a relying party (the registry, PyPI) does it.

const crypto = require('node:crypto')
const { defaultClaims, issuerOf, providerOfIssuer } = require('./providers.js')

/** How long CI id_tokens live by default (GitHub's are valid for minutes, not hours). */
const ID_TOKEN_LIFETIME = 300

/** Claims the issuer sets, which a test may still override (to forge an expired token, say). */
const REGISTERED = ['iss', 'aud', 'iat', 'nbf', 'exp', 'jti']

const now = () => Math.floor(Date.now() / 1000)
const b64url = (data) => Buffer.from(data).toString('base64url')

/** A JWT's header and claims, unverified; throws when it is not a JWT. */
function decode(token) {
  const parts = typeof token === 'string' ? token.split('.') : []
  if (parts.length !== 3) throw new Error('malformed token')
  const [header, claims] = parts.slice(0, 2).map((part) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    } catch {
      return undefined
    }
  })
  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObject(header) || !isObject(claims)) throw new Error('malformed token')
  return { header, claims }
}

class Issuers {
  #keys = new Map()

  /** The provider's signing key, its `kid` (the RFC 7638 thumbprint) and public JWK. */
  key(provider) {
    let key = this.#keys.get(provider)
    if (!key) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      const { kty, n, e } = publicKey.export({ format: 'jwk' })
      const kid = crypto.createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url')
      key = { privateKey, publicKey, kid, jwk: { kty, alg: 'RS256', use: 'sig', kid, n, e } }
      this.#keys.set(provider, key)
    }
    return key
  }

  /**
   * A signed id_token: `overrides` over the provider's default claims, for `audience`, valid
   * `lifetime` seconds from now (negative: already expired).
   */
  issue(provider, audience, overrides = {}, lifetime = ID_TOKEN_LIFETIME) {
    // One reading of the clock: two could straddle a second, and `exp - iat` be one more.
    const at = now()
    const issuedAt = Math.min(at, at + lifetime)
    const claims = {
      ...defaultClaims(provider, overrides),
      aud: audience,
      iat: issuedAt,
      nbf: issuedAt - 5,
      exp: at + lifetime,
      jti: crypto.randomUUID(),
    }
    claims.iss = issuerOf(provider, claims)
    for (const name of REGISTERED) if (Object.hasOwn(overrides, name)) claims[name] = overrides[name]
    const { privateKey, kid } = this.key(provider)
    const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`
    return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
  }

  /**
   * Verifies a token as a relying party does: an issuer we trust, signed with that issuer's
   * key, for `audience`, within its validity window. Answers `{ provider, claims }`, or throws
   * an Error saying why not.
   */
  verify(token, audience) {
    const { header, claims } = decode(token)
    const provider = providerOfIssuer(claims.iss)
    if (!provider) throw new Error(`untrusted issuer ${claims.iss ?? ''}`)
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    const input = Buffer.from(token.slice(0, token.lastIndexOf('.')))
    if (header.alg !== 'RS256' || !crypto.verify('sha256', input, this.key(provider).publicKey, signature)) {
      throw new Error('invalid signature')
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!audiences.includes(audience)) throw new Error(`invalid audience, expected ${audience}`)
    if (typeof claims.exp !== 'number' || claims.exp <= now()) throw new Error('token expired')
    // A minute of leeway for clocks that disagree.
    if (typeof claims.nbf === 'number' && claims.nbf > now() + 60) throw new Error('token not yet valid')
    return { provider, claims }
  }
}

module.exports = { Issuers, ID_TOKEN_LIFETIME, now }
