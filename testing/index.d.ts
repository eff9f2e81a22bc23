// trust-native/testing: a registry emulator for tests, in plain JavaScript. It stands in for the
// npm registry (trust endpoints with 2FA, the OIDC exchange, publishing, staged publishing,
// package access, orgs, teams, tokens, search, audit), the CI providers' OIDC
// issuers (one per provider of trust-native's table, and Google Cloud's) and PyPI's trusted publishing, on a
// loopback port, with injectable faults, a rate limit, optional TLS, and a loopback proxy.

/**
 * A user of the emulated registry.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [
 *     { name: 'alice', token: 'alice-token', otp: '246810' },
 *     { name: 'bot', token: 'bot-token', bypass2fa: true },
 *   ],
 * })
 * ```
 */
export interface EmulatorUser {
  /** The user's name, as packages' `maintainers` name it. */
  name: string
  /** The bearer token that authenticates this user. */
  token: string
  /** Two-factor authentication is enabled on the account (the trust endpoints require it). Default true. */
  tfa?: boolean
  /** The authenticator code the emulator accepts for this user. Default `'123456'`. */
  otp?: string
  /** The token is a granular token that bypasses 2FA, which the trust endpoints refuse. Default false. */
  bypass2fa?: boolean
  /** The password `POST /-/npm/v1/tokens` checks. Default `'password'`. */
  password?: string
}

/**
 * A trusted-publisher configuration as the registry stores it: `{ id, type, claims, permissions }`.
 * A seed may leave out `id` (one is assigned) and may hold any shape, to test how clients cope.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   packages: [{
 *     name: 'widgets',
 *     maintainers: ['alice'],
 *     publishers: [{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }],
 *   }],
 * })
 * ```
 */
export interface TrustConfiguration {
  /** The configuration's UUID. */
  id?: string
  /** The CI provider: one of trust-native's `trustProviders()` types. */
  type?: string
  /** The claims a token must satisfy: a string exactly, `{ file }` the file of the token's ref claim, a list each of its values. */
  claims?: Record<string, unknown>
  /** `createPackage` (publish) and/or `createStagedPackage` (stage publish). */
  permissions?: Array<string>
  /** Anything else a seed gives is stored and listed as given. */
  [key: string]: unknown
}

/**
 * A package that exists on the emulated registry.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   packages: [{ name: '@acme/tools', maintainers: ['alice'], versions: ['1.0.0', '1.1.0'] }],
 * })
 * ```
 */
export interface EmulatorPackage {
  /** The package name, e.g. `@acme/tools`. */
  name: string
  /** Names of the users with write access. */
  maintainers?: Array<string>
  /** Existing trusted-publisher configurations. */
  publishers?: Array<TrustConfiguration>
  /** Versions already published, oldest first (the last one is `latest`). */
  versions?: Array<string>
  /** Visibility: `restricted` packages are seen by their maintainers and granted teams only. Default `public`. */
  access?: 'public' | 'restricted'
  /** 2FA for publishing, as `npm access set mfa=` sets it. Default `none`. */
  mfa?: 'none' | 'publish' | 'automation'
  /** What search matches, with `keywords` and the name. */
  description?: string
  keywords?: Array<string>
  /** Search scores, 0 to 1, ranked by the weights of the query. Default 0.5 each. */
  score?: { quality?: number; popularity?: number; maintenance?: number }
}

/**
 * A team of an org: its members (who must be members of the org) and its grants on packages.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   orgs: [{ name: 'acme', members: { alice: 'owner' }, teams: [{ name: 'devs', members: ['alice'], packages: { '@acme/tools': 'read-write' } }] }],
 * })
 * ```
 */
export interface EmulatorTeam {
  name: string
  description?: string
  members?: Array<string>
  /** Package names and the team's permission on each. */
  packages?: Record<string, 'read-only' | 'read-write'>
}

/**
 * An org: its members by role, and its teams. Members read it; owners and admins change it,
 * with 2FA.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }, { name: 'bob', token: 'bob-token' }],
 *   orgs: [{ name: 'acme', members: { alice: 'owner', bob: 'developer' } }],
 * })
 * ```
 */
export interface EmulatorOrg {
  /** The org's name, without `@`. */
  name: string
  members?: Record<string, 'owner' | 'admin' | 'developer'>
  teams?: Array<EmulatorTeam>
}

