#!/usr/bin/env node
// trust-native: `npm trust` as a drop-in (github, gitlab, circleci, list, revoke), plus plan and
// apply for many packages, doctor for CI, the access tokens and 2FA settings a release locks
// down (tokens, access), and staged versions to review (stage, with one 2FA for a workspace).
// A thin shell over the addon: the provider flags come from the core's provider tables, every
// decision from the library.
'use strict'

const { existsSync, readFileSync } = require('node:fs')
const { join, relative } = require('node:path')
const { parseArgs } = require('node:util')
const tn = require('..')
const { PROVENANCE_FLAGS, provenanceOptions, verifyCommand } = require('./provenance.js')
const { publisherFindings, provenanceFindings } = require('./doctor-checks.js')
const { changeAdvice, compareDeclared, declaredByPackage, describeDeclared } = require('./declared.js')

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 }
/** `plan --exit-code`: a drift check's answer. */
const DRIFT = { inSync: 0, changes: 1, errors: 2 }
const PROVIDERS = Object.fromEntries(tn.trustProviders().map((p) => [p.type, p]))
const ADD = { github: tn.addGithubPublisher, gitlab: tn.addGitlabPublisher, circleci: tn.addCircleciPublisher }
/**
 * How a version of `trust-native history` was published, in words: through which publisher
 * (`github release.yml`, when --check-trust found its configuration), else its configuration's id.
 */
function publishedHow(v) {
  if (v.how === 'token') return `with a token of ${v.user}${v.approver ? `, approved by ${v.approver}` : ''}`
  if (v.how === 'unknown') return 'publisher not recorded'
  const { provider, configId } = v.trustedPublisher
  const which = v.publisher ? [v.publisher.type, v.publisher.file ?? v.publisher.project ?? v.publisher.vcsOrigin ?? v.publisher.id].join(' ') : [provider, configId].filter(Boolean).join(' ')
  const still = v.stillConfigured === null ? '' : v.stillConfigured ? ', still configured' : ', no longer configured'
  return `trusted publishing (${which}${still})${v.approver ? `, approved by ${v.approver}` : ''}`
}

/** npm dist-tag's verbs and their aliases. */
const DIST_TAG_VERBS = Object.fromEntries([
  ...['add', 'a', 'set', 's'].map((v) => [v, 'add']),
  ...['rm', 'r', 'del', 'd', 'remove'].map((v) => [v, 'rm']),
  ...['ls', 'l', 'sl', 'list'].map((v) => [v, 'ls']),
])
/** What a listed token can publish, in words. */
const TOKEN_PUBLISH = { direct: 'publishes directly', stage: 'can only stage (approve with 2FA)', none: 'read only' }
const PERMISSION_LABELS = { createPackage: 'publish', createStagedPackage: 'stage publish' }
/** Providers whose CI file lives in the repository: it is checked, and inferred when not given. */
const CHECKED = new Set(['github', 'gitlab'])

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Flags

const COMMON = {
  registry: { type: 'string', help: 'Registry URL (default: npm config, else https://registry.npmjs.org/)' },
  otp: { type: 'string', help: 'One-time password (otherwise you are asked when needed)' },
  timeout: { type: 'string', help: 'Milliseconds for each call, retries and 2FA included; per package in plan and apply (default 30000)' },
  json: { type: 'boolean', help: 'Print JSON instead of text' },
  help: { type: 'boolean', short: 'h', help: 'Show this help' },
}
const WRITE = {
  'dry-run': { type: 'boolean', help: 'Show what would be done; change nothing' },
  yes: { type: 'boolean', short: 'y', help: 'Do not ask for confirmation' },
}
const PERMISSIONS = {
  'allow-publish': { type: 'boolean', help: 'Allow npm publish (default when no permission flag is given)' },
  'allow-stage-publish': { type: 'boolean', help: 'Allow npm stage publish' },
  'allow-staged-publish': { type: 'boolean', help: 'Alias of --allow-stage-publish', hidden: true },
}
const STRICT = {
  strict: { type: 'boolean', help: 'Fail when the workflow check finds a problem, or cannot check (default: warn)' },
}
const RUN = {
  workspaces: { type: 'boolean', help: 'Every publishable package of the workspace (package.json workspaces, pnpm-workspace.yaml)' },
  config: { type: 'string', help: 'A trust.json: an array of specs (two for one package are two publishers), or { defaults (one publisher or a list), workspaces, packages }' },
  type: { type: 'string', help: 'Provider for --workspaces: github, gitlab or circleci (default: github)' },
  concurrency: { type: 'string', help: 'Packages worked on at once (default 8)' },
  'max-rps': { type: 'string', help: 'Requests per second never to exceed (default: the pace the registry\'s 429 answers set)' },
}

/** plan and apply: what to do with the publishers no spec names. */
const PRUNE = {
  prune: { type: 'boolean', help: 'Revoke the trusted publishers of these packages that no spec names (default: leave them)' },
}

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

function permissionOptions(values) {
  const stage = values['allow-stage-publish'] ?? values['allow-staged-publish']
  return {
    ...(values['allow-publish'] !== undefined && { allowPublish: values['allow-publish'] }),
    ...(stage !== undefined && { allowStagePublish: stage }),
  }
}

// ---------------------------------------------------------------------------------------------
// Input and output

// Terminal control sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, other `ESC x`, and
// their 8-bit forms) and every other C0/C1 control but newline and tab: text from a registry or
// an id_token must not move the cursor, retitle the terminal or hide what follows.
const CONTROLS = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g
const printable = (text) => String(text).replace(CONTROLS, '')

const out = (line = '') => process.stdout.write(`${printable(line)}\n`)
const err = (line = '') => process.stderr.write(`${printable(line)}\n`)
const warn = (message) => err(`trust-native warn ${message}`)

/**
 * The next line of stdin, whether a terminal or a pipe: `null` at its end, or when `signal`
 * aborts first (a line that comes later is kept for the next question).
 */
const readLine = (() => {
  let buffered = ''
  const lines = []
  const waiting = []
  let ended = false
  let started = false
  const flush = () => {
    while (waiting.length && (lines.length || ended)) waiting.shift()(lines.length ? lines.shift() : null)
  }
  const start = () => {
    started = true
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (chunk) => {
      buffered += chunk
      let newline
      while ((newline = buffered.indexOf('\n')) >= 0) {
        lines.push(buffered.slice(0, newline).replace(/\r$/, ''))
        buffered = buffered.slice(newline + 1)
      }
      flush()
    })
    process.stdin.on('end', () => {
      if (buffered) lines.push(buffered)
      ended = true
      flush()
    })
  }
  return (signal) => {
    if (!started) start()
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(null)
      const cancel = () => {
        const index = waiting.indexOf(answer)
        if (index >= 0) waiting.splice(index, 1)
        resolve(null)
      }
      const answer = (line) => {
        signal?.removeEventListener('abort', cancel)
        resolve(line)
      }
      signal?.addEventListener('abort', cancel, { once: true })
      waiting.push(answer)
      flush()
    })
  }
})()

/** Asks on stderr; the answer, or `null` at the end of stdin or once `signal` aborts. */
async function ask(question, signal) {
  process.stderr.write(question)
  const line = await readLine(signal)
  // A terminal echoes the answer with its newline; otherwise end the prompt's line here.
  if (process.stdin.isTTY !== true || line === null) process.stderr.write('\n')
  return line
}

/**
 * npm's `otplease`, as an onOtp callback: a code typed in a terminal or piped to stdin, and for
 * the web flow the approval in the browser, or a code given meanwhile. At the end of stdin
 * (nothing piped, or nothing left), asking fails at once and the error shows the approval URL,
 * as `npm trust` fails without a terminal; the run then stops asking.
 */
async function onOtp(challenge) {
  if (challenge.type === 'web') err(`Authenticate your account at:\n${challenge.authUrl}`)
  const question = challenge.type === 'web'
    ? 'Approve it there, or enter a one-time password: '
    : 'This operation requires a one-time password.\nEnter OTP: '
  const line = await ask(question, challenge.signal)
  // Aborted: the approval came through the browser, or the call ended; nothing to answer.
  if (line === null && !challenge.signal?.aborted) throw new Error('stdin ended without a code.')
  return line?.trim() || undefined
}

