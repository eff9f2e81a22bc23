'use strict'

// The action's main step (action.yml): doctor first, for what the job's summary shows (the
// id_token's claims, the trusted publisher the job needs) and for the setup-node .npmrc pitfall
// as an annotation; then the command: `publish` or `stage` (publish --stage; --workspaces: each
// package not on the registry yet), `exchange` (a token for one package, written to an .npmrc
// only with `write-npmrc`; the post step removes it), or `doctor` alone. The summary lists each
// version published or staged with its link; the `published` output is the same list as JSON.

const { resolve } = require('node:path')
const { annotate, input, saveState, setOutput, summary } = require('./runner.js')
const { runCli } = require('./cli.js')
const { describeRun } = require('./summary.js')

const COMMANDS = ['doctor', 'publish', 'stage', 'exchange']

function main() {
  const command = input('command') || 'publish'
  if (!COMMANDS.includes(command)) {
    annotate('error', `The input command must be one of ${COMMANDS.join(', ')}, not "${command}".`, 'trust-native')
    return 1
  }
  const workspaces = input('workspaces') === 'true'
  const writeNpmrc = input('write-npmrc') === 'true'
  const cwd = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), input('working-directory') || '.')
  const many = workspaces ? ['--workspaces'] : []
  const registry = input('registry') ? ['--registry', input('registry')] : []

  const doctor = runCli(['doctor', ...many, ...registry, '--json'], cwd)
  const report = doctor.json ?? {}
  for (const f of [...(report.findings ?? []), ...(report.packages ?? []).flatMap((p) => p.findings ?? [])]) {
    if (f.severity === 'error' || f.severity === 'warning') annotate(f.severity, f.message, `trust-native: ${f.kind}`)
  }

  let ran = doctor
  if (command === 'publish' || command === 'stage') {
    const tag = input('tag') ? ['--tag', input('tag')] : []
    ran = runCli(['publish', ...many, ...(command === 'stage' ? ['--stage'] : []), ...tag, ...registry, '--json'], cwd)
  } else if (command === 'exchange') {
    if (workspaces) {
      annotate('error', 'exchange makes a token for one package: leave workspaces out, and name the package with working-directory.', 'trust-native')
      return 1
    }
    ran = runCli(['exchange', ...(writeNpmrc ? ['--write-npmrc'] : []), ...registry, '--json'], cwd)
    // Where the token went, for the post step to remove it (the path and key, not the token).
    if (ran.json?.npmrc) saveState('npmrc', JSON.stringify({ path: ran.json.npmrc.path, key: ran.json.npmrc.key }))
  }

  const { markdown, published, failures } = describeRun(command, report, ran.json)
  summary(markdown)
  setOutput('published', JSON.stringify(published))
  for (const failure of failures) annotate('error', failure, 'trust-native')
  return ran.code
}

process.exitCode = main()
