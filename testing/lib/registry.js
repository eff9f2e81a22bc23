'use strict'

// What the emulator does with a request: control requests go to the control API; every other
// one is recorded, may meet an injected fault, and is routed to the registry's endpoints.

const { Reply, dispatch } = require('./http.js')
const auth = require('./auth.js')
const faults = require('./faults.js')
const oidc = require('./oidc.js')
const publish = require('./publish.js')
const pypi = require('./pypi.js')
const trust = require('./trust.js')

/** The trust endpoints, rate-limited when the seed asked for it. */
function trustEndpoint({ state }, request, { name, id }) {
  const wait = state.rateLimit?.take()
  if (wait) return Reply.message(429, 'Too many requests, slow down').header('retry-after', wait)
  return trust.handle(state, request, name, id)
}

function route(ctx, request) {
  const { state } = ctx
  return dispatch([
    [null, '-/package/:name/trust', (p) => trustEndpoint(ctx, request, p)],
    [null, '-/package/:name/trust/:id', (p) => trustEndpoint(ctx, request, p)],
    ['POST', '-/npm/v1/oidc/token/exchange/package/:name', ({ name }) => oidc.exchange(ctx, request, name)],
    ['GET', '-/oidc/:provider/*', ({ provider, rest }) => oidc.issuerEndpoint(ctx, request, provider, rest)],
    ['GET', 'computeMetadata/v1/instance/service-accounts/default/identity', () => oidc.googleMetadata(ctx, request)],
    ['GET', 'auth/cli/:id', ({ id }) => auth.webAuthPage(state, request, id)],
    ['GET', '-/v1/done', () => auth.webAuthDone(state, request)],
    ['GET', '_/oidc/audience', () => pypi.audience()],
    ['POST', '_/oidc/mint-token', () => pypi.mintToken(ctx, request)],
    ['GET', '-/whoami', () => publish.whoami(state, request)],
    ['GET', ':name', ({ name }) => publish.packument(state, name)],
    ['PUT', ':name', ({ name }) => publish.publish(state, request, name)],
  ], request) ?? Reply.message(404, 'Not found')
}

/** A request as tests see it: header names lowercased, a repeated header's last value. */
function recorded(request) {
  const headers = {}
  for (const [name, value] of [...request.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) headers[name] = value
  return { method: request.method, path: request.target, headers, body: request.body.toString('utf8') }
}

/** The server's handler. `ctx` is `{ state, issuers }`; `control(request)` answers the control API. */
function handler(ctx, control) {
  return async (request) => {
    if (request.segments[0] === '-' && request.segments[1] === 'emulator') return control(request)
    ctx.state.requests.push(recorded(request))
    return faults.answer(ctx.state.faults, request, () => route(ctx, request))
  }
}

module.exports = { handler }
