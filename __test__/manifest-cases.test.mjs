// The manifest publish sends, against npm's own rules: @npmcli/package-json's `prepare` test
// cases (fixtures/package-json-cases.json, from scripts/port-package-json-cases.mjs), each
// checked in the same run against the package-json npm 11.19 ships (so the table is npm's
// behaviour) and against the version manifest of trust-native's publish (dry run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ALICE, isolateNpmConfig, startEmulator, tempDir, tn } from './helpers.mjs'

const table = JSON.parse(readFileSync(new URL('./fixtures/package-json-cases.json', import.meta.url), 'utf8'))
const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim()
const PackageJson = createRequire(join(npmRoot, 'npm', 'package.json'))('@npmcli/package-json')

/**
 * Cases that are no part of a publish: `steps` (npm's publish runs them all) and `root` (npm's
 * publish passes none: the git checkout is looked for in every folder above).
 */
const NOT_PUBLISH = (c) => c.options?.steps || c.options?.root

function materialize(dir, tree) {
  mkdirSync(dir, { recursive: true })
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string') writeFileSync(join(dir, name), value)
    else materialize(join(dir, name), value)
  }
}

/** A JSON expectation as the port wrote it (`$regex`, `$absent`) against a value. */
function check(actual, expected, kind) {
  if (expected?.$absent) return expect(actual).toBeUndefined()
  if (kind === 'match' && expected?.$regex) return expect(actual).toMatch(new RegExp(expected.$regex, expected.$flags))
  if (kind === 'has') {
    for (const [key, value] of Object.entries(expected)) check(actual?.[key], value, 'has')
    return
  }
  expect(actual).toEqual(expected)
}

function checks(content, c) {
  for (const { path, kind, expected } of c.checks) {
    check(path.reduce((value, key) => value?.[key], content), expected, kind)
  }
}

let emulator
beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator?.stop())

describe("@npmcli/package-json's prepare cases: the table, npm, and publish agree", () => {
  it('ports them', () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(50)
  })

  it.each(table.cases.filter((c) => !NOT_PUBLISH(c)).map((c) => [c.name, c]))('%s', async (_name, c) => {
    const dir = tempDir('tn-manifest-case-')
    materialize(dir, c.fixture)
    const folder = join(dir, c.subdir ?? '')
    const npm = await PackageJson.prepare(folder)
    checks(npm.content, c)

    // publish needs a name and a version; the cases that have none assert nothing on them.
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'case', version: '1.0.0', ...manifest }))
    const result = await tn.publish({ cwd: folder, dryRun: true, registry: emulator.url, token: ALICE })
    const [published] = Object.values(result.request.body.versions)
    checks(published, c)
  })
})
