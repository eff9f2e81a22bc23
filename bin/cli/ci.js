// @ts-check
'use strict'

// Whether anyone can answer: a CI job with no terminal cannot approve 2FA, in a browser or
// otherwise, so the CLI says so instead of showing a link and "run the command again".

/** ci-info's rule for `CI`: set, and not `false`. */
const inCi = () => Boolean(process.env.CI) && process.env.CI !== 'false'

/** A CI job with no terminal: no one reads a prompt or follows a link. */
const unattended = () => inCi() && process.stdin.isTTY !== true

module.exports = { unattended }
