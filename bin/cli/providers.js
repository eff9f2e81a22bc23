// @ts-check
'use strict'

// The provider commands' flags and options, from the core's provider tables (trustProviders()).

const tn = require('../..')

/**
 * @typedef {import('../../index').TrustProvider} TrustProvider
 * @typedef {import('./flags.js').Flags} Flags
 * @typedef {import('./flags.js').Values} Values
 */

/** The provider tables, by `type`. @type {Record<string, TrustProvider>} */
const PROVIDERS = Object.fromEntries(tn.trustProviders().map((p) => [p.type, p]))

/**
 * Whether the provider's CI file lives in the repository (a workflow, a pipeline file): it is
 * checked (--strict), and inferred from the checkout when not given.
 * @param {TrustProvider} provider
 */
const keepsCiFile = (provider) => provider.ciFile !== null

/**
 * The option naming the repository a provider's publisher is for (repository, project,
 * vcsOrigin), as the provider's row says.
 * @param {TrustProvider} provider
 */
const repositoryOption = (provider) => provider.repository

/**
 * Whether a field need not be given: its row says where its value comes from (package.json, the
 * checkout).
 * @param {import('../../index').ProviderField} field
 */
const inferred = (field) => field.default !== null

/**
 * The flags of a provider, from its table: each field's flag, and its aliases (hidden).
 * @param {TrustProvider} provider
 */
function providerFlags(provider) {
  /** @type {Flags} */
  const flags = {}
  for (const field of provider.fields) {
    const note = inferred(field) ? ` (default: ${field.default})` : field.required ? ' (required)' : ''
    flags[field.flag] = { type: 'string', multiple: field.list, help: field.help + note }
  }
  for (const field of provider.fields) {
    for (const alias of field.aliases) {
      if (!flags[alias]) flags[alias] = { type: 'string', multiple: field.list, help: `Alias of --${field.flag}`, hidden: true, aliasOf: field.flag }
    }
  }
  return flags
}

/**
 * Provider options from parsed flags: each field's flag, or an alias of it.
 * @param {TrustProvider} provider
 * @param {Values} values
 */
function providerOptions(provider, values) {
  /** @type {Record<string, string | boolean | string[]>} */
  const options = {}
  for (const field of provider.fields) {
    const value = [field.flag, ...field.aliases].map((flag) => values[flag]).find((v) => v !== undefined)
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
  /** @type {Record<string, [string, import('./flags.js').Flag][]>} */
  const byFlag = {}
  for (const provider of Object.values(PROVIDERS)) {
    for (const [name, spec] of Object.entries(providerFlags(provider))) (byFlag[name] ??= []).push([provider.type, spec])
  }
  /** @type {Flags} */
  const flags = {}
  for (const [name, specs] of Object.entries(byFlag)) {
    const shown = specs.filter(([, spec]) => !spec.hidden)
    flags[name] = shown.length
      ? { ...shown[0][1], help: shown.map(([type, spec]) => `${type}: ${spec.help}`).join('; ') }
      : specs[0][1]
  }
  return flags
}

/** A value as one shell word. @param {unknown} value */
const shellWord = (value) => (/^[\w./@:+=,-]+$/.test(String(value)) ? String(value) : `'${String(value).replaceAll("'", "'\\''")}'`)

/**
 * `--repository acme/widgets --file release.yml`: publisher options as the flags of their
 * provider's command, in its table's order, a list's values one flag each, each value one shell
 * word.
 * @param {string} type
 * @param {Record<string, unknown>} options
 */
function optionFlags(type, options) {
  const fields = PROVIDERS[type]?.fields ?? []
  return fields.flatMap((f) => [options[f.option] ?? []].flat().map((v) => `--${f.flag} ${shellWord(v)}`)).join(' ')
}

/**
 * `trust-native github widgets --repository acme/widgets --file release.yml`: the command that
 * configures a publisher, as a user can paste it (`cli`: how the user runs trust-native).
 * @param {string} cli
 * @param {string} type
 * @param {string | undefined} pkg
 * @param {Record<string, unknown>} options
 */
const configureCommand = (cli, type, pkg, options) => [cli, type, pkg === undefined ? '<package>' : shellWord(pkg), optionFlags(type, options)].filter(Boolean).join(' ')

module.exports = { PROVIDERS, keepsCiFile, repositoryOption, inferred, providerFlags, providerOptions, allProviderFlags, optionFlags, configureCommand, shellWord }
