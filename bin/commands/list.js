// @ts-check
'use strict'

// `trust-native list`: npm trust list.

const tn = require('../..')
const { EXIT } = require('../cli/errors.js')
const { COMMON, common } = require('../cli/flags.js')
const { out } = require('../cli/output.js')
const { printOptions, publisherValues } = require('../cli/publishers.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native list [package]',
  summary: 'List the trusted publishers of a package (npm trust list)',
  flags: { ...COMMON },
  async run(values, [pkg]) {
    const publishers = await tn.listPublishers({ ...common(values), ...(pkg && { package: pkg }) })
    if (values.json) {
      out(JSON.stringify(publishers.map((p) => ({ ...publisherValues(p), permissions: p.permissions })), null, 2))
      return EXIT.ok
    }
    if (!publishers.length) {
      out(`No trust configurations found for package (${pkg ?? 'from package.json'})`)
      return EXIT.ok
    }
    for (const p of publishers) {
      out()
      printOptions(publisherValues(p), { permissions: p.permissions })
    }
    out()
    return EXIT.ok
  },
}
