// @ts-check
'use strict'

// Provenance in publish and stage publish: npm's --provenance and --provenance-file, and what
// the CLI says of the statement a publish signed.

const { UsageError } = require('./errors.js')
const { warn } = require('./output.js')

/** @satisfies {import('./flags.js').Flags} */
const PROVENANCE_FLAGS = {
  provenance: { type: 'boolean', help: 'Sign provenance in GitHub Actions or GitLab CI/CD whatever npm would do (default: as npm, for a trusted publish from a public repository of a public package)' },
  'no-provenance': { type: 'boolean', help: 'Publish without provenance' },
  'provenance-file': { type: 'string', help: 'Attach this Sigstore bundle, made elsewhere, as the provenance' },
  'fulcio-url': { type: 'string', help: 'The Fulcio to sign with (default: https://fulcio.sigstore.dev)' },
  'rekor-url': { type: 'string', help: 'The Rekor to log in (default: https://rekor.sigstore.dev)' },
}

/**
 * The library's provenance options for those flags.
 * @param {import('./flags.js').Values} values
 */
function provenanceOptions(values) {
  const given = ['provenance', 'no-provenance', 'provenance-file'].filter((f) => values[f] !== undefined)
  if (given.length > 1) throw new UsageError(`Give one of --${given.join(', --')}`)
  const text = (/** @type {string} */ flag) => /** @type {string | undefined} */ (values[flag])
  return {
    ...(values.provenance && { provenance: true }),
    ...(values['no-provenance'] && { provenance: false }),
    ...(text('provenance-file') && { provenanceFile: text('provenance-file') }),
    ...(text('fulcio-url') && { fulcioUrl: text('fulcio-url') }),
    ...(text('rekor-url') && { rekorUrl: text('rekor-url') }),
  }
}

/**
 * Says what a publish did with provenance: where it is logged, or (a warning, not in --json)
 * that npm would have attached some and this publish did not.
 * @param {import('../../index').PublishResult} r
 * @param {{ stage: boolean, json?: boolean, say: import('./each-package.js').Say }} how
 */
function reportProvenance(r, { stage, json, say }) {
  const log = r.provenance.attached?.transparencyLog
  if (log) say.out(`  provenance logged at ${log.url}`)
  else if (!stage && !r.dryRun && r.provenance.wouldAttach && !json) warn(`${r.package}: published without provenance (--no-provenance)`)
}

module.exports = { PROVENANCE_FLAGS, provenanceOptions, reportProvenance }
