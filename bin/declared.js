// @ts-check
'use strict'

// The trusted publishers a repository declares in its trust.json, as the registry would store
// them: what `trust-native doctor` and the semantic-release plugin compare a CI job's id_token
// with (in CI there is no maintainer token to list the registry's own configurations).

const tn = require('../main.js')

const { PROVIDERS } = require('./cli/providers.js')

/**
 * A declared publisher: its spec, and where it is declared (`source`, with its `label` when its
 * package has several; `declaredIn`: the file).
 * @typedef {import('../index').TrustSpec & { source: string, label?: string, declaredIn?: string }} DeclaredSpec
 * @typedef {import('../index').Finding} Finding
 */

/**
 * The specs of the trust.json at `path`, by package (a package may have several), each with its
 * `source`: `source`, or with the publisher's file when its package has several
 * (`trust.json (nightly.yml)`), so messages say which one they are about; and its `label`, the
 * publisher's file (`nightly.yml`, or `github #2` without one); `declaredIn`: `source`.
 * @param {string} path
 * @param {string} source
 */
async function declaredByPackage(path, source) {
  /** @type {Map<string, import('../index').TrustSpec[]>} */
  const read = new Map()
  for (const spec of await tn.readTrustConfig(path)) read.set(spec.package, [...(read.get(spec.package) ?? []), spec])
  /** @type {Map<string, DeclaredSpec[]>} */
  const declared = new Map()
  for (const [name, specs] of read) {
    declared.set(name, specs.map((spec, i) => {
      const label = spec.file ?? `${spec.type} #${i + 1}`
      return Object.assign(spec, { label, declaredIn: source, source: specs.length === 1 ? source : `${source} (${label})` })
    }))
  }
  return declared
}

/** A declared publisher in a sentence: its label (its file), then its other values. @param {DeclaredSpec} spec */
function describeDeclared(spec) {
  const options = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (spec))
  const values = (PROVIDERS[spec.type]?.fields ?? [])
    .filter((f) => f.option !== 'file' && options[f.option] !== undefined)
    .map((f) => `${f.option} ${[options[f.option]].flat().join(', ')}`)
  return `${spec.label}${values.length ? ` (${values.join(', ')})` : ''}`
}

/** The finding kinds that say a publisher is another provider, workflow or pipeline than the job's. */
const IDENTITY = new Set(['provider', 'file', 'projectId', 'pipelineDefinitionId', 'workflow'])

/**
 * A job's id_token compared with the publishers declared for one package (`specs`): the
 * `diagnosis`, the spec it `matched` or the `closest` one with its `differences`, the `others`,
 * and `change`: the closest is the job's own workflow and only values differ (an environment),
 * so those values are to change rather than another publisher to add. Each spec is compared as
 * the registry would store it (the core's `publisherOfSpec`), its `source` as its id.
 * @param {DeclaredSpec[]} specs
 * @param {Record<string, unknown>} claims
 * @param {string} [audience]
 */
function compareDeclared(specs, claims, audience) {
  const publishers = specs.map((spec) => tn.publisherOfSpec(spec, spec.source))
  const diagnosis = tn.diagnoseTrust({ claims, publishers, audience })
  /** @param {string | undefined} id */
  const byId = (id) => specs.find((s) => s.source === id)
  const differences = diagnosis.findings.filter((f) => f.publisher !== undefined && f.publisher === diagnosis.closest)
  const closest = diagnosis.matched ? undefined : byId(diagnosis.closest)
  return {
    diagnosis,
    matched: byId(diagnosis.matched),
    closest,
    differences,
    others: specs.filter((s) => s !== closest),
    change: differences.length > 0 && !differences.some((f) => IDENTITY.has(f.kind)),
  }
}

/**
 * `either set the environment to production in the workflow, or to staging in trust.json`: the
 * closest's differences as the values to change on one side or the other (`then`: what follows
 * a change of the declaration).
 * @param {Finding[]} differences
 * @param {string} where
 */
function changeAdvice(differences, where, then = '') {
  /** @param {(f: Finding) => string | undefined} value */
  const set = (value) => differences.map((f) => `the ${f.kind} to ${value(f) ?? '(none)'}`).join(' and ')
  return `either set ${set((f) => f.expected)} in the workflow, or ${set((f) => f.actual)} in ${where}${then}`
}

module.exports = { changeAdvice, compareDeclared, declaredByPackage, describeDeclared }
