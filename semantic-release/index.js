// @ts-check
// trust-native/semantic-release: a semantic-release plugin whose verifyConditions step makes
// sure, before any version is created, that the packages will publish through npm trusted
// publishing. In CI it exchanges this job's id_token for each package, as `npm publish` will,
// and when the registry refuses, compares the token claim by claim with the configurations the
// repository declares (trust.json, or the `trust` option; a package may have several). Outside
// CI it checks that each package has a trusted publisher, and with `ensure` creates the ones
// declared. With `publish: true` or `stage: true` it also makes the release itself
// (release.js): published, or staged for a maintainer to approve, and channels' dist-tags moved,
// through trusted publishing in CI.
'use strict'

const { existsSync } = require('node:fs')
const { join, resolve } = require('node:path')
const tn = require('../main.js')
const { changeAdvice, compareDeclared, declaredByPackage, describeDeclared } = require('../bin/declared.js')
const { publishingNpmProblem } = require('./publishing-npm.js')
const { readCheckoutFile } = require('../bin/read-checkout.js')
const { PROVIDERS, configureCommand, keepsCiFile, optionFlags, repositoryOption } = require('../bin/cli/providers.js')
const { releaseSteps } = require('./release.js')

/**
 * @typedef {import('../bin/declared.js').DeclaredSpec} DeclaredSpec
 * @typedef {import('../index').TrustClient} TrustClient
 * @typedef {import('./index').PluginContext['logger']} Logger
 * @typedef {{ name: string, dir: string }} Package
 * @typedef {Partial<import('../index').TrustError> & { semanticRelease?: boolean }} Failure
 * @typedef {{ ensure: boolean, dryRun: boolean, otp?: string }} Settings
 */

/** An error semantic-release shows as its own: `code`, a one-line message, Markdown details. */
class TrustPluginError extends Error {
  /** @param {string} code @param {string} message @param {string} [details] */
  constructor(code, message, details) {
    super(message)
    this.name = 'SemanticReleaseError'
    this.code = code
    this.details = details
    this.semanticRelease = true
  }
}

/**
 * The plugin's own options; semantic-release also passes its global ones, which are left alone.
 * @param {import('./index').PluginConfig | undefined} config
 */
function readConfig(config) {
  const { pkgRoot = '.', workspaces = false, trust, ensure = false, publish = false, stage = false } = config ?? {}
  /** @param {string} option @param {string} what */
  const invalid = (option, what) => new TrustPluginError('EINVALIDINPUT', `The trust-native plugin option \`${option}\` must be ${what}.`)
  if (typeof pkgRoot !== 'string') throw invalid('pkgRoot', 'a folder')
  if (typeof workspaces !== 'boolean') throw invalid('workspaces', 'true or false')
  if (typeof ensure !== 'boolean') throw invalid('ensure', 'true or false')
  if (typeof publish !== 'boolean') throw invalid('publish', 'true or false')
  if (typeof stage !== 'boolean') throw invalid('stage', 'true or false')
  if (publish && stage) throw new TrustPluginError('EINVALIDINPUT', 'The trust-native plugin options `publish` and `stage` exclude each other: `stage: true` stages the release instead of publishing it.')
  if (trust !== undefined && typeof trust !== 'string' && (typeof trust !== 'object' || trust === null || Array.isArray(trust))) {
    throw invalid('trust', 'the path of a trust.json, or the options of the trusted publisher ({ type, repository, file, ... })')
  }
  return { pkgRoot, workspaces, trust, ensure, publish, stage }
}

/**
 * The packages the release publishes: every publishable workspace package, or pkgRoot's.
 * @param {{ pkgRoot: string, workspaces: boolean }} config
 * @param {string} cwd
 * @returns {Promise<Package[]>}
 */
