// trust-native/semantic-release making the release itself (`stage: true`, `publish: true`), with
// the real semantic-release in dry-run and full runs, from a GitHub Actions job against the
// emulator: a temporary git repository whose remote is a local bare one, @semantic-release/npm
// with `npmPublish: false` for the version in package.json, no GitHub plugin.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { isolateNpmConfig, startEmulator, GIT_IDENTITY, git, pushedRepo } from './helpers.mjs'

const require = createRequire(import.meta.url)
const root = join(import.meta.dirname, '..')
const semanticRelease = join(dirname(require.resolve('semantic-release/package.json')), 'bin', 'semantic-release.js')
const PUBLISHER = { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage', 'createStagedPackage'] }
let emulator, home

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], publishers: [PUBLISHER] }] })
  emulator.clearRequests()
})

/** A repository with a `feat:` commit on main pushed to a bare remote; the plugin installed as users install it. */
function releaseRepo(pluginConfig) {
  return pushedRepo((remote) => ({
    'package.json': JSON.stringify({ name: 'widgets', version: '0.0.0-development', repository: 'github:acme/widgets', files: ['index.js'] }),
    'index.js': 'module.exports = 1\n',
    '.npmrc': `registry=${emulator.url}\n`,
    '.gitignore': 'node_modules\n',
    '.releaserc.json': JSON.stringify({
      branches: ['main', { name: 'next', channel: 'next' }],
      repositoryUrl: `file://${remote}`,
      plugins: ['@semantic-release/commit-analyzer', '@semantic-release/release-notes-generator', ['@semantic-release/npm', { npmPublish: false }], ['trust-native/semantic-release', pluginConfig]],
    }),
  }))
}

/** semantic-release (with `args`) in `cwd`, as a GitHub Actions job of release.yml on `branch`. */
function release(cwd, args = [], branch = 'main') {
  const env = {
    PATH: process.env.PATH, HOME: home, ...GIT_IDENTITY,
    npm_config_userconfig: process.env.npm_config_userconfig, npm_config_globalconfig: process.env.npm_config_globalconfig,
    ...emulator.githubActionsJob({ repository: 'acme/widgets', workflow_ref: `acme/widgets/.github/workflows/release.yml@refs/heads/${branch}` }),
    GITHUB_REF: `refs/heads/${branch}`, GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/widgets', GITHUB_SHA: git(cwd, 'rev-parse', 'HEAD').trim(),
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [semanticRelease, ...args], { cwd, env })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    child.on('close', (code) => resolve({ code, output }))
  })
}

const distTags = async () => (await (await fetch(`${emulator.url}/-/package/widgets/dist-tags`)).json())
const stagedIds = () => emulator.requests().filter((r) => r.method === 'POST' && r.path === '/-/stage/package/widgets')

describe('stage: true', () => {
  it('dry run: the release notes say the release is staged and how to approve it', async () => {
    const { cwd } = releaseRepo({ stage: true })
    const { code, output } = await release(cwd, ['--dry-run'])
    expect(code, output).toBe(0)
    expect(output).toContain('widgets: the registry exchanges this job\'s id_token for a publish token')
    expect(output).toMatch(/Staged on npm, not published yet:?\*{0,2} a maintainer publishes it with one 2FA: `?npx trust-native stage approve --package widgets`?/)
    expect(stagedIds()).toEqual([])
  })

  it('a full run stages the version through the exchange, tags it, and the log says how to approve it', async () => {
    const { cwd, remote } = releaseRepo({ stage: true })
    const { code, output } = await release(cwd)
    expect(code, output).toBe(0)
    expect(output).toMatch(/Staged widgets@1\.0\.0 \(dist-tag latest\) through trusted publishing, id [0-9a-f-]{36}: a maintainer publishes it with one 2FA: `npx trust-native stage approve --package widgets`/)
    expect(stagedIds()).toHaveLength(1)
    expect(emulator.versions('widgets') ?? []).toEqual([])
    expect(git(remote, 'tag', '--list').trim()).toBe('v1.0.0')
  })
})

describe('publish: true, and addChannel', () => {
  it('publishes on a channel through the exchange, then moves the version to latest when next is merged into main', async () => {
    const { cwd } = releaseRepo({ publish: true })
    const first = await release(cwd)
    expect(first.code, first.output).toBe(0)
    expect(first.output).toContain('Published widgets@1.0.0 on dist-tag latest through trusted publishing')
    expect(await distTags()).toEqual({ latest: '1.0.0' })

    // Each job starts from a clean checkout: @semantic-release/npm's version in package.json is not committed.
    git(cwd, 'checkout', '--', '.')
    git(cwd, 'checkout', '-b', 'next')
    writeFileSync(join(cwd, 'index.js'), 'module.exports = 2\n')
    git(cwd, 'commit', '-am', 'feat: more widgets')
    git(cwd, 'push', 'origin', 'next')
    const onNext = await release(cwd, [], 'next')
    expect(onNext.code, onNext.output).toBe(0)
    expect(onNext.output).toContain('Published widgets@1.1.0 on dist-tag next through trusted publishing')
    expect(await distTags()).toEqual({ latest: '1.0.0', next: '1.1.0' })

    git(cwd, 'checkout', '--', '.')
    git(cwd, 'checkout', 'main')
    git(cwd, 'merge', '--ff-only', 'next')
    git(cwd, 'push', 'origin', 'main')
    emulator.clearRequests()
    const merged = await release(cwd)
    expect(merged.code, merged.output).toBe(0)
    expect(merged.output).toContain('Added widgets@1.1.0 to dist-tag latest through trusted publishing')
    expect(await distTags()).toEqual({ latest: '1.1.0', next: '1.1.0' })
    // The dist-tag was moved with an exchanged token: nothing else was there to use.
    expect(emulator.requests().some((r) => r.path.startsWith('/-/npm/v1/oidc/token/exchange/package/widgets'))).toBe(true)
  }, 240_000) // three releases in a row

  it('refuses publish and stage together, and a package.json the version was not written to', async () => {
    const { publish } = require('trust-native/semantic-release')
    const logger = { log() {}, warn() {} }
    await expect(publish({ publish: true, stage: true }, { cwd: root, logger, nextRelease: { version: '1.0.0' } })).rejects.toMatchObject({ code: 'EINVALIDINPUT' })
    const { cwd } = releaseRepo({ publish: true })
    const error = await publish({ publish: true }, { cwd, env: {}, logger, nextRelease: { version: '1.0.0' } }).catch((e) => e)
    expect(error.code).toBe('EVERSION')
    expect(error.details).toContain('"npmPublish": false')
  })
})