async function confirm(values) {
  if (values.yes) return
  const answer = await ask('Do you want to proceed? (y/N) ')
  // stdin ended with no answer: no one was there to ask (a CI job, a script).
  if (answer === null) throw new UsageError('Nothing to confirm with: stdin ended before an answer (no terminal). Pass --yes to proceed without asking.')
  if (!['y', 'yes'].includes(answer.trim().toLowerCase())) throw new Error('User cancelled operation')
}

function common(values) {
  return {
    ...(values.registry && { registry: values.registry }),
    ...(values.otp && { otp: values.otp }),
    ...(values.timeout !== undefined && { timeoutMs: positiveWholeNumber(values, 'timeout') }),
    onOtp,
  }
}

function positiveWholeNumber(values, flag) {
  const n = Number(values[flag])
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive whole number`)
  return n
}

/**
 * What to do about an error, in the CLI's words (the library's messages name its options and
 * functions), by the error's `hint`; `pkg` is the package the command is about, if known.
 */
const ADVICE = {
  otp: (e) => e.authUrl
    ? `Approve it in a browser at ${e.authUrl} and run the command again, or pass --otp <code> from your authenticator.`
    : 'Pass --otp <code> from your authenticator, or run the command again to be asked (in a terminal, or with the code piped to it).',
  freshOtp: () => 'Pass a fresh code with --otp, or leave --otp out to be asked.',
  token: () => 'Run `npm login` (with --registry for another registry), or set NPM_TOKEN.',
  bindToken: () => 'Name the registry yourself with --registry <url>, or bind the token to it in your user .npmrc (an `_authToken` line for the registry).',
  listPublishers: (e, pkg) => `\`${['trust-native list', pkg].filter(Boolean).join(' ')}\` shows the package's configurations, with their ids.`,
  revokeFirst: (e, pkg = '<package>') =>
    `Revoke one first (\`trust-native list ${pkg}\` shows their ids, \`trust-native revoke ${pkg} --id <id>\` removes one), or let \`trust-native apply --replace\` replace a changed one.`,
  timeout: () => 'Check your network, or allow more time with --timeout <ms> if the registry is slow.',
  webAuthTimeout: () => 'Run the command again and approve in time, or pass --otp <code>.',
  insecure: () => "Use the registry's https URL (--registry https://...).",
  file: () => 'Pass --file <name>: the workflow (or CI configuration) file the registry should trust.',
  claim: (e, pkg) => `\`${['trust-native claim', pkg].filter(Boolean).join(' ')}\` publishes a placeholder version to create it (\`claim --workspaces\` for every package that needs it).`,
  listTokens: () => '`trust-native tokens` lists your tokens, each with its shortest unique id.',
  configure: (e) => {
    const command = configureCommand(e.claims, e.package)
    return `${command ? `A maintainer configures it with \`${command}\`. ` : ''}The registry matches each value exactly (letter case, .yml vs .yaml, the calling workflow rather than a reusable one, the environment) and does not say what differs: \`trust-native list ${e.package ?? '<package>'}\` (with a maintainer's token) shows the configured ones.`
  },
  allowPublish: () => permissionAdvice('--allow-publish', '--allow-stage-publish', 'stage publishing', 'allowPublish'),
  allowStagePublish: () => permissionAdvice('--allow-stage-publish', '--allow-publish', 'publishing', 'allowStagePublish'),
  stage: () => 'Stage it instead with `trust-native stage publish` (the same arguments), then approve it with `trust-native stage approve <id>` (2FA); or publish through trusted publishing.',
}

/** npm's warning for a registry other than the public one (crates/core/src/config/mod.rs). */
const SUPPORT_WARNING = /^Registry \S+ may not support trusted publishing$/

/** How a maintainer grants a permission: the trusted publisher replaced, with its flag. */
const permissionAdvice = (flag, other, keeps, key) =>
  `A maintainer allows it by replacing the trusted publisher with one that has ${flag} (and ${other}, to keep ${keeps}): \`"${key}": true\` in trust.json and \`trust-native apply --config trust.json --replace\`, or \`trust-native apply --workspaces --replace ${flag} ${other}\` with the publisher's flags.`

/** `trust-native github widgets --repository ... --file ...`: the publisher an id_token needs. */
function configureCommand(claims, pkg) {
  const suggestion = claims && pkg && tn.diagnoseTrust({ claims, publishers: [] }).suggestion
  if (!suggestion) return undefined
  const { type, ...options } = suggestion
  const flags = PROVIDERS[type].fields.flatMap((f) => [].concat(options[f.option] ?? []).map((v) => `--${f.flag} ${shellWord(v)}`))
  return ['trust-native', type, shellWord(pkg), ...flags].join(' ')
}

/** A value as one shell word. */
const shellWord = (value) => (/^[\w./@:+=,-]+$/.test(value) ? value : `'${String(value).replaceAll("'", "'\\''")}'`)

/** An error's message in the CLI's words: what happened, then the advice for its hint. */
function describeError(error, pkg) {
  const advice = Object.hasOwn(ADVICE, error?.hint ?? '') && ADVICE[error.hint]
  return advice && error.summary ? `${error.summary} ${advice(error, pkg)}` : asFlag(error, String(error?.message ?? error))
}

/** The flags of the command being run (set by main), for errors that name a library option. */
let commandFlags = {}

/** A refused option (`field`) named in `message` as the library names it (`tag`), as its flag (`--tag`). */
function asFlag(error, message) {
  const flag = error?.field && error.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  return flag && Object.hasOwn(commandFlags, flag) ? message.replaceAll(`\`${error.field}\``, `\`--${flag}\``) : message
}

/** npm's `logOptions`: `type`, `id`, then each option (npm lists the file first), then permissions. */
function printOptions(values, { fromPackageJson = [], fromWorkflow = [], permissions } = {}) {
  const { type, id, package: pkg, file, ...others } = values
  const rest = { package: pkg, file, ...others }
  const lines = []
  if (type) lines.push(`type: ${type}`)
  if (id) lines.push(`id: ${id}`)
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === null) continue
    const shown = Array.isArray(value) ? value.join(',') : value
    const from = fromPackageJson.includes(key) ? ' (from package.json)' : fromWorkflow.includes(key) ? ' (from the workflows)' : ''
    lines.push(`${key}: ${shown}${from}`)
  }
  if (permissions?.length) lines.push(`permissions: ${permissions.map((p) => PERMISSION_LABELS[p] ?? p).join(', ')}`)
  out(lines.join('\n'))
}

/** The options a configuration stands for, without its raw claims. */
function publisherValues(publisher) {
  const { claims, permissions, ...values } = publisher
  return values
}

function describeDesired(entry) {
  return entry.desired ? describePublisher({ type: entry.desired.type, ...entry.desiredOptions }) : ''
}

function describePublisher(p) {
  if (!p) return ''
  const where = p.repository ?? p.project ?? p.vcsOrigin ?? ''
  return [p.type, where, p.file, p.environment && `env ${p.environment}`].filter(Boolean).join(' ')
}

// ---------------------------------------------------------------------------------------------
// Commands

