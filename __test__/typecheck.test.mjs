// Every code example a user reads, the README's and the `@example`s of the declarations, is
// type-checked with `tsc --strict` against the declarations the package ships: an example that
// misspells an option, or a declaration that no longer fits how the API is used, fails here.
import { describe, it, expect, beforeAll } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const root = join(import.meta.dirname, '..')
const read = (file) => readFileSync(join(root, file), 'utf8')
const tscPath = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')

/** The modules whose `@example`s are checked, and the import specifier each is reached by. */
const DECLARATIONS = [
  { file: 'index.d.ts', specifier: 'trust-native' },
  { file: 'testing/index.d.ts', specifier: 'trust-native/testing' },
].filter((d) => existsSync(join(root, d.file)))

/** Languages of the README's fenced blocks that are JavaScript or TypeScript. */
const JS_LANGS = new Set(['js', 'javascript', 'ts', 'typescript', 'mjs', 'cjs'])
/** An HTML comment right before a README block that is deliberately not type-checked. */
const NO_TYPECHECK = '<!-- no-typecheck -->'

/**
 * Free variables the examples use without defining them (a client made earlier, the code the
 * user typed...), typed with the exported types.
 */
const PRELUDE = `import type { OtpChallenge, TrustClient, TrustError, TrustPlan } from 'trust-native'
import type { LoopbackProxy, RegistryEmulator } from 'trust-native/testing'
declare global {
  const client: TrustClient
  const emulator: RegistryEmulator
  const proxy: LoopbackProxy
  const plan: TrustPlan
  const otp: string
  const idToken: string
  const error: TrustError
  function askForCode(challenge: OtpChallenge): Promise<string>
}
export {}
`

/**
 * The README's JavaScript and TypeScript blocks: `{ where, code, line }`, `line` being the README
 * line of the code's first line.
 */