async function packagesOf({ pkgRoot, workspaces }, cwd) {
  if (workspaces) {
    const { packages } = await tn.discoverWorkspacePackages(cwd)
    return packages.map((p) => ({ name: p.name, dir: p.path }))
  }
  const dir = resolve(cwd, pkgRoot)
  let manifest
  try {
    manifest = JSON.parse(readCheckoutFile(join(dir, 'package.json')))
  } catch (error) {
    throw new TrustPluginError('EINVALIDINPUT', `${join(dir, 'package.json')} cannot be read: ${/** @type {Error} */ (error).message}`)
  }
  // semantic-release's npm plugin does not publish private packages either.
  return manifest.private ? [] : [{ name: manifest.name, dir }]
}

/**
 * The trusted publishers the repository declares for each package, by name (a package may have
 * several): the `trust` option (a trust.json path, or publisher options for every package), else
 * trust.json in `cwd`. Each spec's `source` says where it comes from, and which one it is when
 * its package has several: `trust.json (nightly.yml)`.
 * @param {import('./index').PluginConfig['trust']} trust
 * @param {string} cwd
 * @param {Package[]} packages
 * @returns {Promise<Map<string, DeclaredSpec[]>>}
 */
async function declaredSpecs(trust, cwd, packages) {
  if (trust !== undefined && typeof trust !== 'string') {
    const { package: _, ...options } = /** @type {Partial<import('../index').TrustSpec>} */ (trust)
    return new Map(packages.map((p) => [p.name, [{ type: /** @type {const} */ ('github'), ...options, package: p.name, source: 'the trust option' }]]))
  }
  const path = resolve(cwd, trust ?? 'trust.json')
  if (trust === undefined && !existsSync(path)) return new Map()
  return declaredByPackage(path, trust ?? 'trust.json')
}

/** @param {unknown} value */
const shown = (value) => (value === undefined ? '(none)' : [value].flat().join(', '))

/**
 * Why the registry refused this job's id_token for `pkg`: the token and the declared
 * configuration (the closest, when several are declared) side by side, claim by claim, then the
 * first difference in words, and which others are declared.
 * @param {Package} pkg
 * @param {Failure} error
 * @param {Record<string, unknown>} claims
 * @param {DeclaredSpec[]} specs
 * @param {string} audience
 */
function explainRefusal(pkg, error, claims, specs, audience) {
  const { diagnosis, matched, closest: nearest, differences, others, change } = compareDeclared(specs, claims, audience)
  const declared = matched ?? nearest ?? specs[0]
  /** @type {Record<string, unknown>} */
  const token = diagnosis.suggestion ?? {}
  const provider = PROVIDERS[String(token.type ?? declared?.type)]
  const lines = []
  if (declared && provider) {
    const closest = specs.length > 1 && !diagnosis.matched ? `, the closest of the ${specs.length} it declares` : ''
    lines.push(`This job's id_token compared with the trusted publisher ${declared.source} declares for ${pkg.name}${closest}, claim by claim:`, '')
    for (const field of provider.fields) {
      const want = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (declared))[field.option]
      const has = token[field.option]
      if (want === undefined && has === undefined) continue
      const differs = want !== undefined && shown(want) !== shown(has)
      lines.push(`- ${field.flag}: the token has ${shown(has)}, the publisher ${want === undefined ? 'accepts any' : `wants ${shown(want)}`}${differs ? ' (differs)' : ''}`)
    }
    const first = diagnosis.findings.find((f) => f.severity === 'error' && f.kind !== 'publishers')
    lines.push('', first
      ? first.message
      : `The token matches what ${declared.source} declares, so the registry's configuration is not that one: \`trust-native plan\` (with a maintainer's token) shows the difference, \`trust-native apply\` fixes it.`)
    if (change && nearest) {
      const where = declared.declaredIn ?? declared.source
      const replace = declared.declaredIn ? ` and run \`trust-native apply --config ${where} --replace\`` : ''
      lines.push('', `It is this job's workflow file: ${changeAdvice(differences, where, replace)}.`)
    }
    if (specs.length > 1) lines.push('', `The other${others.length === 1 ? '' : 's'} it declares: ${others.map(describeDeclared).join('; ')}.`)
  } else {
    // What happened; the command below is the advice, in the plugin's words.
    lines.push(error.summary ?? error.message)
  }
  if (token.type && !change) {
    const { type, ...options } = token
    lines.push('', `This job publishes ${pkg.name} once its trusted publisher is: \`${configureCommand('trust-native', String(type), pkg.name, options)}\``)
  }
  return new TrustPluginError(
    'ETRUSTMISMATCH',
    `The registry refuses this job's id_token for ${pkg.name}: publishing it would fail.`,
    lines.join('\n'),
  )
}

