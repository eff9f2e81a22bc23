// @ts-check
'use strict'

// `trust-native tokens`: npm token list and revoke, with what each token can still do.

const tn = require('../..')
const { EXIT } = require('../cli/errors.js')
const { COMMON, WRITE, common } = require('../cli/flags.js')
const { out, printable } = require('../cli/output.js')

/** What a listed token can publish, in words. */
const TOKEN_PUBLISH = { direct: 'publishes directly', stage: 'can only stage (approve with 2FA)', none: 'read only' }

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native tokens [--exit-code] [--as-of <date>] [--revoke <id> ...]',
  summary: 'List your access tokens, redacted, with what each can still do under the registry\'s 2026-2027 rules and when it was last used; revoke the ones you name (npm token list, npm token revoke)',
  flags: {
    ...COMMON, 'dry-run': WRITE['dry-run'],
    revoke: { type: 'string', multiple: true, help: 'Revoke the token with this id (as listed), key or value; repeat to revoke several' },
    'exit-code': { type: 'boolean', help: 'Exit 1 when a token that publishes directly will stop (or has stopped) doing so: one that bypasses 2FA (January 2027)' },
    'as-of': { type: 'string', help: 'Apply the registry\'s rules as on this date (YYYY-MM-DD; default today)' },
  },
  async run(values) {
    if (values.revoke !== undefined) {
      // One client: one 2FA code for every token revoked.
      const client = new tn.TrustClient(common(values))
      const results = []
      for (const id of values.revoke) {
        const result = await client.revokeToken({ id, dryRun: Boolean(values['dry-run']) })
        results.push(result)
        if (!values.json) out(`${result.dryRun ? 'Would revoke' : 'Revoked'} token ${result.key ?? '(given by value)'}`)
      }
      if (values.json) out(JSON.stringify(results, null, 2))
      return EXIT.ok
    }
    // The library shows tokens redacted; nothing here prints a whole token.
    const tokens = await tn.listTokens({ ...common(values), ...(values['as-of'] && { asOf: values['as-of'] }) })
    // `--exit-code`: a token relied on for publishing that will stop working.
    const code = values['exit-code'] && tokens.some((t) => t.atRisk) ? EXIT.failed : EXIT.ok
    if (values.json) {
      out(JSON.stringify(tokens, null, 2))
      return code
    }
    if (!tokens.length) out('No tokens.')
    for (const t of tokens) {
      const traits = [TOKEN_PUBLISH[t.publish], t.manage ? 'may manage trust, access and tokens (with 2FA)' : 'cannot manage trust, access or tokens', t.accessed ? `last used ${String(t.accessed).slice(0, 10)}` : 'no use recorded', t.expires && `expires ${String(t.expires).slice(0, 10)}`].filter(Boolean)
      out(printable(`${t.id}  ${t.token ?? ''}  ${t.name ?? ''}  created ${String(t.created ?? '').slice(0, 10)}  (${traits.join(', ')})`))
      if (t.cidrWhitelist?.length) out(printable(`    from ${t.cidrWhitelist.join(', ')}`))
      for (const note of t.notes) out(printable(`    ${t.atRisk ? '! ' : ''}${note}`))
    }
    out()
    out('Revoke the ones no longer needed: trust-native tokens --revoke <id> [--revoke <id> ...]')
    return code
  },
}
