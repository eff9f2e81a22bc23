'use strict'

// The trust endpoints, `/-/package/:name/trust[/:id]`: the registry's checks in its order
// (token, 2FA on the account, package, write access, OTP), how many configurations a package
// may have (today's registry: up to 10, none twice; the seed's: one), and its error answers.
// A configuration cannot be edited: it is deleted and created again.

const crypto = require('node:crypto')
const { Reply } = require('./http.js')
const { authenticate, bypasses2fa, requireOtp } = require('./auth.js')
const { PROVIDERS, invalidTrustClaims, isUuid } = require('./providers.js')

const PERMISSIONS = ['createPackage', 'createStagedPackage']
/** Configurations a package may have on today's registry (since 2026-09-03). */
const MAX_PUBLISHERS = 10

function handle(state, request, name, id) {
  const found = authenticate(state, request)
  if (found.reply) return found.reply
  const { user } = found
  if (bypasses2fa(found)) {
    return Reply.message(401, 'Unauthorized: tokens that bypass two-factor authentication cannot manage trusted publishers')
  }
  if (!user.tfa) {
    return Reply.message(403, 'Two-factor authentication must be enabled on your account to manage trusted publishers')
  }
  const pkg = state.packages.get(name)
  if (!pkg) return Reply.message(404, 'Package not found')
  if (!pkg.maintainers.includes(user.name)) return Reply.message(403, `You do not have write access to ${name}`)
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  if (request.method === 'GET' && id === undefined) return Reply.json(200, pkg.publishers)
  if (request.method === 'POST' && id === undefined) return create(state, pkg, request)
  if (request.method === 'DELETE' && id !== undefined) return revoke(pkg, id)
  return Reply.message(405, 'Method not allowed')
}

function create(state, pkg, request) {
  const body = request.json()
  const invalid = invalidCreateBody(body)
  if (invalid) return Reply.message(400, invalid)
  const [{ type, claims, permissions }] = body
  const conflict = state.trustModel === 'single' ? singleConflict(pkg) : severalConflict(pkg, body[0])
  if (conflict) return Reply.message(409, conflict)
  const stored = { id: crypto.randomUUID(), type, claims, permissions }
  pkg.publishers.push(stored)
  return Reply.json(201, [stored])
}

/**
 * The registry's schema for a create: an array of exactly one `{ type, claims, permissions }`
 * whose claims are the provider's, complete and well-formed. Answers what is wrong, or nothing.
 */
function invalidCreateBody(body) {
  if (!Array.isArray(body)) return 'Request body must be a JSON array of trusted publisher configurations'
  if (body.length !== 1) return 'Exactly one trusted publisher configuration is supported per package'
  const [config] = body
  const type = typeof config?.type === 'string' ? config.type : ''
  if (!PROVIDERS[type]?.trust) return `Unsupported trusted publisher type "${type}"`
  if (typeof config.claims !== 'object' || config.claims === null || Array.isArray(config.claims)) {
    return 'claims must be an object'
  }
  const claims = invalidTrustClaims(type, config.claims)
  if (claims) return `Invalid claims: ${claims}`
  if (!Array.isArray(config.permissions) || config.permissions.length === 0) return 'permissions must be a non-empty array'
  const unknown = config.permissions.find((p) => !PERMISSIONS.includes(p))
  if (unknown !== undefined) return `Unknown permission ${JSON.stringify(unknown)}`
  return undefined
}

/** The seed's registry: one configuration per package. */
function singleConflict(pkg) {
  return pkg.publishers.length ? 'A trusted publisher configuration already exists for this package' : undefined
}

/** Today's registry: up to MAX_PUBLISHERS, and never the same configuration twice. */
function severalConflict(pkg, config) {
  if (pkg.publishers.some((p) => sameConfiguration(p, config))) {
    return 'An identical trusted publisher configuration already exists for this package'
  }
  if (pkg.publishers.length >= MAX_PUBLISHERS) {
    return `A package can have at most ${MAX_PUBLISHERS} trusted publisher configurations`
  }
  return undefined
}

/** Same type, same claims (key order aside), same permissions in any order. */
function sameConfiguration(a, b) {
  const permissions = (p) => JSON.stringify([...p.permissions].sort())
  return a.type === b.type && canonical(a.claims) === canonical(b.claims) && permissions(a) === permissions(b)
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function revoke(pkg, id) {
  if (!isUuid(id)) return Reply.message(400, 'Invalid trusted publisher config id format')
  const index = pkg.publishers.findIndex((p) => p.id === id)
  if (index < 0) return Reply.message(404, 'Trusted publisher configuration not found')
  pkg.publishers.splice(index, 1)
  return Reply.empty(204)
}

module.exports = { handle }
