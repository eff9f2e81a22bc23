'use strict'

// PyPI's trusted publishing: `GET /_/oidc/audience` and `POST /_/oidc/mint-token`, with PyPI's
// own matching (GitHub's `job_workflow_ref`, owners and environments compared ignoring case),
// single-use id_tokens, and its `422 { message, errors: [{ code, description }] }` refusals.

const crypto = require('node:crypto')
const { Reply } = require('./http.js')
const { now } = require('./issuers.js')
const { PROVIDERS, refFile } = require('./providers.js')

/**
 * The index's audience: the host name it was addressed by (`127.0.0.1`). Not PyPI's own `pypi`
 * (TestPyPI's `testpypi`): a client asks for those for pypi.org and test.pypi.org only, and an
 * index elsewhere gets an id_token only for an audience tied to it, by default its host name.
 */
const audienceOf = (request) => request.hostname()
/** Minted tokens live 15 minutes. */
const TOKEN_LIFETIME = 900

const text = (object, key) => (typeof object[key] === 'string' ? object[key] : '')
const sameIgnoringCase = (a, b) => a !== '' && a.toLowerCase() === b.toLowerCase()

/** An optional environment: unconfigured matches any; configured, compared ignoring case. */
const environmentOk = (publisher, claims) =>
  publisher.environment === undefined || sameIgnoringCase(publisher.environment, text(claims, 'environment'))

/** Each kind of PyPI publisher: the issuer it trusts, and whether a token's claims are its own. */
const PUBLISHERS = {
  github: {
    issuer: PROVIDERS.github.issuer,
    // The workflow that runs the job: for a reusable workflow, the reusable one.
    matches: (p, c) => sameIgnoringCase(text(p, 'repository'), text(c, 'repository')) &&
      refFile(text(c, 'job_workflow_ref')) === text(p, 'workflow') &&
      environmentOk(p, c),
  },
  gitlab: {
    issuer: PROVIDERS.gitlab.issuer,
    matches: (p, c) => sameIgnoringCase(text(p, 'project'), text(c, 'project_path')) &&
      text(c, 'ci_config_ref_uri').toLowerCase().startsWith(`gitlab.com/${text(p, 'project')}//${text(p, 'workflow')}@`.toLowerCase()) &&
      environmentOk(p, c),
  },
  google: {
    issuer: PROVIDERS.google.issuer,
    matches: (p, c) => sameIgnoringCase(text(p, 'email'), text(c, 'email')) &&
      c.email_verified === true &&
      (p.subject === undefined || p.subject === c.sub),
  },
  // ActiveState's issuer is not emulated: its publishers match on the claims alone.
  activestate: {
    issuer: undefined,
    matches: (p, c) => ['organization', 'project', 'actor'].every((k) => text(p, k) !== '' && text(p, k) === text(c, k)),
  },
}

function matches(publisher, claims) {
  const kind = PUBLISHERS[publisher.type]
  return Boolean(kind) && (kind.issuer === undefined || claims.iss === kind.issuer) && kind.matches(publisher, claims)
}

function refuse(code, description) {
  return Reply.json(422, { message: 'Token request failed', errors: [{ code, description }] })
}

const audience = (request) => Reply.json(200, { audience: audienceOf(request) })

function mintToken({ state, issuers }, request) {
  const token = request.json()?.token
  if (typeof token !== 'string') {
    return refuse('invalid-payload', 'malformed request: expected a JSON object with a `token` string')
  }
  let claims
  try {
    ({ claims } = issuers.verify(token, audienceOf(request)))
  } catch (error) {
    return refuse('invalid-token', `could not verify the OIDC token: ${error.message}`)
  }
  const jti = text(claims, 'jti')
  if (state.pypiUsedJti.has(jti)) return refuse('invalid-reuse-token', 'invalid token: already used')
  const project = [...state.pypiProjects].find(([, publishers]) => publishers.some((p) => matches(p, claims)))
  if (!project) {
    return refuse('invalid-publisher', 'valid token, but no corresponding publisher (Publisher with matching claims was not found)')
  }
  state.pypiUsedJti.add(jti)
  return Reply.json(200, {
    success: true,
    token: `pypi-emulated-${project[0]}-${crypto.randomUUID().replaceAll('-', '')}`,
    expires: now() + TOKEN_LIFETIME,
  })
}

module.exports = { PUBLISHERS, audience, mintToken }
