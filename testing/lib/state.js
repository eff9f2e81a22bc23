'use strict'

// What the emulated registry knows, in memory: users, packages with their trust configurations
// and versions, exchanged tokens, CI jobs that may ask for id_tokens, PyPI projects, pending web
// logins, injected faults, the rate limit, and every request received.

const crypto = require('node:crypto')
const { minimalTarball } = require('./tarball.js')

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

/** A token as `npm token list` shows it: its first 8 and last 4 characters (a short one, half). */
function redact(token) {
  return token.length > 12 ? `${token.slice(0, 8)}...${token.slice(-4)}` : `${token.slice(0, token.length >> 1)}...`
}

class State {
  constructor() {
    /** By name, in the order seeded. */
    this.users = new Map()
    /**
     * By name: `{ maintainers, publishers, versions: Map<version, manifest>, distTags, access,
     * publishRequiresTfa, automationTokenOverridesTfa, description, keywords, score }`.
     */
    this.packages = new Map()
    /** By name: `{ members: Map<user, role>, teams: Map<name, { description, members: Set, packages: Map<pkg, permissions> }> }`. */
    this.orgs = new Map()
    /**
     * Access tokens: `{ key, token, user, session, name, description, created, updated, expires,
     * readonly, cidr_whitelist, bypass_2fa }`. A seeded user's token is a session token (what
     * `npm login` gives); tokens created through the API are granular.
     */
    this.tokens = []
    /** Advisories: `{ id, package, versions, vulnerable_versions, title, severity, url, cwe, cvss }`. */
    this.advisories = []
    this.requests = []
    this.faults = []
    /**
     * Staged versions awaiting review: `{ id, packageName, version, tag, createdAt, actor,
     * actorType, access, shasum, tarball, manifest, seq }` (`seq`: the order staged).
     */
    this.staged = []
    this.stagedCount = 0
    /** Exchanged npm tokens: `{ package, permissions, expires, provider }`. */
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
    /**
     * `several` (today's registry: up to 10 configurations per package, stage publish for every
     * one) or `single` (the seed's: one per package, stage publish only where it is allowed).
     */
    this.trustModel = 'several'
    /** The registry's calendar day for its dated rules (`YYYY-MM-DD`); default today. */
    this.today = undefined
  }

  /** Today for the registry's dated rules, `YYYY-MM-DD`: the seed's `date`, else the clock's. */
  date() {
    return this.today ?? new Date().toISOString().slice(0, 10)
  }

  /** Now, as an ISO 8601 time: on the seed's `date` when it gave one. */
  timestamp() {
    const now = new Date().toISOString()
    return this.today ? `${this.today}${now.slice(10)}` : now
  }

