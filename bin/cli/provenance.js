// @ts-check
'use strict'

// Provenance in publish and stage publish: npm's --provenance and --provenance-file, and what
// the CLI says of the statement a publish signed.

const { UsageError } = require('./errors.js')

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
 * What to say of a publish's provenance: where it is logged, or (as a warning) that npm would
 * have attached some and this publish did not.
 * @param {import('../../index').PublishResult} r
 * @param {boolean} stage
 * @returns {{ line?: string, warning?: string }}
 */
function provenanceNote(r, stage) {
  const log = r.provenance.attached?.transparencyLog
  if (log) return { line: `  provenance logged at ${log.url}` }
  if (!stage && !r.dryRun && r.provenance.wouldAttach) return { warning: `${r.package}: published without provenance (--no-provenance)` }
  return {}
}

module.exports = { PROVENANCE_FLAGS, provenanceOptions, provenanceNote }
