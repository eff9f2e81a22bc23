// @ts-check
'use strict'

// Trusted publishers, plans and their differences, as the CLI shows them.

const { count, out, printable, warn } = require('./output.js')
const { describeError, inCliWords } = require('./errors.js')
const { PROVIDERS, repositoryOption } = require('./providers.js')

/**
 * What the CLI shows of a trusted publisher, a spec or a suggestion: its type, and its options
 * (named by its provider's table).
 * @typedef {{ type?: unknown, file?: string, environment?: string }} PublisherLike
 * @typedef {import('../../index').Publisher} Publisher
 * @typedef {import('../../index').PlanEntry} PlanEntry
 */

/** @type {Record<string, string>} */
const PERMISSION_LABELS = { createPackage: 'publish', createStagedPackage: 'stage publish' }

/**
 * npm's `logOptions`: `type`, `id`, then each option (npm lists the file first), then permissions.
 * @param {Record<string, unknown>} values
 * @param {{ fromPackageJson?: string[], fromWorkflow?: string[], permissions?: string[] }} [sources]
 */
function printOptions(values, { fromPackageJson = [], fromWorkflow = [], permissions } = {}) {
  const { type, id, package: pkg, file, ...others } = values
  const rest = { package: pkg, file, ...others }
  const lines = []
  if (type) lines.push(`type: ${type}`)
  if (id) lines.push(`id: ${id}`)
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === null) continue
    const shown = Array.isArray(value) ? value.join(',') : value
    const from = fromPackageJson.includes(key) ? ' (from package.json)' : fromWorkflow.includes(key) ? ' (from the workflows)' : ''
    lines.push(`${key}: ${shown}${from}`)
  }
  if (permissions?.length) lines.push(`permissions: ${permissions.map((p) => PERMISSION_LABELS[p] ?? p).join(', ')}`)
  out(lines.join('\n'))
}

/** The options a configuration stands for, without its raw claims. @param {Publisher} publisher */
function publisherValues(publisher) {
  const { claims, permissions, ...values } = publisher
  return values
}

/** @param {PlanEntry} entry */
function describeDesired(entry) {
  return entry.desired ? describePublisher({ type: entry.desired.type, ...entry.desiredOptions }) : ''
}

/** @param {PublisherLike | undefined} p */
function describePublisher(p) {
  if (!p) return ''
  return [p.type, repositoryOf(p), p.file, p.environment && `env ${p.environment}`].filter(Boolean).join(' ')
}

/** The repository a publisher is for, by its provider's table. @param {PublisherLike} p */
function repositoryOf(p) {
  const provider = PROVIDERS[String(p.type)]
  const option = provider && repositoryOption(provider)
  return option ? /** @type {Record<string, unknown>} */ (p)[option] : undefined
}

/**
 * Which of its package's publishers `p` is, in a word: its CI file, else its repository.
 * @param {PublisherLike} p
 */
const publisherName = (p) => p.file ?? repositoryOf(p)

/**
 * `@acme/utils (github release.yml)`: a package and one of its publishers, when known.
 * @param {string} pkg
 * @param {PublisherLike} [p]
 */
function publisherLabel(pkg, p) {
  const which = p && [p.type, publisherName(p)].filter(Boolean).join(' ')
  return which ? `${pkg} (${which})` : pkg
}

/**
 * `repository acme/other -> acme/mono, file old.yml -> release.yml`, control characters removed.
 * @param {import('../../index').TrustDifference[]} differences
 */
function describeDifferences(differences) {
  /** @param {unknown} v */
  const shown = (v) => printable(v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v))
  return differences.map((d) => `${d.field} ${shown(d.current)} -> ${shown(d.desired)}`).join(', ')
}

/** A plan for --json, its entries' errors in the CLI's words. @param {import('../../index').TrustPlan} plan */
const planInCliWords = (plan) => ({ ...plan, entries: plan.entries.map(inCliWords) })

/** A plan as a table, then what it leaves and warns about, and its counts. @param {import('../../index').TrustPlan} plan */
function printPlan(plan) {
  const rows = plan.entries.map((e) => {
    const detail = e.action === 'error'
      ? `${e.error?.code}: ${describeError(e.error, e.package)}`
      : e.action === 'replace'
        ? `${describePublisher(e.existing)} -> ${describeDesired(e)}`
        : e.action === 'revoke' ? describePublisher(e.existing) : describeDesired(e)
    return [e.package, e.action, detail]
  })
  /** @param {number} i */
  const width = (i) => Math.max(...rows.map((r) => r[i].length), i === 0 ? 7 : 6)
  /** @param {string[]} cells */
  const line = (cells) => `${cells[0].padEnd(width(0))}  ${cells[1].padEnd(width(1))}  ${cells[2]}`
  out(line(['PACKAGE', 'ACTION', 'PUBLISHER']))
  for (const row of rows) out(line(row))
  for (const e of plan.entries.filter((e) => e.differences.length)) {
    out(`  ${publisherLabel(e.package, e.existing)}: ${describeDifferences(e.differences)}${e.replace ? '' : ', which apply replaces only with --replace'}`)
  }
  for (const [pkg, kept] of keptPublishers(plan)) {
    out(printable(`  ${pkg}: kept, as no spec names it: ${kept.map(describePublisher).join(', ')} (--prune revokes it)`))
  }
  for (const e of plan.entries) for (const w of e.warnings) warn(`${e.package}: ${w}`)
  /** @param {PlanEntry['action']} action */
  const tally = (action) => plan.entries.filter((e) => e.action === action).length
  out()
  out(`${count(new Set(plan.entries.map((e) => e.package)).size, 'package')}: ${tally('create')} to create, ${tally('replace')} to replace, ${tally('unchanged')} unchanged, ${tally('revoke') ? `${tally('revoke')} to revoke, ` : ''}${tally('claim') ? `${tally('claim')} to claim, ` : ''}${count(tally('error'), 'error')}`)
}

/** By package, the trusted publishers no entry of the plan is about: left alone without --prune. */
/** @param {import('../../index').TrustPlan} plan */
function keptPublishers(plan) {
  const named = new Set(plan.entries.map((e) => e.existing?.id).filter(Boolean))
  /** @type {Map<string, Publisher[]>} */
  const kept = new Map()
  for (const e of plan.entries) {
    if (kept.has(e.package)) continue
    const others = e.current.filter((p) => !named.has(p.id))
    if (others.length) kept.set(e.package, others)
  }
  return kept
}

module.exports = { printOptions, publisherValues, describePublisher, publisherName, publisherLabel, describeDifferences, planInCliWords, printPlan }
