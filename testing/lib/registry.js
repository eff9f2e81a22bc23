'use strict'

// What the emulator does with a request: control requests go to the control API; every other
// one is recorded, may meet an injected fault, and is routed to the registry's endpoints.

const { Reply, dispatch } = require('./http.js')
const access = require('./access.js')
const audit = require('./audit.js')
const auth = require('./auth.js')
const distTags = require('./disttags.js')
const faults = require('./faults.js')
const oidc = require('./oidc.js')
const orgs = require('./orgs.js')
const publish = require('./publish.js')
const pypi = require('./pypi.js')
const search = require('./search.js')
const stage = require('./stage.js')
const tarballs = require('./tarballs.js')
const tokens = require('./tokens.js')
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
    ...['visibility', 'access', 'collaborators'].map((what) => [null, `-/package/:name/${what}`, ({ name }) => access.packageEndpoint(state, request, name, what)]),
    ['GET', '-/package/:name/dist-tags', ({ name }) => distTags.list(state, name)],
    ['PUT', '-/package/:name/dist-tags/:tag', ({ name, tag }) => distTags.set(state, request, name, tag)],
    ['DELETE', '-/package/:name/dist-tags/:tag', ({ name, tag }) => distTags.remove(state, request, name, tag)],
    [null, '-/team/:org/:team/package', ({ org, team }) => access.teamPackages(state, request, org, team)],
    ['GET', '-/org/:org/package', ({ org }) => access.orgPackages(state, request, org)],
    ['GET', '-/user/:user/package', ({ user }) => access.userPackages(state, request, user)],
    [null, '-/org/:org/user', ({ org }) => orgs.orgMembers(state, request, org)],
    [null, '-/org/:org/team', ({ org }) => orgs.orgTeams(state, request, org)],
    [null, '-/team/:org/:team', ({ org, team }) => orgs.team(state, request, org, team)],
    [null, '-/team/:org/:team/user', ({ org, team }) => orgs.teamMembers(state, request, org, team)],
    ['GET', '-/npm/v1/tokens', () => tokens.list(state, request)],
    ['POST', '-/npm/v1/tokens', () => tokens.create(state, request)],
    ['DELETE', '-/npm/v1/tokens/token/:id', ({ id }) => tokens.revoke(state, request, id)],
    ['GET', '-/stage', () => stage.list(state, request)],
    ['POST', '-/stage/package/:name', ({ name }) => stage.stagePublish(state, request, name)],
    ['GET', '-/stage/:id', ({ id }) => stage.view(state, request, id)],
    ['DELETE', '-/stage/:id', ({ id }) => stage.reject(state, request, id)],
    ['POST', '-/stage/:id/approve', ({ id }) => stage.approve(state, request, id)],
    ['GET', '-/stage/:id/tarball', ({ id }) => stage.tarball(state, request, id)],
    ['GET', '-/v1/search', () => search.search(state, request)],
    ['POST', '-/npm/v1/security/advisories/bulk', () => audit.bulk(state, request)],
    ['POST', '-/npm/v1/oidc/token/exchange/package/:name', ({ name }) => oidc.exchange(ctx, request, name)],
    ['GET', '-/oidc/:provider/*', ({ provider, rest }) => oidc.issuerEndpoint(ctx, request, provider, rest)],
    ['GET', 'computeMetadata/v1/instance/service-accounts/default/identity', () => oidc.googleMetadata(ctx, request)],
    ['GET', 'auth/cli/:id', ({ id }) => auth.webAuthPage(state, request, id)],
    ['GET', '-/v1/done', () => auth.webAuthDone(state, request)],
    ['GET', '_/oidc/audience', () => pypi.audience(request)],
    ['POST', '_/oidc/mint-token', () => pypi.mintToken(ctx, request)],
    ['POST', '-/sigstore/fulcio/api/v2/signingCert', () => ctx.sigstore.signingCert(request)],
    ['POST', '-/sigstore/rekor/api/v1/log/entries', () => ctx.sigstore.createEntry(request)],
    ['GET', '-/sigstore/rekor/api/v1/log/entries/:uuid', ({ uuid }) => ctx.sigstore.getEntry(uuid)],
    ['GET', '-/npm/v1/attestations/:spec', ({ spec }) => publish.attestations(state, spec)],
    ['GET', '-/whoami', () => publish.whoami(state, request)],
    ...tarballs.routes(state),
    ['GET', ':name', ({ name }) => publish.packument(state, name)],
    ['PUT', ':name', ({ name }) => publish.publish(state, request, name)],
  ], request) ?? Reply.message(404, 'Not found').header('x-emulator-no-route', 'true')
}

/** A request as tests see it: header names lowercased, a repeated header's last value. */
function recorded(request) {
  const headers = {}
  for (const [name, value] of [...request.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) headers[name] = value
  return { method: request.method, path: request.target, headers, body: request.body.toString('utf8') }
}

/** The server's handler. `ctx` is `{ state, issuers, sigstore }`; `control(request)` answers the control API. */
function handler(ctx, control) {
  return async (request) => {
    if (request.segments[0] === '-' && request.segments[1] === 'emulator') return control(request)
    ctx.state.requests.push(recorded(request))
    return faults.answer(ctx.state.faults, request, () => route(ctx, request))
  }
}

module.exports = { handler }