  /** Adds what a (validated) seed holds; a user, package or project named again is replaced. */
  seed(seed) {
    if (seed.date !== undefined) this.today = seed.date
    for (const { name, token, tfa = true, otp = '123456', bypass2fa = false, password = 'password' } of seed.users ?? []) {
      this.users.delete(name)
      this.users.set(name, { name, token, tfa, otp, bypass2fa, password })
      this.tokens = this.tokens.filter((t) => !(t.user === name && t.session))
      this.addToken({ token, user: name, session: true, name: 'npm login', bypass_2fa: bypass2fa })
    }
    for (const { name, maintainers = [], publishers = [], versions = [], access = 'public', mfa = 'none', description, keywords = [], score } of seed.packages ?? []) {
      this.packages.set(name, {
        maintainers,
        publishers: publishers.map((p) => (p.id === undefined ? { ...p, id: crypto.randomUUID() } : p)),
        versions: new Map(versions.map((version) => [version, { name, version }])),
        times: new Map(versions.map((version) => [version, this.timestamp()])),
        distTags: versions.length ? { latest: versions.at(-1) } : {},
        access,
        publishRequiresTfa: mfa !== 'none',
        automationTokenOverridesTfa: mfa === 'automation',
        description,
        keywords,
        score: { quality: 0.5, popularity: 0.5, maintenance: 0.5, ...score },
      })
    }
    for (const { name, members = {}, teams = [] } of seed.orgs ?? []) {
      this.orgs.set(name, {
        members: new Map(Object.entries(members)),
        teams: new Map(teams.map((t) => [t.name, {
          description: t.description,
          members: new Set(t.members ?? []),
          packages: new Map(Object.entries(t.packages ?? {})),
        }])),
      })
    }
    for (const { user, token, key, name, readonly = false, cidr, permission, bypass2fa = false } of seed.tokens ?? []) {
      this.tokens = this.tokens.filter((t) => t.token !== token)
      this.addToken({ ...(key && { key }), token, user, session: false, name, readonly, cidr_whitelist: cidr ?? null, bypass_2fa: bypass2fa, packages_and_scopes_permission: permission })
    }
    for (const advisory of seed.advisories ?? []) {
      this.advisories = this.advisories.filter((a) => a.id !== advisory.id)
      this.advisories.push(advisory)
    }
    for (const { id, package: name, version, tag, actor, actorType = 'user', access = 'public', createdAt, tarball } of seed.staged ?? []) {
      this.addStaged({
        ...(id && { id }),
        ...(createdAt && { createdAt }),
        packageName: name,
        version,
        tag: tag ?? 'latest',
        actor: actor ?? this.packages.get(name)?.maintainers[0] ?? 'unknown',
        actorType,
        npmUser: actorType === 'user' ? { name: actor ?? this.packages.get(name)?.maintainers[0] ?? 'unknown' } : undefined,
        access,
        tarball: tarball === undefined ? minimalTarball(name, version) : Buffer.from(tarball, 'base64'),
        manifest: { name, version },
      })
    }
    for (const { name, publishers = [] } of seed.pypiProjects ?? []) {
      this.pypiProjects.delete(name)
      this.pypiProjects.set(name, publishers)
    }
    if (seed.rateLimit) this.rateLimit = new Bucket(seed.rateLimit)
    if (seed.webAuthRetryAfter !== undefined) this.webAuthRetryAfter = seed.webAuthRetryAfter
    if (seed.trustModel !== undefined) this.trustModel = seed.trustModel
  }

  /** Stages a version (replacing one with the same id, or of the same package and version); answers the record. */
  addStaged({ tarball, ...fields }) {
    const record = {
      id: crypto.randomUUID(),
      createdAt: new Date().toISOString(),
      ...fields,
      shasum: crypto.createHash('sha1').update(tarball).digest('hex'),
      tarball,
      seq: this.stagedCount++,
    }
    const same = (s) => s.id.toLowerCase() === record.id.toLowerCase() || (s.packageName === record.packageName && s.version === record.version)
    this.staged = this.staged.filter((s) => !same(s))
    this.staged.push(record)
    return record
  }

  userByToken(token) {
    const found = this.tokens.find((t) => t.token === token)
    return found && this.users.get(found.user)
  }

  /** The token record of a bearer token (`session` tells a login token from a granular one). */
  tokenRecord(token) {
    return this.tokens.find((t) => t.token === token)
  }

  /** Records a token; answers the record. */
  addToken(fields) {
    const at = new Date().toISOString()
    const record = { key: crypto.randomUUID(), created: at, updated: at, readonly: false, cidr_whitelist: null, ...fields }
    this.tokens.push(record)
    return record
  }

  /** The role of a user in an org, or undefined. */
  role(org, user) {
    return this.orgs.get(org)?.members.get(user)
  }

  /** Replaces a user's authenticator code, and forgets the web logins' codes and skip window. */
  setOtp(name, otp) {
    const user = this.users.get(name)
    if (user) user.otp = otp
    this.webOtps = this.webOtps.filter((w) => w.user !== name)
    this.skip2faUntil.delete(name)
  }
}

module.exports = { State, redact }