const COMMANDS = {
  github: providerCommand('github'),
  gitlab: providerCommand('gitlab'),
  circleci: providerCommand('circleci'),

  list: {
    usage: 'trust-native list [package]',
    summary: 'List the trusted publishers of a package (npm trust list)',
    flags: { ...COMMON },
    async run(values, [pkg]) {
      const publishers = await tn.listPublishers({ ...common(values), ...(pkg && { package: pkg }) })
      if (values.json) {
        out(JSON.stringify(publishers.map((p) => ({ ...publisherValues(p), permissions: p.permissions })), null, 2))
        return EXIT.ok
      }
      if (!publishers.length) {
        out(`No trust configurations found for package (${pkg ?? 'from package.json'})`)
        return EXIT.ok
      }
      for (const p of publishers) {
        out()
        printOptions(publisherValues(p), { permissions: p.permissions })
      }
      out()
      return EXIT.ok
    },
  },

  revoke: {
    usage: 'trust-native revoke [package] --id <id>',
    summary: 'Revoke a trusted publisher by id (npm trust revoke)',
    flags: { ...COMMON, ...WRITE, id: { type: 'string', help: 'ID of the configuration to revoke (required)' } },
    async run(values, [pkg]) {
      if (!values.id) throw new UsageError('ID of the trusted relationship to revoke must be specified with the --id option')
      const options = { ...common(values), ...(pkg && { package: pkg }) }
      // The package the call will resolve to (package.json's name when none is given).
      const shown = (await tn.resolveConfig(options)).package
      if (!values.json && shown) out(`Attempting to revoke trusted configuration for package ${shown} with id ${values.id}`)
      const result = await tn.revokePublisher({ ...options, id: values.id, dryRun: Boolean(values['dry-run']) })
      if (values.json) out(JSON.stringify(result, null, 2))
      else if (!result.dryRun) out(`Revoked trusted configuration for package ${result.package} with id ${result.id}`)
      return EXIT.ok
    },
  },

  plan: {
    usage: 'trust-native plan (--workspaces | --config trust.json) [--type github] [provider flags as defaults] [--prune] [--exit-code]',
    summary: 'Show what apply would do for many packages; changes nothing',
    flags: {
      ...COMMON, ...RUN, ...PRUNE, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
      'exit-code': { type: 'boolean', help: 'For a drift check in CI: exit 0 when everything matches, 1 when apply would change something, 2 on errors' },
    },
    async run(values) {
      const plan = await tn.planTrust(await specsFrom(values), { ...common(values), ...pace(values), ...strict(values), ...prune(values) })
      if (values.json) out(JSON.stringify(plan, null, 2))
      else printPlan(plan)
      if (values['exit-code']) return DRIFT[plan.status]
      return plan.status === 'errors' ? EXIT.failed : EXIT.ok
    },
  },

  apply: {
    usage: 'trust-native apply (--workspaces | --config trust.json) [--type github] [provider flags as defaults] [--yes] [--replace] [--prune]',
    summary: 'Make the packages\' trusted publishers match the specs: create, replace (with --replace), revoke (with --prune) or leave unchanged',
    flags: {
      ...COMMON, ...RUN, ...PRUNE, ...WRITE, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
      replace: { type: 'boolean', help: 'Replace a trusted publisher that differs from its spec (default: leave it and show the difference; a spec can say "replace": true)' },
    },
    async run(values) {
      const options = { ...common(values), ...pace(values), ...(values.claim && { claim: true }) }
      const replace = values.replace ? { replace: true } : {}
      const specs = await specsFrom(values)
      // No plan to show (--yes): planned and applied in one call.
      if (values.yes && !values['dry-run']) return applyAll(values, specs, { ...options, ...strict(values), ...replace, ...prune(values) })
      // A plan's CI files are checked when it is made, not again when it is applied.
      const plan = await tn.planTrust(specs, { ...options, ...strict(values), ...prune(values) })
      if (!values.json) printPlan(plan)
      const pending = plan.entries.filter((e) => ['create', 'replace', 'revoke'].includes(e.action) || (e.action === 'claim' && values.claim))
      if (values['dry-run'] || !pending.length) {
        if (values.json) out(JSON.stringify({ plan, results: [] }, null, 2))
        else if (!pending.length) out('Nothing to do.')
        return plan.entries.some((e) => e.action === 'error') ? EXIT.failed : EXIT.ok
      }
      await confirm(values)
      return applyAll(values, plan, { ...options, ...replace }, plan)
    },
  },

  claim: {
    usage: 'trust-native claim [package...] [--workspaces] [--access public|restricted] [--dry-run] [--type github --repository owner/repo ... | --config trust.json]',
    summary: 'Publish a placeholder version for names not on the registry yet, so trust can be configured; with a publisher spec, configure it in the same run',
    flags: {
      ...COMMON, ...WRITE, ...RUN, ...STRICT, ...PERMISSIONS, ...allProviderFlags(),
      workspaces: { type: 'boolean', help: 'Every package of the workspace' },
      access: { type: 'string', help: 'Access of the placeholder: public (default) or restricted' },
    },
    async run(values, packages) {
      if (values.access !== undefined && !['public', 'restricted'].includes(values.access)) {
        throw new UsageError('--access must be public or restricted')
      }
      // With a publisher spec, claiming is part of making the packages match it.
      if (values.config || values.type || Object.values(PROVIDERS).some((p) => Object.keys(providerOptions(p, values)).length)) {
        return COMMANDS.apply.run({ ...values, claim: true })
      }
      return eachPackage(values, packages, async (client, name, say) => {
        const r = await client.claimPackage({ ...(name && { package: name }), ...(values.access && { access: values.access }), dryRun: Boolean(values['dry-run']) })
        if (r.status === 'exists') say.out(`${r.package}: exists, left alone`)
        else say.out(`${r.package}: ${r.published.dryRun ? 'would publish' : 'published'} placeholder ${r.published.version} (tag ${r.published.tag}, ${r.published.access} access)`)
        return r
      })
    },
  },

  lockdown: {
    usage: 'trust-native lockdown [package...] [--workspaces] [--dry-run]',
    summary: 'For packages with a trusted publisher: require 2FA and disallow tokens for publishing (npm access set mfa=publish)',
    flags: { ...COMMON, ...WRITE, workspaces: { type: 'boolean', help: 'Every package of the workspace' } },
    async run(values, packages) {
      return eachPackage(values, packages, async (client, name, say) => {
        const r = await client.lockDownPackage({ ...(name && { package: name }), dryRun: Boolean(values['dry-run']) })
        if (r.status === 'skipped') {
          say.err(`${r.package}: left as it is: it has no trusted publisher, and without tokens it could not be published at all (configure one first: trust-native apply)`)
        } else {
          say.out(`${r.package}: ${r.dryRun ? 'would require' : 'now requires'} 2FA for publishing, and tokens may not publish (trusted publishing: ${r.publishers.map(describePublisher).join(', ')})`)
        }
        return r
      })
    },
  },

  tokens: {
    usage: 'trust-native tokens [--exit-code] [--as-of <date>] [--revoke <id> ...]',
    summary: 'List your access tokens, redacted, with what each can still do under the registry\'s 2026-2027 rules and when it was last used; revoke the ones you name (npm token list, npm token revoke)',
    flags: {
      ...COMMON, 'dry-run': WRITE['dry-run'],
      revoke: { type: 'string', multiple: true, help: 'Revoke the token with this id (as listed), key or value; repeat to revoke several' },
      'exit-code': { type: 'boolean', help: 'Exit 1 when a token that publishes directly will stop (or has stopped) doing so: one that bypasses 2FA (January 2027)' },
      'as-of': { type: 'string', help: 'Apply the registry\'s rules as on this date (YYYY-MM-DD; default today)' },
    },
    async run(values) {
      if (values.revoke !== undefined) {
        // One client: one 2FA code for every token revoked.
        const client = new tn.TrustClient(common(values))
        const results = []
        for (const id of values.revoke) {
          const result = await client.revokeToken({ id, dryRun: Boolean(values['dry-run']) })
          results.push(result)
          if (!values.json) out(`${result.dryRun ? 'Would revoke' : 'Revoked'} token ${result.key ?? '(given by value)'}`)
        }
        if (values.json) out(JSON.stringify(results, null, 2))
        return EXIT.ok
      }
      // The library shows tokens redacted; nothing here prints a whole token.
      const tokens = await tn.listTokens({ ...common(values), ...(values['as-of'] && { asOf: values['as-of'] }) })
      // `--exit-code`: a token relied on for publishing that will stop working.
      const code = values['exit-code'] && tokens.some((t) => t.atRisk) ? EXIT.failed : EXIT.ok
      if (values.json) {
        out(JSON.stringify(tokens, null, 2))
        return code
      }
      if (!tokens.length) out('No tokens.')
      for (const t of tokens) {
        const traits = [TOKEN_PUBLISH[t.publish], t.manage ? 'may manage trust, access and tokens (with 2FA)' : 'cannot manage trust, access or tokens', t.accessed ? `last used ${String(t.accessed).slice(0, 10)}` : 'no use recorded', t.expires && `expires ${String(t.expires).slice(0, 10)}`].filter(Boolean)
        out(printable(`${t.id}  ${t.token ?? ''}  ${t.name ?? ''}  created ${String(t.created ?? '').slice(0, 10)}  (${traits.join(', ')})`))
        if (t.cidrWhitelist?.length) out(printable(`    from ${t.cidrWhitelist.join(', ')}`))
        for (const note of t.notes) out(printable(`    ${t.atRisk ? '! ' : ''}${note}`))
      }
      out()
      out('Revoke the ones no longer needed: trust-native tokens --revoke <id> [--revoke <id> ...]')
      return code
    },
  },

  access: {
    usage: 'trust-native access get status [package] | access set mfa=none|publish|automation [package] | access set status=public|private [package]',
    summary: 'A package\'s visibility and its 2FA requirement for publishing (npm access get/set)',
    flags: { ...COMMON, 'dry-run': WRITE['dry-run'] },
    async run(values, [verb, what, pkg]) {
      const options = { ...common(values), ...(pkg && { package: pkg }) }
      if (verb === 'get' && what === 'status') return printStatus(values, await tn.getPackageAccess(options))
      const [key, value] = (verb === 'set' && what?.split('=')) || []
      const settings = key === 'status' ? STATUS[value] : key === 'mfa' || key === '2fa' ? MFA[value] : undefined
      if (!settings) throw new UsageError(`Expected get status, set status=public|private or set mfa=none|publish|automation, not "${[verb, what].filter(Boolean).join(' ')}"`)
      const result = await tn.setPackageAccess({ ...options, ...settings, dryRun: Boolean(values['dry-run']) })
      if (result.dryRun) {
        if (values.json) out(JSON.stringify(result, null, 2))
        else out(`Would send ${result.request.method} ${result.request.url} ${JSON.stringify(result.request.body)}`)
        return EXIT.ok
      }
      // As npm: a status change shows the status it leads to.
      if (key === 'status') return printStatus(values, await tn.getPackageAccess(options))
      if (values.json) out(JSON.stringify(result, null, 2))
      else out(`Set ${what}${pkg ? ` on ${pkg}` : ''}`)
      return EXIT.ok
    },
  },

  publish: {
    usage: 'trust-native publish [folder|tarball...] [--workspaces] [--tag <tag>] [--access public|restricted] [--dry-run]',
    summary: 'Publish versions as npm publish does; in CI through trusted publishing, saying why when the exchange is refused',
    flags: {
      ...COMMON,
      'dry-run': WRITE['dry-run'],
      workspaces: { type: 'boolean', help: 'Every package of the workspace' },
      tag: { type: 'string', help: 'The dist-tag (default: publishConfig.tag, else latest)' },
      access: { type: 'string', help: 'public or restricted (default: publishConfig.access, else the registry\'s default)' },
      ...PROVENANCE_FLAGS,
    },
    run: (values, targets) => publishEach(values, targets, { stage: false }),
  },

  stage: {
    usage: 'trust-native stage publish [folder|tarball...] [--workspaces] [--tag <tag>] [--access public|restricted] | list [package] | view <id> | approve <id...> | approve --workspaces | approve --package <name> | reject <id> | download <id> [--file <file>]',
    summary: 'Staged publishing: stage versions (in CI through trusted publishing), list, view, approve (publish), reject, download (npm stage)',
    flags: {
      ...COMMON,
      ...PROVENANCE_FLAGS,
      ...WRITE,
      workspaces: { type: 'boolean', help: 'publish: every package of the workspace; approve: every staged version of the workspace\'s packages, with one 2FA' },
      tag: { type: 'string', help: 'publish: the dist-tag the version gets once approved (default: publishConfig.tag, else latest)' },
      access: { type: 'string', help: 'publish: public or restricted (default: publishConfig.access, else the registry\'s default)' },
      package: { type: 'string', multiple: true, help: 'approve: every staged version of this package, with one 2FA' },
      file: { type: 'string', help: 'download: the file to write (default: npm\'s name, in the current folder)' },
    },
    async run(values, [verb, ...args]) {
      const run = Object.hasOwn(STAGE, verb ?? '') ? STAGE[verb] : undefined
      if (!run) throw new UsageError(`Expected publish, list, view, approve, reject or download, not "${verb ?? ''}"`)
      return run(values, args)
    },
  },

  'dist-tag': {
    usage: 'trust-native dist-tag add <package>@<version> [<tag>] | rm <package> <tag> | ls [<package>]',
    summary: 'A package\'s dist-tags (npm dist-tag); in CI through trusted publishing, as npm 12 does, saying why when the exchange is refused',
    flags: { ...COMMON, 'dry-run': WRITE['dry-run'] },
    async run(values, [verb, spec, tag]) {
      const options = { ...common(values), dryRun: Boolean(values['dry-run']) }
      // npm's verbs and their aliases; `dist-tag <package>` lists.
      const kind = DIST_TAG_VERBS[verb] ?? (verb && !spec ? 'ls' : undefined)
      if (!kind) throw new UsageError(`Expected add, rm or ls, not "${verb ?? ''}"`)
      if (kind === 'ls') {
        const pkg = DIST_TAG_VERBS[verb] ? spec : verb
        const { dryRun, ...rest } = options
        const tags = await tn.listDistTags({ ...rest, ...(pkg && { package: pkg }) })
        if (values.json) out(JSON.stringify(tags, null, 2))
        else out(Object.entries(tags).map(([k, v]) => `${k}: ${v}`).sort().join('\n'))
        return EXIT.ok
      }
      let result
      if (kind === 'add') {
        const at = spec?.lastIndexOf('@') ?? -1
        if (at <= 0) throw new UsageError('dist-tag add needs <package>@<version> [<tag>]')
        result = await tn.addDistTag({ ...options, package: spec.slice(0, at), version: spec.slice(at + 1), ...(tag && { tag }) })
      } else {
        if (!spec || !tag) throw new UsageError('dist-tag rm needs <package> <tag>')
        result = await tn.removeDistTag({ ...options, package: spec, tag })
      }
      if (values.json) {
        out(JSON.stringify(result, null, 2))
        return EXIT.ok
      }
      for (const w of result.warnings) warn(w)
      const sign = kind === 'add' ? '+' : '-'
      if (result.dryRun) out(`Would send ${result.request.method} ${result.request.url}`)
      else if (result.changed !== false) out(`${sign}${result.tag}: ${result.package}@${result.version}`)
      return EXIT.ok
    },
  },

  history: {
    usage: 'trust-native history [package...] [--workspaces] [--since <date>] [--check-trust] [--exit-code] [--json]',
    summary: 'How each version was published: through trusted publishing (which configuration) or with a token, with or without provenance, from the public package document',
    flags: {
      ...COMMON,
      workspaces: { type: 'boolean', help: 'Every package of the workspace' },
      since: { type: 'string', help: 'Only versions published on or after this date (YYYY-MM-DD)' },
      'check-trust': { type: 'boolean', help: 'Also read the packages\' trusted publishers (needs 2FA, asked once) to say whether each version\'s is still configured' },
      'exit-code': { type: 'boolean', help: 'Exit 1 when a version (since --since) was published without trusted publishing' },
    },
    async run(values, packages) {
      let untrusted = false
      let unchecked = false
      const code = await eachPackage(values, packages, async (client, name, say) => {
        const report = await client.publishHistory({
          ...(name && { package: name }),
          ...(values.since && { since: values.since }),
          ...(values['check-trust'] && { checkTrust: true }),
        })
        untrusted ||= report.withoutTrustedPublishing.length > 0
        unchecked ||= !report.trustChecked && report.versions.some((v) => v.trustedPublisher)
        const since = report.since ? ` since ${report.since}` : ''
        say.out(printable(`${report.package}:${report.versions.length ? '' : ` no versions${since}`}`))
        for (const v of report.versions) say.out(printable(`  ${v.version}  ${v.time?.slice(0, 10) ?? '(no date)'}  ${publishedHow(v)}  ${v.provenance ? 'provenance' : 'no provenance'}`))
        if (report.withoutTrustedPublishing.length) say.out(printable(`  Published without trusted publishing${since}: ${report.withoutTrustedPublishing.join(', ')}`))
        return report
      })
      // Said once for the run, not on every line.
      if (unchecked && !values.json) out('Whether each configuration is still there, and which publisher it is: --check-trust reads them (with 2FA).')
      return code === EXIT.ok && values['exit-code'] && untrusted ? EXIT.failed : code
    },
  },

  verify: verifyCommand({ tn, COMMON, common, out, EXIT, UsageError }),

  doctor: {
    usage: 'trust-native doctor [package | --workspaces] [--registry <url>]',
    summary: 'In CI: show the id_token\'s claims, the trusted publisher this job needs, and try the exchange',
    flags: { ...COMMON, workspaces: { type: 'boolean', help: 'Each publishable package of the workspace (default: package.json\'s package)' } },
    async run(values, [pkg]) {
      return doctor(values, pkg)
    },
  },
}

