// trust-native/semantic-release: a semantic-release plugin that fails a release, before any
// version is created, when a package would not publish through npm trusted publishing.

import type { TrustSpec } from '../index'

/**
 * The plugin's options (semantic-release's global options are passed along and ignored).
 *
 * @example
 * ```json
 * {
 *   "plugins": [
 *     "@semantic-release/commit-analyzer",
 *     ["trust-native/semantic-release", { "ensure": true }],
 *     "@semantic-release/npm"
 *   ]
 * }
 * ```
 */
export interface PluginConfig {
  /** The folder of the package to publish, as for `@semantic-release/npm`. Default `'.'`. */
  pkgRoot?: string
  /** Every publishable package of the workspace instead (monorepo releases). Default false. */
  workspaces?: boolean
  /**
   * The trusted publisher the repository declares: a trust.json path, or the publisher's
   * options for every package (`{ type: 'github', repository, file, environment }`). Default:
   * trust.json in the working directory, when there is one. In CI, a refused exchange is
   * explained claim by claim against it; outside CI, `ensure` creates it.
   */
  trust?: string | Partial<Omit<TrustSpec, 'package'>>
  /**
   * Outside CI, create the trusted publisher of a package that has none (with the user's npm
   * token; a one-time password from `npm_config_otp`). Nothing is created in a dry run.
   * Default false: a package without one fails the release.
   */
  ensure?: boolean
  /**
   * Publish the release with trust-native (in CI through trusted publishing, one exchange per
   * package) instead of `@semantic-release/npm`, which stays in `plugins` with `npmPublish:
   * false` for its prepare step (the version in package.json). A channel's release goes to the
   * dist-tag named after it, and `addChannel` moves dist-tags through the exchange. Default false.
   */
  publish?: boolean
  /**
   * As `publish`, but the versions are staged: a maintainer publishes them with one 2FA
   * (`npx trust-native stage approve --package <name>`, or `--workspaces`), which the release
   * notes and the log say. Not with `publish`. Default false.
   */
  stage?: boolean
}

/** What semantic-release hands a plugin step (the parts the plugin reads). */
export interface PluginContext {
  cwd?: string
  env?: Record<string, string | undefined>
  /** semantic-release's CI detection; `env.CI` when absent. */
  envCi?: { isCi: boolean }
  /** semantic-release's options: `plugins` says whether `@semantic-release/npm` publishes. */
  options?: { dryRun?: boolean; plugins?: Array<string | [string, Record<string, unknown>] | { path: string }> }
  logger: {
    log(message: string, ...args: unknown[]): void
    warn(message: string, ...args: unknown[]): void
  }
}

/**
 * When `@semantic-release/npm` is among the plugins, rejects with `ENPMVERSION` if the one
 * semantic-release loads is older than 13.1.0, or the npm it runs older than 11.5.1: neither
 * publishes through trusted publishing.
 * In CI, exchanges this job's id_token for each package as `npm publish` will, and when the
 * registry refuses, rejects with `ETRUSTMISMATCH` and the comparison, claim by claim, with the
 * declared publisher (or the publisher this job would need). Outside CI, checks that each
 * package has a trusted publisher (`ENOTRUSTEDPUBLISHER`), creating it with `ensure`, and
 * warns about what `checkWorkflow` finds in its workflow.
 */
export declare function verifyConditions(pluginConfig: PluginConfig, context: PluginContext): Promise<void>

/** The release (next, or the one added to a channel) as semantic-release hands it to the release steps. */
export interface ReleaseContext extends PluginContext {
  nextRelease: { version: string; channel?: string | null }
}

/** What a release step answers semantic-release: the release's name and page, or false when it made none. */
export type ReleaseInfo = { name: string; url?: string; channel?: string | null } | false

/** With `stage`: a line of release notes saying the release is staged and the command that approves it. */
export declare function generateNotes(pluginConfig: PluginConfig, context: PluginContext): Promise<string>

/**
 * With `publish` or `stage`: publishes (stages) each package on the dist-tag of the release's
 * channel (else latest); `EVERSION` when package.json does not have the release's version.
 */
export declare function publish(pluginConfig: PluginConfig, context: ReleaseContext): Promise<ReleaseInfo>

/** With `publish` or `stage`: points the channel's dist-tag (else latest) at the release, through the exchange in CI. */
export declare function addChannel(pluginConfig: PluginConfig, context: ReleaseContext): Promise<ReleaseInfo>
