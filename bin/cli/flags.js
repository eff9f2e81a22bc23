// @ts-check
'use strict'

// The flags commands share, and the library options they stand for.

const { UsageError } = require('./errors.js')
const { onOtp } = require('./prompt.js')
const { PROVIDERS } = require('./providers.js')

/**
 * A flag as `parseArgs` takes it, with its line of help; `hidden` flags (aliases) are left out
 * of the help and of the flags suggested for a misspelt one.
 * @typedef {{ type: 'string' | 'boolean', short?: string, multiple?: boolean, help?: string, hidden?: boolean, aliasOf?: string }} Flag
 * @typedef {Record<string, Flag>} Flags
 */
/**
 * The flags given, parsed: those the commands read by name, and the providers' flags, which
 * their tables name. (`claim` is apply's option when claim runs it.)
 * @typedef {{
 *   registry?: string, otp?: string, timeout?: string, json?: boolean, help?: boolean,
 *   'dry-run'?: boolean, yes?: boolean, strict?: boolean, replace?: boolean, prune?: boolean,
 *   'allow-publish'?: boolean, 'allow-stage-publish'?: boolean, 'allow-staged-publish'?: boolean,
 *   workspaces?: boolean, config?: string, type?: string, concurrency?: string, 'max-rps'?: string,
 *   'exit-code'?: boolean, claim?: boolean, access?: string, revoke?: string[], 'as-of'?: string,
 *   tag?: string, package?: string[], file?: string, since?: string, 'check-trust'?: boolean, id?: string,
 *   stage?: boolean, 'write-npmrc'?: boolean, npmrc?: string,
 *   [flag: string]: string | boolean | string[] | undefined,
 * }} Values
 */
/**
 * A command: its help, its flags, and what it does with the flags and positionals given; it
 * answers the exit code.
 * @typedef {{ usage: string, summary: string, flags: Flags, run: (values: Values, positionals: string[]) => Promise<number> }} Command
 */

/** @satisfies {Flags} */
const COMMON = {
  registry: { type: 'string', help: 'Registry URL (default: npm config, else https://registry.npmjs.org/)' },
  otp: { type: 'string', help: 'One-time password (otherwise you are asked when needed)' },
  timeout: { type: 'string', help: 'Milliseconds for each call, retries and 2FA included; per package in plan and apply (default 30000)' },
  json: { type: 'boolean', help: 'Print JSON instead of text' },
  help: { type: 'boolean', short: 'h', help: 'Show this help' },
}

/** @satisfies {Flags} */
const WRITE = {
  'dry-run': { type: 'boolean', help: 'Show what would be done; change nothing' },
  yes: { type: 'boolean', short: 'y', help: 'Do not ask for confirmation (needed to pipe a one-time password: echo <code> | trust-native ... --yes)' },
}

/** @satisfies {Flags} */
const PERMISSIONS = {
  'allow-publish': { type: 'boolean', help: 'Allow npm publish (default when no permission flag is given)' },
  'allow-stage-publish': { type: 'boolean', help: 'Allow npm stage publish' },
  'allow-staged-publish': { type: 'boolean', help: 'Alias of --allow-stage-publish', hidden: true, aliasOf: 'allow-stage-publish' },
}

/** @satisfies {Flags} */
const STRICT = {
  strict: { type: 'boolean', help: 'Fail when the workflow check finds a problem, or cannot check (default: warn)' },
}

/** @satisfies {Flags} */
const RUN = {
  workspaces: { type: 'boolean', help: 'Every publishable package of the workspace (package.json workspaces, pnpm-workspace.yaml)' },
  config: { type: 'string', help: 'A trust.json: an array of specs (two for one package are two publishers), or { defaults (one publisher or a list), workspaces, packages }' },
  type: { type: 'string', help: `Provider for --workspaces: ${Object.keys(PROVIDERS).join(', ')} (default: github)` },
  concurrency: { type: 'string', help: 'Packages worked on at once (default 8)' },
  'max-rps': { type: 'string', help: 'Requests per second never to exceed (default: the pace the registry\'s 429 answers set)' },
}

/** plan and apply: what to do with the publishers no spec names. */
/** @satisfies {Flags} */
const PRUNE = {
  prune: { type: 'boolean', help: 'Revoke the trusted publishers of these packages that no spec names (default: leave them)' },
}

/** @param {Values} values */
function permissionOptions(values) {
  const stage = values['allow-stage-publish'] ?? values['allow-staged-publish']
  return {
    ...(values['allow-publish'] !== undefined && { allowPublish: values['allow-publish'] }),
    ...(stage !== undefined && { allowStagePublish: stage }),
  }
}

/**
 * The options every call takes, from --registry, --otp and --timeout, with the CLI's 2FA prompt.
 * @param {Values} values
 */
function common(values) {
  return {
    ...(values.registry && { registry: values.registry }),
    ...(values.otp && { otp: values.otp }),
    ...(values.timeout !== undefined && { timeoutMs: positiveWholeNumber(values, 'timeout') }),
    onOtp,
  }
}

/** @param {Values} values @param {string} flag */
function positiveWholeNumber(values, flag) {
  const n = Number(values[flag])
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive whole number`)
  return n
}

/** @param {Values} values */
function strict(values) {
  return values.strict ? { strict: true } : {}
}

/** `concurrency` and `maxRps` from --concurrency and --max-rps. */
/** @param {Values} values */
function pace(values) {
  /** @type {{ concurrency?: number, maxRps?: number }} */
  const options = {}
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency)
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--concurrency must be a positive whole number')
    options.concurrency = n
  }
  if (values['max-rps'] !== undefined) {
    const rps = Number(values['max-rps'])
    if (!Number.isFinite(rps) || rps <= 0) throw new UsageError('--max-rps must be a number above 0 (0.5 is one request every 2 s)')
    options.maxRps = rps
  }
  return options
}

/**
 * --access, checked: `public` or `restricted`, as the library's `access` option.
 * @param {Values} values
 * @returns {'public' | 'restricted' | undefined}
 */
function accessFlag(values) {
  if (values.access === undefined || values.access === 'public' || values.access === 'restricted') return values.access
  throw new UsageError('--access must be public or restricted')
}

/** `--prune` as an option of planTrust and applyTrust. */
/** @param {Values} values */
const prune = (values) => (values.prune ? { prune: true } : {})

module.exports = { accessFlag, COMMON, WRITE, PERMISSIONS, STRICT, RUN, PRUNE, permissionOptions, common, strict, pace, prune }
