// @ts-check
'use strict'

// What `trust-native doctor` checks besides the token and the configuration: the Node, npm and
// package manager the job will publish with, and what provenance needs of package.json. Each
// check answers findings: { kind, severity, expected?, actual?, message }.

const { spawnSync } = require('node:child_process')
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const tn = require('../main.js')
const { readCheckoutFile } = require('./read-checkout.js')

/**
 * What a check found: `severity` error, warning or info, and what was expected and found.
 * @typedef {{ kind: string, severity: string, expected?: string, actual?: string | null, message: string }} Finding
 */

/** npm 11.5.1 is the first to publish with OIDC; an older one skips it without a word. */
const NPM_WITH_OIDC = [11, 5, 1]

/**
 * The npm the job will publish with (the first on PATH), checked: too old, it never tries
 * OIDC and the publish fails with ENEEDAUTH or a 404 that says nothing of why.
 * @param {string} cwd
 * @returns {Finding[]}
 */
function publisherFindings(cwd) {
  const npm = npmVersion(cwd)
  return [...nodeFindings(process.versions.node), ...npmFindings(npm), ...packageManagerFindings(cwd, npm)]
}

/** npm 11, which trusted publishing needs, runs on Node ^20.17.0 or >= 22.9.0. @param {string} version */
function nodeFindings(version) {
  const [major, minor] = version.split('.').map(Number)
  const supported = major > 22 || (major === 22 && minor >= 9) || (major === 20 && minor >= 17)
  if (supported) return []
  return [{
    kind: 'node',
    severity: 'error',
    expected: '^20.17.0 || >= 22.9.0',
    actual: version,
    message: `Node ${version} cannot run npm 11, which trusted publishing needs (npm 11.5.1 or later runs on Node ^20.17.0 or >= 22.9.0): set node-version to 22 or later in actions/setup-node.`,
  }]
}

/**
 * The package manager the project names (packageManager, else its lockfile), if not npm.
 * @param {string} cwd
 * @returns {{ name: string, major?: number } | undefined}
 */
function packageManager(cwd) {
  try {
    const named = JSON.parse(readCheckoutFile(join(cwd, 'package.json'))).packageManager
    const match = typeof named === 'string' && /^(pnpm|yarn)@(\d+)/.exec(named)
    if (match) return { name: match[1], major: Number(match[2]) }
  } catch {}
  if (existsSync(join(cwd, 'pnpm-lock.yaml'))) return { name: 'pnpm' }
  if (existsSync(join(cwd, 'yarn.lock'))) return { name: 'yarn' }
  return undefined
}

/**
 * pnpm hands the packed tarball to the npm on PATH (so npm's version is what counts); Yarn 2+
 * publishes with its own npm client, which must support trusted publishing itself. Either is
 * about the project's own publish command: `trust-native publish` needs neither.
 * @param {string} cwd
 * @param {string | undefined} npm the version of the npm on PATH, if one runs
 */
function packageManagerFindings(cwd, npm) {
  const manager = packageManager(cwd)
  if (manager?.name === 'pnpm') {
    const which = npm ? `npm ${npm} here, which ${atLeast(npm, NPM_WITH_OIDC) ? 'supports' : 'does not support'} it` : 'none runs here'
    return [{ kind: 'packageManager', severity: 'info', actual: 'pnpm', message: `\`pnpm publish\` hands the packed tarball to the npm on PATH, which must support trusted publishing (${which}). \`trust-native publish\` needs no npm.` }]
  }
  if (manager?.name === 'yarn' && manager.major !== 1) {
    return [{ kind: 'packageManager', severity: 'warning', actual: 'yarn', message: '`yarn npm publish` uses Yarn\'s own npm client, not npm: check that your Yarn release supports trusted publishing (OIDC), or publish the packed tarball with `npm publish` (npm 11.5.1 or later) or `trust-native publish`.' }]
  }
  return []
}

/**
 * The version the first `npm` on `env`'s PATH prints, run in `cwd`; undefined if none runs.
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env]
 */
function npmVersion(cwd, env = process.env) {
  const options = { cwd, env, encoding: /** @type {const} */ ('utf8'), timeout: 20_000 }
  // Windows runs npm's .cmd shim only through a shell, given one command line: arguments beside
  // `shell: true` are not quoted, which Node 24 deprecates (DEP0190).
  const ran = process.platform === 'win32' ? spawnSync('npm.cmd --version', { ...options, shell: true }) : spawnSync('npm', ['--version'], options)
  return /^\d+\.\d+\.\d+/.exec(ran.stdout?.trim() ?? '')?.[0]
}

/** Whether `version` (`major.minor.patch...`) is `minimum` ([major, minor, patch]) or later. */
/** @param {string} version @param {number[]} minimum */
function atLeast(version, minimum) {
  const found = version.split('.').slice(0, 3).map((n) => Number.parseInt(n, 10))
  const differs = found.findIndex((n, i) => n !== minimum[i])
  return differs === -1 || found[differs] > minimum[differs]
}

/** @param {string | undefined} version the npm on PATH's, if one runs @returns {Finding[]} */
function npmFindings(version) {
  if (!version) {
    return [{ kind: 'npm', severity: 'warning', expected: `>= ${NPM_WITH_OIDC.join('.')}`, message: 'Could not run `npm --version` here, so which npm the job publishes with is unknown: it needs npm 11.5.1 or later for trusted publishing.' }]
  }
  if (atLeast(version, NPM_WITH_OIDC)) return []
  return [{
    kind: 'npm',
    severity: 'error',
    expected: `>= ${NPM_WITH_OIDC.join('.')}`,
    actual: version,
    message: `npm ${version} is on PATH; trusted publishing needs npm 11.5.1 or later (Node 20 and 22 ship older ones), and an older npm skips OIDC without a word. Add a step before publishing: \`npm install -g npm@latest\` (pnpm and yarn publish through their own code: check their versions support OIDC).`,
  }]
}

