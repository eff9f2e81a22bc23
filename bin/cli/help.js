// @ts-check
'use strict'

// A command's help, and what Node's argument parser refuses, in the CLI's words.

const tn = require('../..')

/** A command's help: its usage, summary and flags. @param {import('./flags.js').Command} command */
function helpText(command) {
  const lines = [`Usage: ${command.usage}`, '', command.summary, '', 'Options:']
  for (const [flag, spec] of Object.entries(command.flags)) {
    if (spec.hidden) continue
    const short = spec.short ? `-${spec.short}, ` : ''
    const arg = spec.type === 'string' ? ` <${flag}>` : ''
    lines.push(`  ${`${short}--${flag}${arg}`.padEnd(36)} ${spec.help ?? ''}${spec.multiple ? ' (repeatable)' : ''}`)
  }
  return lines.join('\n')
}

/**
 * Node's unknown-option error with the command's closest flag, as the library suggests options:
 * a misspelt alias (`--envv`) suggests the flag it stands for; other hidden flags are not offered.
 * @param {unknown} error @param {import('./flags.js').Flags} flags
 */
function unknownFlag(error, flags) {
  const { code, message } = /** @type {{ code?: string, message?: string }} */ (error)
  const given = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /^Unknown option '(-{1,2})([^'=]+)/.exec(message ?? '')
  const closest = given && tn.closestName(given[2], Object.keys(flags).filter((flag) => !flags[flag].hidden || flags[flag].aliasOf))
  const meant = closest && (flags[closest].aliasOf ?? closest)
  return meant ? `Unknown option '${given[1]}${given[2]}'. Did you mean --${meant}?` : undefined
}

module.exports = { helpText, unknownFlag }
