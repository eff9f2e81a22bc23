'use strict'

// The trusted publishers a repository declares in its trust.json, as the registry would store
// them: what `trust-native doctor` and the semantic-release plugin compare a CI job's id_token
// with (in CI there is no maintainer token to list the registry's own configurations).

const tn = require('../main.js')

const PROVIDERS = Object.fromEntries(tn.trustProviders().map((p) => [p.type, p]))

/**
 * The specs of the trust.json at `path`, by package (a package may have several), each with its
 * `source`: `source`, or with the publisher's file when its package has several
 * (`trust.json (nightly.yml)`), so messages say which one they are about; and its `label`, the
 * publisher's file (`nightly.yml`, or `github #2` without one); `declaredIn`: `source`.
 */
async function declaredByPackage(path, source) {
  const declared = new Map()
  for (const spec of await tn.readTrustConfig(path)) declared.set(spec.package, [...(declared.get(spec.package) ?? []), spec])
  for (const specs of declared.values()) {
    specs.forEach((spec, i) => {
      spec.label = spec.file ?? `${spec.type} #${i + 1}`
      spec.declaredIn = source
      spec.source = specs.length === 1 ? source : `${source} (${spec.label})`
    })
  }
  return declared
}

/** A spec as the registry would store it, for diagnoseTrust (its id is its `source`): its claims, by the provider table. */
function asPublisher(spec) {
  const provider = PROVIDERS[spec.type]
  const claims = {}
  for (const field of provider?.fields ?? []) {
    const value = spec[field.option]
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue
    const [key, inner] = field.claim
    claims[key] = inner ? { [inner]: value } : value
  }
  // The permissions trust-native grants: publishing unless only stage publishing is asked for.
  const publish = spec.allowPublish ?? spec.allowStagePublish !== true
  const permissions = [publish && 'createPackage', spec.allowStagePublish && 'createStagedPackage'].filter(Boolean)
  return { id: spec.source, type: spec.type, permissions, claims }
}

/** A declared publisher in a sentence: its label (its file), then its other values. */
function describeDeclared(spec) {
  const values = (PROVIDERS[spec.type]?.fields ?? [])
    .filter((f) => f.option !== 'file' && spec[f.option] !== undefined)
    .map((f) => `${f.option} ${[].concat(spec[f.option]).join(', ')}`)
  return `${spec.label}${values.length ? ` (${values.join(', ')})` : ''}`
}

/** The finding kinds that say a publisher is another provider, workflow or pipeline than the job's. */
const IDENTITY = new Set(['provider', 'file', 'projectId', 'pipelineDefinitionId', 'workflow'])

/**
 * A job's id_token compared with the publishers declared for one package (`specs`): the
 * `diagnosis`, the spec it `matched` or the `closest` one with its `differences`, the `others`,
 * and `change`: the closest is the job's own workflow and only values differ (an environment),
 * so those values are to change rather than another publisher to add.
 */
function compareDeclared(specs, claims, audience) {
  const diagnosis = tn.diagnoseTrust({ claims, publishers: specs.map(asPublisher), audience })
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
 */
function changeAdvice(differences, where, then = '') {
  const set = (value) => differences.map((f) => `the ${f.kind} to ${value(f) ?? '(none)'}`).join(' and ')
  return `either set ${set((f) => f.expected)} in the workflow, or ${set((f) => f.actual)} in ${where}${then}`
}

module.exports = { PROVIDERS, asPublisher, changeAdvice, compareDeclared, declaredByPackage, describeDeclared }
