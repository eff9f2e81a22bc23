// A changesets release with `trust-native publish --workspaces` as its publish command: the real
// @changesets/cli versions a temporary monorepo (npm workspaces, and pnpm's with `workspace:`
// ranges), then the CLI publishes it from a GitHub Actions job against the emulator, and what it
// prints is read as changesets/action reads it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { ALICE, OTP, isolateNpmConfig, runCli, startEmulator, tempDir, GIT_IDENTITY, git } from './helpers.mjs'

const require = createRequire(import.meta.url)
const changesetBin = join(dirname(require.resolve('@changesets/cli/package.json')), 'bin.js')

let emulator
beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const RELEASE = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage', 'createStagedPackage'] }
const EXISTING = ['@acme/core', '@acme/utils', '@acme/app']
beforeEach(() => {
  emulator.seed({ packages: EXISTING.map((name) => ({ name, maintainers: ['alice'], versions: ['1.0.0'], publishers: [RELEASE] })) })
})

const job = () => emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main' })

/** changesets/action 1.x: the `New tag:` lines of the publish command's stdout (its regex, from src/run.ts). */
function tagsFromStdout(stdout) {
  const newTagRegex = /New tag:\s+(@[^/]+\/[^@]+|[^/]+)@([^\s]+)/
  return stdout.split('\n').map((line) => line.match(newTagRegex)).filter(Boolean).map(([, name, version]) => `${name}@${version}`)
}

/** changesets/action 2.x: the `git-tag` events of the CHANGESETS_OUTPUT file (its readChangesetsOutput). */
function tagsFromOutputFile(file) {
  return readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*$/.test(line)).map((line) => JSON.parse(line))
    .filter((e) => typeof e === 'object' && e !== null && e.type === 'git-tag' && typeof e.tag === 'string' && typeof e.packageName === 'string')
}

/**
 * A monorepo: @acme/app depends on @acme/utils, which depends on @acme/core (discovery lists
 * them by name, app first: the release must reverse that), a private package, and `extra`
 * packages. pnpm's names its siblings with `workspace:` ranges.
 */
function monorepo(tool, extra = []) {
  const root = tempDir('tn-mono-')
  const range = (spec) => (tool === 'pnpm' ? `workspace:${spec}` : '^1.0.0')
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, ...(tool === 'npm' && { workspaces: ['packages/*'] }) }, null, 2))
  if (tool === 'pnpm') writeFileSync(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n")
  writeFileSync(join(root, '.npmrc'), `registry=${emulator.url}\n`)
  const pkg = (dir, manifest) => {
    mkdirSync(join(root, 'packages', dir), { recursive: true })
    writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify({ version: '1.0.0', license: 'MIT', repository: 'github:acme/mono', ...manifest }, null, 2))
    writeFileSync(join(root, 'packages', dir, 'index.js'), 'module.exports = 1\n')
  }
  pkg('core', { name: '@acme/core' })
  pkg('utils', { name: '@acme/utils', dependencies: { '@acme/core': range('^') } })
  pkg('app', { name: '@acme/app', dependencies: { '@acme/utils': range('*'), '@acme/core': range('~') }, devDependencies: { '@acme/internal': range('*') } })
  pkg('internal', { name: '@acme/internal', private: true })
  for (const [dir, manifest] of extra) pkg(dir, manifest)
  mkdirSync(join(root, '.changeset'))
  writeFileSync(join(root, '.changeset', 'config.json'), JSON.stringify({ changelog: false, commit: false, access: 'public', baseBranch: 'main', updateInternalDependencies: 'patch', ignore: [] }))
  writeFileSync(join(root, '.changeset', 'brave-core.md'), '---\n"@acme/core": minor\n"@acme/utils": patch\n"@acme/app": patch\n---\n\nA feature.\n')
  return root
}

/** `changeset version`, as the release PR runs it. */
async function changesetVersion(cwd) {
  await promisify(execFile)(process.execPath, [changesetBin, 'version'], { cwd, env: { ...process.env, CI: '' } })
}

