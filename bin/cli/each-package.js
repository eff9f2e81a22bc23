// @ts-check
'use strict'

// Commands that work on several packages (named, or --workspaces) with one client, so one 2FA.

const tn = require('../..')
const { EXIT, UsageError, describeError } = require('./errors.js')
const { accessFlag, common } = require('./flags.js')
const { provenanceOptions, reportProvenance } = require('./provenance.js')
const { count, err, out, warn } = require('./output.js')
const { releaseWorkspace } = require('./workspace-release.js')

/**
 * Where a package's lines go: printed, or nowhere with --json (which prints the results).
 * @typedef {{ out: (line?: string) => void, err: (line?: string) => void }} Say
 */

/**
 * Runs `work(client, target, say)` for each target given, each package of the workspace
 * (--workspaces; `workspaceTarget` picks its name, or its folder), or `none` (package.json's
 * package). One client, so one 2FA serves them all. A target's failure is printed and the
 * others go on, but after an EOTP the rest are not tried (nor asked for again).
 * `say.out`/`say.err` print, except with --json, which prints the results only (a failure
 * under `key`). Exit 1 when any failed or was skipped.
 * @param {import('./flags.js').Values} values
 * @param {string[]} given
 * @param {(client: import('../../index').TrustClient, target: string | undefined, say: Say) => Promise<object>} work
 * @param {{ workspaceTarget?: (p: import('../../index').WorkspacePackage) => string, none?: string, key?: string, stage?: boolean }} [how]
 */
async function eachPackage(values, given, work, { workspaceTarget = (p) => p.name, none, key = 'package', stage = false } = {}) {
  const targets = given.length ? given : values.workspaces ? (await tn.discoverWorkspacePackages(process.cwd())).packages.map(workspaceTarget) : [none]
  const client = new tn.TrustClient(common(values))
  /** @type {{ status?: string, error?: { code?: string, message?: string }, reason?: string }[]} */
  const results = []
  /** @type {Say} */
  const say = values.json ? { out() {}, err() {} } : { out, err }
  for (const target of targets) {
    if (results.some((r) => r.error?.code === 'EOTP')) {
      results.push({ [key]: target, status: 'skipped', reason: 'not tried: no one-time password' })
      continue
    }
    try {
      results.push(await work(client, target, say))
    } catch (error) {
      const { code } = /** @type {import('./errors.js').Failure} */ (error)
      const message = describeError(error, target, { stage })
      results.push({ [key]: target, status: 'failed', error: { code, message } })
      say.err(`${target ? `${target}: ` : ''}${code}: ${message}`)
    }
  }
  const untried = results.filter((r) => r.reason?.startsWith('not tried')).length
  if (untried) say.err(`${count(untried, 'more package')} not tried: no one-time password. Run the command again with --otp <code>.`)
  if (values.json) out(JSON.stringify(results, null, 2))
  return results.some((r) => r.status === 'failed' || r.status === 'skipped') ? EXIT.failed : EXIT.ok
}

/**
 * `publish` and `stage publish`: each folder or tarball given (default: the current folder),
 * or the workspace's release (--workspaces: workspace-release.js). In CI the token comes from
 * trusted publishing (a refused exchange says why); elsewhere the configured token is used,
 * with 2FA.
 * @param {import('./flags.js').Values} values
 * @param {string[]} targets
 * @param {{ stage: boolean }} how
 */
async function publishEach(values, targets, { stage }) {
  const access = accessFlag(values)
  const provenance = provenanceOptions(values)
  if (values.workspaces && !targets.length) return releaseWorkspace(values, { stage, access, provenance })
  /** @type {Set<string>} */
  const warned = new Set()
  let staged = false
  const code = await eachPackage(values, targets, async (client, target, say) => {
    const source = target?.endsWith('.tgz') ? { tarball: target } : { folder: target }
    const options = { ...source, ...(values.tag && { tag: values.tag }), ...(access && { access }), ...provenance, dryRun: Boolean(values['dry-run']) }
    const r = await (stage ? client.stagePublish(options) : client.publish(options))
    staged ||= Boolean(r.stageId)
    // Warnings about the setup (a static token line, the registry) come once, not per package.
    for (const w of r.warnings.filter((w) => !warned.has(w))) {
      warned.add(w)
      if (!values.json) warn(w)
    }
    const how = r.tokenSource === 'oidc' ? 'through trusted publishing' : 'with your token'
    if (r.dryRun) say.out(`Would ${stage ? 'stage' : 'publish'} ${r.package}@${r.version} (tag ${r.tag})`)
    else say.out(stage ? `+ ${r.package}@${r.version} (staged with id ${r.stageId}, ${how})` : `+ ${r.package}@${r.version} (${how})`)
    reportProvenance(r, { stage, json: values.json, say })
    return r
  }, { workspaceTarget: (p) => p.path, none: '.', key: 'target', stage })
  if (staged && !values.json) out('Approve them with one 2FA: trust-native stage approve --workspaces (or stage approve <id...>)')
  return code
}

module.exports = { eachPackage, publishEach }
