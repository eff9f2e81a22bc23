// @ts-check
// The plugin's release steps, when it makes the release itself (`publish: true`, or `stage:
// true` to stage it for a maintainer to approve with 2FA) through trust-native: in CI each
// package's token comes from trusted publishing. `@semantic-release/npm` stays in the plugins,
// with `npmPublish: false`, for its prepare step (the version in package.json); this plugin's
// addChannel moves the dist-tags it would have moved with a token it does not have in CI.
'use strict'

const { join } = require('node:path')
const tn = require('../main.js')
const { readCheckoutFile } = require('../bin/read-checkout.js')

/**
 * @typedef {import('./index').PluginConfig} PluginConfig
 * @typedef {import('./index').PluginContext} PluginContext
 * @typedef {import('./index').ReleaseContext} ReleaseContext
 * @typedef {import('./index').ReleaseInfo} ReleaseInfo
 * @typedef {{ name: string, dir: string }} Package
 * @typedef {{ pkgRoot: string, workspaces: boolean, stage: boolean, publish: boolean }} Config
 * @typedef {{
 *   readConfig: (config: PluginConfig | undefined) => Config,
 *   packagesOf: (config: Config, cwd: string) => Promise<Package[]>,
 *   TrustPluginError: new (code: string, message: string, details?: string) => Error,
 *   asPluginError: (thrown: unknown, pkg?: Package) => Error,
 * }} PluginParts
 */

/**
 * What `@semantic-release/npm` publishes on a channel: the dist-tag named after it, else latest.
 * @param {string | null | undefined} channel
 */
const distTag = (channel) => channel || 'latest'

/**
 * The page of a version: npm's website for the public registry, else the registry's document.
 * @param {string} registry @param {string} name @param {string} version
 */
function versionUrl(registry, name, version) {
  const url = new URL(registry)
  return url.hostname === 'registry.npmjs.org' ? `https://www.npmjs.com/package/${name}/v/${version}` : `${url.origin}/${name.replace('/', '%2f')}`
}

/**
 * `npx trust-native stage approve ...`: how a maintainer publishes what the release staged.
 * @param {Config} config @param {Package[]} packages
 */
const approveCommand = (config, packages) => (config.workspaces ? 'npx trust-native stage approve --workspaces' : `npx trust-native stage approve --package ${packages[0]?.name}`)

/**
 * The release steps, given the plugin's `readConfig`, `packagesOf`, error class and error
 * conversion (index.js): `{ generateNotes, publish, addChannel }`.
 * @param {PluginParts} parts
 */
function releaseSteps({ readConfig, packagesOf, TrustPluginError, asPluginError }) {
  /**
   * The release notes say a staged release is not installable yet, and how it becomes so.
   * @param {PluginConfig} pluginConfig @param {PluginContext} context
   */
  async function generateNotes(pluginConfig, { cwd = process.cwd() }) {
    const config = readConfig(pluginConfig)
    if (!config.stage) return ''
    const packages = await packagesOf(config, cwd)
    return `**Staged on npm, not published yet:** a maintainer publishes it with one 2FA: \`${approveCommand(config, packages)}\`.`
  }

  /**
   * @param {PluginConfig} pluginConfig @param {ReleaseContext} context
   * @returns {Promise<ReleaseInfo>}
   */
  async function publish(pluginConfig, context) {
    const config = readConfig(pluginConfig)
    if (!config.stage && !config.publish) return false
    const { cwd = process.cwd(), env = process.env, logger, nextRelease } = context
    const client = new tn.TrustClient({ cwd, env: /** @type {Record<string, string>} */ (env) })
    const tag = distTag(nextRelease.channel)
    const packages = await packagesOf(config, cwd)
    const releases = []
    for (const pkg of packages) {
      // The version comes from @semantic-release/npm's prepare step: without it, the old one would go out.
      const { version } = JSON.parse(readCheckoutFile(join(pkg.dir, 'package.json')))
      if (version !== nextRelease.version) {
        throw new TrustPluginError('EVERSION', `${pkg.name}'s package.json has version ${version}, not the release's ${nextRelease.version}.`,
          'Add `["@semantic-release/npm", { "npmPublish": false }]` to `plugins`: its prepare step writes the version.')
      }
      let r
      try {
        r = await (config.stage ? client.stagePublish({ folder: pkg.dir, tag }) : client.publish({ folder: pkg.dir, tag }))
      } catch (error) {
        throw asPluginError(error, pkg)
      }
      for (const w of r.warnings) logger.warn('%s: %s', pkg.name, w)
      const how = r.tokenSource === 'oidc' ? 'through trusted publishing' : 'with the configured token'
      if (config.stage) {
        logger.log('Staged %s@%s (dist-tag %s) %s, id %s: a maintainer publishes it with one 2FA: `%s` (or `npx trust-native stage approve %s`).', r.package, r.version, r.tag, how, r.stageId, approveCommand(config, packages), r.stageId)
        releases.push({ name: `npm package (staged ${r.stageId}: approve with \`npx trust-native stage approve ${r.stageId}\`)`, channel: nextRelease.channel })
      } else {
        logger.log('Published %s@%s on dist-tag %s %s', r.package, r.version, r.tag, how)
        const { registry } = await client.resolveConfig({ package: pkg.name, cwd: pkg.dir })
        releases.push({ name: `npm package (@${r.tag} dist-tag)`, url: versionUrl(registry, r.package, r.version), channel: nextRelease.channel })
      }
    }
    // semantic-release takes one release per plugin: the first package's names the release.
    return releases[0] ?? false
  }

  /**
   * A version released on one channel, added to another: the dist-tag moved, through the exchange in CI.
   * @param {PluginConfig} pluginConfig @param {ReleaseContext} context
   * @returns {Promise<ReleaseInfo>}
   */
  async function addChannel(pluginConfig, context) {
    const config = readConfig(pluginConfig)
    if (!config.stage && !config.publish) return false
    const { cwd = process.cwd(), env = process.env, logger, nextRelease } = context
    const client = new tn.TrustClient({ cwd, env: /** @type {Record<string, string>} */ (env) })
    const tag = distTag(nextRelease.channel)
    let first
    for (const pkg of await packagesOf(config, cwd)) {
      try {
        const r = await client.addDistTag({ package: pkg.name, cwd: pkg.dir, version: nextRelease.version, tag })
        logger.log('Added %s@%s to dist-tag %s %s', pkg.name, nextRelease.version, tag, r.tokenSource === 'oidc' ? 'through trusted publishing' : 'with the configured token')
      } catch (error) {
        throw asPluginError(error, pkg)
      }
      const { registry } = await client.resolveConfig({ package: pkg.name, cwd: pkg.dir })
      first ??= { name: `npm package (@${tag} dist-tag)`, url: versionUrl(registry, pkg.name, nextRelease.version), channel: nextRelease.channel }
    }
    return first ?? false
  }

  return { generateNotes, publish, addChannel }
}

module.exports = { releaseSteps }
