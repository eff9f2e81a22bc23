'use strict'

// Strict checking of what callers hand the emulator (seeds, fault rules, id_token specs): a
// misspelt or mistyped field throws a TypeError naming it, instead of being silently ignored.
// Values are never echoed back (a seed holds tokens).

const { KINDS } = require('./faults.js')
const { PROVIDERS } = require('./providers.js')
const { PUBLISHERS } = require('./pypi.js')

function describe(value) {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  return `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`
}

function fail(at, expected, value) {
  throw new TypeError(`${at} must be ${expected}, not ${describe(value)}`)
}

// Each schema is `(value, at) => value`, throwing when the value does not fit.
const string = (value, at) => (typeof value === 'string' ? value : fail(at, 'a string', value))
const boolean = (value, at) => (typeof value === 'boolean' ? value : fail(at, 'a boolean', value))

const number = ({ min = -Infinity, max = Infinity, integer = false, above } = {}) => (value, at) => {
  const kind = integer ? 'an integer' : 'a number'
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) fail(at, kind, value)
  if (above !== undefined && value <= above) throw new TypeError(`${at} must be greater than ${above}`)
  if (value < min) throw new TypeError(`${at} must be at least ${min}`)
  if (value > max) throw new TypeError(`${at} must be at most ${max}`)
  return value
}

const oneOf = (...allowed) => (value, at) => {
  string(value, at)
  if (!allowed.includes(value)) throw new TypeError(`${at} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`)
  return value
}

const arrayOf = (item) => (value, at) => {
  if (!Array.isArray(value)) fail(at, 'an array', value)
  return value.map((element, i) => item(element, `${at}[${i}]`))
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Any JSON object (claims, stored configurations), copied so later changes by the caller do not
 * leak in. It goes through JSON, as the registry stores it: a cycle or a nesting too deep to
 * serve is refused here, not later in a request handler.
 */
function record(value, at) {
  if (!isPlainObject(value)) fail(at, 'an object', value)
  let text
  try {
    structuredClone(value)
    text = JSON.stringify(value)
  } catch {
    throw new TypeError(`${at} must hold only JSON data, without cycles or very deep nesting`)
  }
  return JSON.parse(text)
}

/** Marks a field optional: absent and `undefined` both mean "not given". */
const optional = (schema) => Object.assign((value, at) => schema(value, at), { optional: true })

/** An object with exactly these fields; only the given ones are kept. */
const shape = (fields) => (value, at) => {
  if (!isPlainObject(value)) fail(at, 'an object', value)
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) {
      throw new TypeError(`${at}.${key} is not a known field (expected ${Object.keys(fields).join(', ')})`)
    }
  }
  const out = {}
  for (const [key, schema] of Object.entries(fields)) {
    if (value[key] === undefined) {
      if (!schema.optional) throw new TypeError(`${at}.${key} is required`)
    } else {
      out[key] = schema(value[key], `${at}.${key}`)
    }
  }
  return out
}

const user = shape({
  name: string,
  token: string,
  tfa: optional(boolean),
  otp: optional(string),
  bypass2fa: optional(boolean),
  password: optional(string),
})

const pkg = shape({
  name: string,
  maintainers: optional(arrayOf(string)),
  publishers: optional(arrayOf(record)),
  versions: optional(arrayOf(string)),
  access: optional(oneOf('public', 'restricted')),
  mfa: optional(oneOf('none', 'publish', 'automation')),
  description: optional(string),
  keywords: optional(arrayOf(string)),
  score: optional(shape({ quality: optional(number({ min: 0, max: 1 })), popularity: optional(number({ min: 0, max: 1 })), maintenance: optional(number({ min: 0, max: 1 })) })),
})

/** `{ [key]: value }` with every value checked by `item`. */
const mapOf = (item) => (value, at) => {
  if (!isPlainObject(value)) fail(at, 'an object', value)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, `${at}.${k}`)]))
}

