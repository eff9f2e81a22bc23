#!/usr/bin/env node
// @ts-check
// trust-native: `npm trust` as a drop-in (github, gitlab, circleci, list, revoke), plus plan and
// apply for many packages, doctor for CI, the access tokens and 2FA settings a release locks
// down (tokens, access), and staged versions to review (stage, with one 2FA for a workspace).
// A thin shell over the addon: the provider flags come from the core's provider tables, every
// decision from the library. Each command is a module of commands/; what they share, of cli/.
'use strict'

const { parseArgs } = require('node:util')
const { DRIFT, EXIT, UsageError, describeError, setCommand } = require('./cli/errors.js')
const { helpText, unknownFlag } = require('./cli/help.js')
const { err, out } = require('./cli/output.js')
const { PROVIDERS } = require('./cli/providers.js')
const { providerCommand } = require('./commands/provider.js')

/**
 * The commands, in the order the help lists them: the providers' first, as npm trust's.
 * @type {Record<string, import('./cli/flags.js').Command>}
 */
const COMMANDS = {
  ...Object.fromEntries(Object.keys(PROVIDERS).map((type) => [type, providerCommand(type)])),
  list: require('./commands/list.js'),
  revoke: require('./commands/revoke.js'),
  plan: require('./commands/plan.js'),
  apply: require('./commands/apply.js'),
  claim: require('./commands/claim.js'),
  lockdown: require('./commands/lockdown.js'),
  tokens: require('./commands/tokens.js'),
  access: require('./commands/access.js'),
  exchange: require('./commands/exchange.js'),
  publish: require('./commands/publish.js'),
  stage: require('./commands/stage.js'),
  'dist-tag': require('./commands/dist-tag.js'),
  history: require('./commands/history.js'),
  verify: require('./commands/verify.js'),
  doctor: require('./commands/doctor.js'),
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

/** Runs the command line `argv`; answers the exit code. @param {string[]} argv */
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
    err(`${unknownFlag(error, command.flags) ?? describeError(error)}\n\n${helpText(command)}`)
    return EXIT.usage
  }
  if (parsed.values.help) {
    out(helpText(command))
    return EXIT.ok
  }
  setCommand(command)
  try {
    return await command.run(/** @type {import('./cli/flags.js').Values} */ (parsed.values), parsed.positionals)
  } catch (error) {
    if (error instanceof UsageError) {
      err(error.withHelp ? `${error.message}\n\n${helpText(command)}` : error.message)
      return EXIT.usage
    }
    const { code, package: pkg } = /** @type {import('./cli/errors.js').Failure} */ (error)
    const message = describeError(error, parsed.positionals[0] ?? pkg)
    if (parsed.values.json) out(JSON.stringify({ error: { code, message } }, null, 2))
    err(`trust-native error ${code ?? ''} ${message}`.replace('  ', ' '))
    // A drift check that could not be made is an error (2), never drift (1).
    return parsed.values['exit-code'] ? DRIFT.errors : EXIT.failed
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
  process.stdin.pause()
})
