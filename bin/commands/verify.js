// @ts-check
'use strict'

// `trust-native verify <name>@<version>`: was this version built by the workflow we trust?

const { readFileSync } = require('node:fs')
const tn = require('../..')
const { EXIT, UsageError } = require('../cli/errors.js')
const { COMMON, common } = require('../cli/flags.js')
const { out } = require('../cli/output.js')

/**
 * `name@version` (a scope's `@` is not the separator), or null.
 * @param {string | undefined} spec
 */
function parseSpec(spec) {
  const at = spec?.lastIndexOf('@') ?? -1
  return spec && at > 0 && at < spec.length - 1 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : null
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native verify <name>@<version> [--repository <owner/repo>] [--workflow <file>] [--ref <ref>] [--trusted-root <file>] [--json]',
  summary: 'Verify a version\'s provenance and say whether one of the package\'s trusted publishers (or the workflow you expect) built it',
  flags: {
    ...COMMON,
    repository: { type: 'string', help: 'Expect this repository (owner/repo) to have built it, instead of reading the trusted publishers (which needs 2FA)' },
    workflow: { type: 'string', help: 'Expect this CI file (release.yml) to have built it' },
    ref: { type: 'string', help: 'Expect this ref (refs/heads/main, refs/tags/v1.2.0)' },
    'trusted-root': { type: 'string', help: 'A Sigstore TrustedRoot JSON file to verify with (default: Sigstore\'s public one, as npm)' },
  },
  async run(values, [spec, ...extra]) {
    const parsed = parseSpec(spec)
    if (!parsed || extra.length) throw new UsageError('Name one version: trust-native verify <name>@<version>')
    /** @type {Record<string, string>} */
    const expect = {}
    for (const key of ['repository', 'workflow', 'ref']) {
      const value = values[key]
      if (typeof value === 'string') expect[key] = value
    }
    const root = values['trusted-root']
    const result = await tn.verifyProvenance({
      ...common(values),
      package: parsed.name,
      version: parsed.version,
      ...(Object.keys(expect).length && { expect }),
      ...(typeof root === 'string' && { trustedRoot: JSON.parse(readFileSync(root, 'utf8')) }),
    })
    if (values.json) {
      out(JSON.stringify(result, null, 2))
    } else {
      out(result.reason)
      const { signer, transparencyLog } = result
      if (signer.commit) out(`  commit ${signer.commit}${signer.trigger ? ` (${signer.trigger})` : ''}`)
      if (signer.run) out(`  run ${signer.run}`)
      if (transparencyLog) out(`  transparency log ${transparencyLog.url}`)
    }
    return result.trusted ? EXIT.ok : EXIT.failed
  },
}