const team = shape({
  name: string,
  description: optional(string),
  members: optional(arrayOf(string)),
  packages: optional(mapOf(oneOf('read-only', 'read-write'))),
})

const org = shape({
  name: string,
  members: optional(mapOf(oneOf('owner', 'admin', 'developer'))),
  teams: optional(arrayOf(team)),
})

const advisory = shape({
  id: number({ integer: true }),
  package: string,
  versions: arrayOf(string),
  vulnerable_versions: string,
  title: string,
  severity: oneOf('info', 'low', 'moderate', 'high', 'critical'),
  url: optional(string),
  cwe: optional(arrayOf(string)),
  cvss: optional(shape({ score: number({ min: 0, max: 10 }), vectorString: optional(string) })),
})

/** A string matching `pattern`, described as `what`; the value is not echoed. */
const matching = (pattern, what) => (value, at) => {
  string(value, at)
  if (!pattern.test(value)) throw new TypeError(`${at} must be ${what}`)
  return value
}

const staged = shape({
  id: optional(matching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a UUID')),
  package: string,
  version: string,
  tag: optional(string),
  actor: optional(string),
  actorType: optional(string),
  access: optional(oneOf('public', 'private')),
  createdAt: optional(matching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'an ISO 8601 date in UTC, such as 2026-03-16T09:00:00.000Z')),
  tarball: optional(matching(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'a base64 string')),
})

const pypiPublisher = shape({
  type: oneOf(...Object.keys(PUBLISHERS)),
  repository: optional(string),
  project: optional(string),
  workflow: optional(string),
  environment: optional(string),
  email: optional(string),
  subject: optional(string),
  organization: optional(string),
  actor: optional(string),
})

const seedShape = shape({
  users: optional(arrayOf(user)),
  packages: optional(arrayOf(pkg)),
  pypiProjects: optional(arrayOf(shape({ name: string, publishers: optional(arrayOf(pypiPublisher)) }))),
  orgs: optional(arrayOf(org)),
  tokens: optional(arrayOf(shape({
    user: string,
    token: string,
    key: optional(string),
    name: optional(string),
    readonly: optional(boolean),
    cidr: optional(arrayOf(string)),
    permission: optional(oneOf('read-only', 'read-write', 'read-write-stage-only', 'no-access')),
    bypass2fa: optional(boolean),
  }))),
  advisories: optional(arrayOf(advisory)),
  staged: optional(arrayOf(staged)),
  tls: optional(boolean),
  webAuthRetryAfter: optional(number({ min: 0 })),
  trustModel: optional(oneOf('several', 'single')),
  rateLimit: optional(shape({ perSecond: number({ above: 0 }), burst: optional(number({ min: 1 })) })),
  date: optional(matching(/^\d{4}-\d\d-\d\d$/, 'a date such as 2027-01-15')),
})

const ruleShape = shape({
  kind: oneOf(...Object.keys(KINDS)),
  status: optional(number({ integer: true, min: 100, max: 599 })),
  retryAfter: optional(number({ integer: true, min: 0 })),
  ms: optional(number({ integer: true, min: 0 })),
  location: optional(string),
  after: optional(boolean),
  times: optional(number({ integer: true, min: 0 })),
  method: optional(string),
  path: optional(string),
})

const idTokenShape = shape({
  provider: oneOf(...Object.keys(PROVIDERS)),
  audience: optional(string),
  claims: optional(record),
  expiresIn: optional(number({ integer: true })),
})

module.exports = {
  seed: (value, at = 'seed') => seedShape(value, at),
  faultRule(value, at = 'rule') {
    const rule = ruleShape(value, at)
    for (const field of KINDS[rule.kind]) {
      if (rule[field] === undefined) throw new TypeError(`${at}.${field} is required when kind is '${rule.kind}'`)
    }
    return rule
  },
  idTokenSpec: (value, at = 'options') => idTokenShape(value, at),
  claims: (value, at = 'claims') => (value === undefined || value === null ? {} : record(value, at)),
  string,
}
