// @ts-check
'use strict'

// The provider commands' flags and options, from the core's provider tables (trustProviders()).

const tn = require('../..')

const PROVIDERS = Object.fromEntries(tn.trustProviders().map((p) => [p.type, p]))

const ADD = { github: tn.addGithubPublisher, gitlab: tn.addGitlabPublisher, circleci: tn.addCircleciPublisher }

/** Providers whose CI file lives in the repository: it is checked, and inferred when not given. */
const CHECKED = new Set(['github', 'gitlab'])

/** Whether a field need not be given: package.json says the repository, the checkout the file. */
const inferred = (provider, field) => field.option === provider.entity || (field.option === 'file' && CHECKED.has(provider.type))

/** The flags of a provider, from its table; the repository-like option also answers to --repo. */
function providerFlags(provider) {
  const flags = {}
  for (const field of provider.fields) {
    const note = field.option === 'file' && CHECKED.has(provider.type)
      ? ' (default: the one that publishes the package)'
      : field.required && !inferred(provider, field) ? ' (required)' : ''
    flags[field.flag] = { type: 'string', multiple: field.list, help: field.help + note }
  }
  if (provider.entity) {
    for (const alias of ['repo', 'repository']) {
      if (!flags[alias]) flags[alias] = { type: 'string', help: `Alias of --${provider.entity}`, hidden: true }
    }
  }
  if (flags.environment) flags.env = { type: 'string', help: 'Alias of --environment', hidden: true }
  return flags
}

/** Provider options from parsed flags: each field's flag, or an alias of it. */
function providerOptions(provider, values) {
  const options = {}
  for (const field of provider.fields) {
    let value = values[field.flag]
    if (value === undefined && field.option === provider.entity) value = values.repo ?? values.repository
    if (value === undefined && field.option === 'environment') value = values.env
    if (value !== undefined) options[field.option] = value
  }
  return options
}

/**
 * Every provider's flags, for commands that take `--type`: a flag that several providers have
 * says what it means for each (`--file` is a workflow for github, a pipeline file for gitlab),
 * and one provider's alias never hides another's flag (`--repository`).
 */
function allProviderFlags() {
  const byFlag = {}
  for (const provider of Object.values(PROVIDERS)) {
    for (const [name, spec] of Object.entries(providerFlags(provider))) (byFlag[name] ??= []).push([provider.type, spec])
  }
  const flags = {}
  for (const [name, specs] of Object.entries(byFlag)) {
    const shown = specs.filter(([, spec]) => !spec.hidden)
    flags[name] = shown.length
      ? { ...shown[0][1], help: shown.map(([type, spec]) => `${type}: ${spec.help}`).join('; ') }
      : specs[0][1]
  }
  return flags
}

module.exports = { PROVIDERS, ADD, CHECKED, inferred, providerFlags, providerOptions, allProviderFlags }