/**
 * Runs `work(client, target, say)` for each target given, each package of the workspace
 * (--workspaces; `workspaceTarget` picks its name, or its folder), or `none` (package.json's
 * package). One client, so one 2FA serves them all. A target's failure is printed and the
 * others go on, but after an EOTP the rest are not tried (nor asked for again).
 * `say.out`/`say.err` print, except with --json, which prints the results only (a failure
 * under `key`). Exit 1 when any failed or was skipped.
 */
async function eachPackage(values, given, work, { workspaceTarget = (p) => p.name, none, key = 'package' } = {}) {
  const targets = given.length ? given : values.workspaces ? (await tn.discoverWorkspacePackages(process.cwd())).packages.map(workspaceTarget) : [none]
  const client = new tn.TrustClient(common(values))
  const results = []
  const say = values.json ? { out() {}, err() {} } : { out, err }
  for (const target of targets) {
    if (results.some((r) => r.error?.code === 'EOTP')) {
      results.push({ [key]: target, status: 'skipped', reason: 'not tried: no one-time password' })
      continue
    }
    try {
      results.push(await work(client, target, say))
    } catch (error) {
      results.push({ [key]: target, status: 'failed', error: { code: error.code, message: describeError(error, target) } })
      say.err(`${target ? `${target}: ` : ''}${error.code}: ${describeError(error, target)}`)
    }
  }
  const untried = results.filter((r) => r.reason?.startsWith('not tried')).length
  if (untried) say.err(`${untried} more package${untried === 1 ? '' : 's'} not tried: no one-time password. Run the command again with --otp <code>.`)
  if (values.json) out(JSON.stringify(results, null, 2))
  return results.some((r) => r.status === 'failed' || r.status === 'skipped') ? EXIT.failed : EXIT.ok
}