/**
 * In CI: the exchange `npm publish` will make, made now for `pkg` (`specs`: its declared publishers).
 * @param {TrustClient} client @param {Package} pkg @param {DeclaredSpec[]} specs @param {Logger} logger
 */
async function verifyExchange(client, pkg, specs, logger) {
  const { registry } = await client.resolveConfig({ package: pkg.name, cwd: pkg.dir })
  const audience = `npm:${new URL(registry).hostname}`
  const idToken = await client.getIdToken({ audience })
  try {
    await client.exchangeToken({ package: pkg.name, cwd: pkg.dir, idToken: idToken.token })
  } catch (thrown) {
    const error = /** @type {Failure} */ (thrown)
    if (!['EOIDCEXCHANGE', 'EOIDCAUDIENCE', 'EOIDCEXPIRED'].includes(error.code ?? '')) throw error
    throw explainRefusal(pkg, error, error.claims ?? idToken.claims, specs, audience)
  }
  logger.log('%s: the registry exchanges this job\'s id_token for a publish token', pkg.name)
}

/**
 * Outside CI: `pkg` has a trusted publisher (with `ensure`, those declared are created), and the
 * workflow of each checks out.
 * @param {TrustClient} client
 * @param {Package} pkg
 * @param {DeclaredSpec[]} specs
 * @param {Settings} settings
 * @param {Logger} logger
 */
async function verifyConfigured(client, pkg, specs, { ensure, dryRun, otp }, logger) {
  const common = { package: pkg.name, cwd: pkg.dir, ...(otp && { otp }) }
  const publishers = await client.listPublishers(common)
  for (const publisher of publishers) {
    const provider = PROVIDERS[publisher.type]
    const options = /** @type {Record<string, string | string[] | undefined>} */ (/** @type {unknown} */ (publisher))
    const where = provider && repositoryOption(provider)
    logger.log('%s: trusted publisher %s %s %s', pkg.name, publisher.type, (where && options[where]) ?? '', publisher.file ?? '')
    // A CI file in the repository: the workflow (or pipeline) checked with the publisher's values.
    if (provider && keepsCiFile(provider)) {
      const values = Object.fromEntries(provider.fields.filter((f) => options[f.option]).map((f) => [f.option, options[f.option]]))
      const check = await client.checkWorkflow({ type: /** @type {'github' | 'gitlab'} */ (publisher.type), package: pkg.name, cwd: pkg.dir, ...values })
      for (const finding of check.findings) logger.warn('%s: %s %s', pkg.name, finding.message, finding.fix)
    }
  }
  if (publishers.length) return
  for (const declared of specs.length ? specs : [{}]) await addDeclared(client, pkg, declared, { ensure, dryRun, common }, logger)
}

/**
 * A declared publisher of a package that has none: created with `ensure`, else the command that would.
 * @param {TrustClient} client
 * @param {Package} pkg
 * @param {Partial<DeclaredSpec>} declared
 * @param {{ ensure: boolean, dryRun: boolean, common: { package: string, cwd: string, otp?: string } }} settings
 * @param {Logger} logger
 */
