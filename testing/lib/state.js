'use strict'

// What the emulated registry knows, in memory: users, packages with their trust configurations
// and versions, exchanged tokens, CI jobs that may ask for id_tokens, PyPI projects, pending web
// logins, injected faults, the rate limit, and every request received.

const crypto = require('node:crypto')

/**
 * A token bucket: `burst` requests at once, refilled at `perSecond`. An empty bucket says how
 * many whole seconds until a token is back (registries send Retry-After in whole seconds).
 */
class Bucket {
  constructor({ perSecond, burst = 1 }) {
    this.perSecond = perSecond
    this.burst = burst
    this.tokens = burst
    this.refilled = performance.now()
  }

  /** Takes a token: answers 0, or the seconds to wait when there is none. */
  take() {
    const at = performance.now()
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.refilled) / 1000) * this.perSecond)
    this.refilled = at
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond))
  }
}

class State {
  constructor() {
    /** By name, in the order seeded. */
    this.users = new Map()
    /** By name: `{ maintainers, publishers, versions: Map<version, manifest>, distTags }`. */
    this.packages = new Map()
    this.requests = []
    this.faults = []
    /** Exchanged npm tokens: `{ package, permissions, expires }`. */
    this.grants = new Map()
    /** GitHub Actions jobs by ACTIONS_ID_TOKEN_REQUEST_TOKEN: the claims of their tokens. */
    this.githubJobs = new Map()
    /** The claims of the Google metadata server's identity tokens. */
    this.googleIdentity = {}
    /** By name: the PyPI project's trusted publishers. */
    this.pypiProjects = new Map()
    /** PyPI's single-use rule: the `jti` of every id_token already exchanged. */
    this.pypiUsedJti = new Set()
    /** Web logins by id: `{ user, otp? }` (the OTP once approved). */
    this.webAuths = new Map()
    /** OTPs handed out by approved web logins: `{ user, otp, expires }`. */
    this.webOtps = []
    /** "Skip two-factor authentication for the next 5 minutes": until when, by user. */
    this.skip2faUntil = new Map()
    this.webAuthRetryAfter = 1
    this.rateLimit = undefined
  }

  /** Adds what a (validated) seed holds; a user, package or project named again is replaced. */
  seed(seed) {
    for (const { name, token, tfa = true, otp = '123456', bypass2fa = false } of seed.users ?? []) {
      this.users.delete(name)
      this.users.set(name, { name, token, tfa, otp, bypass2fa })
    }
    for (const { name, maintainers = [], publishers = [], versions = [] } of seed.packages ?? []) {
      this.packages.set(name, {
        maintainers,
        publishers: publishers.map((p) => (p.id === undefined ? { ...p, id: crypto.randomUUID() } : p)),
        versions: new Map(versions.map((version) => [version, { name, version }])),
        distTags: versions.length ? { latest: versions.at(-1) } : {},
      })
    }
    for (const { name, publishers = [] } of seed.pypiProjects ?? []) {
      this.pypiProjects.delete(name)
      this.pypiProjects.set(name, publishers)
    }
    if (seed.rateLimit) this.rateLimit = new Bucket(seed.rateLimit)
    if (seed.webAuthRetryAfter !== undefined) this.webAuthRetryAfter = seed.webAuthRetryAfter
  }

  userByToken(token) {
    for (const user of this.users.values()) if (user.token === token) return user
    return undefined
  }

  /** Replaces a user's authenticator code, and forgets the web logins' codes and skip window. */
  setOtp(name, otp) {
    const user = this.users.get(name)
    if (user) user.otp = otp
    this.webOtps = this.webOtps.filter((w) => w.user !== name)
    this.skip2faUntil.delete(name)
  }
}

module.exports = { State }
