// @ts-check
// Whether the npm that will publish a semantic-release release can publish through trusted
// publishing: @semantic-release/npm publishes with its own npm (a dependency, run through execa's
// `preferLocal`), and only its versions from 13.1.0 on, with npm 11.5.1 or later, exchange the
// job's id_token; older ones fail with ENONPMTOKEN, or publish with a long-lived token.
'use strict'

const { existsSync, realpathSync } = require('node:fs')
const { delimiter, dirname, join, resolve } = require('node:path')
const { NPM_WITH_OIDC, atLeast, npmVersion } = require('../bin/doctor-checks.js')
const { readCheckoutFile } = require('../bin/read-checkout.js')

/** @semantic-release/npm 13.1.0 is the first to publish through trusted publishing. */
const NPM_PLUGIN_WITH_OIDC = [13, 1, 0]

/**
 * The package `name` as Node resolves it from `from`: its folder and version, if installed.
 * @param {string} name
 * @param {string} from
 * @returns {{ dir: string, version?: string } | undefined}
 */
function installed(name, from) {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json')
    if (existsSync(manifest)) {
      try {
        return { dir: dirname(manifest), version: JSON.parse(readCheckoutFile(manifest)).version }
      } catch {
        return undefined
      }
    }
    if (dirname(dir) === dir) return undefined
  }
}

/** The semantic-release running: the one whose bin started this process, else cwd's. @param {string} cwd */
function semanticReleaseDir(cwd) {
  try {
    for (let dir = dirname(realpathSync(process.argv[1])); dirname(dir) !== dir; dir = dirname(dir)) {
      const manifest = join(dir, 'package.json')
      if (existsSync(manifest)) {
        if (JSON.parse(readCheckoutFile(manifest)).name === 'semantic-release') return dir
        break
      }
    }
  } catch {}
  return installed('semantic-release', cwd)?.dir
}

/**
 * When the release publishes with @semantic-release/npm: the one semantic-release loads (from
 * its own folder first, then from `cwd`, as its plugin loader does) must know trusted publishing,
 * and so must the npm it runs, which execa's `preferLocal` finds (each node_modules/.bin from
 * `cwd` up, then Node's folder, then PATH). What is wrong, naming the versions that work
 * (`{ message, details }`), or nothing.
 * @param {{ cwd: string, env: Record<string, string | undefined>, options?: import('./index').PluginContext['options'] }} release
 */
function publishingNpmProblem({ cwd, env, options }) {
  // A plugin is `name`, `[name, config]` or `{ path: name, ...config }`, as semantic-release reads it.
  const entry = (options?.plugins ?? [])
    .map((p) => (Array.isArray(p) ? p : typeof p === 'string' ? [p] : [p?.path, p]))
    .find(([name]) => name === '@semantic-release/npm')
  if (!entry || /** @type {Record<string, unknown> | undefined} */ (entry[1])?.npmPublish === false) return undefined
  const releaser = semanticReleaseDir(cwd)
  const plugin = (releaser ? installed('@semantic-release/npm', join(releaser, 'lib', 'plugins')) : undefined) ?? installed('@semantic-release/npm', cwd)
  const bins = []
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    bins.push(join(dir, 'node_modules', '.bin'))
    if (dirname(dir) === dir) break
  }
  const path = [...bins, dirname(process.execPath), env.PATH ?? env.Path ?? ''].join(delimiter)
  const npm = npmVersion(cwd, { ...env, PATH: path })
  const oldPlugin = plugin?.version && !atLeast(plugin.version, NPM_PLUGIN_WITH_OIDC)
  const oldNpm = npm && !atLeast(npm, NPM_WITH_OIDC)
  if (!oldPlugin && !oldNpm) return undefined
  const what = [oldPlugin && `@semantic-release/npm ${plugin.version}`, oldNpm && `npm ${npm}, which it runs`].filter(Boolean).join(' and ')
  return {
    message: `This release publishes with ${what}, which cannot publish through trusted publishing: the publish would fail (ENONPMTOKEN, or an npm token used instead).`,
    details: [
      `Trusted publishing needs @semantic-release/npm ${NPM_PLUGIN_WITH_OIDC.join('.')} or later, which semantic-release 25 or later installs (semantic-release 24 loads its own @semantic-release/npm 12 whatever the project installs), and npm ${NPM_WITH_OIDC.join('.')} or later, which @semantic-release/npm 13 depends on.`,
      `Found: ${[plugin && `@semantic-release/npm ${plugin.version}`, npm && `npm ${npm}`].filter(Boolean).join(', ')}.`,
      'Install `semantic-release@25` (it runs on Node ^22.14.0 or >= 24.10.0), and make sure no older npm is installed in node_modules (`npm ls npm`).',
    ].join('\n\n'),
  }
}

module.exports = { publishingNpmProblem }
