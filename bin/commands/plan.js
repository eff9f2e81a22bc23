// @ts-check
'use strict'

// `trust-native plan`: what apply would do, changing nothing; with --exit-code, a drift check.

const tn = require('../..')
const { DRIFT, EXIT } = require('../cli/errors.js')
const { COMMON, PERMISSIONS, PRUNE, RUN, STRICT, common, pace, prune, strict } = require('../cli/flags.js')
const { out } = require('../cli/output.js')
const { allProviderFlags } = require('../cli/providers.js')
const { planInCliWords, printPlan } = require('../cli/publishers.js')
const { specsFrom } = require('../cli/specs.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native plan (--workspaces | --config trust.json) [--type github] [provider flags as defaults] [--prune] [--exit-code]',
  summary: 'Show what apply would do for many packages; changes nothing',
  flags: {
    ...COMMON, ...RUN, ...PRUNE, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
    'exit-code': { type: 'boolean', help: 'For a drift check in CI: exit 0 when everything matches, 1 when apply would change something, 2 on errors' },
  },
  async run(values) {
    const plan = await tn.planTrust(await specsFrom(values), { ...common(values), ...pace(values), ...strict(values), ...prune(values) })
    if (values.json) out(JSON.stringify(planInCliWords(plan), null, 2))
    else printPlan(plan)
    if (values['exit-code']) return DRIFT[plan.status]
    return plan.status === 'errors' ? EXIT.failed : EXIT.ok
  },
}