/**
 * A granular access token of a user (seeded users' own tokens are their `npm login` session
 * tokens, which the token endpoints require).
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   tokens: [{ user: 'alice', token: 'npm_ci0123456789abcdefghijklmnopqrstuvwx', name: 'ci', readonly: true }],
 * })
 * ```
 */
export interface EmulatorToken {
  user: string
  /** The token itself: it authenticates as `user`. */
  token: string
  /** Its key (a UUID is assigned when absent). */
  key?: string
  name?: string
  readonly?: boolean
  /** IPv4 ranges it is restricted to. */
  cidr?: Array<string>
  /**
   * Its permission on packages and scopes. `read-write-stage-only`: a direct publish is refused
   * with `E_STAGE_REQUIRED`; it may stage.
   */
  permission?: 'read-only' | 'read-write' | 'read-write-stage-only' | 'no-access'
  /**
   * It bypasses 2FA: it publishes without an OTP until 2027-01-01 (then only stages), and since
   * 2026-08-01 cannot change access, tokens or orgs.
   */
  bypass2fa?: boolean
}

/**
 * A security advisory the bulk audit endpoint answers for the listed versions of a package.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   advisories: [{ id: 1179, package: 'minimist', versions: ['1.2.0', '1.2.5'], vulnerable_versions: '<1.2.6', title: 'Prototype Pollution', severity: 'critical' }],
 * })
 * ```
 */
export interface EmulatorAdvisory {
  id: number
  package: string
  /** The exact versions it affects (the emulator does not evaluate ranges). */
  versions: Array<string>
  /** The range shown. */
  vulnerable_versions: string
  title: string
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical'
  url?: string
  cwe?: Array<string>
  cvss?: { score: number; vectorString?: string }
}

/**
 * A package version staged for review (what `npm stage publish` leaves), waiting for a
 * maintainer to approve it (which publishes it) or reject it. The package's maintainers see it;
 * for a package that does not exist yet, the user who staged it (`actor`).
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   packages: [{ name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'] }],
 *   staged: [{ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f', package: 'widgets', version: '1.1.0', tag: 'next' }],
 * })
 * ```
 */
export interface EmulatorStagedVersion {
  /** Its stage id, a UUID. Default: a new one. */
  id?: string
  package: string
  version: string
  /** The dist-tag it gets once approved. Default `latest`. */
  tag?: string
  /** Who staged it: a user name, or for an OIDC token its provider. Default: the package's first maintainer. */
  actor?: string
  /** `user` (default), or `oidc` as a stage publish with an exchanged token records it. */
  actorType?: string
  access?: 'public' | 'private'
  /** When it was staged, ISO 8601 in UTC (`2026-03-16T09:00:00.000Z`); lists are newest first. Default: now. */
  createdAt?: string
  /**
   * Its tarball, base64. Default: a gzipped tar holding `package/package.json` with the name and
   * version. Its `shasum` is computed from it.
   */
  tarball?: string
}

/**
 * A trusted publisher of a PyPI project, by kind: GitHub Actions (`repository` owner/repo,
 * `workflow` file name), GitLab CI/CD (`project` namespace/project, `workflow` pipeline file),
 * Google Cloud (service account `email`, optional `subject`), ActiveState. GitHub and GitLab
 * may require an `environment` (compared ignoring case, as PyPI does).
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   pypiProjects: [{ name: 'widgets', publishers: [{ type: 'github', repository: 'acme/widgets', workflow: 'release.yml', environment: 'pypi' }] }],
 * })
 * ```
 */
export type PypiPublisher =
  | { type: 'github'; repository: string; workflow: string; environment?: string }
  | { type: 'gitlab'; project: string; workflow: string; environment?: string }
  | { type: 'google'; email: string; subject?: string }
  | { type: 'activestate'; organization: string; project: string; actor: string }

/**
 * A project on the emulated PyPI and its trusted publishers.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({ pypiProjects: [{ name: 'widgets', publishers: [{ type: 'google', email: 'release@acme.iam.gserviceaccount.com' }] }] })
 * ```
 */
export interface EmulatorPypiProject {
  /** The project name. */
  name: string
  /** Who may mint upload tokens for it. */
  publishers?: Array<PypiPublisher>
}

/**
 * A token-bucket rate limit on the trust endpoints: `burst` requests at once, refilled at
 * `perSecond`; an empty bucket answers 429 with `Retry-After` in whole seconds.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({ rateLimit: { perSecond: 2, burst: 5 } })
 * ```
 */
