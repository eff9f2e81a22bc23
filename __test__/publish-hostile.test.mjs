// Publishing hostile packages: folders whose package.json points outside them or at secrets,
// tarballs that leave the package folder, hold an .npmrc or inflate without end, and the
// package.json tricks npm refuses. Every case is a dry run unless it says otherwise: what
// matters is what would be packed or sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGzip, gzipSync } from 'node:zlib'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { ALICE, OTP, isolateNpmConfig, rejection, runNpm, startEmulator, tempDir, tn } from './helpers.mjs'

let emulator, home

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator({ packages: [{ name: '@acme/widgets', maintainers: ['alice'], versions: ['1.0.0'] }] })
})
afterAll(() => emulator.stop())

const SECRET = 'TOP-SECRET-OUTSIDE-THE-PACKAGE'

/** A folder holding `secret` (a file outside any package), and a package folder beside it. */
function folders(pkg, files = {}) {
  const dir = tempDir('tn-hostile-')
  const outside = join(dir, 'outside')
  mkdirSync(outside)
  writeFileSync(join(outside, 'secret'), SECRET)
  const folder = join(dir, 'pkg')
  mkdirSync(folder)
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: '@acme/widgets', version: '2.0.0', ...pkg }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true })
    writeFileSync(join(folder, path), text)
  }
  return { dir, folder, outside }
}

const dry = (more) => tn.publish({ registry: emulator.url, token: ALICE, otp: OTP, dryRun: true, ...more })

/** The files `npm pack` packs in `folder`. */
async function npmPacks(folder) {
  const packed = await runNpm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: folder, home })
  expect(packed.code, packed.stderr).toBe(0)
  return JSON.parse(packed.stdout)[0].files.map((f) => f.path).sort()
}

describe('a folder packs nothing from outside it, and never an .npmrc', () => {
  it('main, bin and browser that are absolute paths name files in the folder, as npm reads them', async () => {
    const { folder } = folders({ main: '/etc/passwd', bin: { a: '/etc/hostname' }, browser: '//etc/passwd' })
    const { files } = await dry({ cwd: folder })
    expect(files).toEqual(['package.json'])
    expect(await npmPacks(folder)).toEqual(['package.json'])
  })

  it('main or bin through a link (to a file or a folder) is not followed', async () => {
    const { folder, outside } = folders({ main: 'link.js', bin: { a: 'linked/secret' } })
    symlinkSync(join(outside, 'secret'), join(folder, 'link.js'))
    symlinkSync(outside, join(folder, 'linked'))
    const { files, request } = await dry({ cwd: folder })
    expect(files).toEqual(['package.json'])
    expect(JSON.stringify(request)).not.toContain(SECRET)
    expect(await npmPacks(folder)).toEqual(['package.json'])
  })

  it('an .npmrc is never packed: not as main or bin, not in any folder, in no letter case', async () => {
    const npmrc = `//registry.npmjs.org/:_authToken=${ALICE}\n`
    const { folder } = folders({ main: '.npmrc', bin: { a: 'sub/.npmrc' } }, { '.npmrc': npmrc, 'sub/.npmrc': npmrc, 'sub/deep/.NPMRC': npmrc, 'sub/a.js': '' })
    const { files } = await dry({ cwd: folder })
    expect([...files].sort()).toEqual(['package.json', 'sub/a.js'])
  })

  it('packs what npm packs: README and LICENSE whatever .npmignore says, no `*` names, npm defaults in every folder', async () => {
    const { folder } = folders({}, {
      '.npmignore': 'README*\nLICENSE\n', 'README.md': '# w\n', LICENSE: 'MIT\n',
      'sub/archived-packages/x.tgz': '', 'build/config.gypi': '', 'sub/build/config.gypi': '', 'build/x.js': '', 'lib/a.js': '',
      // Windows has no file name with `*`.
      ...(process.platform !== 'win32' && { 'a*b.js': '' }),
    })
    const { files } = await dry({ cwd: folder })
    expect([...files].sort()).toEqual(await npmPacks(folder))
    expect([...files].sort()).toEqual(['LICENSE', 'README.md', 'build/x.js', 'lib/a.js', 'package.json'])
  })

  it('a folder of more than 512 MiB is refused before anything is read', async () => {
    const { folder } = folders({}, { 'big.bin': '' })
    truncateSync(join(folder, 'big.bin'), 513 * 1024 * 1024) // sparse: nothing is written
    const error = await rejection(dry({ cwd: folder }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'folder' })
    expect(error.message).toContain('`folder` holds more than 512 MiB')
  })
})

/** A ustar entry: header, data, padding. `size` may claim more than `data` holds. */
function entry(name, data = Buffer.alloc(0), { type = '0', size = data.length } = {}) {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100)
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  header.write('00000000000\0', 136)
  header.write('        ', 148)
  header.write(type, 156)
  header.write('ustar\0', 257)
  header.write('00', 263)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512)
  return Buffer.concat([header, data, padding])
}

const PACKAGE_JSON = Buffer.from(JSON.stringify({ name: '@acme/widgets', version: '2.0.0' }))

function tarball(dir, entries) {
  const path = join(dir, 'hostile.tgz')
  writeFileSync(path, gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])))
  return path
}

