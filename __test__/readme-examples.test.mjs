// Every JavaScript example of the READMEs (README.md, and the emulator's testing/README.md) runs
// as pasted: each ```js / ```mjs block is written to a file and run with Node in a fresh process,
// in the place a user would run it (a package's folder, a monorepo, a CI job; the HTML comment `<!-- example: <place> -->` right above a block names
// it, the default is a package's folder), against a fresh registry emulator that the user's npm
// configuration points at (~/.npmrc: `registry=` and the token line, as `npm login` leaves them).
// A block that cannot run here says why in `<!-- example not run: <why> -->`; it is still
// compiled. Every block is one of the two: none is left out.
//
// A block runs as an ES module (`example.mjs`), but for one whose first line is a comment naming
// its file (`// scripts/npm-token.mjs: ...`), which is written to that file and run as it is.
// The user at the terminal answers prompts: a one-time password on stdin, and a web 2FA
// approval URL printed on stdout is approved, as a browser would.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { tempDir, testing, tn } from './helpers.mjs'

const root = join(import.meta.dirname, '..')
const READMES = ['README.md', 'testing/README.md']

/** A README's fenced blocks: `{ file, lang, code, line, marker }` (line: of the opening fence). */
function blocks(file) {
  const text = readFileSync(join(root, file), 'utf8')
  const lines = text.split('\n')
  const found = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i])
    if (!open) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    let above = i - 1
    while (above >= 0 && lines[above].trim() === '') above--
    const marker = /^<!-- example(?<notRun> not run)?: (?<text>.+?) -->$/.exec(lines[above] ?? '')?.groups
    found.push({ file, lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1, marker })
    i = end
  }
  return found
}

const ALL = READMES.flatMap(blocks)
const EXAMPLES = ALL.filter((b) => b.lang === 'js' || b.lang === 'mjs')
const TOKEN = 'npm_readmeExampleToken0123456789abcdef'
const OTP = '123456' // what the examples type

// The registry a maintainer of @acme's packages sees.
const SEED = {
  users: [{ name: 'alice', token: TOKEN, otp: OTP }],
  packages: ['@acme/widgets', '@acme/a', '@acme/special', 'widgets'].map((name) => ({ name, maintainers: ['alice'], versions: ['1.0.0'] })),
  orgs: [{ name: 'acme', members: { alice: 'owner' } }],
  staged: [{ package: '@acme/widgets', version: '1.1.0', tag: 'latest' }],
}

const RELEASE_YML = `name: Release
on:
  push:
    tags: ['v*']
permissions:
  contents: read
  id-token: write
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: npm
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm publish --workspaces --if-present
`

/** A git checkout of github.com/<repository> with the release workflow, in `dir`. */
function checkout(dir, repository) {
  mkdirSync(join(dir, '.git'), { recursive: true })
  writeFileSync(join(dir, '.git', 'config'), `[remote "origin"]\n\turl = https://github.com/${repository}.git\n`)
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true })
  writeFileSync(join(dir, '.github', 'workflows', 'release.yml'), RELEASE_YML)
}

const writeJson = (file, value) => {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** The trusted publisher of @acme/widgets that the release workflow of acme/widgets needs. */
const TRUSTED = { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' }, environment: 'npm' }, permissions: ['createPackage'] }

/**
 * A CI job of acme/widgets running `file`, where @acme/widgets trusts release.yml; with a
 * maintainer's token only when `maintainerToken` (a CI job has none).
 */
const ciJob = (file, { maintainerToken = false } = {}) => ({
  token: maintainerToken,
  seed: { packages: SEED.packages.map((p) => (p.name === '@acme/widgets' ? { ...p, publishers: [TRUSTED] } : p)) },
  prepare(dir) {
    packageFolder.prepare(dir)
  },
  env: (emulator) => emulator.githubActionsJob({ repository: 'acme/widgets', environment: 'npm', workflow_ref: `acme/widgets/.github/workflows/${file}@refs/tags/v1.1.0` }),
})

const packageFolder = {
  prepare(dir) {
    checkout(dir, 'acme/widgets')
    writeJson(join(dir, 'package.json'), { name: '@acme/widgets', version: '1.1.0', repository: { type: 'git', url: 'git+https://github.com/acme/widgets.git' } })
  },
}

/**
 * Where an example runs: `prepare(dir)` lays out the folder; `seed` and `env(emulator)` add to
 * the defaults; `token: false`: no token, neither in the user config nor in NPM_TOKEN.
 */
const PLACES = {
  "a package's folder": packageFolder,
  'a monorepo': {
    prepare(dir) {
      checkout(dir, 'acme/mono')
      writeJson(join(dir, 'package.json'), { name: 'mono', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' })
      for (const name of ['a', 'widgets', 'special']) {
        writeJson(join(dir, 'packages', name, 'package.json'), { name: `@acme/${name}`, version: '1.1.0', repository: 'github:acme/mono' })
        writeFileSync(join(dir, 'packages', name, 'index.js'), 'module.exports = {}\n')
      }
      // The README's own trust.json.
      const trustJson = ALL.find((b) => b.file === 'README.md' && b.lang === 'json' && b.code.includes('"defaults"'))
      writeFileSync(join(dir, 'trust.json'), trustJson.code)
    },
  },
  'a CI job that the package trusts': ciJob('release.yml'),
  // Its example then reads the publishers as a maintainer would.
  'a CI job running publish.yml, where release.yml is trusted': ciJob('publish.yml', { maintainerToken: true }),
}

/** The environment of a user's shell: nothing of this machine's npm configuration, CI or tokens. */
function userEnv(home) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|NPM_|NODE_OPTIONS$|CI$|CONTINUOUS_INTEGRATION$|BUILD_NUMBER$|RUN_ID$|GITHUB_|GITLAB|CIRCLE|BUILDKITE|ACTIONS_|GCE_|TF_BUILD$|JENKINS|TRAVIS|APPVEYOR|CODEBUILD|TEAMCITY|BITBUCKET|DRONE)/i.test(k)),
  )
  writeFileSync(join(home, 'npmrc-global'), '')
  return { ...env, HOME: home, USERPROFILE: home, npm_config_globalconfig: join(home, 'npmrc-global'), NO_COLOR: '1' }
}