const manifestOf = async (name, version) => (await (await fetch(`${emulator.url}/${name.replace('/', '%2f')}`)).json()).versions[version]

/** The packages published (PUT /<name>), in the order sent. */
const sentOrder = () => emulator.requests().filter((r) => r.method === 'PUT' && !r.path.startsWith('/-/')).map((r) => decodeURIComponent(r.path.slice(1)))

describe.each(['npm', 'pnpm'])('%s workspaces: changeset version, then trust-native publish --workspaces', (tool) => {
  it('publishes each new version through its own exchange, dependencies first, with the lines changesets/action reads', async () => {
    const cwd = monorepo(tool)
    await changesetVersion(cwd)
    const output = join(tempDir(), 'changesets-output.ndjson')
    writeFileSync(output, '')
    emulator.clearRequests()
    const run = await runCli(['publish', '--workspaces'], { cwd, env: { ...job(), CHANGESETS_OUTPUT: output } })
    expect(run.code, run.stderr).toBe(0)
    const released = ['@acme/core@1.1.0', '@acme/utils@1.0.1', '@acme/app@1.0.1']
    expect(tagsFromStdout(run.stdout)).toEqual(released)
    expect(tagsFromOutputFile(output)).toEqual(released.map((tag) => ({ type: 'git-tag', tag, packageName: tag.slice(0, tag.lastIndexOf('@')) })))
    expect(sentOrder()).toEqual(['@acme/core', '@acme/utils', '@acme/app'])
    // One exchange per package: each token is for its own package.
    expect(emulator.requests().filter((r) => r.path.startsWith('/-/npm/v1/oidc/token/exchange/package/')).length).toBe(3)
    expect(run.stdout).toContain('Published 3.')
    expect(emulator.versions('@acme/internal')).toBeNull()
    // What consumers install: real versions where the workspace said `workspace:`.
    const app = await manifestOf('@acme/app', '1.0.1')
    const utils = await manifestOf('@acme/utils', '1.0.1')
    if (tool === 'pnpm') {
      expect(utils.dependencies).toEqual({ '@acme/core': '^1.1.0' })
      expect(app.dependencies).toEqual({ '@acme/utils': '1.0.1', '@acme/core': '~1.1.0' })
      expect(app.devDependencies).toEqual({ '@acme/internal': '1.0.0' })
    } else {
      expect(utils.dependencies['@acme/core']).toMatch(/^\^1\.1\.0$/)
    }
    expect(JSON.stringify(app)).not.toContain('workspace:')

    // Run again (the release job runs on every push): nothing new, nothing published, no tags.
    const again = await runCli(['publish', '--workspaces'], { cwd, env: job() })
    expect(again.code, again.stderr).toBe(0)
    expect(tagsFromStdout(again.stdout)).toEqual([])
    expect(again.stdout).toContain('= @acme/core@1.1.0 is already on the registry')
    expect(again.stdout).toContain('Published 0, already on the registry 3.')
  })
})

