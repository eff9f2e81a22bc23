// What publish packs from a folder, against npm itself: one table of folders and the files they
// ship, checked in the same run against `npm pack --dry-run --json` (npm 11.19, the reference
// client) and against trust-native's publish (dry run). The table is npm-packlist's own test
// cases (fixtures/packlist-cases.json, from scripts/port-packlist-cases.mjs; the Rust suite runs
// them too) and the rules of issue 20 and 23, each reproduced on a tiny package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ALICE, OTP, isolateNpmConfig, runNpm, startEmulator, tempDir, tn } from './helpers.mjs'

const ported = JSON.parse(readFileSync(new URL('./fixtures/packlist-cases.json', import.meta.url), 'utf8'))

const RULES = [
  {
    name: 'rule 1: `files` entries match at the package root only',
    fixture: {
      'package.json': JSON.stringify({ files: ['lib/', 'bin/', 'index.js', 'README.md'] }),
      lib: { 'a.js': '' }, bin: { 'cli.js': '' }, 'index.js': '', 'README.md': '',
      test: { bin: { 't.js': '' }, lib: { 'y.js': '' } }, examples: { x: { 'index.js': '' } }, docs: { 'README.md': '' },
    },
    expected: ['README.md', 'bin/cli.js', 'index.js', 'lib/a.js', 'package.json'],
  },
  {
    name: 'rule 2: a file named in `files` beats a later exclusion',
    fixture: { 'package.json': JSON.stringify({ files: ['browser.d.ts', '!*.d.ts', 'lib'] }), 'browser.d.ts': '', 'other.d.ts': '', lib: { 'a.d.ts': '', 'a.js': '' } },
    expected: ['browser.d.ts', 'lib/a.d.ts', 'lib/a.js', 'package.json'],
  },
  {
    name: 'rule 3: re-inclusion under an excluded folder (`**/*` then `!/dist/**`)',
    fixture: { 'package.json': JSON.stringify({ main: 'index.js' }), '.npmignore': '**/*\n!/dist/**\n', 'index.js': '', lib: { 'axios.js': '' }, dist: { 'axios.js': '' } },
    expected: ['dist/axios.js', 'index.js', 'package.json'],
  },
  {
    name: "rule 4: a nested ignore file undoes its parent's rule",
    fixture: {
      'package.json': '{}', '.gitignore': 'node_modules\n*.txt\n', 'a.txt': '',
      fixtures: { '.gitignore': '!node_modules\n', node_modules: { dep: { 'index.js': '' } } },
      sub: { '.gitignore': '!keep.txt\n', 'keep.txt': '', 'drop.txt': '' },
    },
    expected: ['fixtures/node_modules/dep/index.js', 'package.json', 'sub/keep.txt'],
  },
  {
    name: 'rule 5: bundled dependencies are packed',
    fixture: {
      'package.json': JSON.stringify({ dependencies: { dep: '1', dev: '1' }, devDependencies: { dev: '1' }, bundleDependencies: ['dep', 'dev', 'absent'] }),
      'index.js': '',
      node_modules: {
        dep: { 'package.json': JSON.stringify({ name: 'dep', version: '1.0.0', files: ['lib'], dependencies: { sub: '1' } }), lib: { 'x.js': '' }, test: { 'y.js': '' }, '.npmignore': 'lib\n' },
        sub: { 'package.json': JSON.stringify({ name: 'sub', version: '1.0.0' }), '.DS_Store': '' },
        other: { 'index.js': '' },
      },
    },
    expected: ['index.js', 'node_modules/dep/lib/x.js', 'node_modules/dep/package.json', 'node_modules/sub/.DS_Store', 'node_modules/sub/package.json', 'package.json'],
  },
  {
    name: "with `workspaces`, a folder's package.json rules out its ignore files",
    fixture: {
      'package.json': JSON.stringify({ workspaces: ['packages/*'] }),
      lib: { '.npmignore': 'x.js\n', 'x.js': '', 'z.js': '' },
      packages: { a: { 'package.json': JSON.stringify({ name: 'b', files: ['index.js'] }), '.npmignore': 'other.js\n', 'index.js': '', 'other.js': '' } },
    },
    expected: ['lib/z.js', 'package.json', 'packages/a/index.js', 'packages/a/other.js', 'packages/a/package.json'],
  },
  {
    name: 'issue 23 finding 7: `files` and ignore rules match without case',
    fixture: { 'package.json': JSON.stringify({ files: ['LIB/**', 'Index.js'] }), lib: { 'a.js': '', 'debug.log': '', '.npmignore': '*.LOG\n' }, 'index.js': '' },
    expected: ['index.js', 'lib/a.js', 'package.json'],
  },
]

