// @ts-check
'use strict'

// `trust-native claim`: placeholder versions for names not on the registry yet.

const { eachPackage } = require('../cli/each-package.js')
const { COMMON, PERMISSIONS, RUN, STRICT, WRITE, accessFlag } = require('../cli/flags.js')
const { PROVIDERS, allProviderFlags, providerOptions } = require('../cli/providers.js')
const apply = require('./apply.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native claim [package...] [--workspaces] [--access public|restricted] [--dry-run] [--type github --repository owner/repo ... | --config trust.json]',
  summary: 'Publish a placeholder version for names not on the registry yet, so trust can be configured; with a publisher spec, configure it in the same run',
  flags: {
    ...COMMON, ...WRITE, ...RUN, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
    workspaces: { type: 'boolean', help: 'Every package of the workspace' },
    access: { type: 'string', help: 'Access of the placeholder: public (default) or restricted' },
  },
  async run(values, packages) {
    const access = accessFlag(values)
    // With a publisher spec, claiming is part of making the packages match it.
    if (values.config || values.type || Object.values(PROVIDERS).some((p) => Object.keys(providerOptions(p, values)).length)) {
      return apply.run({ ...values, claim: true }, packages)
    }
    return eachPackage(values, packages, async (client, name, say) => {
      const r = await client.claimPackage({ ...(name && { package: name }), ...(access && { access }), dryRun: Boolean(values['dry-run']) })
      if (r.status === 'exists') say.out(`${r.package}: exists, left alone`)
      else if (r.published) say.out(`${r.package}: ${r.published.dryRun ? 'would publish' : 'published'} placeholder ${r.published.version} (tag ${r.published.tag}, ${r.published.access} access)`)
      return r
    })
  },
}
