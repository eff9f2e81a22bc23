// @ts-check
'use strict'

// Questions on stderr, answered on stdin (a terminal or a pipe): 2FA codes and confirmations.

const { err } = require('./output.js')
const { unattended } = require('./ci.js')
const { UsageError } = require('./errors.js')

/**
 * The next line of stdin, whether a terminal or a pipe: `null` at its end, or when `signal`
 * aborts first (a line that comes later is kept for the next question).
 */
const readLine = (() => {
  let buffered = ''
  /** @type {string[]} */
  const lines = []
  /** @type {((line: string | null) => void)[]} */
  const waiting = []
  let ended = false
  let started = false
  const flush = () => {
    while (waiting.length && (lines.length || ended)) waiting.shift()?.(lines.length ? lines.shift() ?? null : null)
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
  /** @param {AbortSignal} [signal] @returns {Promise<string | null>} */
  return (signal) => {
    if (!started) start()
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(null)
      const cancel = () => {
        const index = waiting.indexOf(answer)
        if (index >= 0) waiting.splice(index, 1)
        resolve(null)
      }
      /** @param {string | null} line */
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

/**
 * Asks on stderr; the answer, or `null` at the end of stdin or once `signal` aborts.
 * @param {string} question
 * @param {AbortSignal} [signal]
 */
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
 * @param {import('../../index').OtpChallenge} challenge
 */
async function onOtp(challenge) {
  // A code piped to the job is still read; nothing is shown that no one can act on.
  if (unattended()) {
    const line = await readLine(challenge.signal)
    if (line === null && !challenge.signal?.aborted) throw new Error('a CI job has no terminal, so no one can answer two-factor authentication there')
    return line?.trim() || undefined
  }
  if (challenge.type === 'web') err(`Authenticate your account at:\n${challenge.authUrl}`)
  const question = challenge.type === 'web'
    ? 'Approve it there, or enter a one-time password: '
    : 'This operation requires a one-time password.\nEnter OTP: '
  const line = await ask(question, challenge.signal)
  // Aborted: the approval came through the browser, or the call ended; nothing to answer.
  if (line === null && !challenge.signal?.aborted) throw new Error('stdin ended without a code.')
  return line?.trim() || undefined
}

/** Asks before a change, unless --yes. @param {import('./flags.js').Values} values */
async function confirm(values) {
  if (values.yes) return
  const answer = await ask('Do you want to proceed? (y/N) ')
  // stdin ended with no answer: no one was there to ask (a CI job, a script).
  if (answer === null) throw new UsageError('Nothing to confirm with: stdin ended before an answer (no terminal). Pass --yes to proceed without asking.', { withHelp: false })
  // A code piped for 2FA (`echo 123456 | ...`) is read by the first question, this one.
  if (process.stdin.isTTY !== true && /^\s*\d{6,8}\s*$/.test(answer)) {
    throw new UsageError('The line piped to stdin answered "Do you want to proceed?", not the one-time password prompt: pass --yes with a piped code (echo <code> | trust-native ... --yes).', { withHelp: false })
  }
  if (!['y', 'yes'].includes(answer.trim().toLowerCase())) throw new Error('User cancelled operation')
}

module.exports = { ask, onOtp, confirm }
