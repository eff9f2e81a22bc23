// The GitHub Action (action.yml), run as the runner runs a JavaScript action: its inputs as
// INPUT_* variables (with action.yml's defaults), the environment files it writes
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE) read back as the runner reads them, and the
// post step with the state the main step saved, against the emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { isolateNpmConfig, startEmulator, tempDir } from './helpers.mjs'

const require = createRequire(import.meta.url)
const ROOT = join(import.meta.dirname, '..')
const ACTION = load(readFileSync(join(ROOT, 'action.yml'), 'utf8'))

let emulator, home
beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const RELEASE = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage', 'createStagedPackage'] }
beforeEach(() => {
  emulator.seed({ packages: ['@acme/core', '@acme/utils'].map((name) => ({ name, maintainers: ['alice'], versions: ['1.0.0'], publishers: [RELEASE] })) })
})

const job = () => emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main', repository_visibility: 'private' })

/** A GitHub workspace holding a pnpm monorepo: @acme/utils depends on @acme/core (`workspace:^`). */
function checkout(extra = []) {
  const root = tempDir('tn-action-')
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true }))
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n')
  writeFileSync(join(root, '.npmrc'), `registry=${emulator.url}\n`)
  const pkg = (dir, manifest) => {
    mkdirSync(join(root, 'packages', dir), { recursive: true })
    writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify({ license: 'MIT', repository: 'github:acme/mono', ...manifest }))
  }
  pkg('core', { name: '@acme/core', version: '1.1.0' })
  pkg('utils', { name: '@acme/utils', version: '1.0.1', dependencies: { '@acme/core': 'workspace:^' } })
  for (const [dir, manifest] of extra) pkg(dir, manifest)
  return root
}

/** An environment file as the runner reads it: `name=value` lines and `name<<delimiter` blocks. */
function readEnvFile(path) {
  const entries = {}
  const lines = readFileSync(path, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      entries[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      entries[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1)
    }
  }
  return entries
}

function runNode(script, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, script)], { cwd, env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * The action's main step then its post step, as the runner runs them in a job of `workspace`:
 * `{ main, post, outputs, summary, state, files }`.
 */
async function runAction(inputs, { workspace, env = {} }) {
  const temp = tempDir('tn-runner-')
  const files = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE'].map((name) => [name, join(temp, name)]))
  for (const path of Object.values(files)) writeFileSync(path, '')
  const given = { ...Object.fromEntries(Object.entries(ACTION.inputs).map(([name, spec]) => [name, spec.default ?? ''])), ...inputs }
  const base = {
    ...process.env,
    ...files,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    ...Object.fromEntries(Object.entries(given).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])),
    ...env,
  }
  const main = await runNode(ACTION.runs.main, base, workspace)
  const state = readEnvFile(files.GITHUB_STATE)
  const post = await runNode(ACTION.runs.post, { ...base, ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])) }, workspace)
  return { main, post, outputs: readEnvFile(files.GITHUB_OUTPUT), summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), state, files }
}

