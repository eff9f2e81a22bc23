'use strict'

// The trust-native CLI the action runs: its own version. A checkout of the action (what
// `uses: trust-native/trust-native@v1` fetches) holds the JavaScript but not the platform's
// compiled addon, so it runs the published package of the same version through `npm exec`;
// a checkout with a built addon (this repository's tests) runs its own bin/.

const { spawnSync } = require('node:child_process')
const { join } = require('node:path')

const ROOT = join(__dirname, '..')

/** `{ command, args }` that start the CLI (arguments to follow). */
function cliCommand(root = ROOT) {
  try {
    require(join(root, 'main.js'))
    return { command: process.execPath, args: [join(root, 'bin', 'trust-native.js')], shell: false }
  } catch {
    const { version } = require(join(root, 'package.json'))
    const windows = process.platform === 'win32'
    return { command: windows ? 'npm.cmd' : 'npm', args: ['exec', '--yes', `--package=trust-native@${version}`, '--', 'trust-native'], shell: windows }
  }
}

/**
 * Runs the CLI with `args` (which end in --json) in `cwd`: its stderr goes to the job's log,
 * its JSON answer is returned with the exit code (`json` undefined when it printed none).
 */
function runCli(args, cwd) {
  const { command, args: head, shell } = cliCommand()
  const ran = spawnSync(command, [...head, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], shell, maxBuffer: 64 * 1024 * 1024 })
  let json
  try {
    json = JSON.parse(ran.stdout)
  } catch {}
  return { code: ran.status ?? 1, json }
}

module.exports = { cliCommand, runCli }
