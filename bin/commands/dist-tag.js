// @ts-check
'use strict'

// `trust-native dist-tag`: npm dist-tag; in CI through trusted publishing.

const tn = require('../..')
const { EXIT, UsageError } = require('../cli/errors.js')
const { COMMON, WRITE, common } = require('../cli/flags.js')
const { out, warn } = require('../cli/output.js')

/** npm dist-tag's verbs and their aliases. */
const DIST_TAG_VERBS = Object.fromEntries([
  ...['add', 'a', 'set', 's'].map((v) => [v, 'add']),
  ...['rm', 'r', 'del', 'd', 'remove'].map((v) => [v, 'rm']),
  ...['ls', 'l', 'sl', 'list'].map((v) => [v, 'ls']),
])

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native dist-tag add <package>@<version> [<tag>] | rm <package> <tag> | ls [<package>]',
  summary: 'A package\'s dist-tags (npm dist-tag); in CI through trusted publishing, as npm 12 does, saying why when the exchange is refused',
  flags: { ...COMMON, 'dry-run': WRITE['dry-run'] },
  async run(values, [verb, spec, tag]) {
    const options = { ...common(values), dryRun: Boolean(values['dry-run']) }
    // npm's verbs and their aliases; `dist-tag <package>` lists.
    const kind = DIST_TAG_VERBS[verb] ?? (verb && !spec ? 'ls' : undefined)
    if (!kind) throw new UsageError(`Expected add, rm or ls, not "${verb ?? ''}"`)
    if (kind === 'ls') {
      const pkg = DIST_TAG_VERBS[verb] ? spec : verb
      const { dryRun, ...rest } = options
      const tags = await tn.listDistTags({ ...rest, ...(pkg && { package: pkg }) })
      if (values.json) out(JSON.stringify(tags, null, 2))
      else out(Object.entries(tags).map(([k, v]) => `${k}: ${v}`).sort().join('\n'))
      return EXIT.ok
    }
    let result
    if (kind === 'add') {
      const at = spec?.lastIndexOf('@') ?? -1
      if (at <= 0) throw new UsageError('dist-tag add needs <package>@<version> [<tag>]')
      result = await tn.addDistTag({ ...options, package: spec.slice(0, at), version: spec.slice(at + 1), ...(tag && { tag }) })
    } else {
      if (!spec || !tag) throw new UsageError('dist-tag rm needs <package> <tag>')
      result = await tn.removeDistTag({ ...options, package: spec, tag })
    }
    if (values.json) {
      out(JSON.stringify(result, null, 2))
      return EXIT.ok
    }
    for (const w of result.warnings) warn(w)
    const sign = kind === 'add' ? '+' : '-'
    if (result.dryRun) out(`Would send ${result.request?.method} ${result.request?.url}`)
    else if (result.changed !== false) out(`${sign}${result.tag}: ${result.package}@${result.version}`)
    return EXIT.ok
  },
}
