// @ts-check
'use strict'

// `trust-native publish`: npm publish; in CI through trusted publishing.

const { publishEach } = require('../cli/each-package.js')
const { COMMON, WRITE } = require('../cli/flags.js')
const { PROVENANCE_FLAGS } = require('../cli/provenance.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native publish [folder|tarball...] [--workspaces] [--stage] [--tag <tag>] [--access public|restricted] [--dry-run]',
  summary: 'Publish versions as npm publish does; in CI through trusted publishing, saying why when the exchange is refused',
  flags: {
    ...COMMON,
    'dry-run': WRITE['dry-run'],
    workspaces: { type: 'boolean', help: 'Each package of the workspace whose version is not on the registry, dependencies first, printing changesets\' `New tag:` lines (a changesets publish command)' },
    stage: { type: 'boolean', help: 'Stage the versions instead (as stage publish): approve them with `stage approve` (--workspaces: all, with one 2FA)' },
    tag: { type: 'string', help: 'The dist-tag (default: publishConfig.tag, else latest)' },
    access: { type: 'string', help: 'public or restricted (default: publishConfig.access, else the registry\'s default)' },
    ...PROVENANCE_FLAGS,
  },
  run: (values, targets) => publishEach(values, targets, { stage: Boolean(values.stage) }),
}
