'use strict'

// dist-tags, `/-/package/:name/dist-tags[/:tag]`: anyone reads them; a maintainer (with 2FA) or
// the bearer of a token exchanged for the package through trusted publishing (npm 12's
// `dist-tag` in CI) sets one to a published version (`PUT` of the version as a JSON string) or
// removes one.

const { Reply } = require('./http.js')
const { refusal } = require('./publish.js')

function list(state, name) {
  const pkg = state.packages.get(name)
  return pkg ? Reply.json(200, pkg.distTags) : Reply.json(404, { error: 'Not found' })
}

/** Who may move a tag: as who may publish, by any configuration of the package for a grant. */
function refused(state, request, name) {
  const grant = state.grants.get(request.bearer() ?? '')
  const permission = grant?.permissions[0] ?? 'createPackage'
  return refusal(state, request, name, { permission, stageOnlyAllowed: true })
}

function set(state, request, name, tag) {
  const pkg = state.packages.get(name)
  if (!pkg) return Reply.json(404, { error: 'Not found' })
  const denied = refused(state, request, name)
  if (denied) return denied
  const version = request.json()
  if (typeof version !== 'string') return Reply.message(400, 'Request body must be a version as a JSON string')
  if (!pkg.versions.has(version)) return Reply.message(404, `version not found: ${version}`)
  pkg.distTags[tag] = version
  return Reply.json(200, { ok: true, id: name, 'dist-tags': pkg.distTags })
}

function remove(state, request, name, tag) {
  const pkg = state.packages.get(name)
  if (!pkg) return Reply.json(404, { error: 'Not found' })
  const denied = refused(state, request, name)
  if (denied) return denied
  if (!Object.hasOwn(pkg.distTags, tag)) return Reply.message(404, `${tag} is not a dist-tag of ${name}`)
  delete pkg.distTags[tag]
  return Reply.json(200, { ok: true, id: name, 'dist-tags': pkg.distTags })
}

module.exports = { list, remove, set }
