'use strict'

// What a JavaScript action has of the GitHub Actions runner: its inputs (INPUT_* variables), the
// files it reads after the step (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY), the state
// the main step saved (STATE_* in the post step), and workflow commands (annotations, masks),
// written as the runner documents them and @actions/core writes them, without a dependency.

const { appendFileSync } = require('node:fs')
const { randomUUID } = require('node:crypto')

/** An input as the runner passes it: INPUT_<NAME> (spaces as `_`, upper case), trimmed. */
const input = (name) => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

/** `name<<delimiter`, the value, the delimiter: the multi-line form of an environment file. */
function appendEntry(variable, name, value) {
  const file = process.env[variable]
  if (!file) throw new Error(`${variable} is not set: this runs as a step of a GitHub Actions job`)
  const delimiter = `ghadelimiter_${randomUUID()}`
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
}

const setOutput = (name, value) => appendEntry('GITHUB_OUTPUT', name, value)

/** Saved for the post step, which reads it as STATE_<name>. Never a secret: it is a file. */
const saveState = (name, value) => appendEntry('GITHUB_STATE', name, value)

const state = (name) => process.env[`STATE_${name}`] ?? ''

/** Markdown appended to the job's summary page. */
function summary(markdown) {
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`)
}

const escapeData = (s) => String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (s) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** An annotation (`error`, `warning` or `notice`) on the run's page, with a title. */
function annotate(level, message, title) {
  process.stdout.write(`::${level}${title ? ` title=${escapeProperty(title)}` : ''}::${escapeData(message)}\n`)
}

module.exports = { input, setOutput, saveState, state, summary, annotate }
