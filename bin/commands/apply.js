// @ts-check
'use strict'

// `trust-native apply`: the packages' trusted publishers made to match the specs.

const tn = require('../..')
const { EXIT, describeError, inCliWords } = require('../cli/errors.js')
const { COMMON, PERMISSIONS, PRUNE, RUN, STRICT, WRITE, common, pace, prune, strict } = require('../cli/flags.js')
const { err, out, printable } = require('../cli/output.js')
const { confirm } = require('../cli/prompt.js')
const { allProviderFlags } = require('../cli/providers.js')
const { describeDifferences, planInCliWords, printPlan, publisherLabel } = require('../cli/publishers.js')
const { specsFrom } = require('../cli/specs.js')

/**
 * @typedef {import('../../index').ApplyResult} ApplyResult
 */

/**
 * Applies `work` (a plan, or specs) with a progress report, prints the results (with the plan
 * they followed, if one was made), and answers the exit code.
 * @param {import('../cli/flags.js').Values} values
 * @param {Parameters<typeof tn.applyTrust>[0]} work
 * @param {Parameters<typeof tn.applyTrust>[1]} options
 * @param {import('../../index').TrustPlan} [plan]
 */
async function applyAll(values, work, options, plan) {
  const progress = progressReporter(values.json)
  const interrupt = stopOnInterrupt(values.json)
  const results = await tn.applyTrust(work, { ...options, onProgress: progress.report, signal: interrupt.signal })
  interrupt.end()
  progress.end()
  if (values.json) {
    const shown = { results: results.map(inCliWords) }
    out(JSON.stringify(plan ? { plan: planInCliWords(plan), ...shown } : shown, null, 2))
  } else {
    printFailures(results)
    for (const r of results.filter((r) => r.status === 'skipped')) {
      const several = results.filter((o) => o.package === r.package).length > 1
      err(printable(`left ${resultLabel(r)} as it is: ${several ? 'one of its trusted publishers' : 'its trusted publisher'} differs (${describeDifferences(r.differences)}); pass --replace to replace it`))
    }
    out(summary(results))
    if (interrupt.signal.aborted) out('Interrupted. Run the same command again to finish: what is done stays unchanged.')
  }
  if (interrupt.signal.aborted) return EXIT.interrupted
  return results.some((r) => r.status !== 'done') ? EXIT.failed : EXIT.ok
}

/**
 * Ctrl-C during an apply: no package starts after it, those in flight get a few seconds to
 * finish, and the run's results are still reported. A second Ctrl-C exits at once.
 */
/** @param {boolean | undefined} quiet */
function stopOnInterrupt(quiet) {
  const controller = new AbortController()
  const now = () => process.exit(EXIT.interrupted)
  const stop = () => {
    if (!quiet) err('\nStopping: no package starts now; waiting briefly for those in flight (Ctrl-C again to quit at once).')
    controller.abort()
    process.once('SIGINT', now)
  }
  process.once('SIGINT', stop)
  return {
    signal: controller.signal,
    end() {
      process.off('SIGINT', stop)
      process.off('SIGINT', now)
    },
  }
}

/** One line per failure; packages that failed alike share one. @param {ApplyResult[]} results */
function printFailures(results) {
  /** @type {Map<string, string[]>} */
  const alike = new Map()
  for (const r of results.filter((r) => r.status === 'failed')) {
    const why = `${r.error?.code} ${describeError(r.error, r.package)}`
    alike.set(why, [...(alike.get(why) ?? []), r.package])
  }
  for (const [why, packages] of alike) {
    const shown = packages.length > 4 ? `${packages.slice(0, 3).join(', ')} and ${packages.length - 3} more` : packages.join(', ')
    err(`failed ${shown}: ${why}`)
  }
}