/**
 * `owner/repo` of a package.json `repository` on GitHub, in any of its spellings: read by the
 * core as npm reads it (hosted-git-info).
 * @param {unknown} repository
 */
function githubRepository(repository) {
  const url = typeof repository === 'string' ? repository : /** @type {{ url?: unknown } | undefined} */ (repository)?.url
  if (typeof url !== 'string') return undefined
  const found = tn.parseRepository(url)
  return found?.host === 'github' ? found.path : undefined
}

/**
 * Provenance, which npm attaches by itself when a GitHub repository is public: the registry
 * refuses the publish (E422) when package.json's `repository` is not the repository in the
 * token (renamed, transferred, forked, copied into a monorepo); a private repository cannot have
 * provenance at all, so asking for it fails.
 * @param {string} cwd
 * @param {Record<string, unknown>} claims
 * @returns {Finding[]}
 */
function provenanceFindings(cwd, claims) {
  if (typeof claims.repository !== 'string' || !claims.workflow_ref) return []
  let manifest
  try {
    manifest = JSON.parse(readCheckoutFile(join(cwd, 'package.json')))
  } catch {
    return []
  }
  const findings = []
  const declared = githubRepository(manifest.repository)
  if (claims.repository_visibility === 'public' && declared?.toLowerCase() !== claims.repository.toLowerCase()) {
    findings.push({
      kind: 'provenance',
      severity: 'error',
      expected: claims.repository,
      actual: declared ?? null,
      message: `The repository is public, so npm attaches provenance, and the registry refuses the publish (E422) unless package.json's "repository" is this one: set it to "git+https://github.com/${claims.repository}.git"${declared ? ` (it says ${declared})` : ''}.`,
    })
  }
  const asked = manifest.publishConfig?.provenance === true || process.env.NPM_CONFIG_PROVENANCE === 'true'
  if (asked && claims.repository_visibility === 'private') {
    findings.push({
      kind: 'provenance',
      severity: 'error',
      expected: 'public',
      actual: 'private',
      message: 'Provenance is asked for (publishConfig.provenance or NPM_CONFIG_PROVENANCE), but the repository is private, which cannot have provenance: remove the setting, or publish from a public repository.',
    })
  }
  return findings
}

/** `//host/path/:_authToken=${VAR}`: a token line that takes its token from a variable. */
const VARIABLE_TOKEN = /^\s*(\/\/[^\s=]+:_authToken)\s*=\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*$/

/**
 * actions/setup-node's pitfall: with `registry-url` it writes `//<registry>/:_authToken=${NODE_AUTH_TOKEN}`
 * to the .npmrc it points npm at, and a job that publishes through trusted publishing sets no
 * NODE_AUTH_TOKEN (or sets it from a secret that is empty). npm (11.5.1 and later, 12 too: see
 * its lib/utils/oidc.js) exchanges first and replaces that token when the exchange succeeds;
 * when it fails, npm sends that line's token, empty or a placeholder, and the publish fails with
 * ENEEDAUTH, E401 or E404, none of which says why the exchange failed. `config` is resolveConfig's answer:
 * the lines looked for are those of the files it read, for its registry.
 * @param {{ registry: string, files: Array<{ path: string, found: boolean }> }} config
 * @param {Record<string, string | undefined>} [env]
 * @returns {Finding[]}
 */
function setupNodeFindings(config, env = process.env) {
  // setup-node exports this placeholder when the job gives no NODE_AUTH_TOKEN.
  const PLACEHOLDER = 'XXXXX-XXXXX-XXXXX-XXXXX'
  const host = new URL(config.registry).host
  const findings = []
  for (const file of config.files.filter((f) => f.found)) {
    let text
    try {
      text = readCheckoutFile(file.path)
    } catch {
      continue
    }
    for (const line of text.split(/\r?\n/)) {
      const match = VARIABLE_TOKEN.exec(line)
      if (!match || !match[1].startsWith(`//${host}/`)) continue
      const [, key, variable] = match
      const value = env[variable]
      if (value && value !== PLACEHOLDER) continue
      const [state, sent] = value === undefined ? ['unset', `the literal text \${${variable}}`] : value ? ['setup-node\'s placeholder', value] : ['empty', 'an empty one']
      findings.push({
        kind: 'npmrc',
        severity: 'warning',
        actual: `${key}=\${${variable}}`,
        message: `${file.path} has \`${key}=\${${variable}}\`${variable === 'NODE_AUTH_TOKEN' ? ' (actions/setup-node writes it when given `registry-url`)' : ''}, and ${variable} is ${state} in this job. npm tries trusted publishing first and sends that line's token (${sent}) only when the exchange fails: the publish then fails with ENEEDAUTH, E401 or E404, which hides why the exchange failed. Remove \`registry-url\` from the actions/setup-node step (trusted publishing needs no token line), or set ${variable} only in a step that has a token to give it.`,
      })
    }
  }
  return findings
}

module.exports = { NPM_WITH_OIDC, setupNodeFindings, atLeast, githubRepository, nodeFindings, npmVersion, packageManagerFindings, provenanceFindings, publisherFindings }
