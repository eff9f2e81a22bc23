// @ts-check
'use strict'

// `trust-native revoke`: npm trust revoke.

const tn = require('../..')
const { EXIT, UsageError } = require('../cli/errors.js')
const { COMMON, WRITE, common } = require('../cli/flags.js')
const { out } = require('../cli/output.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native revoke [package] --id <id>',
  summary: 'Revoke a trusted publisher by id (npm trust revoke)',
  flags: { ...COMMON, ...WRITE, id: { type: 'string', help: 'ID of the configuration to revoke (required)' } },
  async run(values, [pkg]) {
    if (!values.id) throw new UsageError('ID of the trusted relationship to revoke must be specified with the --id option')
    const options = { ...common(values), ...(pkg && { package: pkg }) }
    // The package the call will resolve to (package.json's name when none is given).
    const shown = (await tn.resolveConfig(options)).package
    if (!values.json && shown) out(`Attempting to revoke trusted configuration for package ${shown} with id ${values.id}`)
    const result = await tn.revokePublisher({ ...options, id: values.id, dryRun: Boolean(values['dry-run']) })
    if (values.json) out(JSON.stringify(result, null, 2))
    else if (!result.dryRun) out(`Revoked trusted configuration for package ${result.package} with id ${result.id}`)
    return EXIT.ok
  },
}
