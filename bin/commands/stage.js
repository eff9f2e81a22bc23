// @ts-check
'use strict'

// `trust-native stage`: npm stage (publish, list, view, approve, reject, download).

const { relative } = require('node:path')
const tn = require('../..')
const { EXIT, UsageError, describeError } = require('../cli/errors.js')
const { publishEach } = require('../cli/each-package.js')
const { COMMON, WRITE, common } = require('../cli/flags.js')
const { count, err, out, warn } = require('../cli/output.js')
const { confirm } = require('../cli/prompt.js')
const { PROVENANCE_FLAGS } = require('../cli/provenance.js')
const { recordTag } = require('../cli/workspace-release.js')

/**
 * @typedef {import('../../index').StagedPackage} StagedPackage
 * @typedef {import('../cli/flags.js').Values} Values
 */

/**
 * A stage id given, checked as npm's `validateUUID` does (the core's rule) before anything is
 * sent. What was given is not echoed.
 * @param {string | undefined} id
 */
function stageId(id) {
  if (!id) throw new UsageError('Missing required <stage-id>')
  if (!tn.isUuid(id)) throw new UsageError('stage-id must be a valid UUID')
  return id
}

/** npm's `logStageItem`: one `key: value` line per field. @param {StagedPackage} item */
function printStaged(item) {
  const { id, packageName, version, tag, createdAt, actor, actorType, shasum, ...rest } = item
  const values = {
    id,
    'package name': packageName,
    version,
    tag,
    'date staged': createdAt,
    'staged by': actorType ? `${actor} (${actorType})` : actor,
    shasum,
    ...rest,
  }
  out(Object.entries(values).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}: ${v}`).join('\n'))
}

/** @param {Partial<StagedPackage>} item */
const label = (item) => `${item.packageName}@${item.version}${item.tag ? ` (${item.tag})` : ''}`

/**
 * The staged versions of the packages --workspaces and --package name, oldest first (two
 * versions of a package are approved in the order they were staged).
 * @param {Values} values
 */
async function stagedOf(values) {
  const names = new Set(values.package ?? [])
  if (values.workspaces) {
    for (const p of (await tn.discoverWorkspacePackages(process.cwd())).packages) names.add(p.name)
  }
  const all = await tn.listStaged(common(values))
  return all.filter((item) => names.has(item.packageName)).reverse()
}

/** @type {Record<string, (values: Values, args: string[]) => Promise<number>>} */
const STAGE = {
  /** `stage publish`: see `publishEach`. No 2FA is asked: that is the approval's. */
  publish: (values, targets) => publishEach(values, targets, { stage: true }),

  async list(values, [pkg]) {
    if (pkg && pkg.lastIndexOf('@') > 0) throw new UsageError('Version specifiers are not supported for listing staged packages')
    const items = await tn.listStaged({ ...common(values), ...(pkg && { package: pkg }) })
    if (values.json) {
      out(JSON.stringify(items, null, 2))
    } else if (!items.length) {
      out(pkg ? `No staged versions of package name "${pkg}".` : 'No staged packages found.')
    } else {
      items.forEach((item, i) => {
        if (i > 0) out()
        printStaged(item)
      })
    }
    return EXIT.ok
  },

  async view(values, [id]) {
    const item = await tn.viewStaged({ ...common(values), id: stageId(id) })
    if (values.json) out(JSON.stringify(item, null, 2))
    else printStaged(item)
    return EXIT.ok
  },

  async reject(values, [id]) {
    stageId(id)
    if (!values.json) warn('Rejecting will permanently delete this staged publish record and tarball from the registry.')
    const result = await tn.rejectStaged({ ...common(values), id, dryRun: Boolean(values['dry-run']) })
    if (values.json) out(JSON.stringify(result, null, 2))
    else out(result.dryRun ? `Would reject staged package ${id}.` : `Staged package ${id} has been rejected.`)
    return EXIT.ok
  },

  async download(values, [id]) {
    const result = await tn.downloadStaged({ ...common(values), id: stageId(id), ...(values.file && { file: values.file }) })
    if (values.json) out(JSON.stringify(result, null, 2))
    else out(relative(process.cwd(), result.file) || result.file)
    return EXIT.ok
  },

  /**
   * `approve <id...>`, or every staged version of the workspace's packages (--workspaces) or of
   * the packages named (--package): one after the other, with one 2FA. The first approval asks
   * (or uses --otp); the code is reused by the next ones, and asked again only if the registry
   * refuses it (expired).
   */
  async approve(values, ids) {
    const bulk = Boolean(values.workspaces || values.package?.length)
    if (bulk && ids.length) throw new UsageError('Give stage ids, or --workspaces / --package, not both')
    if (!bulk && !ids.length) throw new UsageError('Missing required <stage-id>')
    ids.forEach(stageId)
    const dryRun = Boolean(values['dry-run'])
    if (ids.length === 1) {
      const result = await tn.approveStaged({ ...common(values), id: ids[0], dryRun })
      if (values.json) out(JSON.stringify(result, null, 2))
      else out(dryRun ? `Would approve staged package ${ids[0]}.` : `Staged package ${ids[0]} approved and published successfully.`)
      return EXIT.ok
    }
    /** @type {({ id: string } & Partial<StagedPackage>)[]} */
    const targets = bulk ? await stagedOf(values) : ids.map((id) => ({ id }))
    if (!targets.length) {
      if (values.json) out('[]')
      else out('No staged versions of these packages.')
      return EXIT.ok
    }
    if (bulk && !values.json) {
      out(`${dryRun ? 'Would approve' : 'Approving'} ${count(targets.length, 'staged version')}:`)
      for (const t of targets) out(`  ${label(t)} ${t.id}`)
    }
    if (bulk && !dryRun) await confirm(values)
    // One onOtp for the run: what it obtains is reused by the next calls.
    const options = common(values)
    /** @type {{ id: string, status: 'approved' | 'dryRun' | 'failed' | 'skipped', request?: unknown, error?: { code?: string, message: string } }[]} */
    const results = []
    for (const t of targets) {
      const shown = t.packageName ? label(t) : t.id
      // Without 2FA nothing else can be approved: the rest are not tried (nor asked for again).
      if (results.some((r) => r.error?.code === 'EOTP')) {
        results.push({ id: t.id, status: 'skipped' })
        continue
      }
      try {
        const { request } = await tn.approveStaged({ ...options, id: t.id, dryRun })
        results.push({ id: t.id, status: dryRun ? 'dryRun' : 'approved', request })
        if (!values.json) out(dryRun ? `Would approve ${shown}.` : `Approved ${shown}: staged package ${t.id} published.`)
        // Published now: changesets/action creates its git tag from this, as after publish --workspaces.
        if (!dryRun && t.packageName && t.version) recordTag(t.packageName, t.version, { out: values.json ? () => {} : out, err })
      } catch (error) {
        const { code } = /** @type {import('../cli/errors.js').Failure} */ (error)
        results.push({ id: t.id, status: 'failed', error: { code, message: describeError(error) } })
        if (!values.json) err(`failed ${shown}: ${code} ${describeError(error)}`)
      }
    }
    /** @param {string} status */
    const tally = (status) => results.filter((r) => r.status === status).length
    if (values.json) out(JSON.stringify(results, null, 2))
    else if (!dryRun) out(`Approved ${tally('approved')} of ${count(targets.length, 'staged version')}${tally('failed') ? `, ${tally('failed')} failed` : ''}${tally('skipped') ? `, ${tally('skipped')} not tried` : ''}.`)
    return results.every((r) => r.status === 'approved' || r.status === 'dryRun') ? EXIT.ok : EXIT.failed
  },
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native stage publish [folder|tarball...] [--workspaces] [--tag <tag>] [--access public|restricted] | list [package] | view <id> | approve <id...> | approve --workspaces | approve --package <name> | reject <id> | download <id> [--file <file>]',
  summary: 'Staged publishing: stage versions (in CI through trusted publishing), list, view, approve (publish), reject, download (npm stage)',
  flags: {
    ...COMMON,
    ...PROVENANCE_FLAGS,
    ...WRITE,
    workspaces: { type: 'boolean', help: 'publish: each package of the workspace whose version is not on the registry, dependencies first; approve: every staged version of the workspace\'s packages, with one 2FA' },
    tag: { type: 'string', help: 'publish: the dist-tag the version gets once approved (default: publishConfig.tag, else latest)' },
    access: { type: 'string', help: 'publish: public or restricted (default: publishConfig.access, else the registry\'s default)' },
    package: { type: 'string', multiple: true, help: 'approve: every staged version of this package, with one 2FA' },
    file: { type: 'string', help: 'download: the file to write (default: npm\'s name, in the current folder)' },
  },
  async run(values, [verb, ...args]) {
    const run = Object.hasOwn(STAGE, verb ?? '') ? STAGE[verb] : undefined
    if (!run) throw new UsageError(`Expected publish, list, view, approve, reject or download, not "${verb ?? ''}"`)
    return run(values, args)
  },
}
