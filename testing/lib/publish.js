'use strict'

// Package documents: the packument npm reads before publishing, the publish itself (a `PUT` of
// the packument, by a maintainer or with an exchanged OIDC token for that package), and whoami.

const { Reply } = require('./http.js')
const { authenticate, bypasses2fa, requireOtp, stageRequired } = require('./auth.js')
const { now } = require('./issuers.js')
const tarballs = require('./tarballs.js')
const { PROVIDERS } = require('./providers.js')

function packument(state, name) {
  const pkg = state.packages.get(name)
  if (!pkg) return Reply.json(404, { error: 'Not found' })
  const times = [...pkg.times.values()].sort()
  const time = { ...(times.length && { created: times[0], modified: times.at(-1) }), ...Object.fromEntries(pkg.times) }
  return Reply.json(200, { _id: name, name, 'dist-tags': pkg.distTags, versions: Object.fromEntries(pkg.versions), time })
}

/**
 * Who the registry records as a version's publisher (`_npmUser`): for a token exchanged through
 * trusted publishing, the CI with `trustedPublisher: { id, oidcConfigId: 'oidc:<config id>' }`;
 * else the token's user.
 */
function publisherOf(state, request) {
  const grant = state.grants.get(request.bearer() ?? '')
  if (grant) return { ...PROVIDERS[grant.provider].npmUser, trustedPublisher: { id: grant.provider, oidcConfigId: `oidc:${grant.configId}` } }
  const user = state.userByToken(request.bearer())
  return user && { name: user.name }
}

/**
 * Adds a version as the registry stores it: the manifest with `_npmUser`, `dist.attestations`
 * when a provenance bundle (`.sigstore`) came with it (`{ predicateType, bundle }`, kept for
 * the attestations endpoint), and its publish time.
 */
function addVersion(state, pkg, version, manifest, { npmUser, provenance, tarball }) {
  if (tarball) (pkg.tarballs ??= new Map()).set(version, tarball)
  const stored = { ...manifest, ...(npmUser && { _npmUser: npmUser }) }
  if (provenance) {
    const { predicateType } = provenance
    stored.dist = { ...stored.dist, attestations: { url: `/-/npm/v1/attestations/${manifest.name}@${version}`, provenance: { predicateType } } }
    pkg.attestations ??= new Map()
    pkg.attestations.set(version, [provenance])
  }
  pkg.versions.set(version, stored)
  pkg.times.set(version, state.timestamp())
}

/**
 * The provenance a `.sigstore` attachment carries: `{ predicateType, bundle }`, or a refusal
 * when it is not a bundle of a DSSE statement (the registry checks the bundle on publish).
 */
function provenanceOf(attachments) {
  const file = Object.keys(attachments).find((name) => name.endsWith('.sigstore'))
  if (file === undefined) return {}
  try {
    const bundle = JSON.parse(attachments[file].data)
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
    return { provenance: { predicateType: String(statement.predicateType), bundle } }
  } catch (error) {
    return { refused: Reply.message(400, `Invalid provenance bundle ${file}: ${error.message}`) }
  }
}

/** `GET /-/npm/v1/attestations/<name>@<version>`: the version's attestations as published. */
function attestations(state, spec) {
  const at = spec.lastIndexOf('@')
  const found = at > 0 && state.packages.get(spec.slice(0, at))?.attestations?.get(spec.slice(at + 1))
  if (!found) return Reply.json(404, { error: 'Not found' })
  return Reply.json(200, { attestations: found })
}

function whoami(state, request) {
  const { user, reply } = authenticate(state, request)
  return reply ?? Reply.json(200, { username: user.name })
}

/**
 * Who may publish: the bearer of an exchanged token for this package whose configuration allows
 * `permission` (`createPackage`; `createStagedPackage` to stage), or a maintainer (anyone, for a
 * new package) who passes 2FA (unless `otp` is false: staging defers it to the approval; a
 * token that bypasses 2FA skips it). A direct publish with a token that can only stage is
 * refused with `E_STAGE_REQUIRED`. Answers the refusal, or nothing.
 */
function refusal(state, request, name, { permission = 'createPackage', otp = true, stageOnlyAllowed = false } = {}) {
  const token = request.bearer()
  if (token === undefined) return Reply.message(401, 'Unauthorized')
  const grant = state.grants.get(token)
  if (grant) {
    if (grant.expires <= now()) return Reply.message(401, 'OIDC token expired')
    if (grant.package !== name) return Reply.message(403, `This OIDC token may only publish ${grant.package}`)
    if (!grant.permissions.includes(permission)) return Reply.message(403, 'OIDC permission denied for this action')
    return undefined
  }
  const found = authenticate(state, request)
  if (found.reply) return found.reply
  const { user } = found
  const pkg = state.packages.get(name)
  if (pkg && !pkg.maintainers.includes(user.name)) return Reply.message(403, `You do not have permission to publish "${name}"`)
  if (permission === 'createPackage' && !stageOnlyAllowed) {
    const refused = stageRequired(state, found)
    if (refused) return refused
  }
  return otp && !bypasses2fa(found) ? requireOtp(state, user, request) : undefined
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

function publish(state, request, name) {
  const refused = refusal(state, request, name)
  if (refused) return refused
  const body = request.json()
  if (!isObject(body)) return Reply.message(400, 'Request body must be a packument')
  // The registry takes the first version of the packument as the one published.
  const [version, manifest] = (isObject(body.versions) && Object.entries(body.versions)[0]) || []
  if (version === undefined) return Reply.message(400, 'The packument has no version to publish')
  if (!isObject(body._attachments)) return Reply.message(400, 'The packument has no tarball attachment')
  let pkg = state.packages.get(name)
  if (!pkg) {
    const publisher = state.userByToken(request.bearer())
    pkg = { maintainers: publisher ? [publisher.name] : [], publishers: [], versions: new Map(), times: new Map(), distTags: {} }
    state.packages.set(name, pkg)
  }
  if (pkg.versions.has(version)) {
    return Reply.message(403, `You cannot publish over the previously published versions: ${version}.`)
  }
  const { provenance, refused: badBundle } = provenanceOf(body._attachments)
  if (badBundle) return badBundle
  addVersion(state, pkg, version, manifest, { npmUser: publisherOf(state, request), provenance, tarball: tarballs.fromAttachments(body._attachments) })
  if (isObject(body['dist-tags'])) Object.assign(pkg.distTags, body['dist-tags'])
  // The registry always has a `latest`: a package's first version gets it, whatever its tag.
  if (pkg.distTags.latest === undefined) pkg.distTags.latest = version
  return Reply.json(200, { success: true })
}

module.exports = { addVersion, attestations, packument, publish, publisherOf, refusal, whoami }
