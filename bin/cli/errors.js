// @ts-check
'use strict'

// Exit codes, command-line errors, and the library's errors in the CLI's words.

const tn = require('../..')
const { unattended } = require('./ci.js')
const { configureCommand, optionFlags, shellWord } = require('./providers.js')

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 }

/** `plan --exit-code`: a drift check's answer. */
const DRIFT = { inSync: 0, changes: 1, errors: 2 }

/**
 * A command line that cannot run: the message says why, the command's help follows (exit 2),
 * unless `withHelp` is false (the message names the one flag to add: the usage text would bury it).
 */
class UsageError extends Error {
  /** @param {string} message @param {{ withHelp?: boolean }} [options] */
  constructor(message, { withHelp = true } = {}) {
    super(message)
    this.withHelp = withHelp
  }
}

/**
 * An error as the CLI reads it: the library's (a TrustError, or the `error` of a plan entry or
 * a result), or any other thrown value.
 * @typedef {Partial<import('../../index').TrustError>} Failure
 */

/**
 * What to do about an error, in the CLI's words (the library's messages name its options and
 * functions), by the error's `hint`; `pkg` is the package the command is about, if known, and
 * `how.stage` says the command stages (the publisher it needs must allow stage publishing).
 * @type {Record<string, (e: Failure, pkg?: string, how?: How) => string>}
 */
const ADVICE = {
  otp: (e) => unattended()
    ? 'To publish, use trusted publishing instead: the workflow needs `id-token: write` and the package a trusted publisher (`trust-native doctor` in the job says what is missing); or pass --otp <code>.'
    : e.authUrl
      ? `Approve it in a browser at ${e.authUrl} and run the command again, or pass --otp <code> from your authenticator.`
      : 'Pass --otp <code> from your authenticator, or run the command again to be asked (in a terminal, or with the code piped to it).',
  freshOtp: () => (unattended() ? 'Pass a fresh code with --otp.' : 'Pass a fresh code with --otp, or leave --otp out to be asked.'),
  token: () => 'Run `npm login` (with --registry for another registry), or set NPM_TOKEN.',
  bindToken: () => 'Name the registry yourself with --registry <url>, or bind the token to it in your user .npmrc (an `_authToken` line for the registry).',
  listPublishers: (e, pkg) => `\`${['trust-native list', pkg].filter(Boolean).join(' ')}\` shows the package's configurations, with their ids.`,
  revokeFirst: (e, pkg = '<package>') =>
    `Revoke one first (\`trust-native list ${pkg}\` shows their ids, \`trust-native revoke ${pkg} --id <id>\` removes one), or let \`trust-native apply --replace\` replace a changed one.`,
  timeout: () => 'Check your network, or allow more time with --timeout <ms> if the registry is slow.',
  webAuthTimeout: () => 'Run the command again and approve in time, or pass --otp <code>.',
  insecure: () => "Use the registry's https URL (--registry https://...).",
  file: () => 'Pass --file <name>: the workflow (or CI configuration) file the registry should trust.',
  claim: (e, pkg, how) => {
    // Refused in CI: the claim can configure the publisher this job needs in the same run.
    const needs = neededPublisher(e.claims, pkg)
    const { type, ...options } = needs ?? {}
    // A staging job's publisher must allow it: not every registry grants it by default.
    const permission = how?.stage ? '--allow-stage-publish' : ''
    const command = needs ? ['trust-native claim', shellWord(pkg ?? ''), `--type ${type}`, optionFlags(String(type), options), permission].filter(Boolean).join(' ') : ['trust-native claim', pkg].filter(Boolean).join(' ')
    return `\`${command}\` (by a maintainer, with their token) publishes a placeholder version to create it${needs ? ' and configures the trusted publisher this job needs' : ''} (\`claim --workspaces\` for every package that needs it).`
  },
  listTokens: () => '`trust-native tokens` lists your tokens, each with its shortest unique id.',
  configure: (e) => {
    const command = neededCommand(e.claims, e.package)
    return `${command ? `A maintainer configures it with \`${command}\`. ` : ''}The registry matches each value exactly (letter case, .yml vs .yaml, the calling workflow rather than a reusable one, the environment) and does not say what differs: \`trust-native list ${e.package ?? '<package>'}\` (with a maintainer's token) shows the configured ones.`
  },
  allowPublish: () => permissionAdvice('--allow-publish', '--allow-stage-publish', 'stage publishing', 'allowPublish'),
  allowStagePublish: () => permissionAdvice('--allow-stage-publish', '--allow-publish', 'publishing', 'allowStagePublish'),
  stage: () => 'Stage it instead with `trust-native stage publish` (the same arguments), then approve it with `trust-native stage approve <id>` (2FA); or publish through trusted publishing.',
}

