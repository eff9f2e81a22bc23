// @ts-check
'use strict'

// `publish --workspaces` and `stage publish --workspaces`: a monorepo's release, as `changeset
// publish` makes it, so it can be the `publish` command of a changesets release. Each public
// package whose version the registry does not have yet is published (or staged), dependencies
// before their dependents; one that fails does not stop the others, but its dependents are
// left (published, they would name a version no one can install). Each published version gets
// the line changesets prints, which changesets/action reads to create the git tag and release.

const { appendFileSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const tn = require('../..')
const { EXIT, describeError } = require('./errors.js')
const { common } = require('./flags.js')
const { err, out, warn } = require('./output.js')
const { reportProvenance } = require('./provenance.js')

/**
 * The fields whose workspace packages must be on the registry before the package that names
 * them (devDependencies are not installed with it).
 */
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies']

/**
 * @typedef {import('./flags.js').Values} Values
 * @typedef {import('./each-package.js').Say} Say
 * @typedef {import('../../index').TrustClient} TrustClient
 * @typedef {import('../../index').PublishResult} PublishResult
 * @typedef {{ name: string, path: string, version: string, names: string[], dependsOn: string[] }} ReleasePackage
 * @typedef {{ package: string, version: string, status: 'skipped' | 'left', reason: string }} Untried
 * @typedef {{ package: string, version: string, status: 'failed', error: { code?: string, message: string } }} Failed
 * @typedef {(PublishResult & { status: 'published' | 'staged' | 'dryRun' }) | Untried | Failed} Result
 */

/**
 * The workspace's public packages with their version and the workspace packages they depend
 * on, dependencies first (a cycle is broken where it closes, as pnpm breaks it).
 */
/**
 * @param {string} cwd
 * @returns {Promise<ReleasePackage[]>}
 */
async function releaseOrder(cwd) {
  const { packages } = await tn.discoverWorkspacePackages(cwd)
  /** @type {Map<string, ReleasePackage>} */
  const byName = new Map(packages.map((p) => {
    const manifest = JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8'))
    const names = DEPENDENCY_FIELDS.flatMap((field) => Object.keys(manifest[field] ?? {}))
    return [p.name, { name: p.name, path: p.path, version: manifest.version, names, dependsOn: [] }]
  }))
  /** @type {ReleasePackage[]} */
  const ordered = []
  /** @type {Set<ReleasePackage>} */
  const visiting = new Set()
  /** @param {ReleasePackage} pkg */
  const visit = (pkg) => {
    if (ordered.includes(pkg) || visiting.has(pkg)) return
    visiting.add(pkg)
    pkg.dependsOn = [...new Set(pkg.names)].filter((n) => n !== pkg.name && byName.has(n))
    for (const name of pkg.dependsOn) visit(/** @type {ReleasePackage} */ (byName.get(name)))
    ordered.push(pkg)
  }
  for (const pkg of byName.values()) visit(pkg)
  return ordered
}

/**
 * Whether the registry has `version` of `name` (a package it does not know has none).
 * @param {TrustClient} client @param {string} name @param {string} version
 */
async function onRegistry(client, name, version) {
  try {
    const { versions } = await client.publishHistory({ package: name })
    return versions.some((v) => v.version === version)
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error).code === 'E404') return false
    throw error
  }
}

/**
 * changesets' record of a published version: the `New tag:` line on stdout (changesets/action
 * 1.x reads it with /New tag:\s+(@[^/]+\/[^@]+|[^/]+)@([^\s]+)/), and the `git-tag` event
 * appended to the file CHANGESETS_OUTPUT names (changesets/action 2.x reads that file). With
 * --json, stdout is the results only (`say` prints nothing): the file still gets the event.
 * Also for a staged version once `stage approve` publishes it: that is when it is released.
 * @param {string} name @param {string} version @param {Say} say
 */
function recordTag(name, version, say) {
  const tag = `${name}@${version}`
  say.out(`New tag: ${tag}`)
  const file = process.env.CHANGESETS_OUTPUT
  if (file) appendFileSync(file, `${JSON.stringify({ type: 'git-tag', tag, packageName: name })}\n`)
}

/**
 * A failed package's result: the error in the CLI's words (a package not created yet: how to claim it).
 * @param {ReleasePackage} pkg @param {import('./errors.js').Failure} error @param {boolean} stage
 * @returns {Failed}
 */
function failure(pkg, error, stage) {
  return { package: pkg.name, version: pkg.version, status: 'failed', error: { code: error.code, message: describeError(error, pkg.name, { stage }) } }
}

