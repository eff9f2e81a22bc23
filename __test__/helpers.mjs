// Shared test support: an emulator with a known cast, temporary project folders, and an
// environment isolated from the developer's own npm configuration.
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const npmCli = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js')
export const tn = require('../index.js')
/** The registry emulator, as users' own tests load it. */
export const testing = require('trust-native/testing')

export const OTP = '246810'
export const ALICE = 'alice-test-token-0001'

/** A fresh folder under the OS temp dir. */
export function tempDir(prefix = 'tn-') {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A project folder with the given package.json (and optional .npmrc text). */
export function project(pkg, npmrc) {
  const dir = tempDir('tn-project-')
  if (pkg) writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  if (npmrc) writeFileSync(join(dir, '.npmrc'), npmrc)
  return dir
}

/**
 * Points npm config resolution (ours and the npm CLI's) at empty user and global files, and
 * removes tokens and inherited npm configuration from the environment (`npm test` exports its
 * own config as npm_config_* variables, which outrank .npmrc files), so tests never depend on
 * the machine they run on.
 */
export function isolateNpmConfig() {
  const home = tempDir('tn-home-')
  mkdirSync(join(home, 'cache'))
  writeFileSync(join(home, 'npmrc-user'), '')
  writeFileSync(join(home, 'npmrc-global'), '')
  for (const key of Object.keys(process.env)) {
    if (/^npm_config_/i.test(key)) delete process.env[key]
  }
  // The CLI treats a CI job without a terminal as unattended (no 2FA prompt): a test that is a
  // CI job says so in its env (the emulator's githubActionsJob), not the machine running it.
  for (const key of ['CI', 'NPM_TOKEN', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    delete process.env[key]
  }
  process.env.npm_config_userconfig = join(home, 'npmrc-user')
  process.env.npm_config_globalconfig = join(home, 'npmrc-global')
  // npm's builtin config (`npmrc` in npm's folder, which npm_execpath names): none, whatever
  // this machine's npm has (Node's Windows installer and Homebrew write one).
  process.env.npm_execpath = join(home, 'npm', 'bin', 'npm-cli.js')
  return home
}

/** The cast most tests use: alice maintains two packages; others exist to fail. */
export async function startEmulator(extra = {}) {
  return testing.startEmulator({
    ...extra,
    users: [
      { name: 'alice', token: ALICE, otp: OTP },
      { name: 'mallory', token: 'mallory-test-token', otp: OTP },
      { name: 'no2fa', token: 'no2fa-test-token', tfa: false },
      { name: 'bot', token: 'bypass-test-token', bypass2fa: true },
      ...(extra.users ?? []),
    ],
    packages: [
      { name: 'widgets', maintainers: ['alice', 'no2fa', 'bot'] },
      { name: '@acme/tools', maintainers: ['alice'] },
      ...(extra.packages ?? []),
    ],
  })
}

/** Common options for alice against an emulator. */
export function asAlice(emulator, more = {}) {
  return { registry: emulator.url, token: ALICE, otp: OTP, ...more }
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(promise) {
  let value
  try {
    value = await promise
  } catch (error) {
    return error
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
}

/** The CI variables tests set; cleared around each OIDC test so the machine's own never leak in. */
const CI_VARIABLES = [
  'CI', 'GITHUB_ACTIONS', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITLAB_CI',
  'CIRCLECI', 'BUILDKITE', 'GCE_METADATA_HOST', 'NPM_ID_TOKEN', 'PYPI_ID_TOKEN', 'NPM_REGISTRY_NPMJS_ORG_ID_TOKEN',
]

/** Runs `fn` with exactly these CI variables set (others cleared), then restores the environment. */
export async function withCiEnv(vars, fn) {
  const saved = Object.fromEntries(CI_VARIABLES.map((k) => [k, process.env[k]]))
  for (const k of CI_VARIABLES) delete process.env[k]
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const k of [...CI_VARIABLES, ...Object.keys(vars)]) delete process.env[k]
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v
  }
}

/**
 * Runs the pinned npm CLI (a devDependency, npm 11.19.x; or `client`, `{ node, npmCli }`, such
 * as npm 12 from `referenceNpm12()`) in `cwd` with the config isolated by `isolateNpmConfig`
 * (its `home`); resolves even when npm fails: `{ code, stdout, stderr }`.
 */
export async function runNpm(args, { cwd, home, env = {}, client = { node: process.execPath, npmCli } }) {
  try {
    const { stdout, stderr } = await run(client.node, [client.npmCli, ...args], {
      cwd,
      env: {
        ...process.env,
        npm_config_cache: join(home, 'cache'),
        npm_config_update_notifier: 'false',
        NO_COLOR: '1',
        ...env,
      },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr }
  }
}

/**
 * What the npm wire contract covers of recorded requests: method, path and query, body, and the
 * auth, OTP, command, scope and encoding headers.
 */
export function wire(requests) {
  return requests.map((r) => ({
    method: r.method,
    path: r.path,
    body: r.body,
    authorization: r.headers.authorization,
    otp: r.headers['npm-otp'],
    authType: r.headers['npm-auth-type'],
    command: r.headers['npm-command'],
    scope: r.headers['npm-scope'],
    contentType: r.headers['content-type'],
    contentEncoding: r.headers['content-encoding'],
  }))
}

const BIN = join(import.meta.dirname, '..', 'bin', 'trust-native.js')

/**
 * Runs the trust-native CLI in `cwd` without a terminal (stdin closed); resolves even when it
 * fails: `{ code, stdout, stderr }`.
 */
export function runCli(args, { cwd, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.stdin.end()
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A git identity for the repositories tests commit in (none is configured on a CI machine). */
export const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' }

/** `git ...args` in `cwd`, as GIT_IDENTITY. */
export const git = (cwd, ...args) => execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_IDENTITY }, encoding: 'utf8', stdio: 'pipe' })

/**
 * A repository with one `feat:` commit of `files(remote)` on main, pushed to a local bare
 * remote, with trust-native installed as users install it (node_modules/trust-native).
 */
export function pushedRepo(files) {
  const dir = tempDir('tn-release-')
  const remote = join(dir, 'remote.git')
  const cwd = join(dir, 'work')
  mkdirSync(cwd)
  git(dir, 'init', '--bare', '-b', 'main', remote)
  for (const [name, text] of Object.entries(files(remote))) writeFileSync(join(cwd, name), text)
  mkdirSync(join(cwd, 'node_modules'))
  symlinkSync(join(import.meta.dirname, '..'), join(cwd, 'node_modules', 'trust-native'), 'dir')
  git(cwd, 'init', '-b', 'main')
  git(cwd, 'add', '.')
  git(cwd, 'commit', '-m', 'feat: widgets')
  git(cwd, 'remote', 'add', 'origin', remote)
  git(cwd, 'push', 'origin', 'main')
  return { cwd, remote }
}
