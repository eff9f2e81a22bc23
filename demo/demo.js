// A maintainer's session with trust-native, against the registry emulator (trust-native/testing):
// add a GitHub publisher inferred from package.json, a second one for nightly builds, list, try
// the same one twice, revoke one, list again.
'use strict'

const { mkdtempSync, writeFileSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const tn = require('..')
const { startEmulator } = require('trust-native/testing')

const TOKEN = 'demo-token-not-a-secret'
const OTP = '123456'

function show(title, lines = []) {
  console.log(`\n== ${title}`)
  for (const line of [].concat(lines)) console.log(`   ${line}`)
}

function describe(p) {
  const where = p.repository ?? p.project ?? p.vcsOrigin
  const extra = p.environment ? `, environment ${p.environment}` : ''
  return `${p.id}  ${p.type}  ${where}  ${p.file ?? ''}${extra}  [${p.permissions.join(', ')}]`
}

async function main() {
  const emulator = await startEmulator({
    users: [{ name: 'maintainer', token: TOKEN, otp: OTP }],
    packages: [{ name: '@acme/widgets', maintainers: ['maintainer'] }],
  })
  const cwd = mkdtempSync(join(tmpdir(), 'trust-native-demo-'))
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({
    name: '@acme/widgets',
    version: '1.0.0',
    repository: { type: 'git', url: 'git+https://github.com/acme/widgets.git' },
  }, null, 2))
  const common = { registry: emulator.url, token: TOKEN, otp: OTP, cwd }

  try {
    show('Registry emulator', [`listening at ${emulator.url}`, `project: ${join(cwd, 'package.json')} (@acme/widgets, github.com/acme/widgets)`])

    const added = await tn.addGithubPublisher({ ...common, file: 'release.yml', environment: 'npm' })
    show('Add a GitHub Actions publisher (package and repository from package.json)', [
      `created: ${describe(added.publisher)}`,
      `inferred from package.json: ${added.fromPackageJson.join(', ')}`,
      ...added.warnings.map((w) => `warning: ${w}`),
    ])

    // Since September 2026 a package can have up to 10 trusted publishers: a nightly workflow
    // beside the release one, each trusted on its own.
    const nightly = await tn.addGithubPublisher({ ...common, file: 'nightly.yml' })
    show('Add a second one, for nightly builds (up to 10 per package)', [`created: ${describe(nightly.publisher)}`])

    const listed = await tn.listPublishers(common)
    show('List trusted publishers', listed.map(describe))

    try {
      await tn.addGithubPublisher({ ...common, file: 'nightly.yml' })
      show('Add the same one again', ['unexpectedly accepted'])
    } catch (error) {
      show('Add the same one again', [`${error.code} (HTTP ${error.statusCode})`, error.message])
    }

    const revoked = await tn.revokePublisher({ ...common, id: nightly.publisher.id })
    show('Revoke the nightly one', [`revoked ${revoked.id} from ${revoked.package}`])

    const after = await tn.listPublishers(common)
    show('List again', after.length ? after.map(describe) : ['no trusted publishers'])

    const seen = emulator.requests().map((r) => `${r.method} ${r.path}`)
    show('What the registry received', seen)
  } finally {
    emulator.stop()
    rmSync(cwd, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`demo failed: ${error.code ?? ''} ${error.message}`)
  process.exitCode = 1
})