export interface EmulatorRateLimit {
  /** Requests per second, once the burst is spent. */
  perSecond: number
  /** Requests allowed at once. Default 1. */
  burst?: number
}

/**
 * What to start an emulator with, or to add to a running one (a user, package or project named
 * again is replaced). Unknown fields and wrong types throw a TypeError naming the field.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   packages: [{ name: 'widgets', maintainers: ['alice'] }],
 *   tls: true,
 *   webAuthRetryAfter: 0.1,
 * })
 * ```
 */
export interface EmulatorSeed {
  /** Users, by name. */
  users?: Array<EmulatorUser>
  /** Packages, by name. */
  packages?: Array<EmulatorPackage>
  /** PyPI projects, by name. */
  pypiProjects?: Array<EmulatorPypiProject>
  /** Orgs, by name (an org named again is replaced, with its teams). */
  orgs?: Array<EmulatorOrg>
  /** Granular tokens, by token. */
  tokens?: Array<EmulatorToken>
  /** Advisories, by id. */
  advisories?: Array<EmulatorAdvisory>
  /** Staged versions, by id (or package and version). */
  staged?: Array<EmulatorStagedVersion>
  /** Serve HTTPS with a certificate from a throwaway authority (see `caPem`). Only at start. */
  tls?: boolean
  /** `Retry-After` (seconds) of the web login's `doneUrl` while approval is pending. Default 1. */
  webAuthRetryAfter?: number
  /** Rate-limit the trust endpoints (replaces any earlier limit). */
  rateLimit?: EmulatorRateLimit
  /**
   * The registry's day (`2027-01-15`) for its dated token rules (2FA-bypassing tokens stop
   * managing on 2026-08-01 and publishing directly on 2027-01-01). Default: today.
   */
  date?: string
  /**
   * Which registry the trust endpoints and the exchange are. `several` (the default): today's
   * registry, up to 10 configurations per package, an identical second one (same type, claims
   * and permissions) or an eleventh refused with 409, and stage publish allowed for every
   * configuration. `single`: the registry the seed documents describe, one configuration per
   * package (a second refused with 409), stage publish only for a configuration that allows
   * `createStagedPackage`. Applies from then on; configurations already stored stay.
   *
   * @example
   * ```js
   * const { startEmulator } = require('trust-native/testing')
   * const seedRegistry = await startEmulator({ trustModel: 'single' })
   * ```
   */
  trustModel?: 'several' | 'single'
}

/**
 * Which requests a fault applies to, and when.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * emulator.injectFault({ kind: 'drop', after: true, method: 'POST', path: '/trust', times: 1 })
 * ```
 */
export interface FaultMatch {
  /** Apply after the registry acted on the request: the change is made, the answer is lost. */
  after?: boolean
  /** How many matching requests it applies to; forever when absent. */
  times?: number
  /** Only requests with this method (any case). */
  method?: string
  /** Only requests whose path (without query) contains this text. */
  path?: string
}

/**
 * A way for the emulator to misbehave: `status` (answer `status`, with `retryAfter` seconds),
 * `latency` (wait `ms`, then answer for real), `drop` (close the connection), `malformedJson`,
 * `oversized` (an 8 MiB body), `redirect` (307 to the same path at `location`), `slowBody`
 * (trickle the real answer over `ms`), `echo` (answer `status` with the request's headers in
 * the message, as a careless server might).
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * emulator.injectFault({ kind: 'status', status: 503, retryAfter: 1, times: 2 })
 * emulator.injectFault({ kind: 'latency', ms: 500, method: 'GET' })
 * ```
 */
export type FaultRule = FaultMatch & (
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'drop' }
  | { kind: 'malformedJson' }
  | { kind: 'oversized' }
  | { kind: 'redirect'; location: string }
  | { kind: 'slowBody'; ms: number }
  | { kind: 'echo'; status: number }
)

/**
 * An id_token to sign.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * const expired = emulator.issueIdToken({ provider: 'gitlab', claims: { project_path: 'acme/widgets' }, expiresIn: -60 })
 * ```
 */
export interface IdTokenSpec {
  /** The CI provider whose issuer signs it. */
  provider: 'github' | 'gitlab' | 'circleci' | 'google'
  /** The `aud` claim. Default: `npmAudience`. */
  audience?: string
  /** Claims over the provider's realistic defaults (`iss`, `exp`, ... too, to forge bad tokens). */
  claims?: Record<string, unknown>
  /** Seconds until expiry; negative for an already expired token. Default 300. */
  expiresIn?: number
}