async function addDeclared(client, pkg, declared, { ensure, dryRun, common }, logger) {
  // Where it was declared (source, declaredIn, label) is for messages, not a publisher option.
  const { type = 'github', source, declaredIn, label, package: _, ...options } = declared
  if (!ensure) {
    throw new TrustPluginError(
      'ENOTRUSTEDPUBLISHER',
      `${pkg.name} has no trusted publisher: CI could not publish it.`,
      `Configure one with \`${configureCommand('npx trust-native', type, pkg.name, options)}\` (without \`--file\`, the workflow that publishes is found in the checkout), or set the plugin option \`ensure: true\`.`,
    )
  }
  // A declared spec's options, checked by the core against its provider's row.
  const added = await client.addPublisher(/** @type {Parameters<typeof client.addPublisher>[0]} */ ({ type, ...common, ...options, dryRun }))
  for (const warning of added.warnings) logger.warn('%s: %s', pkg.name, warning)
  logger.log('%s: trusted publisher %s %s', pkg.name, dryRun ? 'would be created:' : 'created:', optionFlags(type, added.options))
}

/**
 * What to do about a library error, in the words of a semantic-release user (its environment,
 * not the library's options), by the error's `hint`.
 */
/** @type {Record<string, (e: Failure) => string>} */
const ADVICE = {
  otp: () => 'The registry wants a one-time password: run semantic-release with `npm_config_otp=<code>` in the environment.',
  freshOtp: () => 'The one-time password was refused: run semantic-release again with a fresh `npm_config_otp=<code>`.',
  token: () => 'Give the registry\'s token as npm does: an `_authToken` line in .npmrc (`npm login` writes one), or NPM_TOKEN.',
  bindToken: () => 'NPM_TOKEN goes only to the public registry, or to the registry the user\'s own .npmrc names, unless a line binds it (a line in the project .npmrc does not): add `//<registry host>/:_authToken=${NPM_TOKEN}` to the .npmrc of the user that runs semantic-release.',
}

/**
 * A library error as semantic-release shows errors, in the plugin's words where they differ.
 * @param {unknown} thrown
 * @param {Package} [pkg]
 * @returns {Error}
 */
function asPluginError(thrown, pkg) {
  const error = /** @type {Failure} */ (thrown)
  if (error.semanticRelease) return /** @type {Error} */ (thrown)
  // With a hint, `summary` is what happened without the library's advice (its options).
  const said = error.hint && error.summary ? error.summary : error.message
  const details = error.hint && Object.hasOwn(ADVICE, error.hint) ? ADVICE[error.hint](error) : undefined
  return new TrustPluginError(error.code ?? 'ETRUSTNATIVE', pkg ? `${pkg.name}: ${said}` : String(said), details)
}

/**
 * semantic-release's verifyConditions step: fails the release, before any version is created,
 * when a package would not publish through trusted publishing.
 * @param {import('./index').PluginConfig} pluginConfig
 * @param {import('./index').PluginContext} context
 */
async function verifyConditions(pluginConfig, context) {
  const { cwd = process.cwd(), env = process.env, logger } = context
  const config = readConfig(pluginConfig)
  const client = new tn.TrustClient({ cwd, env: /** @type {Record<string, string>} */ (env) })
  let packages, declared
  try {
    packages = await packagesOf(config, cwd)
    declared = await declaredSpecs(config.trust, cwd, packages)
  } catch (error) {
    throw asPluginError(error)
  }
  const inCi = context.envCi?.isCi ?? Boolean(env.CI)
  const settings = {
    ensure: config.ensure,
    dryRun: Boolean(context.options?.dryRun),
    otp: env.npm_config_otp ?? env.NPM_CONFIG_OTP,
  }
  /** @type {Error[]} */
  const failures = []
  const npm = publishingNpmProblem({ cwd, env, options: context.options })
  if (npm) failures.push(new TrustPluginError('ENPMVERSION', npm.message, npm.details))
  for (const pkg of packages) {
    try {
      if (inCi) await verifyExchange(client, pkg, declared.get(pkg.name) ?? [], logger)
      else await verifyConfigured(client, pkg, declared.get(pkg.name) ?? [], settings, logger)
    } catch (error) {
      failures.push(asPluginError(error, pkg))
    }
  }
  if (failures.length === 1) throw failures[0]
  if (failures.length) throw new AggregateError(failures, `${failures.length} packages cannot publish through trusted publishing`)
}

module.exports = { verifyConditions, ...releaseSteps({ readConfig, packagesOf, TrustPluginError, asPluginError }) }