function readmeExamples() {
  const lines = read('README.md').split('\n')
  const examples = []
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(\s*)(`{3,}|~{3,})\s*([\w-]*)/)
    if (!open) continue
    const close = lines.findIndex((l, j) => j > i && l.trim() === open[2])
    if (close < 0) throw new Error(`README.md:${i + 1}: unclosed code block`)
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    if (JS_LANGS.has(open[3].toLowerCase()) && lines[before]?.trim() !== NO_TYPECHECK) {
      examples.push({ where: `README.md:${i + 2}`, code: lines.slice(i + 1, close).join('\n'), line: i + 2, file: 'README.md' })
    }
    i = close
  }
  return examples
}

/** The JSDoc comments of a declaration file, each with the declaration it documents. */
function documented(file) {
  const lines = read(file).split('\n')
  const docs = []
  let inClass = null
  for (let i = 0; i < lines.length; i++) {
    const cls = lines[i].match(/^export\s+(?:declare\s+)?(?:abstract\s+)?class\s+(\w+)/)
    if (cls) inClass = cls[1]
    else if (/^\}/.test(lines[i])) inClass = null
    if (!/^\s*\/\*\*/.test(lines[i])) continue
    const start = i
    while (!lines[i].includes('*/')) i++
    let next = i + 1
    while (next < lines.length && lines[next].trim() === '') next++
    docs.push({ start, end: i, lines: lines.slice(start, i + 1), name: declarationName(lines[next] ?? '', inClass) })
  }
  return docs
}

/** `addGithubPublisher`, `TrustClient`, `TrustClient.planTrust`, ... for a declaration line. */
function declarationName(line, inClass) {
  const top = line.match(/^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(function|class|interface|type|const|let|var|enum|namespace)\s+(\w+)/)
  if (top) return { kind: top[1], name: top[2] }
  const member = inClass && line.match(/^\s+(?:static\s+)?(?:readonly\s+)?(get\s+|set\s+)?(constructor|\w+)\s*[(<?:]/)
  if (member) {
    const kind = member[2] === 'constructor' ? 'constructor' : member[1] ? 'accessor' : /^\s+(?:static\s+)?(?:readonly\s+)?\w+\??:/.test(line) ? 'property' : 'method'
    return { kind, name: `${inClass}.${member[2]}` }
  }
  return { kind: 'unknown', name: line.trim() }
}

/** Where a declaration file's example comes from: the `///` lines of src/, or the d.ts header. */
function sourceOf(codeLines) {
  const candidates = readdirSync(join(root, 'src'))
    .filter((f) => f.endsWith('.rs') || f.endsWith('.d.ts'))
    .map((f) => `src/${f}`)
  for (const file of candidates) {
    const strip = file.endsWith('.rs') ? /^\s*\/\/\/ ?/ : /^\s*\* ?/
    const marker = file.endsWith('.rs') ? /^\s*\/\/\// : /^\s*\*/
    const src = read(file).split('\n').map((l) => (marker.test(l) ? l.replace(strip, '') : null))
    for (let i = 0; i + codeLines.length <= src.length; i++) {
      if (codeLines.every((l, k) => src[i + k] === l)) return { file, line: i + 1 }
    }
  }
  return null
}

/** The `@example` blocks of a declaration file. */
function declarationExamples({ file }) {
  const examples = []
  for (const doc of documented(file)) {
    const text = doc.lines.map((l) => l.replace(/^\s*\/?\*\*?\/? ?/, '').replace(/\s*\*\/\s*$/, ''))
    for (let k = 0; k < text.length; k++) {
      if (!/^@example\b/.test(text[k])) continue
      const open = text.findIndex((l, j) => j > k && /^```/.test(l))
      const close = text.findIndex((l, j) => j > open && /^```\s*$/.test(l))
      if (open < 0 || close < 0) throw new Error(`${file}:${doc.start + k + 1}: @example of ${doc.name.name} has no \`\`\` block`)
      const codeLines = text.slice(open + 1, close)
      const line = doc.start + open + 2
      const source = file === 'index.d.ts' ? sourceOf(codeLines) : null
      examples.push({
        where: `@example of ${doc.name.name} (${file}:${line}${source ? `, from ${source.file}:${source.line}` : ''})`,
        code: codeLines.join('\n'),
        line,
        file,
        source,
        name: doc.name.name,
      })
      k = close
    }
  }
  return examples
}

/**
 * An example as a TypeScript module: `const { a, b } = require('m')` becomes
 * `import { a, b } from 'm'` at the top; the rest is kept as is. Returns the module's text and,
 * for each of its lines, the example line (0-based) it comes from.
 */
function toModule(code) {
  const lines = code.split('\n')
  const imports = []
  const body = []
  for (let i = 0; i < lines.length; i++) {
    const named = lines[i].match(/^\s*const\s*\{([^}]*)\}\s*=\s*require\(\s*(['"])([^'"]+)\2\s*\)\s*;?\s*$/)
    const whole = lines[i].match(/^\s*const\s+(\w+)\s*=\s*require\(\s*(['"])([^'"]+)\2\s*\)\s*;?\s*$/)
    if (named) {
      const names = named[1].split(',').map((n) => n.trim()).filter(Boolean).map((n) => n.replace(/\s*:\s*/, ' as '))
      imports.push({ text: `import { ${names.join(', ')} } from '${named[3]}'`, from: i })
    } else if (whole) {
      imports.push({ text: `import * as ${whole[1]} from '${whole[3]}'`, from: i })
    } else if (/^import\s/.test(lines[i]) && /\sfrom\s+['"][^'"]+['"]\s*;?\s*$/.test(lines[i])) {
      imports.push({ text: lines[i], from: i })
    } else {
      body.push({ text: lines[i], from: i })
    }
  }
  const all = [...imports, ...body, { text: 'export {}', from: lines.length - 1 }]
  return { text: all.map((l) => l.text).join('\n') + '\n', origin: all.map((l) => l.from) }
}

function collectExamples() {
  return [...readmeExamples(), ...DECLARATIONS.flatMap(declarationExamples)]
}

/**
 * Type-checks every example in one `tsc --strict --noEmit` run. Returns the diagnostics of each
 * example (by index), and those outside the examples (declarations, prelude).
 */
function typecheck(examples) {
  const dir = mkdtempSync(join(tmpdir(), 'tn-typecheck-'))
  try {
    const files = examples.map((example, n) => {
      const file = join(dir, `example-${String(n).padStart(3, '0')}.ts`)
      const module = toModule(example.code)
      writeFileSync(file, module.text)
      return { file, module, example }
    })
    writeFileSync(join(dir, 'prelude.d.ts'), PRELUDE)
    const paths = Object.fromEntries(DECLARATIONS.map((d) => [d.specifier, [join(root, d.file)]]))
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          paths,
          skipLibCheck: false,
        },
        files: ['prelude.d.ts', ...files.map((f) => f.file)],
      }),
    )
    let output = ''
    try {
      execFileSync(process.execPath, [tscPath, '-p', join(dir, 'tsconfig.json'), '--strict', '--noEmit', '--pretty', 'false'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    } catch (e) {
      if (e.status == null) throw e
      output = `${e.stdout}${e.stderr}`.trim() || `tsc exited with ${e.status} and said nothing`
    }
    // `file(line,col): error TS1234: message`, with continuation lines indented.
    const diagnostics = []
    for (const line of output.split('\n')) {
      const m = line.match(/^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/)
      if (m) diagnostics.push({ file: resolve(dir, m[1]), line: Number(m[2]), col: Number(m[3]), code: m[5], message: m[6] })
      else if (line.trim() && diagnostics.length) diagnostics.at(-1).message += `\n    ${line.trim()}`
      else if (line.trim()) diagnostics.push({ file: null, message: line.trim() })
    }
    const byExample = examples.map(() => [])
    const elsewhere = []
    for (const d of diagnostics) {
      const at = files.findIndex((f) => f.file === d.file)
      if (at >= 0) {
        const { example, module } = files[at]
        const offset = module.origin[d.line - 1]
        const line = example.line + offset
        const place =
          example.file === 'README.md'
            ? `README.md:${line}:${d.col}`
            : `@example of ${example.name}, ${example.source ? `${example.source.file}:${example.source.line + offset} ` : ''}(${example.file}:${line})`
        byExample[at].push(`${place}: ${d.code} ${d.message}\n    > ${module.text.split('\n')[d.line - 1].trim()}`)
      } else if (d.file) {
        const file = d.file.startsWith(root) ? relative(root, d.file) : d.file.startsWith(dir) ? `(prelude) ${relative(dir, d.file)}` : d.file
        elsewhere.push(`${file}:${d.line}:${d.col}: ${d.code} ${d.message}`)
      } else {
        elsewhere.push(d.message)
      }
    }
    return { byExample, elsewhere }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const examples = collectExamples()

describe('code examples type-check under tsc --strict', () => {
  let result
  beforeAll(() => {
    result = typecheck(examples)
  })

  it('finds the examples of the README, index.d.ts and testing/index.d.ts', () => {
    expect(examples.filter((e) => e.file === 'README.md').length).toBeGreaterThanOrEqual(10)
    expect(examples.filter((e) => e.file === 'index.d.ts').length).toBeGreaterThanOrEqual(30)
    expect(examples.filter((e) => e.file === 'testing/index.d.ts').length).toBeGreaterThanOrEqual(30)
  })

  it('the declarations and the prelude themselves type-check', () => {
    expect(result.elsewhere).toEqual([])
  })

  it.each(examples.map((e, n) => [e.where, n]))('%s', (_where, n) => {
    expect(result.byExample[n]).toEqual([])
  })
})

describe('index.d.ts', () => {
  it('has an @example for every exported function, class and method', () => {
    const missing = documented('index.d.ts')
      .concat(undocumented('index.d.ts'))
      .filter((d) => ['function', 'class', 'method'].includes(d.name.kind))
      .filter((d) => !d.lines.some((l) => /@example\b/.test(l)))
      .map((d) => d.name.name)
    expect(missing).toEqual([])
  })
})

/** Declarations of a file with no JSDoc comment at all. */
function undocumented(file) {
  const lines = read(file).split('\n')
  const found = []
  let inClass = null
  for (let i = 0; i < lines.length; i++) {
    const cls = lines[i].match(/^export\s+(?:declare\s+)?(?:abstract\s+)?class\s+(\w+)/)
    let prev = i - 1
    while (prev >= 0 && lines[prev].trim() === '') prev--
    const hasDoc = prev >= 0 && /\*\/\s*$/.test(lines[prev])
    if (/^export\s/.test(lines[i]) || (inClass && /^\s+\S/.test(lines[i]) && !/^\s+(\/\*\*|\*)/.test(lines[i]))) {
      if (!hasDoc) found.push({ lines: [], name: declarationName(lines[i], inClass) })
    }
    if (cls) inClass = cls[1]
    else if (/^\}/.test(lines[i])) inClass = null
  }
  return found
}