/** `npm access set mfa=...` and `status=...` as setPackageAccess settings. */
const MFA = {
  none: { publishRequiresTfa: false },
  publish: { publishRequiresTfa: true, automationTokenOverridesTfa: false },
  automation: { publishRequiresTfa: true, automationTokenOverridesTfa: true },
}
const STATUS = { public: { visibility: 'public' }, private: { visibility: 'private' } }

function printStatus(values, access) {
  if (values.json) out(JSON.stringify({ [access.package]: access.visibility }, null, 2))
  else out(`${access.package}: ${access.visibility}`)
  return EXIT.ok
}

function providerCommand(type) {
  const provider = PROVIDERS[type]
  const flags = { ...COMMON, ...WRITE, ...(CHECKED.has(type) && STRICT), ...PERMISSIONS, ...providerFlags(provider) }
  const required = provider.fields
    .filter((f) => f.required)
    .map((f) => (inferred(provider, f) ? `[--${f.flag} <${f.flag}>]` : `--${f.flag} <${f.flag}>`))
    .join(' ')
  return {
    usage: `trust-native ${type} [package] ${required}`,
    summary: `Create a trusted relationship between a package and ${provider.name} (npm trust ${type})`,
    flags,
    async run(values, [pkg]) {
      const options = {
        ...common(values),
        ...providerOptions(provider, values),
        ...permissionOptions(values),
        ...(CHECKED.has(type) && strict(values)),
        ...(pkg && { package: pkg }),
      }
      // Validate and infer first (a dry run), as npm shows the options before asking.
      const planned = await ADD[type]({ ...options, dryRun: true })
      const body = planned.request.body[0]
      const shown = { type, package: planned.package, ...planned.options }
      // The preview asks the registry nothing, so it carries npm's "may not support trusted
      // publishing"; the call that follows answers that question itself (the core says it only
      // for a dry run), so the warning is shown only when the preview is all the user asked for.
      const preview = values['dry-run'] ? planned.warnings : planned.warnings.filter((w) => !SUPPORT_WARNING.test(w))
      for (const w of preview) warn(w)
      if (!values.json) {
        out(`Establishing trust between ${planned.package} package and ${provider.name}`)
        out(`Anyone with ${provider.entityLabel} write access can publish to ${planned.package}`)
        out('Two-factor authentication is required for this operation')
        out()
        const fromWorkflow = planned.workflow?.inferred ? ['file', ...(options.environment ? [] : ['environment'])] : []
        printOptions(shown, { fromPackageJson: planned.fromPackageJson, fromWorkflow, permissions: body.permissions })
        out()
      }
      if (values['dry-run']) {
        if (values.json) out(JSON.stringify({ ...shown, permissions: body.permissions, request: planned.request }, null, 2))
        return EXIT.ok
      }
      await confirm(values)
      const { publisher } = await ADD[type](options)
      if (values.json) {
        out(JSON.stringify({ ...publisherValues(publisher), permissions: publisher.permissions }, null, 2))
      } else {
        out(`Trust configuration created successfully for ${planned.package} with the following settings:`)
        out()
        printOptions(publisherValues(publisher), { permissions: publisher.permissions })
        out()
      }
      return EXIT.ok
    },
  }
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

function strict(values) {
  return values.strict ? { strict: true } : {}
}

/** `concurrency` and `maxRps` from --concurrency and --max-rps. */
function pace(values) {
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

/** Applies `work` (a plan, or specs) with a progress report, prints the results (with the plan
 * they followed, if one was made), and answers the exit code. */
async function applyAll(values, work, options, plan) {
  const progress = progressReporter(values.json)
  const interrupt = stopOnInterrupt(values.json)
  const results = await tn.applyTrust(work, { ...options, onProgress: progress.report, signal: interrupt.signal })
  interrupt.end()
  progress.end()
  if (values.json) {
    out(JSON.stringify(plan ? { plan, results } : { results }, null, 2))
  } else {
    printFailures(results)
    for (const r of results.filter((r) => r.status === 'skipped')) {
      const several = results.filter((o) => o.package === r.package).length > 1
      err(printable(`left ${resultLabel(r)} as it is: ${several ? 'one of its trusted publishers' : 'its trusted publisher'} differs (${describeDifferences(r.differences)}); pass --replace to replace it`))
    }
    out(summary(results))
    if (interrupt.signal.aborted) out('Interrupted. Run the same command again to finish: what is done stays unchanged.')
  }
  if (interrupt.signal.aborted) return EXIT.interrupted
  return results.some((r) => r.status !== 'done') ? EXIT.failed : EXIT.ok
}

/** Specs from --config, or from --workspaces with the flags as defaults. */
async function specsFrom(values) {
  if (values.config) return tn.readTrustConfig(values.config)
  if (!values.workspaces) throw new UsageError('Say which packages: --workspaces, or --config trust.json')
  const type = values.type ?? 'github'
  const provider = PROVIDERS[type]
  if (!provider) throw new UsageError(`--type must be one of ${Object.keys(PROVIDERS).join(', ')}`)
  const defaults = { type, ...providerOptions(provider, values), ...permissionOptions(values) }
  return tn.readTrustConfig({ defaults, workspaces: true }, process.cwd())
}

/** `--prune` as an option of planTrust and applyTrust. */
const prune = (values) => (values.prune ? { prune: true } : {})

function printPlan(plan) {
  const rows = plan.entries.map((e) => {
    const detail = e.action === 'error'
      ? `${e.error?.code}: ${describeError(e.error, e.package)}`
      : e.action === 'replace'
        ? `${describePublisher(e.existing)} -> ${describeDesired(e)}`
        : e.action === 'revoke' ? describePublisher(e.existing) : describeDesired(e)
    return [e.package, e.action, detail]
  })
  const width = (i) => Math.max(...rows.map((r) => r[i].length), i === 0 ? 7 : 6)
  const line = (cells) => `${cells[0].padEnd(width(0))}  ${cells[1].padEnd(width(1))}  ${cells[2]}`
  out(line(['PACKAGE', 'ACTION', 'PUBLISHER']))
  for (const row of rows) out(line(row))
  for (const e of plan.entries.filter((e) => e.differences.length)) {
    out(`  ${publisherLabel(e.package, e.existing)}: ${describeDifferences(e.differences)}${e.replace ? '' : ', which apply replaces only with --replace'}`)
  }
  for (const [pkg, kept] of keptPublishers(plan)) {
    out(printable(`  ${pkg}: kept, as no spec names it: ${kept.map(describePublisher).join(', ')} (--prune revokes it)`))
  }
  for (const e of plan.entries) for (const w of e.warnings) warn(`${e.package}: ${w}`)
  const count = (action) => plan.entries.filter((e) => e.action === action).length
  out()
  out(`${new Set(plan.entries.map((e) => e.package)).size} packages: ${count('create')} to create, ${count('replace')} to replace, ${count('unchanged')} unchanged, ${count('revoke') ? `${count('revoke')} to revoke, ` : ''}${count('claim') ? `${count('claim')} to claim, ` : ''}${count('error')} errors`)
}

/** By package, the trusted publishers no entry of the plan is about: left alone without --prune. */
function keptPublishers(plan) {
  const named = new Set(plan.entries.map((e) => e.existing?.id).filter(Boolean))
  const kept = new Map()
  for (const e of plan.entries) {
    if (kept.has(e.package)) continue
    const others = e.current.filter((p) => !named.has(p.id))
    if (others.length) kept.set(e.package, others)
  }
  return kept
}

/**
 * Ctrl-C during an apply: no package starts after it, those in flight get a few seconds to
 * finish, and the run's results are still reported. A second Ctrl-C exits at once.
 */
function stopOnInterrupt(quiet) {
  const controller = new AbortController()
  const now = () => process.exit(EXIT.interrupted)
  const stop = () => {
    if (!quiet) err('\nStopping: no package starts now; waiting briefly for those in flight (Ctrl-C again to quit at once).')
    controller.abort()
    process.once('SIGINT', now)
  }
  process.once('SIGINT', stop)
  return {
    signal: controller.signal,
    end() {
      process.off('SIGINT', stop)
      process.off('SIGINT', now)
    },
  }
}

/** One line per failure; packages that failed alike share one. */
function printFailures(results) {
  const alike = new Map()
  for (const r of results.filter((r) => r.status === 'failed')) {
    const why = `${r.error?.code} ${describeError(r.error, r.package)}`
    alike.set(why, [...(alike.get(why) ?? []), r.package])
  }
  for (const [why, packages] of alike) {
    const shown = packages.length > 4 ? `${packages.slice(0, 3).join(', ')} and ${packages.length - 3} more` : packages.join(', ')
    err(`failed ${shown}: ${why}`)
  }
}

function summary(results) {
  const count = (pred) => results.filter(pred).length
  const done = (action) => count((r) => r.status === 'done' && r.action === action)
  const stopped = count((r) => r.error?.code === 'EABORTED')
  const failed = count((r) => r.status === 'failed') - stopped
  const skipped = count((r) => r.status === 'skipped')
  return `Applied: ${done('claim') ? `${done('claim')} claimed and created, ` : ''}${done('create')} created, ${done('replace')} replaced, ${done('unchanged')} unchanged, ${done('revoke') ? `${done('revoke')} revoked, ` : ''}${failed} failed${skipped ? `, ${skipped} left as they differ` : ''}${stopped ? `, ${stopped} stopped` : ''}`
}

/**
 * `@acme/utils (github release.yml)`: an apply result's package and the publisher it is about
 * (the one there is now, left as it is, or revoked), so a package's several are told apart.
 */
function resultLabel(r) {
  return publisherLabel(r.package, r.publisher ?? r.previous?.[0])
}

/** `@acme/utils (github release.yml)`: a package and one of its publishers, when known. */
function publisherLabel(pkg, p) {
  const which = p && [p.type, p.file ?? p.project ?? p.vcsOrigin].filter(Boolean).join(' ')
  return which ? `${pkg} (${which})` : pkg
}

/** `repository acme/other -> acme/mono, file old.yml -> release.yml`, control characters removed. */
function describeDifferences(differences) {
  const shown = (v) => printable(v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v))
  return differences.map((d) => `${d.field} ${shown(d.current)} -> ${shown(d.desired)}`).join(', ')
}

/**
 * A progress bar on a terminal; a line per entry elsewhere. Out of the run's own count of
 * entries (with --prune, more than the specs given).
 */
function progressReporter(quiet) {
  const tty = process.stderr.isTTY === true
  const verb = { create: 'created', replace: 'replaced', unchanged: 'unchanged', claim: 'claimed and created', revoke: 'revoked', error: 'skipped' }
  return {
    report({ done, total, result }) {
      if (quiet) return
      const what = printable(result.status === 'failed' ? `failed ${resultLabel(result)}`
        : result.status === 'skipped' ? `left ${resultLabel(result)}, as it differs`
        : `${verb[result.action]} ${resultLabel(result)}`)
      if (tty) {
        const width = 30
        const filled = Math.round((done / total) * width)
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}`.padEnd(100))
      } else {
        err(`${done}/${total} ${what}`)
      }
    },
    end() {
      if (tty && !quiet) process.stderr.write('\n')
    },
  }
}

async function doctor(values, given) {
  if (given && values.workspaces) throw new UsageError('Name one package, or pass --workspaces for each of the workspace: not both.')
  const report = {}
  const print = (line) => { if (!values.json) out(line) }
  const cwd = process.cwd()
  const config = await tn.resolveConfig({ ...common(values), ...(given && { package: given }) })
  // The package doctor is about: the one named, else package.json's, which must be publishable.
  if (!given && !values.workspaces) refusePrivate(cwd, config.package)
  const targets = values.workspaces
    ? (await tn.discoverWorkspacePackages(cwd)).packages.map((p) => ({ name: p.name, dir: p.path }))
    : [{ name: config.package, dir: cwd }]
  const registryHost = new URL(config.registry).hostname
  const audience = `npm:${registryHost}`
  print(`Registry: ${config.registry} (${values.registry ? '--registry' : config.registrySource})`)
  if (config.token) print(`Note: an npm token is configured (${config.tokenSource}). npm 11.5.1 and later try OIDC first and fall back to it when the exchange fails, so a refused exchange then shows up as a 401 or 404 for this token: the exchange below says why it failed.`)
  let idToken
  try {
    idToken = await tn.getIdToken({ audience })
  } catch (error) {
    report.idToken = { code: error.code, message: error.message }
    if (values.json) out(JSON.stringify(report, null, 2))
    else err(`No id_token: ${error.code} ${describeError(error, targets[0]?.name)}`)
    return EXIT.failed
  }
  const { token, ...visible } = idToken
  report.idToken = visible
  const claims = Object.entries(idToken.claims)
    .filter(([key]) => !['jti', 'iat', 'nbf'].includes(key))
    .map(([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
  print(`id_token from ${idToken.source} (${idToken.provider ?? 'unknown provider'}), ${expiry(idToken.expiresAt)}`)
  print('Claims:')
  print(claims.join('\n'))
  const diagnosis = tn.diagnoseTrust({ claims: idToken.claims, publishers: [], audience })
  report.needs = diagnosis.suggestion
  // The job's own findings (the token, the runner, the npm on PATH), once for every package.
  const jobFindings = [...diagnosis.findings.filter((f) => f.kind !== 'none'), ...publisherFindings(cwd)]
  for (const f of jobFindings) print(`${f.severity}: ${printable(f.message)}`)
  const packages = []
  for (const { name, dir } of targets) {
    if (values.workspaces) print(`\n${name}:`)
    packages.push(await doctorPackage(values, print, { name, dir, idToken, diagnosis, audience }))
  }
  if (values.workspaces) {
    report.findings = jobFindings
    report.packages = packages
  } else {
    const { declared, findings, exchange } = packages[0]
    Object.assign(report, declared && { declared }, { findings: [...jobFindings, ...findings], exchange })
  }
  if (values.json) out(JSON.stringify(report, null, 2))
  // A CI gate: an error finding fails even when this exchange went through (the registry may
  // refuse the publish, e.g. from a self-hosted runner).
  const errors = [...jobFindings, ...packages.flatMap((p) => p.findings)].some((f) => f.severity === 'error')
  return packages.every((p) => p.exchange.ok) && !errors ? EXIT.ok : EXIT.failed
}

/**
 * One package's part of doctor: the publisher the job needs for it, its declared publishers
 * compared with the job, its package.json against provenance, and the exchange for it.
 */
async function doctorPackage(values, print, { name, dir, idToken, diagnosis, audience }) {
  const result = { package: name }
  const declared = await declaredComparison(dir, name, idToken.claims, audience)
  // A declared publisher of the job's own workflow that differs in a value: that value is to
  // change, not another publisher to add.
  if (diagnosis.suggestion && !declared?.change) {
    const { type, ...options } = diagnosis.suggestion
    const flags = Object.entries(options).map(([k, v]) => `--${PROVIDERS[type]?.fields.find((f) => f.option === k)?.flag ?? k} ${Array.isArray(v) ? v.join(' ') : v}`)
    print('This job needs a trusted publisher like:')
    print(`  trust-native ${type} ${name ?? '<package>'} ${flags.join(' ')}`)
  }
  if (declared) {
    const { lines, ...shown } = declared
    result.declared = shown
    for (const line of lines) print(printable(line))
  }
  result.findings = provenanceFindings(dir, idToken.claims)
  for (const f of result.findings) print(`${f.severity}: ${printable(f.message)}`)
  try {
    const exchanged = await tn.exchangeToken({ ...(values.registry && { registry: values.registry }), ...(name && { package: name }), idToken: idToken.token, cwd: dir })
    result.exchange = { ok: true, package: exchanged.package, expires: exchanged.expires, warnings: exchanged.warnings }
    // The registry's answer is `{ token }`; an expiry is shown only when it says one.
    print(`Exchange: ok, an npm token for ${exchanged.package}${exchanged.expires ? ` until ${exchanged.expires}` : ''}`)
    for (const w of exchanged.warnings) warn(w)
  } catch (error) {
    result.exchange = { ok: false, code: error.code, message: describeError(error, name) }
    print(`Exchange: FAILED ${error.code}`)
    print(describeError(error, name))
  }
  return result
}

/** A command about package.json's package, run where that package is private (a monorepo's root). */
function refusePrivate(cwd, pkg) {
  const path = join(cwd, 'package.json')
  let manifest
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return
  }
  if (manifest?.private === true) {
    throw new UsageError(`${pkg ?? 'The package here'} is private (package.json "private": true): it is never published, so there is nothing to check for it. Name the package: trust-native doctor <package>, or run it in a package's folder.`)
  }
}

/** The trust.json that applies in `cwd`: its own, else the workspace root's (where plan and apply run). */
async function findTrustJson(cwd) {
  if (existsSync(join(cwd, 'trust.json'))) return { path: join(cwd, 'trust.json'), where: '' }
  const root = await tn.discoverWorkspacePackages(cwd).then((w) => w.root, () => undefined)
  const path = root && join(root, 'trust.json')
  return path && existsSync(path) ? { path, where: ' at the workspace root' } : undefined
}

/**
 * The job's id_token compared with every publisher the trust.json that applies declares for
 * `pkg`: the one it matches, or the closest one's differences, what to change when it is the
 * job's own workflow, and which others there are, each named once. Nothing without a trust.json
 * naming the package. (What the registry has may differ from what the repository declares: the
 * exchange says which counts.)
 */
async function declaredComparison(cwd, pkg, claims, audience) {
  const found = pkg && await findTrustJson(cwd)
  if (!found) return undefined
  const specs = (await declaredByPackage(found.path, 'trust.json')).get(pkg) ?? []
  if (!specs.length) return undefined
  const { matched: match, closest: nearest, differences, others, change } = compareDeclared(specs, claims, audience)
  // The job is the closest one when only the permission differs: it may stage, say, not publish
  // (doctor does not know which the job runs).
  const onlyPermission = !match && differences.length > 0 && differences.every((f) => f.kind === 'permission')
  const matched = match ?? (onlyPermission ? nearest : undefined)
  if (matched) {
    const findings = onlyPermission ? differences : []
    return {
      count: specs.length, matched: matched.label, closest: null, findings,
      lines: [`trust.json declares this job's trusted publisher: ${describeDeclared(matched)}`, ...findings.map((f) => `  ${f.message}`)],
    }
  }
  return {
    count: specs.length, matched: null, closest: nearest?.label ?? null, findings: differences, change,
    lines: [
      `trust.json declares ${specs.length} trusted publisher${specs.length === 1 ? '' : 's'} for ${pkg}; none is this job:`,
      ...(nearest ? [`  The ${others.length ? 'closest ' : ''}declared publisher is ${describeDeclared(nearest)}:`, ...differences.map((f) => `    ${f.message}`)] : []),
      ...(change ? [`  It is this job's workflow file: ${changeAdvice(differences, `trust.json${found.where}`, ' and run `trust-native apply --config trust.json --replace` there')}.`] : []),
      ...(others.length ? [`  The other${others.length === 1 ? '' : 's'}: ${others.map(describeDeclared).join('; ')}.`] : []),
    ],
  }
}

/** When an id_token expires, from its `exp` (seconds), which may be missing or out of range. */
function expiry(exp) {
  const date = new Date(typeof exp === 'number' ? exp * 1000 : Number.NaN)
  return Number.isNaN(date.getTime()) ? 'no valid expiry (exp)' : `expires ${date.toISOString()}`
}

// ---------------------------------------------------------------------------------------------
// npm stage

/** npm's `validateUUID`: checked before anything is sent. What was given is not echoed. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function stageId(id) {
  if (!id) throw new UsageError('Missing required <stage-id>')
  if (!UUID.test(id)) throw new UsageError('stage-id must be a valid UUID')
  return id
}

/** npm's `logStageItem`: one `key: value` line per field. */
function printStaged(item) {
  const { id, packageName, version, tag, createdAt, actor, actorType, shasum, ...rest } = item
  const values = {
    id,
    'package name': packageName,
    version,
    tag,
    'date staged': createdAt,
    'staged by': actorType ? `${actor} (${actorType})` : actor,
    shasum,
    ...rest,
  }
  out(Object.entries(values).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}: ${v}`).join('\n'))
}

const label = (item) => `${item.packageName}@${item.version}${item.tag ? ` (${item.tag})` : ''}`

/**
 * The staged versions of the packages --workspaces and --package name, oldest first (two
 * versions of a package are approved in the order they were staged).
 */
async function stagedOf(values) {
  const names = new Set(values.package ?? [])
  if (values.workspaces) {
    for (const p of (await tn.discoverWorkspacePackages(process.cwd())).packages) names.add(p.name)
  }
  const all = await tn.listStaged(common(values))
  return all.filter((item) => names.has(item.packageName)).reverse()
}

/**
 * `publish` and `stage publish`: each folder or tarball given (default: the current folder),
 * or every workspace package. In CI the token comes from trusted publishing (a refused
 * exchange says why); elsewhere the configured token is used, with 2FA.
 */
async function publishEach(values, targets, { stage }) {
  if (values.access !== undefined && !['public', 'restricted'].includes(values.access)) throw new UsageError('--access must be public or restricted')
  const provenance = provenanceOptions(values, UsageError)
  const warned = new Set()
  let staged = false
  const code = await eachPackage(values, targets, async (client, target, say) => {
    const source = target.endsWith('.tgz') ? { tarball: target } : { folder: target }
    const options = { ...source, ...(values.tag && { tag: values.tag }), ...(values.access && { access: values.access }), ...provenance, dryRun: Boolean(values['dry-run']) }
    const r = await (stage ? client.stagePublish(options) : client.publish(options))
    staged ||= Boolean(r.stageId)
    // Warnings about the setup (a static token line, the registry) come once, not per package.
    for (const w of r.warnings.filter((w) => !warned.has(w))) {
      warned.add(w)
      if (!values.json) warn(w)
    }
    const how = r.tokenSource === 'oidc' ? 'through trusted publishing' : 'with your token'
    if (r.dryRun) say.out(`Would ${stage ? 'stage' : 'publish'} ${r.package}@${r.version} (tag ${r.tag})`)
    else say.out(stage ? `+ ${r.package}@${r.version} (staged with id ${r.stageId}, ${how})` : `+ ${r.package}@${r.version} (${how})`)
    const log = r.provenance.attached?.transparencyLog
    if (log) say.out(`  provenance logged at ${log.url}`)
    else if (!r.dryRun && r.provenance.wouldAttach && !values.json) warn(`${r.package}: published without provenance (--no-provenance)`)
    return r
  }, { workspaceTarget: (p) => p.path, none: '.', key: 'target' })
  if (staged && !values.json) out('Approve them with one 2FA: trust-native stage approve --workspaces (or stage approve <id...>)')
  return code
}

const STAGE = {
  /** `stage publish`: see `publishEach`. No 2FA is asked: that is the approval's. */
  publish: (values, targets) => publishEach(values, targets, { stage: true }),

  async list(values, [pkg]) {
    if (pkg && pkg.lastIndexOf('@') > 0) throw new UsageError('Version specifiers are not supported for listing staged packages')
    const items = await tn.listStaged({ ...common(values), ...(pkg && { package: pkg }) })
    if (values.json) {
      out(JSON.stringify(items, null, 2))
    } else if (!items.length) {
      out(pkg ? `No staged versions of package name "${pkg}".` : 'No staged packages found.')
    } else {
      items.forEach((item, i) => {
        if (i > 0) out()
        printStaged(item)
      })
    }
    return EXIT.ok
  },

  async view(values, [id]) {
    const item = await tn.viewStaged({ ...common(values), id: stageId(id) })
    if (values.json) out(JSON.stringify(item, null, 2))
    else printStaged(item)
    return EXIT.ok
  },

  async reject(values, [id]) {
    stageId(id)
    if (!values.json) warn('Rejecting will permanently delete this staged publish record and tarball from the registry.')
    const result = await tn.rejectStaged({ ...common(values), id, dryRun: Boolean(values['dry-run']) })
    if (values.json) out(JSON.stringify(result, null, 2))
    else out(result.dryRun ? `Would reject staged package ${id}.` : `Staged package ${id} has been rejected.`)
    return EXIT.ok
  },

  async download(values, [id]) {
    const result = await tn.downloadStaged({ ...common(values), id: stageId(id), ...(values.file && { file: values.file }) })
    if (values.json) out(JSON.stringify(result, null, 2))
    else out(relative(process.cwd(), result.file) || result.file)
    return EXIT.ok
  },

  /**
   * `approve <id...>`, or every staged version of the workspace's packages (--workspaces) or of
   * the packages named (--package): one after the other, with one 2FA. The first approval asks
   * (or uses --otp); the code is reused by the next ones, and asked again only if the registry
   * refuses it (expired).
   */
  async approve(values, ids) {
    const bulk = Boolean(values.workspaces || values.package?.length)
    if (bulk && ids.length) throw new UsageError('Give stage ids, or --workspaces / --package, not both')
    if (!bulk && !ids.length) throw new UsageError('Missing required <stage-id>')
    ids.forEach(stageId)
    const dryRun = Boolean(values['dry-run'])
    if (ids.length === 1) {
      const result = await tn.approveStaged({ ...common(values), id: ids[0], dryRun })
      if (values.json) out(JSON.stringify(result, null, 2))
      else out(dryRun ? `Would approve staged package ${ids[0]}.` : `Staged package ${ids[0]} approved and published successfully.`)
      return EXIT.ok
    }
    const targets = bulk ? await stagedOf(values) : ids.map((id) => ({ id }))
    if (!targets.length) {
      if (values.json) out('[]')
      else out('No staged versions of these packages.')
      return EXIT.ok
    }
    if (bulk && !values.json) {
      out(`${dryRun ? 'Would approve' : 'Approving'} ${targets.length} staged versions:`)
      for (const t of targets) out(`  ${label(t)} ${t.id}`)
    }
    if (bulk && !dryRun) await confirm(values)
    // One onOtp for the run: what it obtains is reused by the next calls.
    const options = common(values)
    const results = []
    for (const t of targets) {
      const shown = t.packageName ? label(t) : t.id
      // Without 2FA nothing else can be approved: the rest are not tried (nor asked for again).
      if (results.some((r) => r.error?.code === 'EOTP')) {
        results.push({ id: t.id, status: 'skipped' })
        continue
      }
      try {
        const { request } = await tn.approveStaged({ ...options, id: t.id, dryRun })
        results.push({ id: t.id, status: dryRun ? 'dryRun' : 'approved', request })
        if (!values.json) out(dryRun ? `Would approve ${shown}.` : `Approved ${shown}: staged package ${t.id} published.`)
      } catch (error) {
        results.push({ id: t.id, status: 'failed', error: { code: error.code, message: describeError(error) } })
        if (!values.json) err(`failed ${shown}: ${error.code} ${describeError(error)}`)
      }
    }
    const count = (status) => results.filter((r) => r.status === status).length
    if (values.json) out(JSON.stringify(results, null, 2))
    else if (!dryRun) out(`Approved ${count('approved')} of ${targets.length} staged versions${count('failed') ? `, ${count('failed')} failed` : ''}${count('skipped') ? `, ${count('skipped')} not tried` : ''}.`)
    return results.every((r) => r.status === 'approved' || r.status === 'dryRun') ? EXIT.ok : EXIT.failed
  },
}

// ---------------------------------------------------------------------------------------------
// Help and dispatch

function helpText(name, command) {
  const lines = [`Usage: ${command.usage}`, '', command.summary, '', 'Options:']
  for (const [flag, spec] of Object.entries(command.flags)) {
    if (spec.hidden) continue
    const short = spec.short ? `-${spec.short}, ` : ''
    const arg = spec.type === 'string' ? ` <${flag}>` : ''
    lines.push(`  ${`${short}--${flag}${arg}`.padEnd(36)} ${spec.help ?? ''}${spec.multiple ? ' (repeatable)' : ''}`)
  }
  return lines.join('\n')
}

/** Node's unknown-option error with the command's closest flag, as the library suggests options. */
function unknownFlag(error, flags) {
  const given = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /^Unknown option '(-{1,2})([^'=]+)/.exec(error.message)
  const meant = given && tn.closestName(given[2], Object.keys(flags).filter((flag) => !flags[flag].hidden))
  return meant ? `Unknown option '${given[1]}${given[2]}'. Did you mean --${meant}?` : undefined
}

function mainHelp() {
  const lines = [
    'Usage: trust-native <command> [options]',
    '',
    'npm trusted publishing: npm trust as a drop-in, plus plan/apply for many packages and doctor for CI.',
    '',
    'Commands:',
  ]
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${command.summary}`)
  lines.push('', 'Run trust-native <command> --help for its options.', '', 'Exit codes: 0 success, 1 a call or a package failed, 2 invalid command line, 130 apply interrupted.')
  return lines.join('\n')
}

async function main(argv) {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(mainHelp())
    return name ? EXIT.ok : EXIT.usage
  }
  if (name === '--version') {
    out(require('../package.json').version)
    return EXIT.ok
  }
  // Own commands only: `constructor`, `toString` or `__proto__` are not commands.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    err(`Unknown command "${name}"\n\n${mainHelp()}`)
    return EXIT.usage
  }
  let parsed
  try {
    parsed = parseArgs({ args: rest, options: command.flags, allowPositionals: true, strict: true })
  } catch (error) {
    err(`${unknownFlag(error, command.flags) ?? error.message}\n\n${helpText(name, command)}`)
    return EXIT.usage
  }
  if (parsed.values.help) {
    out(helpText(name, command))
    return EXIT.ok
  }
  commandFlags = command.flags
  try {
    return await command.run(parsed.values, parsed.positionals)
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${helpText(name, command)}`)
      return EXIT.usage
    }
    const message = describeError(error, parsed.positionals[0])
    if (parsed.values.json) out(JSON.stringify({ error: { code: error.code, message } }, null, 2))
    err(`trust-native error ${error.code ?? ''} ${message}`.replace('  ', ' '))
    // A drift check that could not be made is an error (2), never drift (1).
    return parsed.values['exit-code'] ? DRIFT.errors : EXIT.failed
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
  process.stdin.pause()
})
