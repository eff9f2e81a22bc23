'use strict'

// Orgs and teams, `npm org` and `npm team`: members read by members, changed by owners and
// admins (an owner only by an owner) with 2FA; a team member must be a member of the org.

const { Reply } = require('./http.js')
const { authenticate, managementRefusal, requireOtp } = require('./auth.js')
const { findTeam } = require('./access.js')

const ROLES = ['developer', 'admin', 'owner']
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The requester, the org and team the route names, and whether they may change them: a reply
 * when something stops the request.
 */
function gate(state, request, orgName, teamName) {
  const auth = authenticate(state, request)
  if (auth.reply) return { reply: auth.reply }
  const { user } = auth
  const refused = request.method === 'GET' ? undefined : managementRefusal(state, auth, 'orgs')
  if (refused) return { reply: refused }
  const found = findTeam(state, orgName, teamName)
  if (found.reply) return found
  const role = found.org.members.get(user.name)
  if (!role) return { reply: Reply.message(403, `You are not a member of ${orgName}`) }
  if (request.method === 'GET') return { ...found, user, role }
  if (role === 'developer') return { reply: Reply.message(403, `Only owners and admins of ${orgName} can do this`) }
  const challenge = requireOtp(state, user, request)
  if (challenge) return { reply: challenge }
  return { ...found, user, role }
}

/** `/-/org/:org/user`: list (GET), set (PUT `{ user, role }`), remove (DELETE `{ user }`). */
function orgMembers(state, request, orgName) {
  const { org, role, reply } = gate(state, request, orgName)
  if (reply) return reply
  if (request.method === 'GET') return Reply.json(200, Object.fromEntries(org.members))
  const body = request.json()
  if (!isObject(body) || typeof body.user !== 'string' || body.user === '') return Reply.message(400, 'Request body must name a user')
  if (request.method === 'PUT') {
    const wanted = body.role ?? 'developer'
    if (!ROLES.includes(wanted)) return Reply.message(400, 'role must be "developer", "admin" or "owner"')
    if (!state.users.has(body.user)) return Reply.message(404, `User not found: ${body.user}`)
    if ((wanted === 'owner' || org.members.get(body.user) === 'owner') && role !== 'owner') {
      return Reply.message(403, 'Only owners can make or change owners')
    }
    org.members.set(body.user, wanted)
    return Reply.json(200, { org: { name: orgName, size: org.members.size }, user: body.user, role: wanted })
  }
  if (request.method === 'DELETE') {
    if (!org.members.has(body.user)) return Reply.message(404, `${body.user} is not a member of ${orgName}`)
    const owners = [...org.members.values()].filter((r) => r === 'owner').length
    if (org.members.get(body.user) === 'owner' && owners === 1) return Reply.message(400, 'An org must keep at least one owner')
    org.members.delete(body.user)
    for (const team of org.teams.values()) team.members.delete(body.user)
    return Reply.empty(204)
  }
  return Reply.message(405, 'Method not allowed')
}

/** `/-/org/:org/team`: list (GET, `org:team` names), create (PUT `{ name, description }`). */
function orgTeams(state, request, orgName) {
  const { org, reply } = gate(state, request, orgName)
  if (reply) return reply
  if (request.method === 'GET') return Reply.json(200, [...org.teams.keys()].map((team) => `${orgName}:${team}`))
  if (request.method !== 'PUT') return Reply.message(405, 'Method not allowed')
  const body = request.json()
  if (!isObject(body) || typeof body.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(body.name)) {
    return Reply.message(400, 'name must be a team name of lowercase letters, digits, ., _ and -')
  }
  if (body.description !== undefined && typeof body.description !== 'string') return Reply.message(400, 'description must be a string')
  if (org.teams.has(body.name)) return Reply.message(409, `Team ${orgName}:${body.name} already exists`)
  org.teams.set(body.name, { description: body.description, members: new Set(), packages: new Map() })
  return Reply.json(201, body.description === undefined ? { name: body.name } : { name: body.name, description: body.description })
}

/** `DELETE /-/team/:org/:team`. */
function team(state, request, orgName, teamName) {
  const { org, reply } = gate(state, request, orgName, teamName)
  if (reply) return reply
  if (request.method !== 'DELETE') return Reply.message(405, 'Method not allowed')
  org.teams.delete(teamName)
  return Reply.empty(204)
}

/** `/-/team/:org/:team/user`: list (GET), add (PUT `{ user }`), remove (DELETE `{ user }`). */
function teamMembers(state, request, orgName, teamName) {
  const { org, team: found, reply } = gate(state, request, orgName, teamName)
  if (reply) return reply
  if (request.method === 'GET') return Reply.json(200, [...found.members])
  const body = request.json()
  if (!isObject(body) || typeof body.user !== 'string' || body.user === '') return Reply.message(400, 'Request body must name a user')
  if (request.method === 'PUT') {
    if (!org.members.has(body.user)) return Reply.message(404, `${body.user} is not a member of ${orgName}: add them to the org first`)
    found.members.add(body.user)
    return Reply.json(201, {})
  }
  if (request.method === 'DELETE') {
    if (!found.members.delete(body.user)) return Reply.message(404, `${body.user} is not a member of ${orgName}:${teamName}`)
    return Reply.empty(204)
  }
  return Reply.message(405, 'Method not allowed')
}

module.exports = { orgMembers, orgTeams, team, teamMembers }
