// The TypeScript of the provider table: what index.d.ts declares per provider (its options, the
// `addPublisher` union, the provider fields of `Publisher` and `TrustSpec`) is written from
// `trustProviders()` into the generated part of src/head.d.ts, which `napi build` puts at the head
// of index.d.ts (package.json `napi.dtsHeaderFile`). napi-derive writes TypeScript only from
// literals, so without this each provider would be written out in the binding five times.
// `Publisher` and `TrustSpec` are completed by interface merging: the binding declares what every
// configuration has, this file what depends on the provider.
//
//   node scripts/provider-types.mjs          rewrite the part (then `npx napi build --platform`)
//   node scripts/provider-types.mjs --check  exit 1 when it is not what the table gives
//
// __test__/declarations.test.mjs checks the part against the table too.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export const HEAD = join(import.meta.dirname, '..', 'src', 'head.d.ts')
const BEGIN = '// ---- Generated from the provider table (trustProviders()) by scripts/provider-types.mjs: do not edit. ----'
const END = '// ---- End of the generated part. ----'

/** `github` -> `Github`: the provider's part of type and function names. */
export const typeName = (type) => type.split(/[^A-Za-z0-9]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('')

/** A doc comment at `indent`. */
const doc = (text, indent = '') => `${indent}/** ${text} */`

/** A field's TypeScript type. */
const tsType = (field) => (field.list ? 'Array<string>' : 'string')

/** A field's doc: its help, and where its value comes from when left out. */
const fieldDoc = (field) => `${field.help}.${field.default ? ` Default: ${field.default}.` : ''}`

/** Whether a caller must give the field: required by the registry and not inferred. */
const mustGive = (field) => field.required && !field.default

/** The generated part, from `trustProviders()`. */
export function providerDeclarations(providers) {
  const lines = [BEGIN, '']
  lines.push(doc('A provider\'s registry `type`: one per row of `trustProviders()`.'))
  lines.push(`export type ProviderType = ${providers.map((p) => `'${p.type}'`).join(' | ')}`)
  for (const provider of providers) {
    const name = typeName(provider.type)
    lines.push('', doc(`A ${provider.name} trusted publisher.`), `export interface ${name}PublisherOptions {`)
    for (const field of provider.fields) {
      lines.push(doc(fieldDoc(field), '  '), `  ${field.option}${mustGive(field) ? '' : '?'}: ${tsType(field)}`)
    }
    lines.push('}')
    // `strict` checks the CI file in the repository: only providers that keep one take it.
    const parts = [`${name}PublisherOptions`, 'PublishPermissions', ...(provider.ciFile ? ['StrictOption'] : []), 'CommonOptions']
    lines.push(doc(`The options of \`add${name}Publisher\`.`), `export type Add${name}PublisherOptions = ${parts.join(' & ')}`)
  }
  lines.push('', doc('The options of `addPublisher`: a provider\'s `type` and that provider\'s options.'))
  lines.push(`export type AddPublisherOptions = ${providers.map((p) => `({ type: '${p.type}' } & Add${typeName(p.type)}PublisherOptions)`).join(' | ')}`)

  // Each option of any provider, once, documented for each provider that has it.
  const shared = new Map()
  for (const provider of providers) {
    for (const field of provider.fields) {
      const entry = shared.get(field.option) ?? { field, docs: [] }
      entry.docs.push(`${provider.name}: ${field.help}.`)
      shared.set(field.option, entry)
    }
  }
  const merged = (iface, what) => {
    lines.push('', doc(`${what} (the options of its provider).`), `export interface ${iface} {`)
    for (const [option, { field, docs }] of shared) lines.push(doc(docs.join(' '), '  '), `  ${option}?: ${tsType(field)}`)
    lines.push('}')
  }
  merged('Publisher', 'The fields of a configuration that depend on its provider')
  merged('TrustSpec', 'The fields of a spec that depend on its provider')
  lines.push('', END)
  return lines.join('\n')
}

/** src/head.d.ts with its generated part replaced (or appended, the first time). */
export function withDeclarations(head, providers) {
  const part = providerDeclarations(providers)
  const start = head.indexOf(BEGIN)
  if (start < 0) return `${head.trimEnd()}\n\n${part}\n`
  const end = head.indexOf(END, start)
  if (end < 0) throw new Error(`${HEAD}: the generated part has no end line`)
  return head.slice(0, start) + part + head.slice(end + END.length)
}

if (process.argv[1] === import.meta.filename) {
  const providers = createRequire(import.meta.url)('../index.js').trustProviders()
  // Compared and written with \n: a Windows checkout may have turned the file's lines into \r\n.
  const head = readFileSync(HEAD, 'utf8').replaceAll('\r\n', '\n')
  const next = withDeclarations(head, providers)
  if (process.argv.includes('--check')) {
    if (next !== head) {
      console.error(`${HEAD} is not what the provider table gives: run node scripts/provider-types.mjs, then npx napi build --platform.`)
      process.exitCode = 1
    }
  } else if (next !== head) {
    writeFileSync(HEAD, next)
    console.log(`${HEAD}: the provider declarations rewritten; now run npx napi build --platform.`)
  }
}
