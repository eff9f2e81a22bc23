// @ts-check
'use strict'

// `trust-native lockdown`: 2FA required and tokens refused for publishing, where trusted publishing is set up.

const { eachPackage } = require('../cli/each-package.js')
const { COMMON, WRITE } = require('../cli/flags.js')
const { describePublisher } = require('../cli/publishers.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native lockdown [package...] [--workspaces] [--dry-run]',
  summary: 'For packages with a trusted publisher: require 2FA and disallow tokens for publishing (npm access set mfa=publish)',
  flags: { ...COMMON, ...WRITE, workspaces: { type: 'boolean', help: 'Every package of the workspace' } },
  async run(values, packages) {
    return eachPackage(values, packages, async (client, name, say) => {
      const r = await client.lockDownPackage({ ...(name && { package: name }), dryRun: Boolean(values['dry-run']) })
      if (r.status === 'skipped') {
        say.err(`${r.package}: left as it is: it has no trusted publisher, and without tokens it could not be published at all (configure one first: trust-native apply)`)
      } else {
        say.out(`${r.package}: ${r.dryRun ? 'would require' : 'now requires'} 2FA for publishing, and tokens may not publish (trusted publishing: ${r.publishers.map(describePublisher).join(', ')})`)
      }
      return r
    })
  },
}