const CASES = [...ported.cases.map((c) => ({ ...c, name: `npm-packlist ${c.name}` })), ...RULES]

/** Writes a fixture: a string is a file, an object a folder, `{ $symlink }` a link. */
function materialize(dir, tree) {
  mkdirSync(dir, { recursive: true })
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string') writeFileSync(join(dir, name), value)
    else if (value.$symlink !== undefined) symlinkSync(value.$symlink, join(dir, name))
    else materialize(join(dir, name), value)
  }
}

/**
 * The fixture as a package npm and publish take: with a name and a version (which change no
 * file list), or null when its package.json is missing or not JSON (npm refuses to pack it).
 */
function asPackage(fixture, index) {
  let manifest
  try {
    manifest = JSON.parse(fixture['package.json'])
  } catch {
    return null
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) return null
  return { ...fixture, 'package.json': JSON.stringify({ name: `case-${index}`, version: '1.0.0', ...manifest }) }
}

const sorted = (files) => files.map((f) => f.replace(/^\.\//, '')).sort()

let home, emulator
const folders = new Map()
const npmFiles = new Map()

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
  const root = tempDir('tn-pack-cases-')
  CASES.forEach((c, i) => {
    const fixture = asPackage(c.fixture, i)
    if (!fixture) return
    const dir = join(root, `case-${i}`)
    materialize(dir, fixture)
    folders.set(c, dir)
  })
  // One npm run for every folder: `npm pack` takes many.
  const dirs = [...folders.values()]
  const packed = await runNpm(['pack', '--dry-run', '--json', '--ignore-scripts', ...dirs], { cwd: root, home })
  expect(packed.code, packed.stderr).toBe(0)
  const results = JSON.parse(packed.stdout)
  ;[...folders.keys()].forEach((c, i) => npmFiles.set(c, sorted(results[i].files.map((f) => f.path))))
}, 120_000)
afterAll(() => emulator?.stop())

describe('the files a folder ships: the table, npm, and publish agree', () => {
  it('ports npm-packlist 10.0.4 (npm 11.19) test cases', () => {
    expect(ported.cases.length).toBeGreaterThanOrEqual(49)
    // Of those that need more than a folder (options, mocks), a list of what was left out.
    expect(ported.skipped.length).toBeLessThan(ported.cases.length)
  })

  it.each(CASES.map((c) => [c.name, c]))('%s', async (_name, c) => {
    const dir = folders.get(c)
    if (!dir) return // package.json is not JSON: npm refuses the folder; the Rust suite covers it
    expect(npmFiles.get(c), 'npm pack disagrees with the table').toEqual(sorted(c.expected))
    const result = await tn.publish({ cwd: dir, dryRun: true, registry: emulator.url, token: ALICE })
    expect(sorted(result.files)).toEqual(sorted(c.expected))
  })
})

describe('the tarball', () => {
  it("holds npm's tar stream, byte for byte: headers, long and non-ASCII paths, modes", async () => {
    const dir = tempDir('tn-pack-tar-')
    const deep = join('lib', 'a'.repeat(60), 'b'.repeat(60))
    materialize(dir, {
      'package.json': JSON.stringify({ name: 'tar-bytes', version: '1.0.0', bin: { t: 'cli.js', u: 'bin/u.js' } }),
      'cli.js': '#!/usr/bin/env node\n', bin: { 'u.js': '' }, 'run.sh': 'echo\n', 'ünïcode.txt': 'x',
      lib: { ['c'.repeat(120) + '.js']: 'long name\n', [`${'a'.repeat(60)}`]: { ['b'.repeat(60)]: { 'deep.js': 'deep\n' } } },
    })
    chmodSync(join(dir, 'cli.js'), 0o640)
    chmodSync(join(dir, 'bin', 'u.js'), 0o640)
    chmodSync(join(dir, 'run.sh'), 0o744)
    chmodSync(join(dir, deep, 'deep.js'), 0o664)
    const out = tempDir('tn-pack-tar-out-')
    const packed = await runNpm(['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: dir, home })
    expect(packed.code, packed.stderr).toBe(0)
    const [{ filename }] = JSON.parse(packed.stdout)
    const theirs = gunzipSync(readFileSync(join(out, filename)))

    emulator.seed({ packages: [{ name: 'tar-bytes', maintainers: ['alice'] }] })
    await tn.publish({ cwd: dir, registry: emulator.url, token: ALICE, otp: OTP })
    const manifest = (await (await fetch(new URL('tar-bytes', emulator.url))).json()).versions['1.0.0']
    const ours = gunzipSync(Buffer.from(await (await fetch(manifest.dist.tarball)).arrayBuffer()))
    expect(ours.length).toBe(theirs.length)
    expect(ours.equals(theirs)).toBe(true)
  })
})
