'use strict'

// Provenance in the CLI: publish's and stage publish's flags (npm's --provenance and
// --provenance-file), and `trust-native verify <name>@<version>`: was this version built by the
// workflow we trust? The command is built from the CLI's shared pieces (flags, output).

const { readFileSync } = require('node:fs')

/** publish's and stage publish's provenance flags (npm's --provenance, --provenance-file). */
const PROVENANCE_FLAGS = {
  provenance: { type: 'boolean', help: 'Sign provenance in GitHub Actions or GitLab CI/CD whatever npm would do (default: as npm, for a trusted publish from a public repository of a public package)' },
  'no-provenance': { type: 'boolean', help: 'Publish without provenance' },
  'provenance-file': { type: 'string', help: 'Attach this Sigstore bundle, made elsewhere, as the provenance' },
  'fulcio-url': { type: 'string', help: 'The Fulcio to sign with (default: https://fulcio.sigstore.dev)' },
  'rekor-url': { type: 'string', help: 'The Rekor to log in (default: https://rekor.sigstore.dev)' },
}

/** The library's provenance options for those flags. */
function provenanceOptions(values, UsageError) {
  const given = ['provenance', 'no-provenance', 'provenance-file'].filter((f) => values[f] !== undefined)
  if (given.length > 1) throw new UsageError(`Give one of --${given.join(', --')}`)
  return {
    ...(values.provenance && { provenance: true }),
    ...(values['no-provenance'] && { provenance: false }),
    ...(values['provenance-file'] && { provenanceFile: values['provenance-file'] }),
    ...(values['fulcio-url'] && { fulcioUrl: values['fulcio-url'] }),
    ...(values['rekor-url'] && { rekorUrl: values['rekor-url'] }),
  }
}

/** `name@version` (a scope's `@` is not the separator), or null. */
function parseSpec(spec) {
  const at = spec?.lastIndexOf('@') ?? -1
  return at > 0 && at < spec.length - 1 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : null
}

/** The command, built with the CLI's `{ tn, COMMON, common, out, EXIT, UsageError }`. */
function verifyCommand({ tn, COMMON, common, out, EXIT, UsageError }) {
  return {
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
      const expect = Object.fromEntries(['repository', 'workflow', 'ref'].filter((k) => values[k] !== undefined).map((k) => [k, values[k]]))
      const result = await tn.verifyProvenance({
        ...common(values),
        package: parsed.name,
        version: parsed.version,
        ...(Object.keys(expect).length && { expect }),
        ...(values['trusted-root'] && { trustedRoot: JSON.parse(readFileSync(values['trusted-root'], 'utf8')) }),
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
}

module.exports = { PROVENANCE_FLAGS, parseSpec, provenanceOptions, verifyCommand }
