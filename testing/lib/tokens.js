'use strict'

// Access tokens, `npm token`: the session token of `npm login` manages them (a granular token
// cannot); lists are paged and show tokens redacted; creating one takes the password and,
// always, a one-time password; revoking one takes 2FA when the account has it.

const crypto = require('node:crypto')
const { Reply } = require('./http.js')
const { STAGE_ONLY, authenticate, managementRefusal, requireOtp } = require('./auth.js')
const { redact } = require('./state.js')

const PERMISSIONS = ['read-only', 'read-write', 'no-access']
/** Packages and scopes may also be `read-write-stage-only`: publishes are staged for approval. */
const PACKAGE_PERMISSIONS = ['read-only', 'read-write', STAGE_ONLY, 'no-access']
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/
const DAY = 24 * 60 * 60 * 1000
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The requester, who must hold a session token (that does not bypass 2FA, for a change). */
function session(state, request) {
  const found = authenticate(state, request)
  if (found.reply) return found
  if (!found.token.session) return { reply: Reply.message(403, 'Tokens can only be managed with the session token of `npm login`') }
  const refused = request.method === 'GET' ? undefined : managementRefusal(state, found, 'tokens')
  return refused ? { reply: refused } : found
}

/** What a list shows of a token: never the token itself. */
function listed({ key, token, name, description, created, updated, expires, readonly, cidr_whitelist: cidr, bypass_2fa: bypass, packages_and_scopes_permission: packages, orgs_permission: orgs }) {
  return { key, token: redact(token), name, description, created, updated, expires, readonly, cidr_whitelist: cidr, bypass_2fa: bypass ?? false, packages_and_scopes_permission: packages, orgs_permission: orgs }
}

/** `GET /-/npm/v1/tokens?page&perPage`: `{ objects, total, urls: { next?, prev? } }`. */
function list(state, request) {
  const { user, reply } = session(state, request)
  if (reply) return reply
  const page = Number(request.queryParam('page') ?? 0)
  const perPage = Number(request.queryParam('perPage') ?? 10)
  if (!Number.isInteger(page) || page < 0 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    return Reply.message(400, 'page must be 0 or more, perPage from 1 to 100')
  }
  const mine = state.tokens.filter((t) => t.user === user.name)
  const objects = mine.slice(page * perPage, (page + 1) * perPage).map(listed)
  const at = (n) => `${request.origin()}/-/npm/v1/tokens?page=${n}&perPage=${perPage}`
  const urls = {}
  if ((page + 1) * perPage < mine.length) urls.next = at(page + 1)
  if (page > 0) urls.prev = at(page - 1)
  return Reply.json(200, { objects, total: mine.length, urls })
}

/** Whether a create body asks for a token that can write (publish, or stage). */
const writes = (body) => ['read-write', STAGE_ONLY].includes(body.packages_and_scopes_permission) || body.orgs_permission === 'read-write'

/** What is wrong with a create body, or nothing. */
function invalid(body) {
  if (!isObject(body)) return 'Request body must be a JSON object'
  for (const key of ['name', 'description', 'password']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') return `${key} must be a string`
  }
  for (const key of ['packages', 'scopes', 'orgs', 'cidr_whitelist']) {
    if (body[key] !== undefined && !(Array.isArray(body[key]) && body[key].every((v) => typeof v === 'string'))) return `${key} must be an array of strings`
  }
  for (const [key, allowed] of [['packages_and_scopes_permission', PACKAGE_PERMISSIONS], ['orgs_permission', PERMISSIONS]]) {
    if (body[key] !== undefined && !allowed.includes(body[key])) return `${key} must be one of ${allowed.join(', ')}`
  }
  const bad = (body.cidr_whitelist ?? []).find((c) => !IPV4_CIDR.test(c))
  if (bad !== undefined) return `Invalid CIDR range ${JSON.stringify(bad)}: IPv4 only`
  if (body.expires !== undefined && !(Number.isInteger(body.expires) && body.expires > 0)) return 'expires must be a number of days'
  if (writes(body) && body.expires > 90) return 'Read-write tokens expire within 90 days'
  return undefined
}

/** `POST /-/npm/v1/tokens`: answers the new token, whole, once. */
function create(state, request) {
  const { user, reply } = session(state, request)
  if (reply) return reply
  const body = request.json()
  const problem = invalid(body)
  if (problem) return Reply.message(400, problem)
  if (body.password !== user.password) return Reply.message(401, 'Incorrect password')
  const challenge = requireOtp(state, user, request, { always: true })
  if (challenge) return challenge
  const readOnly = !writes(body)
  const days = body.expires ?? (readOnly ? 30 : 7)
  const token = `npm_${crypto.randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`
  const record = state.addToken({
    token,
    user: user.name,
    session: false,
    name: body.name,
    description: body.description,
    expires: new Date(Date.now() + days * DAY).toISOString(),
    readonly: readOnly,
    cidr_whitelist: body.cidr_whitelist ?? null,
    bypass_2fa: body.bypass_2fa === true,
    packages_and_scopes_permission: body.packages_and_scopes_permission,
    orgs_permission: body.orgs_permission,
  })
  const { user: _owner, session: _session, ...shown } = record
  return Reply.json(201, shown)
}

/** `DELETE /-/npm/v1/tokens/token/:id`, `id` a key or a whole token of the user's. */
function revoke(state, request, id) {
  const { user, reply } = session(state, request)
  if (reply) return reply
  const index = state.tokens.findIndex((t) => t.user === user.name && (t.key === id || t.token === id))
  if (index < 0) return Reply.message(404, 'Token not found')
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  state.tokens.splice(index, 1)
  return Reply.empty(204)
}

module.exports = { list, create, revoke }