/** `node <file>` in `cwd`; answers prompts as a user would; resolves `{ code, stdout, stderr }`. */
function run(file, { cwd, env }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, env })
    let stdout = ''
    let stderr = ''
    const approved = new Set()
    child.stdout.on('data', (d) => {
      stdout += d
      for (const [url] of stdout.matchAll(/https?:\/\/\S+\/auth\/cli\/[\w-]+/g)) {
        if (approved.has(url)) continue
        approved.add(url)
        fetch(`${url}?approve=true`).catch(() => {})
      }
    })
    child.stderr.on('data', (d) => { stderr += d })
    child.stdin.end(`${OTP}\n`)
    child.on('close', (code, signal) => resolve({ code: code ?? signal, stdout, stderr }))
  })
}

/** The file a block is: the one its first-line comment names, else example.mjs. */
const fileOf = (block) => /^\/\/ ([\w./-]+\.[cm]?js):/.exec(block.code)?.[1] ?? 'example.mjs'
const title = (block) => `${block.file}:${block.line} ${block.code.split('\n').find((l) => l.trim() && !l.startsWith('//')) ?? ''}`.slice(0, 110)

describe('README examples', () => {
  let emulator
  afterEach(() => {
    emulator?.stop()
    emulator = undefined
  })

  it('every JavaScript block runs somewhere the test knows, or says why it is not run', () => {
    expect(EXAMPLES.length).toBeGreaterThan(10)
    for (const block of EXAMPLES) {
      if (block.marker?.notRun) continue
      expect(Object.keys(PLACES), title(block)).toContain(block.marker?.text ?? "a package's folder")
    }
  })

  it.each(EXAMPLES.filter((b) => b.marker?.notRun).map((b) => [title(b), b.marker.text, b]))('%s: not run (%s), but compiles', (_, _why, block) => {
    const dir = tempDir('tn-readme-')
    const file = join(dir, fileOf(block))
    writeFileSync(file, block.code)
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })

  it.each(EXAMPLES.filter((b) => !b.marker?.notRun).map((b) => [title(b), b]))('%s', async (_, block) => {
    const place = PLACES[block.marker?.text ?? "a package's folder"]
    emulator = await testing.startEmulator({ ...SEED, ...place.seed })
    const home = tempDir('tn-readme-home-')
    const dir = join(tempDir('tn-readme-'), 'project')
    mkdirSync(dir)
    place.prepare(dir)
    // `npm install trust-native`, as this repository: the package resolves to it.
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(root, join(dir, 'node_modules', 'trust-native'), process.platform === 'win32' ? 'junction' : 'dir')
    const host = new URL(emulator.url).host
    const tokenLine = place.token === false ? '' : `//${host}/:_authToken=\${NPM_TOKEN}\n`
    writeFileSync(join(home, '.npmrc'), `registry=${emulator.url}\n${tokenLine}`)
    const file = join(dir, fileOf(block))
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, block.code)
    const env = { ...userEnv(home), ...(place.token === false ? {} : { NPM_TOKEN: TOKEN }), NPM_OTP: OTP, ...place.env?.(emulator) }
    const result = await run(file, { cwd: dir, env })
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
  })
})

describe('the README\'s CLI usage', () => {
  it('lists the commands as trust-native --help prints them', () => {
    const block = ALL.find((b) => b.file === 'README.md' && b.code.startsWith('Usage: trust-native <command>'))
    const help = spawnSync(process.execPath, [join(root, 'bin', 'trust-native.js'), '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    /** The lines of a `Commands:` list, up to the blank line that ends it. */
    const commands = (text) => {
      const lines = text.split('\n')
      const start = lines.indexOf('Commands:')
      const end = lines.findIndex((l, i) => i > start && l.trim() === '')
      return lines.slice(start, end < 0 ? undefined : end)
    }
    expect(commands(block.code).length).toBeGreaterThan(10)
    expect(commands(block.code)).toEqual(commands(help.stdout))
  })
})

describe('the README\'s places that name each provider (CONTRIBUTING, "Adding a CI provider")', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  /** The one paragraph that says `words`, its lines joined. */
  const paragraph = (words) => {
    const found = readme.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ')).filter((p) => p.includes(words))
    expect(found, words).toHaveLength(1)
    return found[0]
  }
  const providers = tn.trustProviders()
  /** How the README's prose calls a provider: its name's first word (GitHub, GitLab, CircleCI). */
  const called = (p) => p.name.split(' ')[0]

  it('has providers to check', () => expect(providers.length).toBeGreaterThan(2))
  for (const p of providers) {
    it(`${p.type}: the opening paragraph, Validation, the provider commands' flags and "A plan is per publisher"`, () => {
      expect(readme.slice(0, readme.indexOf('\n## '))).toContain(p.name)
      expect(paragraph('**Validation**')).toContain(called(p))
      const flags = paragraph("`list` and `revoke` take npm's flags")
      expect(flags).toContain(`\`${p.type}\``)
      for (const field of p.fields) for (const flag of [field.flag, ...field.aliases]) expect(flags).toContain(`--${flag}`)
      expect(paragraph('**A plan is per publisher.**')).toContain(called(p))
    })
  }
})