describe('the action runs as the runner runs it', () => {
  it('publish with workspaces: each version through trusted publishing, the summary with its links, the published output', async () => {
    const workspace = checkout()
    const run = await runAction({ workspaces: 'true' }, { workspace, env: job() })
    expect(run.main.code, run.main.stderr + run.main.stdout).toBe(0)
    const published = JSON.parse(run.outputs.published)
    expect(published).toEqual([
      { name: '@acme/core', version: '1.1.0', tag: 'latest', status: 'published' },
      { name: '@acme/utils', version: '1.0.1', tag: 'latest', status: 'published' },
    ])
    expect(emulator.versions('@acme/utils')).toEqual(['1.0.0', '1.0.1'])
    expect(run.summary).toContain('## trust-native publish')
    expect(run.summary).toContain('| repository | acme/mono |')
    expect(run.summary).toContain(`[1.1.0](${emulator.url.replace(/\/$/, '')}/@acme%2fcore)`)
    expect(run.summary).toMatch(/\| @acme\/utils \| \[1\.0\.1\]\([^)]+\) \| published, tag latest \| [^|]*provenance[^|]* \|/)
    expect(run.main.stdout).not.toMatch(/::error/)
    expect(run.post.code).toBe(0)
  })

  it('a package that fails: the others publish, the step fails, the annotation and the summary say why and what to run', async () => {
    const workspace = checkout([['new', { name: '@acme/new', version: '0.1.0' }]])
    const run = await runAction({ workspaces: 'true' }, { workspace, env: job() })
    expect(run.main.code).toBe(1)
    expect(JSON.parse(run.outputs.published).map((p) => p.name)).toEqual(['@acme/core', '@acme/utils'])
    expect(run.main.stdout).toMatch(/^::error title=trust-native::@acme\/new: EOIDCEXCHANGE .*trust-native claim @acme\/new --type github --repository acme\/mono --file release\.yml/m)
    expect(run.summary).toMatch(/\| @acme\/new \| 0\.1\.0 \| \*\*failed\*\* EOIDCEXCHANGE: .*trust-native claim @acme\/new/)
    expect(run.summary).toContain('The trusted publisher this job needs: `trust-native github <package> --repository acme/mono --file release.yml`')
  })

  it('stage: staged through the exchange, the output carries the stage ids, the summary how to approve', async () => {
    const run = await runAction({ command: 'stage', workspaces: 'true' }, { workspace: checkout(), env: job() })
    expect(run.main.code, run.main.stderr).toBe(0)
    const published = JSON.parse(run.outputs.published)
    expect(published.map((p) => [p.name, p.status])).toEqual([['@acme/core', 'staged'], ['@acme/utils', 'staged']])
    expect(published[0].stageId).toMatch(/^[0-9a-f-]{36}$/)
    expect(emulator.versions('@acme/core')).toEqual(['1.0.0'])
    expect(run.summary).toContain('`npx trust-native stage approve --workspaces`')
  })

  it('setup-node\'s .npmrc with NODE_AUTH_TOKEN unset or empty: a warning that says what to change', async () => {
    const workspace = checkout()
    // What actions/setup-node with registry-url leaves: an .npmrc in RUNNER_TEMP, named by NPM_CONFIG_USERCONFIG.
    const npmrc = join(tempDir('tn-setup-node-'), '.npmrc')
    writeFileSync(npmrc, `//${new URL(emulator.url).host}/:_authToken=\${NODE_AUTH_TOKEN}\nregistry=${emulator.url}\nalways-auth=true\n`)
    for (const value of [undefined, '']) {
      const run = await runAction({ command: 'doctor', workspaces: 'true' }, { workspace, env: { ...job(), npm_config_userconfig: undefined, NPM_CONFIG_USERCONFIG: npmrc, NODE_AUTH_TOKEN: value } })
      expect(run.main.stdout).toMatch(/^::warning title=trust-native%3A npmrc::.*_authToken=\$\{NODE_AUTH_TOKEN\}.*Remove `registry-url` from the actions\/setup-node step/m)
      expect(run.main.stdout).toContain(value === undefined ? 'NODE_AUTH_TOKEN is unset' : 'NODE_AUTH_TOKEN is empty')
      expect(run.summary).toContain('Remove `registry-url`')
    }
  })

  it('exchange writes a token only when asked, never to the runner\'s files, and the post step removes it', async () => {
    const workspace = join(checkout(), 'packages', 'core')
    const userNpmrc = join(home, 'npmrc-user')
    writeFileSync(userNpmrc, 'fund=false\n')
    const without = await runAction({ command: 'exchange' }, { workspace, env: job() })
    expect(without.main.code, without.main.stderr).toBe(0)
    expect(readFileSync(userNpmrc, 'utf8')).toBe('fund=false\n')
    expect(without.summary).toContain('An npm token for `@acme/core` through trusted publishing')

    const asked = await runAction({ command: 'exchange', 'write-npmrc': 'true' }, { workspace, env: job() })
    expect(asked.main.code, asked.main.stderr).toBe(0)
    expect(asked.state.npmrc).toBeDefined()
    expect(JSON.parse(asked.state.npmrc)).toEqual({ path: userNpmrc, key: `//${new URL(emulator.url).host}/:_authToken` })
    // The token was there until the post step: the runner's files never held it.
    for (const file of Object.values(asked.files)) expect(readFileSync(file, 'utf8')).not.toMatch(/_authToken=\S/)
    expect(readFileSync(userNpmrc, 'utf8')).toBe('fund=false\n')
    if (process.platform !== 'win32') expect(statSync(userNpmrc).mode & 0o777).toBe(0o600)
  })

  it('the post step removes what the main step wrote before the job ended', async () => {
    // The main step alone (the job's later steps use the token), then the post step.
    const workspace = join(checkout(), 'packages', 'core')
    const userNpmrc = join(home, 'npmrc-user')
    writeFileSync(userNpmrc, 'fund=false\n')
    const temp = tempDir('tn-runner-')
    const files = { GITHUB_OUTPUT: join(temp, 'o'), GITHUB_STEP_SUMMARY: join(temp, 's'), GITHUB_STATE: join(temp, 'st') }
    for (const path of Object.values(files)) writeFileSync(path, '')
    const env = { ...process.env, ...job(), ...files, GITHUB_WORKSPACE: workspace, INPUT_COMMAND: 'exchange', 'INPUT_WRITE-NPMRC': 'true' }
    const main = await runNode(ACTION.runs.main, env, workspace)
    expect(main.code, main.stderr).toBe(0)
    expect(readFileSync(userNpmrc, 'utf8')).toMatch(/_authToken=\S+/)
    const state = readEnvFile(files.GITHUB_STATE)
    const post = await runNode(ACTION.runs.post, { ...env, STATE_npmrc: state.npmrc }, workspace)
    expect(post.code).toBe(0)
    expect(readFileSync(userNpmrc, 'utf8')).toBe('fund=false\n')
  })

  it('an unknown command fails the step and names the ones there are', async () => {
    const run = await runAction({ command: 'deploy' }, { workspace: checkout(), env: job() })
    expect(run.main.code).toBe(1)
    expect(run.main.stdout).toContain('::error title=trust-native::The input command must be one of doctor, publish, stage, exchange, not "deploy".')
  })
})