/**
 * Publishes (or with `stage`, stages) each workspace package the registry does not have, as
 * described above. Prints a line per package and a summary (with --json, the results only);
 * exit 1 when any failed or was left.
 * @param {Values} values
 * @param {{ stage: boolean, access?: 'public' | 'restricted', provenance?: ReturnType<typeof import('./provenance.js').provenanceOptions> }} how
 */
async function releaseWorkspace(values, { stage, access, provenance = {} }) {
  const client = new tn.TrustClient(common(values))
  const dryRun = Boolean(values['dry-run'])
  /** @type {Say} */
  const say = values.json ? { out() {}, err() {} } : { out, err }
  /** @type {Result[]} */
  const results = []
  /** @type {Set<string>} */
  const warned = new Set()
  /** @type {Set<string>} */
  const failed = new Set()
  for (const pkg of await releaseOrder(process.cwd())) {
    try {
      // Asked first, whatever failed before: reading the registry needs no 2FA, and a version
      // it has is released, not "not tried".
      if (await onRegistry(client, pkg.name, pkg.version)) {
        results.push({ package: pkg.name, version: pkg.version, status: 'skipped', reason: 'already on the registry' })
        say.out(`= ${pkg.name}@${pkg.version} is already on the registry`)
        continue
      }
      const blocked = pkg.dependsOn.find((name) => failed.has(name))
      if (blocked || results.some((r) => r.status === 'failed' && r.error.code === 'EOTP')) {
        failed.add(pkg.name)
        const reason = blocked ? `not tried: it depends on ${blocked}, which failed` : 'not tried: no one-time password'
        results.push({ package: pkg.name, version: pkg.version, status: 'left', reason })
        say.err(`${pkg.name}@${pkg.version}: ${reason}`)
        continue
      }
      const options = { folder: pkg.path, ...(values.tag && { tag: values.tag }), ...(access && { access }), ...provenance, dryRun }
      const r = await (stage ? client.stagePublish(options) : client.publish(options))
      for (const w of r.warnings.filter((w) => !warned.has(w))) {
        warned.add(w)
        if (!values.json) warn(w)
      }
      const how = r.tokenSource === 'oidc' ? 'through trusted publishing' : 'with your token'
      /** @type {'dryRun' | 'staged' | 'published'} */
      const status = dryRun ? 'dryRun' : stage ? 'staged' : 'published'
      results.push({ ...r, status })
      if (dryRun) say.out(`Would ${stage ? 'stage' : 'publish'} ${r.package}@${r.version} (tag ${r.tag})`)
      else if (stage) say.out(`+ ${r.package}@${r.version} (staged with id ${r.stageId}, ${how})`)
      else {
        say.out(`+ ${r.package}@${r.version} (${how})`)
        reportProvenance(r, { stage, json: values.json, say })
        recordTag(r.package, r.version, say)
      }
    } catch (thrown) {
      const error = /** @type {import('./errors.js').Failure} */ (thrown)
      failed.add(pkg.name)
      const result = failure(pkg, error, stage)
      results.push(result)
      say.err(`${pkg.name}@${pkg.version}: ${error.code}: ${result.error.message}`)
    }
  }
  if (values.json) out(JSON.stringify(results, null, 2))
  else printSummary(results, { stage, dryRun })
  return results.some((r) => r.status === 'failed' || r.status === 'left') ? EXIT.failed : EXIT.ok
}

/**
 * `Published 2, already on the registry 1, failed 1 (@acme/new).`, and what comes next.
 * @param {Result[]} results @param {{ stage: boolean, dryRun: boolean }} how
 */
function printSummary(results, { stage, dryRun }) {
  /** @param {Result['status']} status */
  const of = (status) => results.filter((r) => r.status === status)
  const done = stage ? 'Staged' : 'Published'
  const parts = [`${dryRun ? `Would ${stage ? 'stage' : 'publish'}` : done} ${of(dryRun ? 'dryRun' : stage ? 'staged' : 'published').length}`]
  if (of('skipped').length) parts.push(`already on the registry ${of('skipped').length}`)
  if (of('failed').length) parts.push(`failed ${of('failed').length} (${of('failed').map((r) => r.package).join(', ')})`)
  if (of('left').length) parts.push(`not tried ${of('left').length} (${of('left').map((r) => r.package).join(', ')})`)
  const line = `${parts.join(', ')}.`
  if (of('failed').length || of('left').length) err(line)
  else out(line)
  if (stage && of('staged').length) out('Approve them with one 2FA: trust-native stage approve --workspaces')
}

module.exports = { releaseWorkspace, releaseOrder, recordTag }
