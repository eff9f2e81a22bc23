// @ts-check
'use strict'

// What the CLI prints: stdout for results, stderr for the rest, control characters removed.

// Terminal control sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, other `ESC x`, and
// their 8-bit forms) and every other C0/C1 control but newline and tab: text from a registry or
// an id_token must not move the cursor, retitle the terminal or hide what follows.
const CONTROLS = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g

/** @param {unknown} text */
const printable = (text) => String(text).replace(CONTROLS, '')

const out = (line = '') => process.stdout.write(`${printable(line)}\n`)

const err = (line = '') => process.stderr.write(`${printable(line)}\n`)

/** @param {string} message */
const warn = (message) => err(`trust-native warn ${message}`)

/** `1 staged version`, `3 staged versions`. @param {number} n @param {string} noun */
const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`

module.exports = { printable, out, err, warn, count }
