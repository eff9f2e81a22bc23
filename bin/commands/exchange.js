// @ts-check
'use strict'

// `trust-native exchange`: in CI, this job's id_token exchanged for a short-lived npm token for
// one package, as `npm publish` does, saying why when the registry refuses. The token is shown
// nowhere; with --write-npmrc it is written to an .npmrc for a package manager that cannot
// exchange by itself (pnpm, yarn), and only there.

const tn = require('../..')
const { EXIT } = require('../cli/errors.js')
const { COMMON, common } = require('../cli/flags.js')
const { out, warn } = require('../cli/output.js')

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native exchange [package] [--write-npmrc | --npmrc <file>]',
  summary: 'In CI: exchange the job\'s id_token for a short-lived npm token (trusted publishing), saying why when it is refused; --write-npmrc writes it for pnpm or yarn',
  flags: {
    registry: COMMON.registry,
    timeout: COMMON.timeout,
    json: COMMON.json,
    help: COMMON.help,
    'write-npmrc': { type: 'boolean', help: 'Write the token to your user .npmrc (npm_config_userconfig, else ~/.npmrc), replacing the registry\'s token line' },
    npmrc: { type: 'string', help: 'Write the token to this .npmrc instead' },
  },
  async run(values, [pkg]) {
    // The exchange asks no 2FA: of the shared options, the registry and the time budget.
    const { registry, timeoutMs } = common(values)
    const writeNpmrc = values.npmrc ?? Boolean(values['write-npmrc'])
    const r = await tn.exchangeToken({ ...(pkg && { package: pkg }), ...(registry && { registry }), ...(timeoutMs && { timeoutMs }), writeNpmrc })
    const { token, env, ...shown } = r
    if (values.json) {
      out(JSON.stringify(shown, null, 2))
      return EXIT.ok
    }
    for (const w of r.warnings) warn(w)
    out(`${r.package}: an npm token through trusted publishing${r.expires ? `, until ${r.expires}` : ''}${r.npmrc ? `, written to ${r.npmrc.path} (${r.npmrc.key})` : ''}`)
    return EXIT.ok
  },
}