describe('a package that fails does not stop the others', () => {
  it('a new package not created yet: the others publish, its dependents are left, the summary and exit code say so', async () => {
    const cwd = monorepo('pnpm', [['new', { name: '@acme/new', version: '0.1.0' }], ['plugin', { name: '@acme/plugin', version: '0.1.0', dependencies: { '@acme/new': 'workspace:^' } }]])
    await changesetVersion(cwd)
    const run = await runCli(['publish', '--workspaces'], { cwd, env: job() })
    expect(run.code).toBe(1)
    expect(tagsFromStdout(run.stdout)).toEqual(['@acme/core@1.1.0', '@acme/utils@1.0.1', '@acme/app@1.0.1'])
    expect(run.stderr).toContain('@acme/new@0.1.0: EOIDCEXCHANGE: @acme/new has never been published')
    expect(run.stderr).toContain('`trust-native claim @acme/new --type github --repository acme/mono --file release.yml` (by a maintainer, with their token) publishes a placeholder version to create it and configures the trusted publisher this job needs')
    expect(run.stderr).toContain('@acme/plugin@0.1.0: not tried: it depends on @acme/new, which failed')
    expect(run.stderr).toContain('Published 3, failed 1 (@acme/new), not tried 1 (@acme/plugin).')
    expect(emulator.versions('@acme/plugin')).toBeNull()

    const json = await runCli(['publish', '--workspaces', '--json'], { cwd, env: job() })
    expect(json.code).toBe(1)
    const results = JSON.parse(json.stdout)
    expect(results.map((r) => [r.package, r.status])).toEqual([
      ['@acme/core', 'skipped'], ['@acme/utils', 'skipped'], ['@acme/app', 'skipped'], ['@acme/new', 'failed'], ['@acme/plugin', 'left'],
    ])
    expect(results[3].error.code).toBe('EOIDCEXCHANGE')

    // A staging job: the claim it suggests gives the publisher the stage permission it needs.
    const staged = await runCli(['publish', '--workspaces', '--stage'], { cwd, env: job() })
    expect(staged.code).toBe(1)
    expect(staged.stderr).toContain('`trust-native claim @acme/new --type github --repository acme/mono --file release.yml --allow-stage-publish`')
  })
})

describe('--stage: staged through the exchange, then approved with one 2FA', () => {
  it('publish --workspaces --stage, then stage approve --workspaces with one code', async () => {
    const cwd = monorepo('pnpm')
    await changesetVersion(cwd)
    const staged = await runCli(['publish', '--workspaces', '--stage'], { cwd, env: job() })
    expect(staged.code, staged.stderr).toBe(0)
    // Nothing is published yet: no tags for changesets/action.
    expect(tagsFromStdout(staged.stdout)).toEqual([])
    expect(staged.stdout).toMatch(/\+ @acme\/core@1\.1\.0 \(staged with id [0-9a-f-]+, through trusted publishing\)/)
    expect(staged.stdout).toContain('Staged 3.')
    expect(staged.stdout).toContain('trust-native stage approve --workspaces')
    expect(emulator.versions('@acme/core')).toEqual(['1.0.0'])

    // A maintainer, on their machine with their token: one code for the three.
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    emulator.clearRequests()
    const output = join(tempDir(), 'changesets-output.ndjson')
    writeFileSync(output, '')
    const approved = await runCli(['stage', 'approve', '--workspaces', '--otp', OTP, '--yes'], { cwd, env: { CHANGESETS_OUTPUT: output } })
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stdout).toContain('Approved 3 of 3 staged versions.')
    // Published by the approval: the tags changesets/action would create, had it run it.
    const released = ['@acme/core@1.1.0', '@acme/utils@1.0.1', '@acme/app@1.0.1']
    expect(tagsFromStdout(approved.stdout).sort()).toEqual([...released].sort())
    expect(tagsFromOutputFile(output).map((e) => e.tag).sort()).toEqual([...released].sort())
    // The README's step after approving, with the real @changesets/cli: `changeset tag` tags
    // each released version in git (the release job, which ran before, created none).
    git(cwd, 'init', '-q')
    git(cwd, 'add', '-A')
    git(cwd, 'commit', '-qm', 'Version packages')
    await promisify(execFile)(process.execPath, [changesetBin, 'tag'], { cwd, env: { ...process.env, CI: '', ...GIT_IDENTITY } })
    const tags = git(cwd, 'tag', '--list').split('\n').filter(Boolean)
    for (const tag of released) expect(tags).toContain(tag)
    expect(emulator.versions('@acme/core')).toEqual(['1.0.0', '1.1.0'])
    expect(emulator.versions('@acme/app')).toEqual(['1.0.0', '1.0.1'])
    const approvals = emulator.requests().filter((r) => r.method === 'POST' && /^\/-\/stage\/[^/]+\/approve$/.test(r.path))
    expect(approvals.map((r) => r.headers['npm-otp'])).toEqual([OTP, OTP, OTP])
    expect(JSON.stringify(await manifestOf('@acme/app', '1.0.1'))).not.toContain('workspace:')
  })
})
