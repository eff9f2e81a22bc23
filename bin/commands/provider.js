// @ts-check
'use strict'

// `trust-native github|gitlab|circleci`: npm trust's provider commands, one per provider table.

const tn = require('../..')
const { EXIT } = require('../cli/errors.js')
const { COMMON, PERMISSIONS, STRICT, WRITE, common, permissionOptions, strict } = require('../cli/flags.js')
const { out, warn } = require('../cli/output.js')
const { confirm } = require('../cli/prompt.js')
const { PROVIDERS, inferred, keepsCiFile, providerFlags, providerOptions } = require('../cli/providers.js')
const { printOptions, publisherValues } = require('../cli/publishers.js')

/** npm's warning for a registry other than the public one (crates/core/src/config/mod.rs). */
const SUPPORT_WARNING = /^Registry \S+ may not support trusted publishing$/

/**
 * The command of the provider `type` (a row of trustProviders()): its flags, usage and words
 * come from the row, the call is addPublisher's.
 * @param {string} type
 * @returns {import('../cli/flags.js').Command}
 */
function providerCommand(type) {
  const provider = PROVIDERS[type]
  const checked = keepsCiFile(provider)
  const flags = { ...COMMON, ...WRITE, ...(checked && STRICT), ...PERMISSIONS, ...providerFlags(provider) }
  const required = provider.fields
    .filter((f) => f.required)
    .map((f) => (inferred(f) ? `[--${f.flag} <${f.flag}>]` : `--${f.flag} <${f.flag}>`))
    .join(' ')
  return {
    usage: `trust-native ${type} [package] ${required}`,
    summary: `Create a trusted relationship between a package and ${provider.name} (npm trust ${type})`,
    flags,
    async run(values, [pkg]) {
      const given = providerOptions(provider, values)
      // Built from the provider's row, so checked by the core at run time rather than here.
      const options = /** @type {Parameters<typeof tn.addPublisher>[0]} */ ({
        ...common(values),
        ...given,
        ...permissionOptions(values),
        ...(checked && strict(values)),
        ...(pkg && { package: pkg }),
        type,
      })
      // Validate and infer first (a dry run), as npm shows the options before asking.
      const planned = await tn.addPublisher({ ...options, dryRun: true })
      const body = /** @type {{ permissions: string[] }[]} */ (planned.request.body)[0]
      const shown = { type, package: planned.package, ...planned.options }
      // The preview asks the registry nothing, so it carries npm's "may not support trusted
      // publishing"; the call that follows answers that question itself (the core says it only
      // for a dry run), so the warning is shown only when the preview is all the user asked for.
      const preview = values['dry-run'] ? planned.warnings : planned.warnings.filter((w) => !SUPPORT_WARNING.test(w))
      for (const w of preview) warn(w)
      if (!values.json) {
        out(`Establishing trust between ${planned.package} package and ${provider.name}`)
        out(`Anyone with ${provider.entityLabel} write access can publish to ${planned.package}`)
        out('Two-factor authentication is required for this operation')
        out()
        const fromWorkflow = planned.workflow?.inferred ? ['file', ...(given.environment ? [] : ['environment'])] : []
        printOptions(shown, { fromPackageJson: planned.fromPackageJson, fromWorkflow, permissions: body.permissions })
        out()
      }
      if (values['dry-run']) {
        if (values.json) out(JSON.stringify({ ...shown, permissions: body.permissions, request: planned.request }, null, 2))
        return EXIT.ok
      }
      await confirm(values)
      // Not a dry run: the configuration the registry created.
      // An error's advice names the package, inferred or given.
      const added = await tn.addPublisher(options).catch((error) => { throw Object.assign(error, { package: error.package ?? planned.package }) })
      const publisher = /** @type {import('../../index').Publisher} */ (added.publisher)
      if (values.json) {
        out(JSON.stringify({ ...publisherValues(publisher), permissions: publisher.permissions }, null, 2))
      } else {
        out(`Trust configuration created successfully for ${planned.package} with the following settings:`)
        out()
        printOptions(publisherValues(publisher), { permissions: publisher.permissions })
        out()
      }
      return EXIT.ok
    },
  }
}

module.exports = { providerCommand }
