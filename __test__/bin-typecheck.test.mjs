// The package's own JavaScript (the CLI in bin/, the semantic-release plugin) is type-checked by
// `tsc --strict` against index.d.ts (tsconfig.json; a file opts in with `// @ts-check`): a call
// with a misspelt option, a result field that does not exist, or a declaration that no longer
// fits how the CLI uses it fails here.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const root = join(import.meta.dirname, '..')
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')

/** tsc's diagnostics for the project `config` (a tsconfig.json path), one per line. */
function diagnostics(config) {
  try {
    execFileSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return []
  } catch (e) {
    if (e.status == null) throw e
    return `${e.stdout}${e.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line))
  }
}

/** The JavaScript files of `dir` (relative to the root), recursively. */
const scripts = (dir) => readdirSync(join(root, dir), { recursive: true }).map((f) => `${dir}/${String(f).replaceAll('\\', '/')}`).filter((f) => f.endsWith('.js'))

describe('bin/ and semantic-release/ under tsc --strict', () => {
  it('every JavaScript file opts into the check', () => {
    const files = [...scripts('bin'), ...scripts('semantic-release')]
    expect(files).toEqual(expect.arrayContaining(['bin/trust-native.js', 'bin/commands/doctor.js', 'bin/cli/flags.js', 'semantic-release/index.js']))
    const unchecked = files.filter((f) => !/^(#!.*\n)?\/\/ @ts-check\n/.test(readFileSync(join(root, f), 'utf8')))
    expect(unchecked).toEqual([])
  })

  it('finds nothing', () => {
    expect(diagnostics(join(root, 'tsconfig.json'))).toEqual([])
  })

  it('would find a misspelt library option, a missing result field and an untyped parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-bin-typecheck-'))
    try {
      const main = JSON.stringify(join(root, 'main.js'))
      writeFileSync(join(dir, 'wrong.js'), [
        '// @ts-check',
        `const tn = require(${main})`,
        "tn.listPublishers({ pakage: 'widgets' })",
        "tn.resolveConfig().then((config) => config.registy)",
        'function untyped(values) { return values }',
        'module.exports = { untyped }',
        '',
      ].join('\n'))
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(root, 'tsconfig.json'), include: [join(dir, 'wrong.js')] }))
      const found = diagnostics(join(dir, 'tsconfig.json'))
      expect(found.find((d) => d.includes('pakage'))).toMatch(/error TS2561|error TS2353/)
      expect(found.find((d) => d.includes('registy'))).toMatch(/error TS2551|error TS2339/)
      expect(found.find((d) => d.includes("'values'"))).toMatch(/error TS7006/)
      expect(found).toHaveLength(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
