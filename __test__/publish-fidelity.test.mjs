// Fidelity of publishing: `npm publish` (npm 11.19.x, a devDependency) and trust-native publish
// the same package to the emulator from the same state, and the emulator must see the same
// publish request: method, path, body (the packument, byte for byte) and the auth, OTP, command
// and content-type headers. Two differences are by design and asserted as such:
// - `_npmVersion`: npm writes its own version in the manifest; trust-native is not npm.
// - npm reads the packument twice before publishing (an abbreviated and a full read, both to
//   check versions); trust-native reads it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { referenceNpm12 } from '../scripts/reference-npm.mjs'
import { ALICE, OTP, isolateNpmConfig, rejection, runCli, runNpm, startEmulator, tempDir, tn, wire, withCiEnv, git } from './helpers.mjs'

let emulator, home

/** A folder with a package whose package.json exercises npm's normalization. */
function packageFolder(name, version, extra = {}) {
  const dir = tempDir('tn-pub-')
  const pkg = join(dir, 'pkg')
  mkdirSync(join(pkg, 'lib'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({
    name, version, author: 'Ann Lee <ann@example.com> (https://ann.dev)', keywords: 'widgets, tools',
    repository: 'github:acme/mono', main: 'lib/index.js', license: 'MIT', _internal: true,
    scripts: { test: 'node_modules/.bin/vitest run' }, files: ['lib/'], ...extra,
  }, null, 2))
  writeFileSync(join(pkg, 'README.md'), '# widgets\n\nWidgets for\neverything.\n\n## Usage\n')
  writeFileSync(join(pkg, 'LICENSE'), 'MIT\n')
  writeFileSync(join(pkg, 'lib', 'index.js'), 'module.exports = 1\n')
  writeFileSync(join(pkg, 'notes.txt'), 'not in files\n')
  // For a publish from `dir` (no package.json: npm's prefix is `dir`) and from `pkg`.
  for (const where of [dir, pkg]) writeFileSync(join(where, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
  return { dir, pkg }
}

/** `npm pack` of the folder: the tarball's path relative to `dir`, and the files npm packed. */
async function npmPack(dir) {
  const packed = await runNpm(['pack', '--json', '--pack-destination', '..'], { cwd: join(dir, 'pkg'), home })
  expect(packed.code, packed.stderr).toBe(0)
  const [{ filename, files }] = JSON.parse(packed.stdout)
  return { tarball: `./${filename}`, files: files.map((f) => f.path).sort() }
}

/** The writes the emulator saw (the reads are compared by path only). */
function seen() {
  const all = emulator.requests()
  return { writes: wire(all.filter((r) => r.method !== 'GET')), reads: [...new Set(all.filter((r) => r.method === 'GET').map((r) => r.path))] }
}

/** The body's version manifest without `_npmVersion` (see the top of this file). */
function withoutNpmVersion(body) {
  const packument = JSON.parse(body)
  for (const manifest of Object.values(packument.versions)) delete manifest._npmVersion
  return packument
}

function reset(packages = []) {
  emulator.seed({ packages: [{ name: '@acme/widgets', maintainers: ['alice'], versions: ['1.0.0'] }, ...packages] })
  emulator.clearRequests()
}

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

describe('npm publish vs publish', () => {
  it('a tarball: the same packument, byte for byte (but _npmVersion)', async () => {
    const { dir } = packageFolder('@acme/widgets', '1.2.0')
    const { tarball } = await npmPack(dir)
    reset()
    const cli = await runNpm(['publish', tarball, '--tag', 'next', '--access', 'public', `--otp=${OTP}`], { cwd: dir, home })
    expect(cli.code, cli.stderr).toBe(0)
    const npmSaw = seen()
    expect(npmSaw.writes).toHaveLength(1)
    expect(JSON.parse(npmSaw.writes[0].body).versions['1.2.0']._npmVersion).toBe('11.19.1')

    reset()
    const result = await tn.publish({ cwd: dir, tarball, tag: 'next', access: 'public', otp: OTP })
    const oursSaw = seen()
    expect(oursSaw.reads).toEqual(npmSaw.reads)
    expect(oursSaw.writes).toHaveLength(1)
    // A token publish involves no trusted publishing: nothing to warn about it, as npm.
    expect(result.warnings).toEqual([])
    const [ours] = oursSaw.writes
    const [theirs] = npmSaw.writes
    expect({ ...ours, body: undefined }).toEqual({ ...theirs, body: undefined })
    expect(ours).toMatchObject({ method: 'PUT', path: '/@acme%2fwidgets', otp: OTP, command: 'publish', contentType: 'application/json' })
    expect(withoutNpmVersion(ours.body)).toEqual(withoutNpmVersion(theirs.body))
    // Key order too: the body is the same text once _npmVersion is gone.
    expect(ours.body).toBe(theirs.body.replace(',"_npmVersion":"11.19.1"', ''))
    const manifest = JSON.parse(ours.body).versions['1.2.0']
    expect(manifest).toMatchObject({
      repository: { type: 'git', url: 'git+https://github.com/acme/mono.git' },
      bugs: { url: 'https://github.com/acme/mono/issues' },
      homepage: 'https://github.com/acme/mono#readme',
      author: { name: 'Ann Lee', email: 'ann@example.com', url: 'https://ann.dev' },
      keywords: ['widgets', 'tools'],
      scripts: { test: 'vitest run' },
      description: 'Widgets for everything.',
    })
    expect(manifest._internal).toBeUndefined()
    expect(result).toMatchObject({ package: '@acme/widgets', version: '1.2.0', tag: 'next', tokenSource: 'config', dryRun: false, integrity: manifest.dist.integrity, shasum: manifest.dist.shasum })
    expect(emulator.versions('@acme/widgets')).toEqual(['1.0.0', '1.2.0'])
  })

  it('a folder: packed with the files npm packs, the same manifest', async () => {
    const { dir, pkg } = packageFolder('@acme/widgets', '1.3.0', { bin: { widgets: 'cli.js' } })
    writeFileSync(join(pkg, 'cli.js'), '#!/usr/bin/env node\n')
    const { files } = await npmPack(dir)
    reset()
    const cli = await runNpm(['publish', '--tag', 'next', `--otp=${OTP}`], { cwd: pkg, home })
    expect(cli.code, cli.stderr).toBe(0)
    const theirs = JSON.parse(seen().writes[0].body)

    reset()
    const result = await tn.publish({ cwd: pkg, tag: 'next', otp: OTP })
    expect([...result.files].sort()).toEqual(files)
    const ours = JSON.parse(seen().writes[0].body)
    // The tarballs hold the same files but are compressed by different deflate implementations:
    // their digests and bytes differ, nothing else does.
    for (const packument of [ours, theirs]) {
      const manifest = packument.versions['1.3.0']
      delete manifest.dist.integrity
      delete manifest.dist.shasum
      delete manifest._npmVersion
      for (const attachment of Object.values(packument._attachments)) {
        delete attachment.data
        delete attachment.length
      }
    }
    expect(ours).toEqual(theirs)
  })

  it('a folder in a git checkout, with types beside main: gitHead and types as npm fills them', async () => {
    const { dir, pkg } = packageFolder('@acme/widgets', '1.3.1', { files: ['lib/'] })
    writeFileSync(join(pkg, 'lib', 'index.d.ts'), 'export declare const x: number\n')
    git(dir, 'init', '-q', '-b', 'main')
    git(dir, 'add', '.')
    git(dir, 'commit', '-q', '-m', 'release')
    const head = git(dir, 'rev-parse', 'HEAD').trim()
    reset()
    const cli = await runNpm(['publish', '--tag', 'next', `--otp=${OTP}`], { cwd: pkg, home })
    expect(cli.code, cli.stderr).toBe(0)
    const theirs = JSON.parse(seen().writes[0].body).versions['1.3.1']

    reset()
    await tn.publish({ cwd: pkg, tag: 'next', otp: OTP })
    const ours = JSON.parse(seen().writes[0].body).versions['1.3.1']
    expect(ours).toMatchObject({ gitHead: head, types: './lib/index.d.ts' })
    for (const manifest of [ours, theirs]) {
      delete manifest.dist
      delete manifest._npmVersion
    }
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs))
  })

  it('refuses what npm refuses, before sending: a published version, a private package', async () => {
    const { dir, pkg } = packageFolder('@acme/widgets', '1.0.0')
    reset()
    expect((await rejection(tn.publish({ cwd: pkg, otp: OTP }))).code).toBe('EPUBLISHCONFLICT')
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/widgets', version: '2.0.0', private: true }))
    expect((await rejection(tn.publish({ cwd: dir, folder: 'pkg', otp: OTP }))).code).toBe('EPRIVATE')
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/widgets', version: '2.0.0-beta.1' }))
    const prerelease = await rejection(tn.publish({ cwd: pkg, otp: OTP }))
    expect(prerelease).toMatchObject({ code: 'EINVALIDINPUT', field: 'tag' })
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toEqual([])
  })

  it('a publish the registry made is a success, whatever its answer looks like', async () => {
    // npm ignores the body of a publish's answer: an accepted publish is done.
    const { pkg } = packageFolder('@acme/widgets', '1.7.0')
    reset()
    emulator.injectFault({ kind: 'malformedJson', after: true, times: 1, method: 'PUT' })
    expect(await tn.publish({ cwd: pkg, otp: OTP })).toMatchObject({ version: '1.7.0', dryRun: false })
    // The connection drops after the registry published: the registry holds this very tarball,
    // so the publish is done (and is not sent again).
    const { pkg: next } = packageFolder('@acme/widgets', '1.8.0')
    emulator.injectFault({ kind: 'drop', after: true, times: 1, method: 'PUT' })
    expect(await tn.publish({ cwd: next, otp: OTP })).toMatchObject({ version: '1.8.0' })
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toHaveLength(2)
    expect(emulator.versions('@acme/widgets')).toEqual(['1.0.0', '1.7.0', '1.8.0'])
    // Dropped before the registry acted: the registry does not hold it, and the call says so.
    const { pkg: lost } = packageFolder('@acme/widgets', '1.9.0')
    emulator.injectFault({ kind: 'drop', times: 1, method: 'PUT' })
    expect((await rejection(tn.publish({ cwd: lost, otp: OTP }))).code).toBe('ENETWORK')
    expect(emulator.versions('@acme/widgets')).not.toContain('1.9.0')
  })

  it('a dry run sends nothing and shows the request, the tarball elided', async () => {
    const { pkg } = packageFolder('@acme/widgets', '1.4.0')
    reset()
    const result = await tn.publish({ cwd: pkg, otp: OTP, dryRun: true })
    expect(result.dryRun).toBe(true)
    expect(result.request).toMatchObject({ method: 'PUT', headers: { authorization: 'Bearer ***', 'npm-otp': '***' } })
    expect(result.request.body._attachments['@acme/widgets-1.4.0.tgz'].data).toMatch(/^\(\d+ bytes, base64\)$/)
    expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([])
  })
})

describe('npm stage publish vs stagePublish', () => {
  it('the same request to the staging area, with no 2FA; the stage id comes back', async () => {
    const { dir } = packageFolder('@acme/widgets', '2.0.0')
    const { tarball } = await npmPack(dir)
    reset()
    const cli = await runNpm(['stage', 'publish', tarball, '--tag', 'next', '--access', 'public'], { cwd: dir, home })
    expect(cli.code, cli.stderr).toBe(0)
    const npmSaw = seen()
    // The emulator keeps staged versions: npm's is rejected so that the same one can be staged.
    for (const item of await tn.listStaged({ cwd: dir, package: '@acme/widgets' })) await tn.rejectStaged({ cwd: dir, id: item.id, otp: OTP })

    reset()
    const result = await tn.stagePublish({ cwd: dir, tarball, tag: 'next', access: 'public' })
    const oursSaw = seen()
    expect(oursSaw.reads).toEqual(npmSaw.reads)
    expect(oursSaw.writes.map((w) => ({ ...w, body: undefined }))).toEqual(npmSaw.writes.map((w) => ({ ...w, body: undefined })))
    expect(oursSaw.writes[0]).toMatchObject({ method: 'POST', path: '/-/stage/package/@acme%2fwidgets', otp: undefined })
    expect(withoutNpmVersion(oursSaw.writes[0].body)).toEqual(withoutNpmVersion(npmSaw.writes[0].body))
    expect(result).toMatchObject({ staged: true, version: '2.0.0', stageId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    // Staged, not published: a maintainer approves it.
    expect(emulator.versions('@acme/widgets')).toEqual(['1.0.0'])
    expect(await tn.viewStaged({ cwd: dir, id: result.stageId })).toMatchObject({ packageName: '@acme/widgets', version: '2.0.0', tag: 'next', shasum: result.shasum })
  })
})

describe('npm publish vs claimPackage: the placeholder', () => {
  it('is a prerelease under its own tag, README and no code; npm publishing that tarball sends the same', async () => {
    const dir = tempDir('tn-claim-')
    writeFileSync(join(dir, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    reset()
    const claimed = await tn.claimPackage({ cwd: dir, package: '@acme/brand-new', otp: OTP })
    expect(claimed).toMatchObject({ package: '@acme/brand-new', status: 'claimed', published: { version: '0.0.0-placeholder.0', tag: 'placeholder', access: 'public', files: ['package.json', 'README.md'] } })
    const ours = seen().writes
    expect(ours.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /@acme%2fbrand-new'])
    const body = JSON.parse(ours[0].body)
    expect(body['dist-tags']).toEqual({ placeholder: '0.0.0-placeholder.0' })
    expect(body.versions['0.0.0-placeholder.0'].readme).toContain('This version is a placeholder. It holds no code.')
    // As the registry does, the first version of a package is `latest` too, whatever its tag.
    const packument = await (await fetch(`${emulator.url}@acme%2fbrand-new`)).json()
    expect(packument['dist-tags']).toEqual({ placeholder: '0.0.0-placeholder.0', latest: '0.0.0-placeholder.0' })

    // npm publishes the very tarball the claim sent.
    const attachment = body._attachments['@acme/brand-new-0.0.0-placeholder.0.tgz']
    writeFileSync(join(dir, 'placeholder.tgz'), Buffer.from(attachment.data, 'base64'))
    // The emulator forgets no package: the name is seeded again, with no versions.
    reset([{ name: '@acme/brand-new', maintainers: ['alice'] }])
    const cli = await runNpm(['publish', './placeholder.tgz', '--tag', 'placeholder', '--access', 'public', `--otp=${OTP}`], { cwd: dir, home })
    expect(cli.code, cli.stderr.slice(-2000)).toBe(0)
    const theirs = seen().writes
    expect({ ...ours[0], body: undefined }).toEqual({ ...theirs[0], body: undefined })
    // What npm adds for a tarball file (its path, and the integrity again) has no file to name
    // for a tarball made in memory.
    const npmBody = withoutNpmVersion(theirs[0].body)
    const manifest = npmBody.versions['0.0.0-placeholder.0']
    expect(manifest._from).toBe('file:placeholder.tgz')
    delete manifest._from
    delete manifest._resolved
    delete manifest._integrity
    expect(body).toEqual(npmBody)

    // A name that exists is left alone.
    emulator.clearRequests()
    expect(await tn.claimPackage({ cwd: dir, package: '@acme/widgets', otp: OTP })).toEqual({ package: '@acme/widgets', status: 'exists' })
    expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([])
  })
})

describe('npm publish vs publish, in CI through trusted publishing', () => {
  const trusted = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }

  it('exchanges the id_token, then publishes with the exchanged token: the same requests', async () => {
    const { dir } = packageFolder('@acme/widgets', '1.5.0')
    const { tarball } = await npmPack(dir)
    // No token for the registry: trusted publishing is the only way in.
    writeFileSync(join(dir, '.npmrc'), `registry=${emulator.url}\n`)
    reset([{ name: '@acme/widgets', maintainers: ['alice'], versions: ['1.0.0'], publishers: [trusted] }])
    const job = emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main' })
    const cli = await runNpm(['publish', tarball, '--tag', 'next'], { cwd: dir, home, env: job })
    expect(cli.code, cli.stderr).toBe(0)
    const npmSaw = seen()

    reset([{ name: '@acme/widgets', maintainers: ['alice'], versions: ['1.0.0'], publishers: [trusted] }])
    const job2 = emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main' })
    const result = await withCiEnv(job2, () => tn.publish({ cwd: dir, tarball, tag: 'next' }))
    const oursSaw = seen()
    expect(result).toMatchObject({ tokenSource: 'oidc', provenance: { wouldAttach: false } })
    expect(result.provenance.reason).toContain('not public')
    // The registry exchanged the token, so it supports trusted publishing: no warning that it
    // may not (npm publish prints none either).
    expect(result.warnings).toEqual([])
    // Exchanged tokens are minted per exchange: compare everything else, and that each PUT
    // carries the token its own exchange minted (never the id_token).
    const masked = (writes) => writes.map((w) => ({ ...w, authorization: w.authorization?.split(' ')[0], body: w.method === 'PUT' ? withoutNpmVersion(w.body) : w.body }))
    expect(masked(oursSaw.writes)).toEqual(masked(npmSaw.writes))
    expect(oursSaw.writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /-/npm/v1/oidc/token/exchange/package/@acme%2fwidgets', 'PUT /@acme%2fwidgets'])
    expect(oursSaw.reads.filter((p) => !p.startsWith('/-/oidc/'))).toEqual(npmSaw.reads.filter((p) => !p.startsWith('/-/oidc/')))
    expect(emulator.versions('@acme/widgets')).toEqual(['1.0.0', '1.5.0'])
  })

  it('a refused exchange falls back to the configured token, as npm does; a failure then still says why', async () => {
    const { pkg } = packageFolder('@acme/widgets', '1.6.1')
    reset()
    const job = emulator.githubActionsJob({ repository: 'acme/other' })
    const error = await withCiEnv(job, () => rejection(tn.publish({ cwd: pkg })))
    expect(error.code).toBe('EOTP')
    expect(error.message).toContain('Trusted publishing was tried first and refused, so the configured token was used')
    expect(error.message).toContain('acme/other')
    // With a code, the fallback publishes, and the warning says why trusted publishing was not used.
    const result = await withCiEnv(job, () => tn.publish({ cwd: pkg, otp: OTP }))
    expect(result.tokenSource).toBe('config')
    expect(result.warnings.join('\n')).toContain('Trusted publishing did not work, so the configured token is used instead')
  })

  it('a refused exchange with no token to fall back on fails with the reason, not a bare 401', async () => {
    const { pkg } = packageFolder('@acme/widgets', '1.6.0')
    writeFileSync(join(pkg, '.npmrc'), `registry=${emulator.url}\n`)
    reset()
    const job = emulator.githubActionsJob({ repository: 'acme/other' })
    const error = await withCiEnv(job, () => rejection(tn.publish({ cwd: pkg })))
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(error.message).toContain('acme/other')
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toEqual([])
  })
})

const NPM12 = referenceNpm12()

describe.skipIf(NPM12.skip)(`npm publish (12) vs publish${NPM12.skip ? ` — skipped: ${NPM12.skip}` : ''}`, () => {
  const npm12 = (args, options) => runNpm(args, { home, ...options, client: NPM12 })

  it('patchedDependencies is left out and access is sent only when given: the same packument', async () => {
    const { pkg } = packageFolder('@acme/widgets', '1.9.0', { patchedDependencies: { 'left-pad@1.3.0': 'patches/left-pad.patch' } })
    reset()
    const cli = await npm12(['publish', '--tag', 'next', `--otp=${OTP}`], { cwd: pkg })
    expect(cli.code, cli.stderr).toBe(0)
    const theirs = seen().writes[0]
    reset()
    await tn.publish({ cwd: pkg, tag: 'next', otp: OTP })
    const ours = seen().writes[0]
    const body = (w) => {
      const packument = withoutNpmVersion(w.body)
      // The tarballs' deflate and the Node that ran each differ by design.
      for (const manifest of Object.values(packument.versions)) {
        delete manifest.dist.integrity
        delete manifest.dist.shasum
        delete manifest._nodeVersion
      }
      delete packument._attachments
      return packument
    }
    expect(body(ours)).toEqual(body(theirs))
    expect(body(theirs).versions['1.9.0'].patchedDependencies).toBeUndefined()
    expect(JSON.parse(theirs.body).access).toBeNull()
    expect({ ...ours, body: undefined }).toEqual({ ...theirs, body: undefined })
  })

  it('a manifest with packageExtensions is refused before any write, a private one is not published either', async () => {
    const { pkg } = packageFolder('@acme/widgets', '1.9.1', { packageExtensions: { 'left-pad@*': { peerDependencies: {} } } })
    reset()
    const cli = await npm12(['publish', '--tag', 'next', `--otp=${OTP}`], { cwd: pkg })
    expect(cli.stderr).toContain('EPACKAGEEXTENSIONS')
    expect(seen().writes).toEqual([])
    for (const call of [tn.publish, tn.stagePublish]) {
      const error = await rejection(call({ cwd: pkg, tag: 'next', otp: OTP }))
      expect(error.code).toBe('EPACKAGEEXTENSIONS')
      expect(error.message).toContain('root package.json')
    }
    expect(seen().writes).toEqual([])
    const { pkg: mine } = packageFolder('@acme/widgets', '1.9.2', { private: true, packageExtensions: {} })
    expect((await rejection(tn.publish({ cwd: mine, otp: OTP }))).code).toBe('EPRIVATE')
  })

  it('a stage-only token: npm 12 and trust-native send the same PUT; trust-native says E_STAGE_REQUIRED', async () => {
    const stager = 'npm_FAKE-stageOnlyPublish-56789abcdefghij'
    const { pkg } = packageFolder('@acme/widgets', '1.9.3')
    writeFileSync(join(pkg, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${stager}\n`)
    const withStager = () => {
      reset()
      emulator.seed({ tokens: [{ user: 'alice', token: stager, permission: 'read-write-stage-only' }] })
      emulator.clearRequests()
    }
    withStager()
    const cli = await npm12(['publish', '--tag', 'next'], { cwd: pkg })
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toContain('E_STAGE_REQUIRED')
    const theirs = seen().writes
    withStager()
    const error = await rejection(tn.publish({ cwd: pkg, tag: 'next' }))
    expect(error.code).toBe('E_STAGE_REQUIRED')
    const ours = seen().writes
    expect(ours.map((w) => ({ ...w, body: undefined }))).toEqual(theirs.map((w) => ({ ...w, body: undefined })))
  })

  it('a workspace in CI: each package publishes with its own exchange, never with another package\'s token', async () => {
    const trusted = { type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
    const root = tempDir('tn-ws-')
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }))
    writeFileSync(join(root, '.npmrc'), `registry=${emulator.url}\n`)
    for (const name of ['a', 'b']) {
      mkdirSync(join(root, 'packages', name), { recursive: true })
      writeFileSync(join(root, 'packages', name, 'package.json'), JSON.stringify({ name: `@acme/${name}`, version: '1.0.1', repository: 'github:acme/mono' }))
      writeFileSync(join(root, 'packages', name, 'index.js'), '\n')
    }
    // @acme/a trusts the job; @acme/b trusts nothing: its publish must fail, not borrow a's token.
    const seedWorkspace = () => {
      emulator.seed({ packages: [{ name: '@acme/a', maintainers: ['alice'], versions: ['1.0.0'], publishers: [trusted] }, { name: '@acme/b', maintainers: ['alice'], versions: ['1.0.0'] }] })
      emulator.clearRequests()
    }
    const job = { repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main' }
    /** The publishes sent: to which package, with what kind of token. */
    const puts = () => wire(emulator.requests()).filter((r) => r.method === 'PUT').map((r) => ({ path: decodeURIComponent(r.path.slice(1)), authorization: r.authorization?.split(' ')[0] }))
    seedWorkspace()
    const cli = await npm12(['publish', '--workspaces'], { cwd: root, env: emulator.githubActionsJob(job) })
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toContain('ENEEDAUTH')
    const npmPuts = puts()
    seedWorkspace()
    const ours = await runCli(['publish', '--workspaces'], { cwd: root, env: emulator.githubActionsJob(job) })
    expect(ours.code).not.toBe(0)
    expect(ours.stderr).toContain('@acme/b')
    expect(emulator.versions('@acme/a')).toEqual(['1.0.0', '1.0.1'])
    expect(emulator.versions('@acme/b')).toEqual(['1.0.0'])
    // npm 12 clears a's token before b's exchange and stops at b for want of one; trust-native
    // sends no PUT for b either (the emulator refuses a token exchanged for another package).
    expect(npmPuts).toEqual([{ path: '@acme/a', authorization: 'Bearer' }])
    expect(puts()).toEqual(npmPuts)
    expect(ours.stderr).toContain('EOIDCEXCHANGE')
  })
})
