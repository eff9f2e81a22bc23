// @ts-check
'use strict'

// `trust-native access`: npm access get status / set mfa / set status.

const tn = require('../..')
const { EXIT, UsageError } = require('../cli/errors.js')
const { COMMON, WRITE, common } = require('../cli/flags.js')
const { out } = require('../cli/output.js')

/**
 * `npm access set mfa=...` and `status=...` as setPackageAccess settings.
 * @type {Record<string, import('../../index').PackageAccessSettings>}
 */
const MFA = {
  none: { publishRequiresTfa: false },
  publish: { publishRequiresTfa: true, automationTokenOverridesTfa: false },
  automation: { publishRequiresTfa: true, automationTokenOverridesTfa: true },
}

/** @type {Record<string, import('../../index').PackageAccessSettings>} */
const STATUS = { public: { visibility: 'public' }, private: { visibility: 'private' } }

/** @param {import('../cli/flags.js').Values} values @param {import('../../index').PackageAccess} access */
function printStatus(values, access) {
  if (values.json) out(JSON.stringify({ [access.package]: access.visibility }, null, 2))
  else out(`${access.package}: ${access.visibility}`)
  return EXIT.ok
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native access get status [package] | access set mfa=none|publish|automation [package] | access set status=public|private [package]',
  summary: 'A package\'s visibility and its 2FA requirement for publishing (npm access get/set)',
  flags: { ...COMMON, 'dry-run': WRITE['dry-run'] },
  async run(values, [verb, what, pkg]) {
    const options = { ...common(values), ...(pkg && { package: pkg }) }
    if (verb === 'get' && what === 'status') return printStatus(values, await tn.getPackageAccess(options))
    const [key, value] = (verb === 'set' && what?.split('=')) || []
    // Own settings only: `status=constructor` is not one.
    const table = key === 'status' ? STATUS : key === 'mfa' || key === '2fa' ? MFA : {}
    const settings = Object.hasOwn(table, value) ? table[value] : undefined
    if (!settings) throw new UsageError(`Expected get status, set status=public|private or set mfa=none|publish|automation, not "${[verb, what].filter(Boolean).join(' ')}"`)
    const result = await tn.setPackageAccess({ ...options, ...settings, dryRun: Boolean(values['dry-run']) })
    if (result.dryRun) {
      if (values.json) out(JSON.stringify(result, null, 2))
      else out(`Would send ${result.request.method} ${result.request.url} ${JSON.stringify(result.request.body)}`)
      return EXIT.ok
    }
    // As npm: a status change shows the status it leads to.
    if (key === 'status') return printStatus(values, await tn.getPackageAccess(options))
    if (values.json) out(JSON.stringify(result, null, 2))
    else out(`Set ${what}${pkg ? ` on ${pkg}` : ''}`)
    return EXIT.ok
  },
}
