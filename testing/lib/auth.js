'use strict'

// Authentication as the npm endpoints share it: bearer tokens, and two-factor authentication for
// writes, by an authenticator code in `npm-otp` or by the web flow (`npm-auth-type: web`: an
// `authUrl` to open and a `doneUrl` to poll), with the website's "skip 2FA for 5 minutes".

const crypto = require('node:crypto')
const { Reply } = require('./http.js')
const { now } = require('./issuers.js')

/** `packages_and_scopes_permission` of a token that can only stage publishes. */
const STAGE_ONLY = 'read-write-stage-only'
/** The first day tokens that bypass 2FA can no longer manage trust, access, tokens or orgs. */
const MANAGE_NEEDS_2FA_FROM = '2026-08-01'
/** The first day tokens that bypass 2FA can no longer publish directly. */
const BYPASS_DIRECT_PUBLISH_ENDS = '2027-01-01'

/** How long a web login's code, and the skip window, last. */
const WEB_OTP_LIFETIME = 300

/** The user a request's bearer token belongs to (and the token's record), or a 401 reply. */
function authenticate(state, request) {
  const token = request.bearer()
  const record = token === undefined ? undefined : state.tokenRecord(token)
  const user = record && state.users.get(record.user)
  return user ? { user, token: record } : { reply: Reply.message(401, 'Unauthorized') }
}

/** Whether the request's token bypasses 2FA: a granular token created so, or a seeded user's. */
const bypasses2fa = ({ user, token }) => Boolean(token?.bypass_2fa || user?.bypass2fa)

/**
 * The registry's rule since August 2026: a token that bypasses 2FA cannot change `what`
 * (trust, access, tokens, orgs). Answers the refusal, or nothing.
 */
function managementRefusal(state, found, what) {
  if (!bypasses2fa(found) || state.date() < MANAGE_NEEDS_2FA_FROM) return undefined
  return Reply.message(403, `Tokens that bypass two-factor authentication can no longer change ${what} (since August 2026): use a token that requires 2FA`)
}

/**
 * Whether the registry refuses a direct publish with this token, as it does for a stage-only
 * token and, from January 2027, for one that bypasses 2FA: `E_STAGE_REQUIRED`.
 */
function stageRequired(state, found) {
  const stageOnly = found.token?.packages_and_scopes_permission === STAGE_ONLY
  const ended = bypasses2fa(found) && state.date() >= BYPASS_DIRECT_PUBLISH_ENDS
  if (!stageOnly && !ended) return undefined
  const why = stageOnly ? 'This token can only stage publishes' : 'Tokens that bypass two-factor authentication can no longer publish directly (since January 2027)'
  return Reply.json(403, { code: 'E_STAGE_REQUIRED', error: `E_STAGE_REQUIRED: ${why}. Stage the version (npm stage publish) and approve it with 2FA.` })
}

/**
 * Two-factor authentication for a write (`always` too for accounts without it, as token
 * creation does): nothing when it passes, the registry's 401 challenge
 * (`www-authenticate: OTP`) otherwise, with the web flow's URLs when the client asked for it.
 */
function requireOtp(state, user, request, { always = false } = {}) {
  const at = now()
  // `always`: an endpoint that mails a code to accounts without 2FA (the user's `otp` here).
  if ((!user.tfa && !always) || (state.skip2faUntil.get(user.name) ?? 0) > at) return undefined
  const otp = request.header('npm-otp')
  if (otp !== undefined) {
    const valid = otp === user.otp || state.webOtps.some((w) => w.user === user.name && w.otp === otp && w.expires > at)
    return valid ? undefined : Reply.json(401, { error: 'Invalid one-time password' }).header('www-authenticate', 'OTP')
  }
  let body = { error: 'This operation requires a one-time password' }
  if (request.header('npm-auth-type') === 'web') {
    const id = crypto.randomUUID()
    state.webAuths.set(id, { user: user.name })
    body = { authUrl: `${request.origin()}/auth/cli/${id}`, doneUrl: `${request.origin()}/-/v1/done?authId=${id}` }
  }
  return Reply.json(401, body).header('www-authenticate', 'OTP')
}

/**
 * `GET /auth/cli/:id`, the page `authUrl` opens: `?approve=true` approves, and with
 * `&skip2fa=true` also skips 2FA for this user for 5 minutes, as the website's checkbox does.
 */
function webAuthPage(state, request, id) {
  const pending = state.webAuths.get(id)
  if (!pending) return Reply.message(404, 'Unknown or expired authentication request')
  if (request.queryParam('approve') !== 'true') {
    return Reply.bytes(200, 'text/html', `<p>Approve this npm operation? <a href="?approve=true">Approve</a></p> ${id}`)
  }
  // A web login's code has 16 digits, unlike an authenticator's 6.
  const otp = Array.from({ length: 16 }, () => crypto.randomInt(10)).join('')
  const expires = now() + WEB_OTP_LIFETIME
  state.webOtps.push({ user: pending.user, otp, expires })
  if (request.queryParam('skip2fa') === 'true') state.skip2faUntil.set(pending.user, expires)
  pending.otp = otp
  return Reply.bytes(200, 'text/html', '<p>Approved. You can close this page.</p>')
}

/** `GET /-/v1/done?authId=`: 202 with Retry-After until approved, then the code. */
function webAuthDone(state, request) {
  const pending = state.webAuths.get(request.queryParam('authId') ?? '')
  if (!pending) return Reply.message(404, 'Unknown authentication request')
  if (pending.otp) return Reply.json(200, { token: pending.otp })
  return Reply.json(202, {}).header('retry-after', state.webAuthRetryAfter)
}

module.exports = { STAGE_ONLY, authenticate, bypasses2fa, managementRefusal, requireOtp, stageRequired, webAuthPage, webAuthDone }
