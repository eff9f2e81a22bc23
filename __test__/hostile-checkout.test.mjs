// A checkout is input like any other: its files can be built to hang, crash or exhaust the
// process that reads them (YAML bombs, FIFOs, devices, symlink loops). Each case runs in a child
// process bounded in memory and time, so that a defect fails its test instead of taking the
// test runner down; the fixed code needs a tiny part of either bound. (FIFOs, devices and the
// shell's limits are Unix's: these run there.)
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isolateNpmConfig, tempDir } from './helpers.mjs'

isolateNpmConfig()
const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const addon = join(repo, 'index.js')

/** What `call` (the body of an async function given `tn`) settles with, run in a bounded child. */
function inChild(call) {
  const script = `const tn = require(${JSON.stringify(addon)})
    ;(async (tn) => { ${call} })(tn).then(
      (value) => console.log(JSON.stringify({ value })),
      (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`
  return new Promise((resolve) => {
    // 4 GiB of address space and 40 s (within the test's own time): a read without end fails
    // the test, not the runner or the machine.
    execFile('sh', ['-c', 'ulimit -v 4194304 2>/dev/null; exec "$0" -e "$1"', process.execPath, script], { timeout: 40_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ exit: error ? (error.signal ?? error.code) : 0, stderr, ...(stdout ? JSON.parse(stdout.trim().split('\n').at(-1)) : {}) })
    })
  })
}

function checkout(files) {
  const root = tempDir('tn-checkout-')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

function mkfifo(path) {
  return new Promise((resolve, reject) => execFile('mkfifo', [path], (e) => (e ? reject(e) : resolve())))
}

describe.skipIf(process.platform === 'win32')('pnpm-workspace.yaml', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]']
  for (const l of 'bcdefghijk') bomb.push(`${l}: &${l} [${Array(9).fill(`*${String.fromCharCode(l.charCodeAt(0) - 1)}`).join(',')}]`)
  const files = {
    'an alias bomb': `${bomb.join('\n')}\npackages: [*k]\n`,
    'a 400 KB nest of lists': `${'- '.repeat(200_000)}x\n`,
    'a key given twice': 'packages: [libs/*]\npackages: []\n',
  }
  for (const [what, yaml] of Object.entries(files)) {
    it(`with ${what} is EINVALIDINPUT naming the file, and the process lives`, async () => {
      const root = checkout({ 'package.json': '{"name":"mono","private":true}', 'pnpm-workspace.yaml': yaml, 'libs/a/package.json': '{"name":"a"}' })
      const settled = await inChild(`return tn.discoverWorkspacePackages(${JSON.stringify(root)})`)
      expect(settled).toMatchObject({ exit: 0, code: 'EINVALIDINPUT', message: expect.stringContaining(join(root, 'pnpm-workspace.yaml')) })
    })
  }
})

describe.skipIf(process.platform === 'win32')('${VAR} expansion in a checkout\'s .npmrc', () => {
  it('that would take gigabytes is EINVALIDINPUT naming the file, never the value', async () => {
    // 600 KB of text, 2 KB of variable: 200 MB once expanded, gigabytes with a larger file.
    const root = checkout({ 'package.json': '{"name":"w"}', '.npmrc': `k=${'${BIG}'.repeat(1000)}\n`.repeat(100) })
    process.env.BIG = 'A'.repeat(2000)
    try {
      const settled = await inChild(`return tn.resolveConfig({ cwd: ${JSON.stringify(root)} })`)
      expect(settled).toMatchObject({ exit: 0, code: 'EINVALIDINPUT', message: expect.stringContaining(join(root, '.npmrc')) })
      expect(settled.message).not.toContain('AAAA')
    } finally {
      delete process.env.BIG
    }
  })
})

