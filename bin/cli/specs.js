// @ts-check
'use strict'

// The specs plan and apply work on: a trust.json, or the workspace with the flags as defaults.

const tn = require('../..')
const { UsageError } = require('./errors.js')
const { permissionOptions } = require('./flags.js')
const { PROVIDERS, providerOptions } = require('./providers.js')

/**
 * Specs from --config, or from the packages named (else --workspaces) with the flags as defaults.
 * @param {import('./flags.js').Values} values
 * @param {string[]} [packages]
 */
async function specsFrom(values, packages = []) {
  if (values.config) return tn.readTrustConfig(values.config)
  if (!values.workspaces && !packages.length) throw new UsageError('Say which packages: --workspaces, or --config trust.json')
  const type = values.type ?? 'github'
  const provider = PROVIDERS[type]
  if (!provider) throw new UsageError(`--type must be one of ${Object.keys(PROVIDERS).join(', ')}`)
  const defaults = { type, ...providerOptions(provider, values), ...permissionOptions(values) }
  // Packages named on the command line (`claim <name> --type ...`), else the workspace's.
  const config = packages.length ? { defaults, packages: packages.map((name) => ({ package: name })) } : { defaults, workspaces: true }
  return tn.readTrustConfig(config, process.cwd())
}

module.exports = { specsFrom }
