'use strict'

// Package access, `npm access`: visibility and its 2FA settings, collaborators, team grants,
// and the packages of a user, org or team. Reads need a token; changes need write access (an
// org owner or admin for team grants) and pass 2FA.

const { Reply } = require('./http.js')
const { authenticate, managementRefusal, requireOtp } = require('./auth.js')

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
const PERMISSIONS = ['read-only', 'read-write']
/** The stronger of two permissions. */
const stronger = (a, b) => (a === 'read-write' || b === 'read-write' ? 'read-write' : a ?? b)

/** Who can see a package: anyone when it is public, else its maintainers and granted teams. */
function canSee(state, pkg, name, user) {
  return pkg.access === 'public' || permissionOf(state, name, pkg, user) !== undefined
}

/** A user's permission on a package: `read-write` for a maintainer, else their teams' grants. */
function permissionOf(state, name, pkg, user) {
  let permission = pkg.maintainers.includes(user) ? 'read-write' : undefined
  for (const org of state.orgs.values()) {
    for (const team of org.teams.values()) {
      if (team.members.has(user) && team.packages.has(name)) permission = stronger(permission, team.packages.get(name))
    }
  }
  return permission
}

/** The package a route names, visible to the user, or the 404 the registry answers. */
function visiblePackage(state, name, user) {
  const pkg = state.packages.get(name)
  return pkg && canSee(state, pkg, name, user) ? { pkg } : { reply: Reply.message(404, 'Package not found') }
}

/** `/-/package/:name/visibility`, `/access`, `/collaborators`. */
function packageEndpoint(state, request, name, what) {
  // A token exchanged through trusted publishing reads its package's visibility: npm asks
  // with it after the exchange, to decide on provenance.
  const grant = state.grants.get(request.bearer() ?? '')
  if (grant?.package === name && what === 'visibility' && request.method === 'GET' && state.packages.has(name)) {
    return Reply.json(200, { public: state.packages.get(name).access === 'public' })
  }
  const found = authenticate(state, request)
  if (found.reply) return found.reply
  const { user } = found
  const refused = request.method === 'GET' ? undefined : managementRefusal(state, found, 'access')
  if (refused) return refused
  const { pkg, reply: missing } = visiblePackage(state, name, user.name)
  if (missing) return missing
  if (what === 'visibility' && request.method === 'GET') return Reply.json(200, { public: pkg.access === 'public' })
  if (what === 'collaborators' && request.method === 'GET') return Reply.json(200, collaborators(state, name, pkg))
  if (what === 'access' && request.method === 'POST') return setAccess(state, request, name, pkg, user)
  return Reply.message(405, 'Method not allowed')
}

function collaborators(state, name, pkg) {
  const users = {}
  for (const user of pkg.maintainers) users[user] = 'read-write'
  for (const org of state.orgs.values()) {
    for (const team of org.teams.values()) {
      const permission = team.packages.get(name)
      if (permission) for (const user of team.members) users[user] = stronger(users[user], permission)
    }
  }
  return users
}

function setAccess(state, request, name, pkg, user) {
  if (!pkg.maintainers.includes(user.name)) return Reply.message(403, `You do not have write access to ${name}`)
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  const body = request.json()
  if (!isObject(body)) return Reply.message(400, 'Request body must be a JSON object')
  const { access, publish_requires_tfa: tfa, automation_token_overrides_tfa: automation } = body
  if (access === undefined && tfa === undefined && automation === undefined) {
    return Reply.message(400, 'Nothing to change: send access, publish_requires_tfa or automation_token_overrides_tfa')
  }
  if (access !== undefined && !['public', 'restricted', 'private'].includes(access)) return Reply.message(400, 'access must be "public" or "restricted"')
  if (access !== undefined && access !== 'public' && !name.startsWith('@')) return Reply.message(400, 'Unscoped packages cannot be private')
  for (const [key, value] of [['publish_requires_tfa', tfa], ['automation_token_overrides_tfa', automation]]) {
    if (value !== undefined && typeof value !== 'boolean') return Reply.message(400, `${key} must be a boolean`)
  }
  if (access !== undefined) pkg.access = access === 'public' ? 'public' : 'restricted'
  if (tfa !== undefined) pkg.publishRequiresTfa = tfa
  if (automation !== undefined) pkg.automationTokenOverridesTfa = automation
  return Reply.json(200, {})
}

/** The org and team a route names, or the 404 the registry answers. */
function findTeam(state, orgName, teamName) {
  const org = state.orgs.get(orgName)
  if (!org) return { reply: Reply.message(404, `Org not found: ${orgName}`) }
  const team = teamName === undefined ? undefined : org.teams.get(teamName)
  if (teamName !== undefined && !team) return { reply: Reply.message(404, `Team not found: ${orgName}:${teamName}`) }
  return { org, team }
}

/** `/-/team/:org/:team/package`: list, grant (PUT), revoke (DELETE). */
function teamPackages(state, request, orgName, teamName) {
  const { user, reply } = authenticate(state, request)
  if (reply) return reply
  const { org, team, reply: missing } = findTeam(state, orgName, teamName)
  if (missing) return missing
  const role = org.members.get(user.name)
  if (!role) return Reply.message(403, `You are not a member of ${orgName}`)
  if (request.method === 'GET') return Reply.json(200, Object.fromEntries(team.packages))
  if (role === 'developer') return Reply.message(403, `Only owners and admins of ${orgName} can change team access`)
  const challenge = requireOtp(state, user, request)
  if (challenge) return challenge
  const body = request.json()
  if (!isObject(body) || typeof body.package !== 'string') return Reply.message(400, 'Request body must name a package')
  if (!state.packages.has(body.package)) return Reply.message(404, 'Package not found')
  if (request.method === 'PUT') {
    if (!PERMISSIONS.includes(body.permissions)) return Reply.message(400, 'permissions must be "read-only" or "read-write"')
    team.packages.set(body.package, body.permissions)
    return Reply.json(201, {})
  }
  if (request.method === 'DELETE') {
    if (!team.packages.delete(body.package)) return Reply.message(404, `${orgName}:${teamName} has no access to ${body.package}`)
    return Reply.empty(204)
  }
  return Reply.message(405, 'Method not allowed')
}

/** `GET /-/org/:org/package`: the org's scoped packages, to its members. */
function orgPackages(state, request, orgName) {
  const { user, reply } = authenticate(state, request)
  if (reply) return reply
  const { org, reply: missing } = findTeam(state, orgName)
  if (missing) return missing
  if (!org.members.has(user.name)) return Reply.message(403, `You are not a member of ${orgName}`)
  const packages = {}
  for (const name of state.packages.keys()) if (name.startsWith(`@${orgName}/`)) packages[name] = 'read-write'
  return Reply.json(200, packages)
}

/** `GET /-/user/:user/package`: the packages a user can see and what they may do with them. */
function userPackages(state, request, userName) {
  const { user, reply } = authenticate(state, request)
  if (reply) return reply
  if (!state.users.has(userName)) return Reply.message(404, `User not found: ${userName}`)
  const packages = {}
  for (const [name, pkg] of state.packages) {
    const permission = permissionOf(state, name, pkg, userName)
    if (permission && canSee(state, pkg, name, user.name)) packages[name] = permission
  }
  return Reply.json(200, packages)
}

module.exports = { packageEndpoint, teamPackages, orgPackages, userPackages, findTeam }
