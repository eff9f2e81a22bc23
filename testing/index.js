'use strict'

// trust-native/testing: a registry emulator for tests, in plain JavaScript. It stands in for the
// npm registry (trust endpoints with 2FA, OIDC exchange, publishing, staged publishing, and the
// rest of the registry API), the CI providers' OIDC
// issuers and PyPI's trusted publishing, with injectable faults, a rate limit, optional TLS and a
// loopback proxy. See index.d.ts for the API and README.md for the control API and cli.js.

const { RegistryEmulator, launch } = require('./lib/emulator.js')
const { LoopbackProxy, startProxy } = require('./lib/proxy.js')

/** Starts an emulator on a free loopback port, with users, packages and PyPI projects from `seed`. */
async function startEmulator(seed) {
  return (await launch(seed)).emulator
}

module.exports = { LoopbackProxy, RegistryEmulator, startEmulator, startProxy }
