'use strict'

// The registry emulator as callers hold it: start it from a seed, then seed more, mint id_tokens,
// make CI jobs, inject faults and read what it received. The control API (control.js) calls
// these same methods for other processes.

const crypto = require('node:crypto')
const validate = require('./validate.js')
const { Issuers, ID_TOKEN_LIFETIME } = require('./issuers.js')
const { Sigstore } = require('./sigstore.js')
const { State } = require('./state.js')
const { certificateAuthority } = require('./tls.js')
const { control } = require('./control.js')
const { defaultClaims } = require('./providers.js')
const { handler } = require('./registry.js')
const { serve } = require('./http.js')

const INTERNAL = Symbol('RegistryEmulator')

class RegistryEmulator {
  /** `{ state, issuers, port, caPem, server }` */
  #core

  constructor(key, core) {
    if (key !== INTERNAL) throw new TypeError('Use startEmulator() to start an emulator')
    this.#core = core
  }

  get url() {
    return `${this.#core.caPem ? 'https' : 'http'}://127.0.0.1:${this.#core.port}/`
  }

  get caPem() {
    return this.#core.caPem ?? null
  }

  get npmAudience() {
    return 'npm:127.0.0.1'
  }

  /** The emulator's PyPI index is addressed by its host name, which is its audience. */
  get pypiAudience() {
    return '127.0.0.1'
  }

  seed(seed) {
    this.#core.state.seed(validate.seed(seed))
  }

  setOtp(user, otp) {
    this.#core.state.setOtp(validate.string(user, 'user'), validate.string(otp, 'otp'))
  }

  issueIdToken(options) {
    const { provider, audience = this.npmAudience, claims = {}, expiresIn = ID_TOKEN_LIFETIME } = validate.idTokenSpec(options)
    return this.#core.issuers.issue(provider, audience, claims, expiresIn)
  }

  /** Fulcio's and Rekor's URLs on this emulator, for signing clients. */
  get fulcioUrl() {
    return `${this.url}-/sigstore/fulcio`
  }

  get rekorUrl() {
    return `${this.url}-/sigstore/rekor`
  }

  /** The Sigstore TrustedRoot (JSON) that this emulator's certificates and log chain to. */
  trustedRoot() {
    return this.#core.sigstore.trustedRoot(`${this.url}-/sigstore/`)
  }

  githubActionsJob(claims) {
    const requestToken = `gha-request-${crypto.randomUUID().replaceAll('-', '')}`
    this.#core.state.githubJobs.set(requestToken, defaultClaims('github', validate.claims(claims)))
    return {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${this.url}-/oidc/github/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }
  }

  googleCloudIdentity(claims) {
    this.#core.state.googleIdentity = validate.claims(claims)
    return { GCE_METADATA_HOST: `127.0.0.1:${this.#core.port}` }
  }

  versions(pkg) {
    const found = this.#core.state.packages.get(validate.string(pkg, 'pkg'))
    return found ? [...found.versions.keys()] : null
  }

  publishers(pkg) {
    const found = this.#core.state.packages.get(validate.string(pkg, 'pkg'))
    return found ? structuredClone(found.publishers) : null
  }

  requests() {
    return structuredClone(this.#core.state.requests)
  }

  clearRequests() {
    this.#core.state.requests = []
  }

  injectFault(rule) {
    this.#core.state.faults.push(validate.faultRule(rule))
  }

  clearFaults() {
    this.#core.state.faults = []
  }

  stop() {
    return this.#core.server.stop()
  }
}

/**
 * Starts an emulator. Answers it and `stopped`, which resolves once it has stopped, whether by
 * `stop()` or by the control API (cli.js exits then).
 */
async function launch(seed) {
  const config = validate.seed(seed ?? {})
  const state = new State()
  state.seed(config)
  const issuers = new Issuers()
  const sigstore = new Sigstore(issuers)
  const { caPem, ...certificate } = config.tls ? certificateAuthority() : {}
  let emulator
  const handle = handler({ state, issuers, sigstore }, (request) => control(emulator, request))
  const server = await serve(handle, { tls: caPem && certificate })
  emulator = new RegistryEmulator(INTERNAL, { state, issuers, sigstore, port: server.port, caPem, server })
  return { emulator, stopped: server.closed }
}

module.exports = { RegistryEmulator, launch }