describe('a tarball is an npm package or is refused, naming `tarball`', () => {
  it.each([
    ['an entry that climbs out of the package folder', [entry('package/package.json', PACKAGE_JSON), entry('package/../../evil.js', Buffer.from('x'))], 'outside the package folder'],
    ['an absolute entry', [entry('package/package.json', PACKAGE_JSON), entry('/etc/evil', Buffer.from('x'))], 'outside the package folder'],
    ['an .npmrc', [entry('package/package.json', PACKAGE_JSON), entry('package/.npmrc', Buffer.from(`//r/:_authToken=${ALICE}`))], 'never packs'],
    ['a package.json of more than 8 MiB', [entry('package/package.json', Buffer.alloc(9 * 1024 * 1024, ' '))], 'larger than 8 MiB'],
  ])('%s', async (_, entries, says) => {
    const dir = tempDir('tn-hostile-')
    const path = tarball(dir, entries)
    const error = await rejection(dry({ cwd: dir, tarball: path }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'tarball' })
    expect(error.message).toContain(says)
    expect(error.message).not.toContain(ALICE)
  })

  it('a pax header that inflates to gigabytes is refused once 640 MiB are read, not held in memory', async () => {
    // 4 MiB on disk: a pax extended header claiming 1 GiB of zeros, which tar readers hold in
    // memory whole.
    const dir = tempDir('tn-hostile-')
    const path = join(dir, 'bomb.tgz')
    const size = 1024 * 1024 * 1024
    async function* bomb() {
      yield entry('package/package.json', PACKAGE_JSON)
      yield entry('package/PaxHeader', Buffer.alloc(0), { type: 'x', size }).subarray(0, 512)
      const zeros = Buffer.alloc(1024 * 1024)
      for (let i = 0; i < size / zeros.length + 1; i++) yield zeros
    }
    await pipeline(Readable.from(bomb()), createGzip({ level: 1 }), createWriteStream(path))
    const error = await rejection(dry({ cwd: dir, tarball: path }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'tarball' })
    expect(error.message).toContain('more than 512 MiB')
  })
})

describe('package.json tricks npm refuses', () => {
  it('any truthy `private` keeps the package home, as npm does', async () => {
    for (const value of [true, 'true', 1]) {
      const { folder } = folders({ private: value })
      expect((await rejection(dry({ cwd: folder }))).code).toBe('EPRIVATE')
    }
    // npm refuses it too (libnpmpublish, which a dry run does not reach).
    const { folder } = folders({ private: 'true' })
    writeFileSync(join(folder, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    emulator.clearRequests()
    const npm = await runNpm(['publish', `--otp=${OTP}`], { cwd: folder, home })
    expect(npm.stderr).toContain('EPRIVATE')
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toEqual([])
  })

  it('a name that is missing or not a string is said as such', async () => {
    for (const name of [undefined, 5, ['@acme/widgets']]) {
      const { folder } = folders({ name })
      const error = await rejection(dry({ cwd: folder }))
      expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'name' })
      expect(error.message).toContain('no `name`')
    }
  })
})

describe('a registry that misbehaves', () => {
  it('a publish whose answer is too large to read is checked against what the registry holds', async () => {
    const { folder } = folders({ version: '3.0.0' })
    emulator.clearRequests()
    emulator.injectFault({ kind: 'oversized', after: true, times: 1, method: 'PUT' })
    const result = await tn.publish({ registry: emulator.url, token: ALICE, otp: OTP, cwd: folder })
    expect(result).toMatchObject({ version: '3.0.0', dryRun: false })
    expect(emulator.requests().filter((r) => r.method === 'PUT')).toHaveLength(1)
    // Too large before the registry acted: nothing is held, and the call says what happened.
    const { folder: lost } = folders({ version: '3.1.0' })
    emulator.injectFault({ kind: 'oversized', times: 1, method: 'PUT' })
    expect((await rejection(tn.publish({ registry: emulator.url, token: ALICE, otp: OTP, cwd: lost }))).code).toBe('ERESPONSE')
    expect(emulator.versions('@acme/widgets')).toEqual(['1.0.0', '3.0.0'])
  })
})

describe('what a caller asks for is done, or refused: never quietly something else', () => {
  it('oidc: true with a token is refused, naming oidc: the exchange would not be made', async () => {
    const { folder } = folders({})
    const error = await rejection(tn.publish({ registry: emulator.url, token: ALICE, otp: OTP, oidc: true, cwd: folder }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'oidc' })
    expect(error.message).not.toContain(ALICE)
  })

  it('claim refuses a name npm takes for no new package (capitals, special characters)', async () => {
    for (const name of ['Brand-New', 'brand(new)', "it's"]) {
      const error = await rejection(tn.claimPackage({ registry: emulator.url, token: ALICE, otp: OTP, package: name, dryRun: true }))
      expect(error.code, name).toMatch(/^EINVALID/)
      expect(error.message).toContain('new package')
    }
  })

  it('a publish whose answer was lost, and whose check failed too, says it may have been published', async () => {
    const { folder } = folders({ version: '3.0.0' })
    emulator.injectFault({ kind: 'drop', after: true, times: 1, method: 'PUT' })
    emulator.injectFault({ kind: 'status', status: 503, times: 10, method: 'GET', path: '/@acme%2fwidgets' })
    const error = await rejection(tn.publish({ registry: emulator.url, token: ALICE, otp: OTP, cwd: folder, retries: 0 }))
    emulator.clearFaults()
    expect(error.message).toContain('may have been published')
    expect(error.message).toContain('@acme/widgets@3.0.0')
  })
})
