// index.d.ts is generated from the binding's declarations, while options are read from the
// provider tables: these tests keep the two naming the same options.
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tn } from './helpers.mjs'

const dts = readFileSync(join(import.meta.dirname, '..', 'index.d.ts'), 'utf8')

/** The property names an interface of index.d.ts declares. */
function declared(name) {
  const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
  if (!body) throw new Error(`index.d.ts has no interface ${name}`)
  return [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort()
}

describe('TypeScript declarations', () => {
  it('declare exactly each provider table\'s options', () => {
    for (const provider of tn.trustProviders()) {
      const iface = `${provider.type[0].toUpperCase()}${provider.type.slice(1)}PublisherOptions`
      expect(declared(iface), iface).toEqual(provider.fields.map((f) => f.option).sort())
    }
  })

  it('TrustSpec declares type, package, the permissions and every provider option', () => {
    const options = new Set(tn.trustProviders().flatMap((p) => p.fields.map((f) => f.option)))
    expect(declared('TrustSpec')).toEqual(['type', 'package', 'allowPublish', 'allowStagePublish', ...options].sort())
  })
})