/**
 * A request the emulator received.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * await fetch(`${emulator.url}-/package/widgets/trust`)
 * const [request] = emulator.requests()
 * console.log(request.method, request.path, request.headers['user-agent'], request.body)
 * ```
 */
export interface RecordedRequest {
  /** `GET`, `POST`, ... */
  method: string
  /** The path as received, with its query string, e.g. `/-/package/@scope%2fname/trust`. */
  path: string
  /** Header names lowercased; a repeated header keeps its last value. */
  headers: Record<string, string>
  /** The body, as text. */
  body: string
}

/**
 * The variables GitHub sets for a job with `permissions: id-token: write`.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * const job = emulator.githubActionsJob({ repository: 'acme/widgets' })
 * const response = await fetch(`${job.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=npm:127.0.0.1`, {
 *   headers: { authorization: `Bearer ${job.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
 * })
 * console.log(await response.json()) // { count: 1, value: 'eyJ...' }
 * ```
 */
export type GithubActionsEnv = {
  CI: string
  GITHUB_ACTIONS: string
  ACTIONS_ID_TOKEN_REQUEST_URL: string
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: string
}

/**
 * The variable that points Google Cloud clients at the emulated metadata server.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator()
 * const { GCE_METADATA_HOST } = emulator.googleCloudIdentity({ email: 'release@acme.iam.gserviceaccount.com' })
 * const response = await fetch(`http://${GCE_METADATA_HOST}/computeMetadata/v1/instance/service-accounts/default/identity?audience=pypi`, {
 *   headers: { 'metadata-flavor': 'Google' },
 * })
 * const idToken = await response.text()
 * ```
 */
export type GoogleCloudEnv = {
  GCE_METADATA_HOST: string
}

/**
 * A running registry emulator on a loopback port (see `startEmulator`). Stop it when done.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({ users: [{ name: 'ci', token: 't' }], packages: [{ name: 'p', maintainers: ['ci'] }] })
 * emulator.injectFault({ kind: 'status', status: 503, times: 1 })
 * // ... run your release script with registry: emulator.url ...
 * console.log(emulator.requests().map((r) => `${r.method} ${r.path}`), emulator.publishers('p'))
 * await emulator.stop()
 * ```
 */
export declare class RegistryEmulator {
  /**
   * Not constructible: `startEmulator()` makes emulators.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * ```
   */
  private constructor()

  /**
   * The registry URL to pass as `registry`, with a trailing slash: `http://127.0.0.1:41234/`
   * (`https://` when started with `tls`).
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * console.log(`registry=${emulator.url}`)
   * ```
   */
  get url(): string

  /**
   * The certificate authority of an HTTPS emulator, PEM (write it to a file for npm's `cafile`
   * or NODE_EXTRA_CA_CERTS); null without `tls`.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * import { writeFileSync } from 'node:fs'
   * const emulator = await startEmulator({ tls: true })
   * writeFileSync('ca.pem', emulator.caPem ?? '')
   * ```
   */
  get caPem(): string | null

  /**
   * The audience npm asks id_tokens for when publishing here: `npm:127.0.0.1`.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * const idToken = emulator.issueIdToken({ provider: 'github', audience: emulator.npmAudience })
   * ```
   */
  get npmAudience(): string

  /**
   * The audience the emulated PyPI index (`/_/oidc/audience`) asks id_tokens for: its host
   * name, `127.0.0.1`, the audience a client asks for by default for an index other than
   * pypi.org (`pypi`) and test.pypi.org (`testpypi`).
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * const idToken = emulator.issueIdToken({ provider: 'github', audience: emulator.pypiAudience })
   * ```
   */
  get pypiAudience(): string

  /**
   * Adds users, packages and PyPI projects; one named again is replaced (a package with its
   * configurations and versions). Throws a TypeError naming a wrong field.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * emulator.seed({ users: [{ name: 'bob', token: 'bob-token' }], packages: [{ name: 'gadgets', maintainers: ['bob'] }] })
   * ```
   */
  seed(seed: EmulatorSeed): void