describe.skipIf(process.platform === 'win32')('special files in a checkout', () => {
  it('a FIFO .npmrc and a package.json linked to /dev/zero are not read: the call settles', async () => {
    const root = checkout({})
    await mkfifo(join(root, '.npmrc'))
    symlinkSync('/dev/zero', join(root, 'package.json'))
    const settled = await inChild(`const r = await tn.resolveConfig({ cwd: ${JSON.stringify(root)}, timeoutMs: 10000 }); return r.registry`)
    expect(settled).toMatchObject({ exit: 0, value: 'https://registry.npmjs.org/' })
  })

  it('a FIFO package.json in a workspace is skipped, with the reason', async () => {
    const root = checkout({ 'package.json': '{"name":"mono","private":true,"workspaces":["packages/*"]}', 'packages/a/package.json': '{"name":"a"}' })
    mkdirSync(join(root, 'packages/b'))
    await mkfifo(join(root, 'packages/b/package.json'))
    const settled = await inChild(`return tn.discoverWorkspacePackages(${JSON.stringify(root)})`)
    expect(settled).toMatchObject({ exit: 0, value: { packages: [expect.objectContaining({ name: 'a' })] } })
  })
})

describe.skipIf(process.platform === 'win32')('the JavaScript that reads a checkout', () => {
  async function fifoProject() {
    const root = checkout({})
    await mkfifo(join(root, 'package.json'))
    return root
  }

  it('doctor skips a FIFO package.json instead of waiting on it', async () => {
    const root = await fifoProject()
    const doctor = JSON.stringify(join(repo, 'bin/doctor-checks.js'))
    const claims = { repository: 'acme/widgets', repository_visibility: 'public', workflow_ref: 'acme/widgets/.github/workflows/release.yml@refs/heads/main' }
    const settled = await inChild(`return require(${doctor}).provenanceFindings(${JSON.stringify(root)}, ${JSON.stringify(claims)})`)
    expect(settled).toMatchObject({ exit: 0, value: [] })
  })

  it('trust-native publish refuses a FIFO package.json, naming the file and the folder argument', async () => {
    const root = await fifoProject()
    const cli = join(repo, 'bin', 'trust-native.js')
    const run = await new Promise((resolve) => {
      const child = execFile(process.execPath, [cli, 'publish', root, '--dry-run'], { timeout: 40_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => resolve({ exit: error?.signal ?? error?.code ?? 0, stderr }))
      child.stdin.end()
    })
    expect(run.exit).toBe(1)
    expect(run.stderr).toContain(`${join(root, 'package.json')}: a FIFO, not a regular file`)
    // The CLI's words: its folder is an argument, not the library's `folder` option.
    expect(run.stderr).toContain('the folder argument')
    expect(run.stderr).not.toContain('`folder`')
  })

  it('the semantic-release plugin refuses a FIFO package.json, naming it', async () => {
    const root = await fifoProject()
    const plugin = JSON.stringify(join(repo, 'semantic-release/index.js'))
    const context = `{ cwd: ${JSON.stringify(root)}, env: {}, envCi: { isCi: false }, options: {}, logger: { log() {}, warn() {}, error() {}, success() {} } }`
    const settled = await inChild(`return require(${plugin}).verifyConditions({}, ${context})`)
    expect(settled).toMatchObject({ exit: 0, code: 'EINVALIDINPUT', message: expect.stringContaining(join(root, 'package.json')) })
    expect(settled.message).toContain('a FIFO, not a regular file')
  })
})

describe.skipIf(process.platform === 'win32')('workspace discovery', () => {
  it('ends on symlink loops and finds what npm finds', async () => {
    const root = checkout({
      'package.json': '{"name":"mono","private":true,"workspaces":["packages/**"]}',
      'packages/a/package.json': '{"name":"a"}',
      'packages/b/package.json': '{"name":"b"}',
    })
    symlinkSync('..', join(root, 'packages/a/x'))
    symlinkSync('..', join(root, 'packages/b/x'))
    const settled = await inChild(`const ws = await tn.discoverWorkspacePackages(${JSON.stringify(root)}); return ws.packages.map((p) => p.name)`)
    expect(settled).toMatchObject({ exit: 0, value: ['a', 'b'] })
  })
})
