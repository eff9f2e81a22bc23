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
 * publisher's file (`nightly.yml`, or `github #2` without one).
 */
async function declaredByPackage(path, source) {
  const declared = new Map()
  for (const spec of await tn.readTrustConfig(path)) declared.set(spec.package, [...(declared.get(spec.package) ?? []), spec])
  for (const specs of declared.values()) {
    specs.forEach((spec, i) => {
      spec.label = spec.file ?? `${spec.type} #${i + 1}`
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

module.exports = { PROVIDERS, asPublisher, declaredByPackage }