describe('the trust-native the action runs', () => {
  it('a checkout of the action without a built addon (what `uses:` fetches) runs the published package of its own version', () => {
    const { cliCommand } = require('../action/cli.js')
    const checkoutOnly = tempDir('tn-action-checkout-')
    writeFileSync(join(checkoutOnly, 'package.json'), JSON.stringify({ name: 'trust-native', version: '9.8.7' }))
    writeFileSync(join(checkoutOnly, 'main.js'), "throw new Error('no addon for this platform')\n")
    const { command, args } = cliCommand(checkoutOnly)
    expect(command).toMatch(/^npm(\.cmd)?$/)
    expect(args).toEqual(['exec', '--yes', '--package=trust-native@9.8.7', '--', 'trust-native'])
    // This repository, built: its own bin.
    expect(cliCommand().args).toEqual([join(ROOT, 'bin', 'trust-native.js')])
  })
})

describe('action.yml', () => {
  it('declares every input the main step reads, and each it declares is read', () => {
    const sources = ['main.js', 'runner.js', 'summary.js'].map((f) => readFileSync(join(ROOT, 'action', f), 'utf8')).join('\n')
    const read = [...sources.matchAll(/input\('([^']+)'\)/g)].map((m) => m[1])
    expect(new Set(read)).toEqual(new Set(Object.keys(ACTION.inputs)))
    expect(Object.keys(ACTION.outputs)).toEqual(['published'])
    expect(ACTION.runs).toEqual({ using: 'node24', main: 'action/main.js', post: 'action/post.js' })
    for (const script of [ACTION.runs.main, ACTION.runs.post]) expect(existsSync(join(ROOT, script))).toBe(true)
  })
})
