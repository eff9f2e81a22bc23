'use strict'

// Staged publishing, `npm stage`: a publish that waits for a maintainer's review, deferring 2FA
// to the approval. `POST /-/stage/package/:name` stages a version (the bearer of an exchanged
// token whose configuration allows `createStagedPackage`, or a user who may publish the package,
// without 2FA); the package's maintainers list, view and download staged versions, approve one
// (it is published, with its dist-tag) or reject it (it is deleted), both with 2FA.

const { Reply } = require('./http.js')
const { authenticate, requireOtp } = require('./auth.js')
const { addVersion, publisherOf, refusal } = require('./publish.js')

/** npm's `validateUUID`. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

/** What the registry shows of a staged version. */
function shown({ id, packageName, version, tag, createdAt, actor, actorType, access, shasum }) {
  return { id, packageName, version, tag, createdAt, actor, actorType, access, shasum }
}

/**
 * Who sees a staged version: the package's maintainers, or, for a package that does not exist
 * yet, the user who staged it.
 */
function canSee(state, item, user) {
  const pkg = state.packages.get(item.packageName)
  return pkg ? pkg.maintainers.includes(user.name) : item.actorType === 'user' && item.actor === user.name
}

/** The staged version `id` the user can see, or the registry's answer. */
function visibleItem(state, request, id) {
  const { user, reply } = authenticate(state, request)
  if (reply) return { reply }
  if (!UUID.test(id)) return { reply: Reply.message(400, 'stage-id must be a valid UUID') }
  const item = state.staged.find((s) => s.id.toLowerCase() === id.toLowerCase())
  if (!item || !canSee(state, item, user)) return { reply: Reply.message(404, 'Staged package version not found') }
  return { user, item }
}

/** `GET /-/stage?page&perPage&package`: `{ items, page, perPage, total }`, newest first. */
function list(state, request) {
  const { user, reply } = authenticate(state, request)
  if (reply) return reply
  const page = Number(request.queryParam('page') ?? 0)
  const perPage = Number(request.queryParam('perPage') ?? 10)
  if (!Number.isInteger(page) || page < 0 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    return Reply.message(400, 'page must be 0 or more, perPage from 1 to 100')
  }
  const only = request.queryParam('package')
  const visible = state.staged
    .filter((s) => canSee(state, s, user) && (only === undefined || s.packageName === only))
    .sort((a, b) => (a.createdAt === b.createdAt ? b.seq - a.seq : a.createdAt < b.createdAt ? 1 : -1))
  const items = visible.slice(page * perPage, (page + 1) * perPage).map(shown)
  return Reply.json(200, { items, page, perPage, total: visible.length })
}

/** `GET /-/stage/:id`. */
function view(state, request, id) {
  const { item, reply } = visibleItem(state, request, id)
  return reply ?? Reply.json(200, shown(item))
}

/** `GET /-/stage/:id/tarball`: the staged tarball's bytes. */
function tarball(state, request, id) {
  const { item, reply } = visibleItem(state, request, id)
  return reply ?? new Reply(200, [['content-type', 'application/octet-stream']], item.tarball)
}

/** `POST /-/stage/:id/approve`: publishes the staged version with its dist-tag, with 2FA. */
function approve(state, request, id) {
  const { user, item, reply } = visibleItem(state, request, id)
  if (reply) return reply
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  let pkg = state.packages.get(item.packageName)
  if (pkg?.versions.has(item.version)) {
    return Reply.message(403, `You cannot publish over the previously published versions: ${item.version}.`)
  }
  if (!pkg) {
    pkg = { maintainers: [user.name], publishers: [], versions: new Map(), times: new Map(), distTags: {}, access: item.access === 'private' ? 'restricted' : 'public', keywords: [], score: { quality: 0.5, popularity: 0.5, maintenance: 0.5 } }
    state.packages.set(item.packageName, pkg)
  }
  // The registry records the stager as the publisher and the maintainer who approved it.
  addVersion(state, pkg, item.version, item.manifest, { npmUser: item.npmUser && { ...item.npmUser, approver: { name: user.name } }, tarball: item.tarball })
  pkg.distTags[item.tag] = item.version
  state.staged.splice(state.staged.indexOf(item), 1)
  return Reply.json(200, { message: 'Package version approved and published successfully.' })
}

/** `DELETE /-/stage/:id`: deletes the staged version and its tarball, with 2FA. */
function reject(state, request, id) {
  const { user, item, reply } = visibleItem(state, request, id)
  if (reply) return reply
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  state.staged.splice(state.staged.indexOf(item), 1)
  return Reply.json(200, { message: 'Staged package version deleted.' })
}

/**
 * `POST /-/stage/package/:name` with a publish packument (its first version is the one staged,
 * its first `application/octet-stream` attachment, else its first, the tarball): answers
 * `{ message, stageId }`.
 */
function stagePublish(state, request, name) {
  const refused = refusal(state, request, name, { permission: 'createStagedPackage', otp: false })
  if (refused) return refused
  const body = request.json()
  if (!isObject(body)) return Reply.message(400, 'Request body must be a packument')
  if (body.name !== undefined && body.name !== name) return Reply.message(400, 'The packument is for another package')
  const [version, manifest] = (isObject(body.versions) && Object.entries(body.versions)[0]) || []
  if (version === undefined) return Reply.message(400, 'The packument has no version to stage')
  const attachments = isObject(body._attachments) ? Object.values(body._attachments).filter(isObject) : []
  const attachment = attachments.find((a) => a.content_type === 'application/octet-stream') ?? attachments[0]
  if (typeof attachment?.data !== 'string') return Reply.message(400, 'The packument has no tarball attachment')
  if (state.packages.get(name)?.versions.has(version)) {
    return Reply.message(403, `You cannot publish over the previously published versions: ${version}.`)
  }
  if (state.staged.some((s) => s.packageName === name && s.version === version)) {
    return Reply.message(409, `${name}@${version} is already staged`)
  }
  const tags = isObject(body['dist-tags']) ? body['dist-tags'] : {}
  const tag = Object.keys(tags).find((t) => tags[t] === version) ?? 'latest'
  const grant = state.grants.get(request.bearer())
  const actor = grant
    ? { actor: grant.provider ?? 'oidc', actorType: 'oidc' }
    : { actor: state.userByToken(request.bearer()).name, actorType: 'user' }
  const item = state.addStaged({
    packageName: name,
    version,
    tag,
    access: body.access === 'restricted' || body.access === 'private' ? 'private' : 'public',
    tarball: Buffer.from(attachment.data, 'base64'),
    manifest: isObject(manifest) ? manifest : { name, version },
    npmUser: publisherOf(state, request),
    ...actor,
  })
  return Reply.json(201, { message: 'Package version staged successfully.', stageId: item.id })
}

module.exports = { UUID, approve, list, reject, stagePublish, tarball, view }