/** The run's counts in a line. @param {ApplyResult[]} results */
function summary(results) {
  /** @param {(r: ApplyResult) => boolean} pred */
  const count = (pred) => results.filter(pred).length
  /** @param {ApplyResult['action']} action */
  const done = (action) => count((r) => r.status === 'done' && r.action === action)
  const stopped = count((r) => r.error?.code === 'EABORTED')
  const failed = count((r) => r.status === 'failed') - stopped
  const skipped = count((r) => r.status === 'skipped')
  return `Applied: ${done('claim') ? `${done('claim')} claimed and created, ` : ''}${done('create')} created, ${done('replace')} replaced, ${done('unchanged')} unchanged, ${done('revoke') ? `${done('revoke')} revoked, ` : ''}${failed} failed${skipped ? `, ${skipped} left as they differ` : ''}${stopped ? `, ${stopped} stopped` : ''}`
}

/**
 * `@acme/utils (github release.yml)`: an apply result's package and the publisher it is about
 * (the one there is now, left as it is, or revoked), so a package's several are told apart.
 * @param {ApplyResult} r
 */
function resultLabel(r) {
  return publisherLabel(r.package, r.publisher ?? r.previous?.[0])
}

/**
 * A progress bar on a terminal; a line per entry elsewhere. Out of the run's own count of
 * entries (with --prune, more than the specs given).
 * @param {boolean | undefined} quiet
 */
function progressReporter(quiet) {
  const tty = process.stderr.isTTY === true
  const verb = { create: 'created', replace: 'replaced', unchanged: 'unchanged', claim: 'claimed and created', revoke: 'revoked', error: 'skipped' }
  return {
    /** @param {{ done: number, total: number, result: ApplyResult }} progress */
    report({ done, total, result }) {
      if (quiet) return
      const what = printable(result.status === 'failed' ? `failed ${resultLabel(result)}`
        : result.status === 'skipped' ? `left ${resultLabel(result)}, as it differs`
        : `${verb[result.action]} ${resultLabel(result)}`)
      if (tty) {
        const width = 30
        const filled = Math.round((done / total) * width)
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}`.padEnd(100))
      } else {
        err(`${done}/${total} ${what}`)
      }
    },
    end() {
      if (tty && !quiet) process.stderr.write('\n')
    },
  }
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native apply (--workspaces | --config trust.json) [--type github] [provider flags as defaults] [--yes] [--replace] [--prune]',
  summary: 'Make the packages\' trusted publishers match the specs: create, replace (with --replace), revoke (with --prune) or leave unchanged',
  flags: {
    ...COMMON, ...RUN, ...PRUNE, ...WRITE, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
    replace: { type: 'boolean', help: 'Replace a trusted publisher that differs from its spec (default: leave it and show the difference; a spec can say "replace": true)' },
  },
  async run(values, packages = []) {
    const options = { ...common(values), ...pace(values) }
    // Claiming is done when applying (the plan says which packages it would claim).
    const claim = values.claim ? { claim: true } : {}
    const replace = values.replace ? { replace: true } : {}
    const specs = await specsFrom(values, packages)
    // No plan to show (--yes): planned and applied in one call.
    if (values.yes && !values['dry-run']) return applyAll(values, specs, { ...options, ...claim, ...strict(values), ...replace, ...prune(values) })
    // A plan's CI files are checked when it is made, not again when it is applied.
    const plan = await tn.planTrust(specs, { ...options, ...strict(values), ...prune(values) })
    if (!values.json) printPlan(plan)
    const pending = plan.entries.filter((e) => ['create', 'replace', 'revoke'].includes(e.action) || (e.action === 'claim' && values.claim))
    if (values['dry-run'] || !pending.length) {
      if (values.json) out(JSON.stringify({ plan: planInCliWords(plan), results: [] }, null, 2))
      else if (!pending.length) out('Nothing to do.')
      return plan.entries.some((e) => e.action === 'error') ? EXIT.failed : EXIT.ok
    }
    await confirm(values)
    return applyAll(values, plan, { ...options, ...claim, ...replace }, plan)
  },
}