  /**
   * Replaces a user's authenticator code: the old one is refused from now on, as an expired
   * TOTP code is. Also forgets codes from web logins and any "skip 2FA" window.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator({ users: [{ name: 'alice', token: 'alice-token' }] })
   * emulator.setOtp('alice', '654321') // '123456' is refused from now on
   * ```
   */
  setOtp(user: string, otp: string): void

  /**
   * Signs an RS256 id_token as a CI provider's issuer would: `claims` over realistic defaults
   * (GitHub's `workflow_ref` follows `repository`, GitLab's `ci_config_ref_uri` follows
   * `project_path`), verifiable with the issuer's JWKS at `/-/oidc/<provider>/jwks`.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * const idToken = emulator.issueIdToken({ provider: 'github', claims: { repository: 'acme/widgets', environment: 'npm' } })
   * const response = await fetch(`${emulator.url}-/npm/v1/oidc/token/exchange/package/widgets`, {
   *   method: 'POST',
   *   headers: { authorization: `Bearer ${idToken}` },
   * })
   * ```
   */
  issueIdToken(options: IdTokenSpec): string

  /**
   * The emulator's Fulcio (`-/sigstore/fulcio`): `POST /api/v2/signingCert` certifies a public key
   * for ten minutes given an emulator id_token of audience `sigstore` and the token's `sub`
   * signed with that key; the certificate carries Fulcio's CI extensions (repository, workflow,
   * ref, commit) from the token's claims. Pass it as sigstore-js's `fulcioURL`.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * const options = { fulcioURL: emulator.fulcioUrl, rekorURL: emulator.rekorUrl }
   * ```
   */
  readonly fulcioUrl: string

  /**
   * The emulator's Rekor (`-/sigstore/rekor`): `POST /api/v1/log/entries` logs a `dsse` 0.0.1
   * entry whose signature verifies with its certificate, answering it with a signed entry
   * timestamp and an inclusion proof under a signed checkpoint.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * const response = await fetch(`${emulator.rekorUrl}/api/v1/log/entries/0123`) // 404: no such entry
   * ```
   */
  readonly rekorUrl: string

  /**
   * The Sigstore TrustedRoot (protobuf-specs JSON, `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
   * of this emulator's Fulcio and Rekor: what a verifier trusts to check bundles signed here.
   * It has no certificate-transparency log: verify with a CT threshold of 0.
   *
   * @example
   * ```js
   * import { writeFileSync } from 'node:fs'
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * writeFileSync('trusted_root.json', JSON.stringify(emulator.trustedRoot()))
   * ```
   */
  trustedRoot(): Record<string, unknown>

  /**
   * Registers a GitHub Actions job whose id_tokens carry `claims` (over GitHub's defaults), and
   * returns the variables GitHub sets for a job with `permissions: id-token: write`: merge them
   * into the environment of the code under test.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * Object.assign(process.env, emulator.githubActionsJob({ repository: 'acme/widgets', environment: 'npm' }))
   * ```
   */
  githubActionsJob(claims?: Record<string, unknown>): GithubActionsEnv

  /**
   * Sets the identity the emulated Google Cloud metadata server hands out, and returns the
   * variable that points clients at it.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * Object.assign(process.env, emulator.googleCloudIdentity({ email: 'release@acme.iam.gserviceaccount.com' }))
   * ```
   */
  googleCloudIdentity(claims?: Record<string, unknown>): GoogleCloudEnv

  /**
   * The versions published of a package, oldest first, or null if it does not exist.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator({ packages: [{ name: 'widgets', versions: ['1.0.0'] }] })
   * console.log(emulator.versions('widgets')) // [ '1.0.0' ], and more once `npm publish` succeeded
   * ```
   */
  versions(pkg: string): Array<string> | null

  /**
   * The configurations stored for a package (a copy), or null if it does not exist.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator({ packages: [{ name: 'widgets' }] })
   * console.log(emulator.publishers('widgets')) // [] until a configuration is created
   * ```
   */
  publishers(pkg: string): Array<TrustConfiguration & { id: string }> | null

  /**
   * Every request received so far, oldest first (control API requests excepted).
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * for (const { method, path, headers } of emulator.requests()) console.log(method, path, headers['npm-otp'])
   * ```
   */
  requests(): Array<RecordedRequest>

  /**
   * Forgets the recorded requests.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * emulator.clearRequests()
   * await fetch(`${emulator.url}-/whoami`)
   * console.log(emulator.requests().length) // 1
   * ```
   */
  clearRequests(): void

