// issue 20, rule 7: a package published by trust-native to the emulator installs with the real
// npm and an empty cache: the emulator serves each version's tarball at its `dist.tarball`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, isolateNpmConfig, runNpm, startEmulator, tempDir, tn } from './helpers.mjs'

let emulator, home

beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

/** A package folder with a bin and a library file. */
function widget(name, version) {
  const dir = tempDir('tn-install-pkg-')
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'lib/index.js', bin: { widget: 'cli.js' }, files: ['lib/'] }))
  writeFileSync(join(dir, 'lib', 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)}\n`)
  writeFileSync(join(dir, 'cli.js'), '#!/usr/bin/env node\nconsole.log(require("./lib/index.js"))\n')
  return dir
}

describe('npm install from the emulator', () => {
  it.each([['an unscoped package', 'widget-kit'], ['a scoped package', '@acme/widget-kit']])('%s published by trust-native installs with a fresh cache', async (_what, name) => {
    emulator.seed({ packages: [] })
    const published = await tn.publish({ cwd: widget(name, '1.0.0'), registry: emulator.url, token: ALICE, otp: OTP })
    expect(published.files.sort()).toEqual(['cli.js', 'lib/index.js', 'package.json'])
    const manifest = (await (await fetch(`${emulator.url}/${name.replace('/', '%2f')}`)).json()).versions['1.0.0']
    // As npm's publish writes it: the registry's URL, the name, `-`, the file.
    expect(manifest.dist.tarball).toBe(new URL(`${name}/-/${name}-1.0.0.tgz`, emulator.url).href)

    const app = tempDir('tn-install-app-')
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    const cache = tempDir('tn-install-cache-')
    emulator.clearRequests()
    const installed = await runNpm(['install', name, '--registry', emulator.url, '--cache', cache, '--no-audit', '--no-fund'], { cwd: app, home })
    expect(installed.code, installed.stderr).toBe(0)
    // The tarball came from the emulator, where dist.tarball says.
    expect(emulator.requests().some((r) => r.method === 'GET' && r.path === new URL(manifest.dist.tarball).pathname)).toBe(true)
    const where = join(app, 'node_modules', ...name.split('/'))
    expect(readFileSync(join(where, 'lib', 'index.js'), 'utf8')).toContain(`${name}@1.0.0`)
    expect(statSync(join(where, 'cli.js')).mode & 0o111).not.toBe(0)
    expect(JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')).packages[`node_modules/${name}`]).toMatchObject({ resolved: manifest.dist.tarball, integrity: manifest.dist.integrity })
  }, 60_000)

  it('a file that is no version of the package is not found', async () => {
    emulator.seed({ packages: [{ name: 'widget-kit', maintainers: ['alice'], versions: ['1.0.0'] }] })
    // Seeded versions carry no tarball, and no name serves another's.
    for (const path of ['/widget-kit/-/widget-kit-1.0.0.tgz', '/@acme/never/-/never-1.0.0.tgz', '/widget-kit/-/widget-kit-2.0.0.tgz', '/widget-kit/-/other-1.0.0.tgz', '/nope/-/nope-1.0.0.tgz']) {
      expect((await fetch(`${emulator.url}${path}`)).status, path).toBe(404)
    }
  })
})