/** How a maintainer grants a permission: the trusted publisher replaced, with its flag. */
/** @param {string} flag @param {string} other @param {string} keeps @param {string} key */
const permissionAdvice = (flag, other, keeps, key) =>
  `A maintainer allows it by replacing the trusted publisher with one that has ${flag} (and ${other}, to keep ${keeps}): \`"${key}": true\` in trust.json and \`trust-native apply --config trust.json --replace\`, or \`trust-native apply --workspaces --replace ${flag} ${other}\` with the publisher's flags.`

/**
 * The publisher an id_token needs (`{ type, ...options }`), from its claims, for `pkg`.
 * @param {Record<string, unknown> | undefined} claims
 * @param {string | undefined} pkg
 */
function neededPublisher(claims, pkg) {
  return (claims && pkg && tn.diagnoseTrust({ claims, publishers: [] }).suggestion) || undefined
}

/**
 * `trust-native github widgets --repository ... --file ...`: the publisher an id_token needs.
 * @param {Record<string, unknown> | undefined} claims
 * @param {string | undefined} pkg
 */
function neededCommand(claims, pkg) {
  const suggestion = neededPublisher(claims, pkg)
  if (!suggestion) return undefined
  const { type, ...options } = suggestion
  return configureCommand('trust-native', String(type), pkg, options)
}

/** What the command was doing, for advice that depends on it. @typedef {{ stage?: boolean }} How */

/** An error's message in the CLI's words: what happened, then the advice for its hint. */
/** @param {unknown} thrown @param {string} [pkg] @param {How} [how] */
function describeError(thrown, pkg, how) {
  const error = /** @type {Failure | undefined} */ (thrown)
  const advice = error?.hint && Object.hasOwn(ADVICE, error.hint) && ADVICE[error.hint]
  return advice && error.summary ? `${error.summary} ${advice(error, pkg, how)}` : asFlag(error, String(error?.message ?? error))
}

/**
 * A plan entry or apply result for --json, its error's message in the CLI's words (as printed).
 * @template {{ package: string, error?: import('../../index').TrustProblem }} T @param {T} item @returns {T}
 */
function inCliWords(item) {
  return item.error ? { ...item, error: { ...item.error, message: describeError(item.error, item.package) } } : item
}

/** The command being run (set by main), for errors that name a library option. */
/** @type {{ flags: import('./flags.js').Flags, usage: string }} */
let command = { flags: {}, usage: '' }

/** Called by main with the command it runs. @param {{ flags: import('./flags.js').Flags, usage: string }} running */
function setCommand(running) {
  command = running
}

/**
 * A refused option (`field`) named in `message` as the library names it, in the CLI's words: as
 * its flag, `` `tag` `` (the library's), "the file option" and "repository option" (npm
 * trust's), "org-id is required" (npm trust's, by the flag's bare name) become `--tag`, --file,
 * --repository, --org-id; an option the command takes as an argument (`` `folder` `` for
 * `publish [folder|tarball...]`) becomes "the folder argument".
 * @param {Failure | undefined} error @param {string} message
 */
function asFlag(error, message) {
  const field = error?.field
  const flag = field && field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  if (!field || !flag) return message
  if (!Object.hasOwn(command.flags, flag)) {
    const argument = new RegExp(`[[<]${flag}[\\]|>]`).test(command.usage)
    return argument ? message.replaceAll(`\`${field}\``, `the ${flag} argument`) : message
  }
  return message
    .replaceAll(`\`${field}\``, `\`--${flag}\``)
    .replace(new RegExp(`\\b(?:the )?${field} option\\b`, 'g'), `--${flag}`)
    .replace(new RegExp(`^${flag} `), `--${flag} `)
}

module.exports = { EXIT, DRIFT, UsageError, describeError, inCliWords, setCommand }