  /**
   * Makes the emulator misbehave for matching requests (rules are checked in the order added;
   * the first match applies). Throws a TypeError naming a wrong field.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1, times: 2 }) // rate-limit the next two requests
   * emulator.injectFault({ kind: 'drop', after: true, method: 'POST', times: 1 }) // a create whose answer is lost
   * ```
   */
  injectFault(rule: FaultRule): void

  /**
   * Removes every injected fault.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * emulator.injectFault({ kind: 'latency', ms: 100 })
   * emulator.clearFaults()
   * ```
   */
  clearFaults(): void

  /**
   * Stops the server and closes all its connections (keep-alive ones too) at once; the promise
   * resolves once it is closed, and need not be awaited.
   *
   * @example
   * ```js
   * import { startEmulator } from 'trust-native/testing'
   * const emulator = await startEmulator()
   * try {
   *   // ... tests against emulator.url ...
   * } finally {
   *   await emulator.stop()
   * }
   * ```
   */
  stop(): Promise<void>
}

/**
 * A running loopback forward proxy that records what passes through it (see `startProxy`).
 *
 * @example
 * ```js
 * import { startProxy } from 'trust-native/testing'
 * const proxy = await startProxy()
 * process.env.HTTPS_PROXY = proxy.url
 * // ... calls to loopback registries go through it
 * console.log(proxy.requests())
 * await proxy.stop()
 * ```
 */
export declare class LoopbackProxy {
  /**
   * Not constructible: `startProxy()` makes proxies.
   *
   * @example
   * ```js
   * import { startProxy } from 'trust-native/testing'
   * const proxy = await startProxy()
   * ```
   */
  private constructor()

  /**
   * `http://127.0.0.1:PORT`, for HTTPS_PROXY or npm's `proxy`.
   *
   * @example
   * ```js
   * import { startProxy } from 'trust-native/testing'
   * const proxy = await startProxy()
   * console.log(`proxy=${proxy.url}`)
   * ```
   */
  get url(): string

  /**
   * Request lines received, oldest first: `CONNECT 127.0.0.1:4873` for a tunnel,
   * `GET http://127.0.0.1:4873/path` for plain http.
   *
   * @example
   * ```js
   * import { startProxy } from 'trust-native/testing'
   * const proxy = await startProxy()
   * console.log(proxy.requests()) // [ 'CONNECT 127.0.0.1:41234' ] after an https call through it
   * ```
   */
  requests(): Array<string>

  /**
   * Stops the proxy and closes its connections; the promise resolves once it is closed.
   *
   * @example
   * ```js
   * import { startProxy } from 'trust-native/testing'
   * const proxy = await startProxy()
   * await proxy.stop()
   * ```
   */
  stop(): Promise<void>
}

/**
 * Starts a registry emulator on a free loopback port: the npm registry's trust endpoints
 * (bearer tokens, 2FA by code or web login, write access, one configuration per package), the
 * OIDC exchange and publishing, the CI providers' issuers, PyPI's trusted publishing, and the
 * control API (`/-/emulator/...`). State is in memory; every request is recorded. Rejects with
 * a TypeError naming a wrong field of `seed`.
 *
 * @example
 * ```js
 * import { startEmulator } from 'trust-native/testing'
 * const emulator = await startEmulator({
 *   users: [{ name: 'alice', token: 'alice-token' }],
 *   packages: [{ name: 'widgets', maintainers: ['alice'] }],
 * })
 * const response = await fetch(`${emulator.url}-/package/widgets/trust`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer alice-token', 'npm-otp': '123456', 'content-type': 'application/json' },
 *   body: JSON.stringify([{ type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }]),
 * })
 * console.log(response.status, emulator.publishers('widgets'))
 * await emulator.stop()
 * ```
 */
export declare function startEmulator(seed?: EmulatorSeed): Promise<RegistryEmulator>

/**
 * Starts a loopback forward proxy (CONNECT tunnels and plain-http forwarding, to loopback
 * addresses only), for testing proxy settings.
 *
 * @example
 * ```js
 * import { startProxy } from 'trust-native/testing'
 * const proxy = await startProxy()
 * process.env.npm_config_proxy = proxy.url
 * // ... npm or your client talks to a loopback registry through it
 * console.log(proxy.requests())
 * await proxy.stop()
 * ```
 */
export declare function startProxy(): Promise<LoopbackProxy>
