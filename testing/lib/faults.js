'use strict'

// Faults a test can inject: the registry and the network misbehaving the ways they do. A rule
// matches requests by method and path, applies before the registry acts (nothing happened) or
// after (the change is made, but the client sees the fault), and expires after `times` uses.

const { setTimeout: sleep } = require('node:timers/promises')
const { Reply } = require('./http.js')

/** The kinds of fault, each with the fields it cannot do without. */
const KINDS = {
  status: ['status'],
  latency: ['ms'],
  drop: [],
  malformedJson: [],
  oversized: [],
  redirect: ['location'],
  slowBody: ['ms'],
  echo: ['status'],
}

/** The `oversized` answer: larger than any client should read. */
const OVERSIZED = 8 * 1024 * 1024

/** Takes the first rule matching `request`, counting one use of it. */
function take(rules, request) {
  const index = rules.findIndex((rule) =>
    (rule.times === undefined || rule.times > 0) &&
    (rule.method === undefined || rule.method.toUpperCase() === request.method.toUpperCase()) &&
    (rule.path === undefined || request.rawPath.includes(rule.path)))
  if (index < 0) return undefined
  const rule = rules[index]
  if (rule.times !== undefined) {
    rule.times -= 1
    if (rule.times === 0) rules.splice(index, 1)
  }
  return rule
}

/**
 * The faulty answer to `request` in place of `reply` (for latency and slow bodies, `reply`
 * itself, late or slow).
 */
async function apply(rule, request, reply) {
  switch (rule.kind) {
    case 'status': {
      const faulty = Reply.message(rule.status, `Injected fault: status ${rule.status}`)
      return rule.retryAfter === undefined ? faulty : faulty.header('retry-after', rule.retryAfter)
    }
    case 'latency':
      await sleep(rule.ms, undefined, { signal: request.signal })
      return reply
    case 'drop':
      return Reply.hangingUp()
    case 'malformedJson':
      return Reply.bytes(200, 'application/json', '{"id": "3e4b2f1a-1111-4222-8333-44445555')
    case 'oversized':
      return Reply.bytes(200, 'application/json', Buffer.alloc(OVERSIZED, ' '))
    case 'redirect': {
      const target = `${rule.location.replace(/\/+$/, '')}/${request.rawPath.replace(/^\/+/, '')}`
      return Reply.empty(307).header('location', target)
    }
    case 'slowBody':
      reply.trickle = { pieces: 10, pauseMs: rule.ms / 10 }
      return reply
    case 'echo': {
      // A careless server quoting the request's headers: what a client shows of it must still
      // hide credentials.
      const sent = request.headers.map(([name, value]) => `${name}: ${value}`).join('; ')
      return Reply.message(rule.status, `Bad request; you sent ${sent}`).header('www-authenticate', 'Bearer')
    }
    default:
      throw new Error(`unknown fault ${rule.kind}`)
  }
}

/**
 * Answers `request` through the first matching rule: `act()` gives the registry's real answer
 * (acting on the request). Before the registry acts, a delay still lets it act afterwards (unless
 * the client gave up meanwhile: the request never got through) and a slow body trickles its real
 * answer; any other fault answers instead of it. After it acts, the fault replaces (or delays, or
 * trickles) what it answered.
 */
async function answer(rules, request, act) {
  const rule = take(rules, request)
  if (!rule) return act()
  if (rule.after) return apply(rule, request, act())
  if (rule.kind === 'latency') {
    await sleep(rule.ms, undefined, { signal: request.signal })
    return act()
  }
  if (rule.kind === 'slowBody') return apply(rule, request, act())
  return apply(rule, request, Reply.empty(200))
}

module.exports = { KINDS, answer }
