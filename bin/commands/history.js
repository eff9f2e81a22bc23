// @ts-check
'use strict'

// `trust-native history`: how each version was published.

const { EXIT } = require('../cli/errors.js')
const { eachPackage } = require('../cli/each-package.js')
const { COMMON } = require('../cli/flags.js')
const { out, printable } = require('../cli/output.js')
const { publisherName } = require('../cli/publishers.js')

/**
 * How a version of `trust-native history` was published, in words: through which publisher
 * (`github release.yml`, when --check-trust found its configuration), else its configuration's id.
 * @param {import('../../index').PublishedVersion} v
 */
function publishedHow(v) {
  if (v.placeholder) return `placeholder of trust-native claim, with a token of ${v.user}`
  if (v.how === 'token') return `with a token of ${v.user}${v.approver ? `, approved by ${v.approver}` : ''}`
  if (v.how === 'unknown') return 'publisher not recorded'
  const { provider, configId } = /** @type {import('../../index').VersionTrustedPublisher} */ (v.trustedPublisher)
  const which = v.publisher ? [v.publisher.type, publisherName(v.publisher) ?? v.publisher.id].join(' ') : [provider, configId].filter(Boolean).join(' ')
  const still = v.stillConfigured === null ? '' : v.stillConfigured ? ', still configured' : ', no longer configured'
  return `trusted publishing (${which}${still})${v.approver ? `, approved by ${v.approver}` : ''}`
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native history [package...] [--workspaces] [--since <date>] [--check-trust] [--exit-code] [--json]',
  summary: 'How each version was published: through trusted publishing (which configuration) or with a token, with or without provenance, from the public package document',
  flags: {
    ...COMMON,
    workspaces: { type: 'boolean', help: 'Every package of the workspace' },
    since: { type: 'string', help: 'Only versions published on or after this date (YYYY-MM-DD)' },
    'check-trust': { type: 'boolean', help: 'Also read the packages\' trusted publishers (needs 2FA, asked once) to say whether each version\'s is still configured' },
    'exit-code': { type: 'boolean', help: 'Exit 1 when a version (since --since) was published without trusted publishing' },
  },
  async run(values, packages) {
    let untrusted = false
    let unchecked = false
    const code = await eachPackage(values, packages, async (client, name, say) => {
      const report = await client.publishHistory({
        ...(name && { package: name }),
        ...(values.since && { since: values.since }),
        ...(values['check-trust'] && { checkTrust: true }),
      })
      untrusted ||= report.withoutTrustedPublishing.length > 0
      unchecked ||= !report.trustChecked && report.versions.some((v) => v.trustedPublisher)
      const since = report.since ? ` since ${report.since}` : ''
      say.out(printable(`${report.package}:${report.versions.length ? '' : ` no versions${since}`}`))
      for (const v of report.versions) say.out(printable(`  ${v.version}  ${v.time?.slice(0, 10) ?? '(no date)'}  ${publishedHow(v)}  ${v.provenance ? 'provenance' : 'no provenance'}`))
      if (report.withoutTrustedPublishing.length) say.out(printable(`  Published without trusted publishing${since}: ${report.withoutTrustedPublishing.join(', ')}`))
      return report
    })
    // Said once for the run, not on every line.
    if (unchecked && !values.json) out('Whether each configuration is still there, and which publisher it is: --check-trust reads them (with 2FA).')
    return code === EXIT.ok && values['exit-code'] && untrusted ? EXIT.failed : code
  },
}
