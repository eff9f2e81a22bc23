// The trust-native CLI as a maintainer runs it: npm trust's commands and output, plan/apply over
// a monorepo with one 2FA approval, approving a workspace's staged versions with one 2FA, exit
// codes, and doctor in a CI job.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { delimiter, join } from 'node:path'
import { isolateNpmConfig, project, tempDir, testing, tn } from './helpers.mjs'

const BIN = fileURLToPath(new URL('../bin/trust-native.js', import.meta.url))
const OTP = '271828'
let emulator

/**
 * Runs the CLI in `cwd`. `input` lines are written to stdin when the CLI asks (a prompt on
 * stderr); a web approval link on stderr is approved in "the browser" when `approveWeb`.
 * With `piped`, stdin is that text and then ends (`''`: nothing to read), as in
 * `echo 123456 | trust-native ...`. `meanwhile(child)` runs once the CLI has started.
 */
function cli(args, { cwd, input = [], approveWeb = false, env = {}, piped, meanwhile } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } })
    if (piped !== undefined) child.stdin.end(piped)
    meanwhile?.(child)
    let stdout = ''
    let stderr = ''
    const answers = [...input]
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', async (d) => {
      stderr += d
      if (/Enter OTP: $|\(y\/N\) $/.test(stderr) && answers.length) child.stdin.write(`${answers.shift()}\n`)
      const link = approveWeb && /Authenticate your account at:\n(\S+)/.exec(stderr)
      if (link && !child.approved) {
        child.approved = true
        await fetch(`${link[1]}?approve=true&skip2fa=true`)
      }
    })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** util-linux `script`, which runs a command in a terminal of its own (a pty), if there is one. */
const SCRIPT = /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '')

/**
 * Runs the CLI in a terminal: `answer(output, child)` is called once it asks for the OTP, with
 * what the terminal showed so far (keys typed go to `child.stdin`).
 */
function inTerminal(args, { cwd, answer }) {
  return new Promise((resolve) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, NO_COLOR: '1' } })
    let output = ''
    let asked = false
    child.stdout.on('data', (d) => {
      output += d
      if (!asked && /one-time password: $/.test(output)) {
        asked = true
        answer(output, child)
      }
    })
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** A project whose .npmrc points at the emulator with `token`. */
function withNpmrc(dir, token) {
  const host = new URL(emulator.url).host
  writeFileSync(join(dir, '.npmrc'), `registry=${emulator.url}\n//${host}/:_authToken=${token}\n`)
  return dir
}

/** A monorepo with `n` publishable workspace packages and one private one. */
function monorepo(n, token) {
  const root = tempDir('tn-mono-')
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' }))
  const names = []
  for (let i = 1; i <= n; i++) {
    const name = `@acme/pkg-${String(i).padStart(2, '0')}`
    names.push(name)
    mkdirSync(join(root, 'packages', `pkg-${i}`), { recursive: true })
    writeFileSync(join(root, 'packages', `pkg-${i}`, 'package.json'), JSON.stringify({ name, version: '1.0.0' }))
  }
  mkdirSync(join(root, 'packages', 'internal'), { recursive: true })
  writeFileSync(join(root, 'packages', 'internal', 'package.json'), JSON.stringify({ name: '@acme/internal', private: true }))
  return { root: withNpmrc(root, token), names }
}

let counter = 0
function freshUser(packages) {
  counter += 1
  const token = `cli-token-${counter}`
  const name = `maintainer-${counter}`
  emulator.seed({ users: [{ name, token, otp: OTP }], packages: packages.map((p) => ({ name: p, maintainers: [name] })) })
  return token
}

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await testing.startEmulator({ webAuthRetryAfter: 0.05 })
})
afterAll(() => emulator.stop())
beforeEach(() => emulator.clearRequests())

describe('npm trust drop-in', () => {
  it('github: infers from package.json, prints npm\'s lines, asks for the OTP when the given one is refused', async () => {
    const token = freshUser(['@acme/widgets'])
    const cwd = withNpmrc(project({ name: '@acme/widgets', repository: 'github:acme/widgets' }), token)
    const run = await cli(['github', '--file', 'release.yml', '--env', 'npm', '--yes', '--otp', '000000'], { cwd, input: [OTP] })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Establishing trust between @acme/widgets package and GitHub Actions')
    expect(run.stdout).toContain('Anyone with GitHub repository write access can publish to @acme/widgets')
    expect(run.stdout).toMatch(/type: github\npackage: @acme\/widgets \(from package\.json\)\nfile: release\.yml\nrepository: acme\/widgets \(from package\.json\)\nenvironment: npm\npermissions: publish/)
    expect(run.stdout).toContain('Trust configuration created successfully for @acme/widgets')
    expect(run.stderr.match(/Enter OTP:/g)).toHaveLength(1)
    expect(emulator.publishers('@acme/widgets')).toHaveLength(1)
  })

  it('list and revoke, as npm prints them, and --json', async () => {
    const token = freshUser(['tools'])
    const cwd = withNpmrc(project({ name: 'tools' }), token)
    await cli(['gitlab', 'tools', '--project', 'acme/tools', '--file', '.gitlab-ci.yml', '--allow-stage-publish', '--yes', '--otp', OTP], { cwd })
    const listed = await cli(['list', 'tools', '--otp', OTP], { cwd })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/type: gitlab\nid: [0-9a-f-]{36}\nfile: \.gitlab-ci\.yml\nproject: acme\/tools\npermissions: stage publish/)
    const json = JSON.parse((await cli(['list', 'tools', '--otp', OTP, '--json'], { cwd })).stdout)
    expect(json).toEqual([{ id: expect.any(String), type: 'gitlab', project: 'acme/tools', file: '.gitlab-ci.yml', permissions: ['createStagedPackage'] }])
    const revoked = await cli(['revoke', 'tools', '--id', json[0].id, '--otp', OTP], { cwd })
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain(`Revoked trusted configuration for package tools with id ${json[0].id}`)
    expect(emulator.publishers('tools')).toEqual([])
  })

  it('exit codes: 1 when the registry refuses, 2 for a bad command line; nothing sent for either', async () => {
    const token = freshUser(['refused'])
    const cwd = withNpmrc(project({ name: 'refused' }), token)
    const missing = await cli(['github', 'not-there', '--repo', 'a/b', '--file', 'x.yml', '--yes', '--otp', OTP], { cwd })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('E404')
    const usage = await cli(['github', '--file'], { cwd })
    expect(usage.code).toBe(2)
    const invalid = await cli(['circleci', 'refused', '--org-id', 'nope', '--project-id', 'x', '--pipeline-definition-id', 'y', '--vcs-origin', 'github.com/a/b', '--yes'], { cwd })
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toContain('EINVALIDINPUT --org-id must be a valid UUID')
    expect(emulator.requests().filter((r) => r.path.includes('/trust') && r.method === 'POST')).toHaveLength(1)
  })
})

describe('plan and apply over a monorepo', () => {
  it('--help says what each provider flag means for each provider, --repository included', async () => {
    for (const command of ['plan', 'apply', 'claim']) {
      const { code, stdout } = await cli([command, '--help'])
      expect(code).toBe(0)
      const line = (flag) => stdout.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `)) ?? ''
      expect(line('repository'), command).toContain('github: Repository as owner/repo')
      expect(line('file'), command).toMatch(/github: Workflow file .*; gitlab: Top-level pipeline file/)
      expect(line('environment'), command).toMatch(/github: GitHub Actions environment .*; gitlab: GitLab environment/)
      expect(line('project'), command).toContain('gitlab: Project as group/project')
    }
  })

  it('configures 24 workspace packages with one apply and one 2FA approval; a second run changes nothing', async () => {
    const { root, names } = monorepo(24, 'pending')
    const token = freshUser(names)
    withNpmrc(root, token)

    emulator.clearRequests()
    const apply = await cli(['apply', '--workspaces', '--file', 'release.yml', '--yes', '--concurrency', '6'], { cwd: root, approveWeb: true })
    expect(apply.code, apply.stderr).toBe(0)
    // With --yes no plan is shown, but one is made: each package is read once (a package may
    // have several publishers, so a create alone cannot tell a new one from a changed one).
    // (The first reads wait for the 2FA approval and are sent again once it is given.)
    const reads = emulator.requests().filter((r) => r.method === 'GET' && r.path.includes('/trust'))
    expect(new Set(reads.map((r) => r.path)).size).toBe(24)
    expect(emulator.requests().filter((r) => r.method === 'POST' && r.path.includes('/trust'))).toHaveLength(24)
    expect(apply.stdout).not.toContain('@acme/internal')
    expect(apply.stderr.match(/Authenticate your account at/g)).toHaveLength(1)
    expect(apply.stderr).toContain('24/24')
    expect(apply.stdout).toContain('Applied: 24 created, 0 replaced, 0 unchanged, 0 failed')
    for (const name of names) {
      expect(emulator.publishers(name)).toEqual([expect.objectContaining({ type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' } } })])
    }

    // Again, from inside one of the packages (npm reads the workspace root's .npmrc there too).
    const inside = join(root, 'packages', 'pkg-3')
    const plan = await cli(['plan', '--workspaces', '--file', 'release.yml'], { cwd: inside, approveWeb: true })
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain('24 packages: 0 to create, 0 to replace, 24 unchanged, 0 errors')
    const again = await cli(['apply', '--workspaces', '--file', 'release.yml', '--yes'], { cwd: inside, approveWeb: true })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('Applied: 0 created, 0 replaced, 24 unchanged, 0 failed')
  })

  it('asks for 2FA once per run even from a fresh process, and replaces what differs', async () => {
    const { root, names } = monorepo(20, 'pending')
    const token = freshUser(names)
    withNpmrc(root, token)
    // Five packages already trust the workflow, in another environment.
    emulator.seed({
      packages: names.map((name, i) => ({
        name, maintainers: [`maintainer-${counter}`],
        publishers: i < 5 ? [{ type: 'github', claims: { repository: 'acme/mono', workflow_ref: { file: 'release.yml' }, environment: 'staging' }, permissions: ['createPackage'] }] : [],
      })),
    })
    // Without --yes: the plan is shown, and confirmed.
    const run = await cli(['apply', '--workspaces', '--file', 'release.yml', '--replace'], { cwd: root, approveWeb: true, input: ['y'] })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr.match(/Authenticate your account at/g)).toHaveLength(1)
    expect(run.stdout).toContain('Applied: 15 created, 5 replaced, 0 unchanged, 0 failed')
    expect(run.stdout).toMatch(/@acme\/pkg-01 +replace +github acme\/mono release\.yml env staging -> github acme\/mono release\.yml/)
    expect(run.stdout).toContain('@acme/pkg-01 (github release.yml): environment staging -> (none)')
  })

  it('plan --exit-code is a drift check; apply replaces only with --replace', async () => {
    const token = freshUser(['drift-a', 'drift-b'])
    const dir = withNpmrc(project({ name: 'drift' }), token)
    emulator.seed({ packages: [{ name: 'drift-b', maintainers: [`maintainer-${counter}`], publishers: [{ type: 'github', claims: { repository: 'acme/other', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }] }] })
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([
      { type: 'github', package: 'drift-a', repository: 'acme/drift', file: 'release.yml' },
      { type: 'github', package: 'drift-b', repository: 'acme/drift', file: 'release.yml' },
    ]))
    const drift = await cli(['plan', '--config', 'trust.json', '--exit-code', '--otp', OTP], { cwd: dir })
    expect(drift.code, drift.stderr).toBe(1)
    expect(drift.stdout).toContain('drift-b (github release.yml): repository acme/other -> acme/drift, which apply replaces only with --replace')
    // --yes without --replace: the new one is created, the differing one left alone and shown.
    const kept = await cli(['apply', '--config', 'trust.json', '--yes', '--otp', OTP], { cwd: dir })
    expect(kept.code).toBe(1)
    expect(kept.stderr).toContain('left drift-b (github release.yml) as it is: its trusted publisher differs (repository acme/other -> acme/drift); pass --replace to replace it')
    expect(kept.stdout).toContain('Applied: 1 created, 0 replaced, 0 unchanged, 0 failed, 1 left as they differ')
    expect(emulator.publishers('drift-b')[0].claims.repository).toBe('acme/other')
    const replaced = await cli(['apply', '--config', 'trust.json', '--yes', '--replace', '--otp', OTP], { cwd: dir })
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(replaced.stdout).toContain('Applied: 0 created, 1 replaced, 1 unchanged, 0 failed')
    expect((await cli(['plan', '--config', 'trust.json', '--exit-code', '--otp', OTP], { cwd: dir })).code).toBe(0)
    // A package that cannot be planned: 2.
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([{ type: 'github', package: 'drift-a' }]))
    expect((await cli(['plan', '--config', 'trust.json', '--exit-code', '--otp', OTP], { cwd: dir })).code).toBe(2)
  })

  it('--max-rps caps the pace; a value that is no rate is a usage error', async () => {
    const token = freshUser(['capped-a', 'capped-b'])
    const dir = withNpmrc(project({ name: 'capped' }), token)
    writeFileSync(join(dir, 'trust.json'), JSON.stringify([
      { type: 'github', package: 'capped-a', repository: 'acme/capped', file: 'release.yml' },
      { type: 'github', package: 'capped-b', repository: 'acme/capped', file: 'release.yml' },
    ]))
    const run = await cli(['apply', '--config', 'trust.json', '--yes', '--max-rps', '50', '--otp', OTP], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Applied: 2 created, 0 replaced, 0 unchanged, 0 failed')
    for (const rate of ['0', 'fast', 'Infinity']) {
      const refused = await cli(['plan', '--config', 'trust.json', '--max-rps', rate], { cwd: dir })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('--max-rps must be a number above 0')
    }
  })

  it('a trust.json with defaults and overrides, --json, and a failing package gives exit 1', async () => {
    const token = freshUser(['cfg-a', 'cfg-b'])
    const dir = withNpmrc(project({ name: 'cfg' }), token)
    writeFileSync(join(dir, 'trust.json'), JSON.stringify({
      defaults: { type: 'gitlab', project: 'acme/cfg', file: '.gitlab-ci.yml' },
      packages: [{ package: 'cfg-a' }, { package: 'cfg-b', environment: 'prod' }, { package: 'cfg-missing' }],
    }))
    const run = await cli(['apply', '--config', 'trust.json', '--yes', '--json', '--otp', OTP], { cwd: dir })
    expect(run.code).toBe(1)
    const { results } = JSON.parse(run.stdout)
    expect(results.map((r) => [r.package, r.status])).toEqual([['cfg-a', 'done'], ['cfg-b', 'done'], ['cfg-missing', 'failed']])
    expect(emulator.publishers('cfg-b')[0].claims.environment).toBe('prod')
    // A failure's message in --json is in the CLI's words, as it is on stderr.
    expect(results[2].error.message).toContain('`trust-native claim cfg-missing`')
    expect(results[2].error.message).not.toMatch(LIBRARY_WORDS)
  })
})

describe('tokens and access', () => {
  it('tokens lists ids and redacted tokens, never a whole one; --revoke takes a listed id', async () => {
    const token = freshUser(['listed'])
    const name = `maintainer-${counter}`
    const granular = 'npm_cliGranularToken0123456789abcdefghij'
    emulator.seed({ tokens: [{ user: name, token: granular, key: 'feedface-1111-4222-8333-444455556666', name: 'deploy', cidr: ['10.0.0.0/8'] }] })
    const cwd = withNpmrc(project({ name: 'listed' }), token)
    const listed = await cli(['tokens'], { cwd })
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/^feedfa {2}npm_cliG\.\.\.ghij {2}deploy {2}created \d{4}-\d\d-\d\d {2}\(publishes directly, may manage trust, access and tokens \(with 2FA\), no use recorded\)$/m)
    expect(listed.stdout).toContain('from 10.0.0.0/8')
    const json = await cli(['tokens', '--json'], { cwd })
    for (const output of [listed.stdout, json.stdout]) {
      expect(output).not.toContain(granular)
      expect(output).not.toContain(token)
    }
    const revoked = await cli(['tokens', '--revoke', 'feedfa', '--otp', OTP], { cwd })
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toBe('Revoked token feedface-1111-4222-8333-444455556666\n')
    expect((await cli(['tokens'], { cwd })).stdout).not.toContain('deploy')
  })

  it('tokens --revoke with a whole token (the session one, from .npmrc) never prints it', async () => {
    const token = freshUser(['by-value'])
    const cwd = withNpmrc(project({ name: 'by-value' }), token)
    const planned = await cli(['tokens', '--revoke', token, '--dry-run', '--json', '--otp', OTP], { cwd })
    expect(planned.code, planned.stderr).toBe(0)
    expect(JSON.parse(planned.stdout)[0].request.url).toBe(`${emulator.url}-/npm/v1/tokens/token/***`)
    const revoked = await cli(['tokens', '--revoke', token, '--json', '--otp', OTP], { cwd })
    expect(revoked.code, revoked.stderr).toBe(0)
    for (const run of [planned, revoked]) expect(run.stdout + run.stderr).not.toContain(token)
  })

  it('claim with a publisher spec claims each new package and configures it in the same run: --workspaces, or packages named', async () => {
    const token = freshUser([])
    const root = tempDir('tn-claim-spec-')
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'], repository: 'github:acme/claimed' }))
    const names = ['a', 'b'].map((p) => `claim-spec-${counter}-${p}`)
    for (const [i, name] of names.entries()) {
      mkdirSync(join(root, 'packages', String(i)), { recursive: true })
      writeFileSync(join(root, 'packages', String(i), 'package.json'), JSON.stringify({ name, version: '1.0.0' }))
    }
    withNpmrc(root, token)
    // As the guide and apply's E404 say: `claim --workspaces` with the publisher's flags.
    const all = await cli(['claim', '--workspaces', '--file', 'release.yml', '--otp', OTP, '--yes'], { cwd: root })
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toContain('2 claimed and created')
    for (const name of names) {
      expect(emulator.publishers(name)).toEqual([expect.objectContaining({ type: 'github', claims: { repository: 'acme/claimed', workflow_ref: { file: 'release.yml' } } })])
    }
    // As a failed publish of a new package says: `claim <name> --type github --repository ... --file ...`.
    const named = `claim-spec-${counter}-named`
    const one = await cli(['claim', named, '--type', 'github', '--repository', 'acme/claimed', '--file', 'release.yml', '--otp', OTP, '--yes'], { cwd: root })
    expect(one.code, one.stderr).toBe(0)
    expect(emulator.publishers(named)).toEqual([expect.objectContaining({ type: 'github', claims: { repository: 'acme/claimed', workflow_ref: { file: 'release.yml' } } })])
    // Shown first, without --yes: the plan says what claiming would do.
    const planned = await cli(['claim', `${named}-2`, '--repository', 'acme/claimed', '--file', 'release.yml', '--dry-run'], { cwd: root })
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stdout).toContain(`${named}-2`)
  })

  it('claim --access takes public or restricted, in the CLI\'s words', async () => {
    const token = freshUser([])
    const run = await cli(['claim', 'brand-new-name', '--access', 'private', '--dry-run'], { cwd: withNpmrc(project({}), token) })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--access must be public or restricted')
    expect(emulator.requests()).toEqual([])
  })

  it('access get status and set mfa=...', async () => {
    const token = freshUser(['@acme/locked'])
    const cwd = withNpmrc(project({ name: '@acme/locked' }), token)
    const status = await cli(['access', 'get', 'status'], { cwd })
    expect(status.stdout).toBe('@acme/locked: public\n')
    const set = await cli(['access', 'set', 'mfa=publish', '--otp', OTP], { cwd })
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toBe('Set mfa=publish\n')
    const [sent] = emulator.requests().filter((r) => r.method === 'POST')
    expect(sent).toMatchObject({ path: '/-/package/@acme%2flocked/access', body: '{"publish_requires_tfa":true,"automation_token_overrides_tfa":false}' })
    const bad = await cli(['access', 'set', 'mfa=sometimes'], { cwd })
    expect(bad.code).toBe(2)
    // A name every object has is no setting either.
    for (const what of ['status=constructor', 'mfa=toString', 'status=__proto__']) {
      const inherited = await cli(['access', 'set', what, '--otp', OTP], { cwd })
      expect(inherited.code, what).toBe(2)
      expect(inherited.stderr, what).toContain('Expected get status, set status=public|private or set mfa=none|publish|automation')
    }
  })
})

/** Words of the library's interface that a CLI user has no use for. */
const LIBRARY_WORDS = /\w option\b|onOtp|listPublishers|listTokens|revokePublisher|ensurePublisher|applyTrust|planTrust|`token`|`otp`|timeoutMs|webAuthTimeoutMs|allowInsecure/
/** Terminal controls (C0 but newline and tab, DEL, C1): what a hostile text could smuggle in. */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/

describe('npm stage', () => {
  /** A stage id: `57a9ed00-0000-4000-8000-<n>`. */
  const stageId = (n) => `57a9ed00-0000-4000-8000-${String(n).padStart(12, '0')}`
  const approvals = () => emulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/approve'))

  /** A monorepo of 3 packages, each with version 1.1.0 staged, and a staged package outside it. */
  function stagedMonorepo(first) {
    const { root, names } = monorepo(3, 'pending')
    const token = freshUser([...names, 'outside'])
    withNpmrc(root, token)
    emulator.seed({
      staged: [...names, 'outside'].map((name, i) => ({ id: stageId(first + i), package: name, version: '1.1.0', tag: 'next' })),
    })
    return { root, names }
  }

  it('approve --workspaces: every staged version of the workspace, with one 2FA prompt', async () => {
    const { root, names } = stagedMonorepo(1)
    // The code is piped, as `echo <code> | trust-native stage approve --workspaces --yes`.
    const run = await cli(['stage', 'approve', '--workspaces', '--yes'], { cwd: root, piped: `${OTP}\n` })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr.match(/Authenticate your account at/g)).toHaveLength(1)
    expect(run.stdout).toContain('Approving 3 staged versions:\n  @acme/pkg-01@1.1.0 (next)')
    expect(run.stdout).toContain('Approved 3 of 3 staged versions.')
    for (const name of names) expect(emulator.versions(name)).toContain('1.1.0')
    // The first approval is challenged, then each is sent once with the code.
    expect(approvals().map((r) => r.headers['npm-otp'])).toEqual([undefined, OTP, OTP, OTP])
    expect(emulator.versions('outside')).not.toContain('1.1.0')
    expect(run.stdout).not.toContain('outside')
  })

  it('approve --package with a stale --otp: asked once for a fresh code, which serves the rest', async () => {
    const { root, names } = stagedMonorepo(11)
    const args = ['stage', 'approve', ...names.flatMap((n) => ['--package', n]), '--yes', '--otp', '999999']
    const run = await cli(args, { cwd: root, input: [OTP] })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr.match(/Enter OTP:/g)).toHaveLength(1)
    expect(approvals().map((r) => r.headers['npm-otp'])).toEqual(['999999', OTP, OTP, OTP])
    for (const name of names) expect(emulator.versions(name)).toContain('1.1.0')
  })

  it('approve --package of one staged version says "1 staged version"', async () => {
    const { root, names } = stagedMonorepo(31)
    const run = await cli(['stage', 'approve', '--package', names[0], '--yes', '--otp', OTP], { cwd: root })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Approving 1 staged version:\n')
    expect(run.stdout).toContain('Approved 1 of 1 staged version.')
  })

  it('approve --workspaces with a code piped and no --yes: says the code cannot answer "proceed?", without the usage text', async () => {
    const { root } = stagedMonorepo(41)
    const run = await cli(['stage', 'approve', '--workspaces'], { cwd: root, piped: `${OTP}\n` })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--yes')
    expect(run.stderr).not.toContain('Usage:')
    expect(approvals()).toEqual([])
  })

  it('approve --workspaces --dry-run approves nothing; --json says what it would send', async () => {
    const { root } = stagedMonorepo(21)
    const run = await cli(['stage', 'approve', '--workspaces', '--dry-run', '--json'], { cwd: root })
    expect(run.code, run.stderr).toBe(0)
    const results = JSON.parse(run.stdout)
    expect(results.map((r) => [r.id, r.status])).toEqual([[stageId(21), 'dryRun'], [stageId(22), 'dryRun'], [stageId(23), 'dryRun']])
    expect(results[0].request).toMatchObject({ method: 'POST', url: `${emulator.url}-/stage/${stageId(21)}/approve` })
    expect(approvals()).toEqual([])
  })

  it('a malformed id is refused before anything is sent, and not echoed', async () => {
    const cwd = withNpmrc(project({ name: 'malformed' }), freshUser(['malformed']))
    for (const verb of ['view', 'approve', 'reject', 'download']) {
      const run = await cli(['stage', verb, 'x/../../-/whoami'], { cwd })
      expect(run.code, verb).toBe(2)
      expect(run.stderr).toContain('stage-id must be a valid UUID')
      expect(run.stderr).not.toContain('whoami')
    }
    expect(emulator.requests()).toEqual([])
  })

  it('list, view and download as npm prints them', async () => {
    const cwd = withNpmrc(project({ name: 'shown' }), freshUser(['shown']))
    emulator.seed({ staged: [{ id: stageId(31), package: 'shown', version: '2.0.0', createdAt: '2026-03-16T09:00:00.000Z' }] })
    const fields = `id: ${stageId(31)}\npackage name: shown\nversion: 2.0.0\ntag: latest\ndate staged: 2026-03-16T09:00:00.000Z\nstaged by: maintainer-${counter} (user)\nshasum: `
    const list = await cli(['stage', 'list'], { cwd })
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toContain(fields)
    expect(list.stdout).toMatch(/shasum: [0-9a-f]{40}\naccess: public\n$/)
    const view = await cli(['stage', 'view', stageId(31)], { cwd })
    expect(view.stdout).toBe(list.stdout)
    const none = await cli(['stage', 'list', 'nothing-here'], { cwd })
    expect(none.stdout).toBe('No staged versions of package name "nothing-here".\n')
    const download = await cli(['stage', 'download', stageId(31), '--file', 'review.tgz'], { cwd })
    expect(download.code, download.stderr).toBe(0)
    expect(download.stdout).toBe('review.tgz\n')
    expect(readFileSync(join(cwd, 'review.tgz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
  })
})

describe.runIf(SCRIPT)('2FA in a terminal', () => {
  it('takes a code typed while the web approval is pending', async () => {
    const token = freshUser(['typed'])
    const cwd = withNpmrc(project({ name: 'typed' }), token)
    const run = await inTerminal(['list', 'typed'], { cwd, answer: (shown, child) => child.stdin.write(`${OTP}\r`) })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain('Authenticate your account at:')
    expect(run.output).toContain('No trust configurations found for package (typed)')
    expect(emulator.requests().map((r) => r.headers['npm-otp'])).toContain(OTP)
  })

  it('or goes on once approved in the browser, with nothing typed', async () => {
    const token = freshUser(['browsed'])
    const cwd = withNpmrc(project({ name: 'browsed' }), token)
    const approve = (shown) => fetch(`${/(http\S+\/auth\/cli\/\S+)/.exec(shown)[1]}?approve=true`)
    const run = await inTerminal(['list', 'browsed'], { cwd, answer: approve })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain('No trust configurations found for package (browsed)')
    expect(emulator.requests().filter((r) => r.path.includes('/auth/cli/'))).toHaveLength(1)
  })
})

describe('2FA without a terminal', () => {
  it('reads a piped code: echo <code> | trust-native list <package>', async () => {
    const token = freshUser(['piped'])
    const cwd = withNpmrc(project({ name: 'piped' }), token)
    const run = await cli(['list', 'piped'], { cwd, piped: `${OTP}\n` })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('No trust configurations found for package (piped)')
    expect(run.stderr).not.toContain('Waiting')
    expect(emulator.requests().map((r) => r.headers['npm-otp'])).toContain(OTP)
  })

  it('with nothing to read, fails at once with the approval URL, in the CLI\'s words', async () => {
    const token = freshUser(['nothing'])
    const cwd = withNpmrc(project({ name: 'nothing' }), token)
    // The default wait for a web approval is 5 minutes, far beyond the test's time limit.
    const run = await cli(['list', 'nothing'], { cwd, piped: '' })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`EOTP .*stdin ended without a code\\. Approve it in a browser at ${emulator.url}auth/cli/\\S+ and run the command again, or pass --otp <code>`))
    expect(run.stderr).not.toMatch(LIBRARY_WORDS)
  })

  it('a run whose approval failed stops asking: one prompt, every package EOTP', async () => {
    const { root, names } = monorepo(6, 'pending')
    withNpmrc(root, freshUser(names))
    const run = await cli(['apply', '--workspaces', '--file', 'release.yml', '--yes', '--concurrency', '3'], { cwd: root, piped: '' })
    expect(run.code).toBe(1)
    expect(run.stderr.match(/Authenticate your account at/g)).toHaveLength(1)
    expect(run.stdout).toContain('Applied: 0 created, 0 replaced, 0 unchanged, 6 failed')
    // Failures alike are printed once: the first package's, and the five that were not asked.
    expect(run.stderr).toMatch(/failed (@acme\/pkg-0\d, ){2}@acme\/pkg-0\d and 2 more: EOTP Two-factor authentication failed earlier in this run; not asking again/)
    expect(run.stderr.match(/^failed .*EOTP/gm)).toHaveLength(2)
    expect(`${run.stdout}${run.stderr}`).not.toMatch(LIBRARY_WORDS)
  })

  it('after three wrong codes a run stops asking', async () => {
    const { root, names } = monorepo(6, 'pending')
    withNpmrc(root, freshUser(names))
    const wrong = Array.from({ length: 20 }, (_, i) => String(100000 + i))
    const run = await cli(['plan', '--workspaces', '--file', 'release.yml', '--otp', '000000', '--concurrency', '3'], { cwd: root, input: wrong })
    expect(run.code).toBe(1)
    expect(run.stderr.match(/Enter OTP:/g)).toHaveLength(3)
    expect(run.stdout.match(/error +EOTP: /g)).toHaveLength(6)
    expect(run.stdout).toContain('3 one-time passwords in a row were refused')
    if (process.env.PEEK) console.log(run.stdout, run.stderr)
  })
})

describe('publish --workspaces in a CI job whose token fallback needs 2FA', () => {
  it('a package refused for want of a code: the others are still checked (already on the registry), and the log says once that CI cannot answer 2FA', async () => {
    const { root, names } = monorepo(5, 'pending')
    const token = freshUser([])
    const maintainer = `maintainer-${counter}`
    // All but the third are on the registry at the workspace's version already.
    emulator.seed({ packages: names.map((name, i) => ({ name, maintainers: [maintainer], versions: [i === 2 ? '0.9.0' : '1.0.0'] })) })
    withNpmrc(root, token)
    for (const [i, name] of names.entries()) {
      writeFileSync(join(root, 'packages', `pkg-${i + 1}`, 'package.json'), JSON.stringify({ name, version: '1.0.0', license: 'MIT', repository: 'github:acme/mono' }))
      writeFileSync(join(root, 'packages', `pkg-${i + 1}`, 'index.js'), 'module.exports = 1\n')
    }
    // A CI job with no id_token (no `id-token: write`) and nothing on stdin.
    const run = await cli(['publish', '--workspaces'], { cwd: root, piped: '', env: { CI: 'true' } })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`${names[2]}@1.0.0: EOTP`)
    expect(run.stderr).toContain('Published 0, already on the registry 4, failed 1 (@acme/pkg-03).')
    expect(run.stderr).not.toContain('not tried')
    // No link to approve and no "run the command again": no one is there to do either.
    expect(run.stderr).not.toContain('Authenticate your account at')
    expect(run.stderr).not.toContain('run the command again')
    expect(run.stderr.match(/CI job/g)).toHaveLength(1)
    expect(emulator.versions(names[2])).toEqual(['0.9.0'])
  })
})

describe('publish in a CI job whose token fallback needs 2FA', () => {
  it('publish <folder> says once that a CI job cannot answer 2FA and points at trusted publishing, with no link and no "run the command again"', async () => {
    const cwd = project({ name: `ci-otp-${++counter}`, version: '1.0.0', license: 'MIT', repository: 'github:acme/ci-otp' })
    writeFileSync(join(cwd, 'index.js'), 'module.exports = 1\n')
    withNpmrc(cwd, freshUser([]))
    const run = await cli(['publish', cwd], { cwd, piped: '', env: { CI: 'true' } })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('EOTP')
    expect(run.stderr).not.toContain('Authenticate your account at')
    expect(run.stderr).not.toContain('run the command again')
    expect(run.stderr).toContain('use trusted publishing instead')
    expect(run.stderr.match(/CI job/g)).toHaveLength(1)
  })
})

describe('a command line and a registry that try to break the CLI', () => {
  it("an unknown flag: the command's closest flag is suggested, as the library suggests options", async () => {
    const cwd = project({ name: 'flags' })
    const typo = await cli(['plan', '--config', 'trust.json', '--fiel', 'release.yml'], { cwd })
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("Unknown option '--fiel'. Did you mean --file?")
    // A misspelt alias: the flag it stands for.
    const alias = await cli(['github', 'flags', '--envv', 'npm'], { cwd })
    expect(alias.code).toBe(2)
    expect(alias.stderr).toContain("Unknown option '--envv'. Did you mean --environment?")
    const plural = await cli(['history', '--workspace'], { cwd })
    expect(plural.code).toBe(2)
    expect(plural.stderr).toContain('Did you mean --workspaces?')
    // Nothing close: no suggestion.
    expect((await cli(['history', '--zzzzzzzzzz'], { cwd })).stderr).not.toContain('Did you mean')
  })

  it('names of Object.prototype are unknown commands, exit 2', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const run = await cli([name])
      expect(run.code, name).toBe(2)
      expect(run.stderr).toContain(`Unknown command "${name}"`)
    }
  })

  it('strips terminal control sequences from registry messages and stored claims', async () => {
    const evil = '\u001b]0;owned\u0007\u001b[2J\u001b[31mred\u009b1mC1\r\u0008'
    const token = freshUser(['claims'])
    emulator.seed({
      packages: [{ name: 'claims', maintainers: [`maintainer-${counter}`], publishers: [{ type: 'github', claims: { repository: `acme/${evil}x`, workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }] }],
    })
    const cwd = withNpmrc(project({ name: 'claims' }), token)
    const listed = await cli(['list', 'claims', '--otp', OTP], { cwd })
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain('repository: acme/')
    expect(listed.stdout).not.toMatch(CONTROLS)

    // A registry whose error message carries controls.
    const hostile = createServer((request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: `Forbidden ${evil} here` }))
    })
    await new Promise((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    try {
      const registry = `http://127.0.0.1:${hostile.address().port}/`
      writeFileSync(join(cwd, '.npmrc'), `registry=${registry}\n//127.0.0.1:${hostile.address().port}/:_authToken=t\n`)
      const refused = await cli(['list', 'claims', '--otp', OTP], { cwd })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('Forbidden')
      expect(refused.stderr).toContain('here')
      expect(refused.stderr).not.toMatch(CONTROLS)
    } finally {
      hostile.close()
    }
  })

  // Windows has no SIGINT to send: `kill('SIGINT')` ends the process there, unasked.
  it.skipIf(process.platform === 'win32')('Ctrl-C during apply lets the creates in flight finish, reports them, exits 130', async () => {
    const { root, names } = monorepo(24, 'pending')
    withNpmrc(root, freshUser(names))
    // Creates take a while, so the run is still going when Ctrl-C comes.
    emulator.injectFault({ kind: 'latency', ms: 200, method: 'POST', path: '/trust' })
    const creates = () => emulator.requests().filter((r) => r.method === 'POST').length
    const run = await cli(['apply', '--workspaces', '--file', 'release.yml', '--yes', '--otp', OTP, '--concurrency', '2'], {
      cwd: root,
      // Ctrl-C once the registry has received two creates: both are in flight.
      meanwhile: async (child) => {
        while (creates() < 2) await new Promise((resolve) => setImmediate(resolve))
        child.kill('SIGINT')
      },
    })
    emulator.clearFaults()
    expect(run.code, run.stderr).toBe(130)
    if (process.env.PEEK) console.log(run.stdout, run.stderr)
    const created = names.filter((name) => emulator.publishers(name).length === 1)
    expect(created.length).toBeGreaterThanOrEqual(2)
    expect(created.length).toBeLessThan(24)
    expect(run.stdout).toContain(`Applied: ${created.length} created, 0 replaced, 0 unchanged, 0 failed, ${24 - created.length} stopped`)
    expect(run.stderr).toContain(`${created.length}/24 created`)
    expect(run.stderr).toContain('EABORTED Not started: the run was stopped.')
    expect(run.stdout).toContain('Interrupted')
  })
})

describe('messages in the CLI\'s words', () => {
  /** Each failure a CLI user can meet, and the flag or subcommand its message must offer. */
  const cases = [
    ['no token', () => ({ cwd: project({ name: 'anything' }), args: ['list', '--registry', emulator.url] }), 'ENEEDAUTH', 'npm login'],
    ['the same configuration exists already', (token) => {
      emulator.seed({ packages: [{ name: 'taken', maintainers: [`maintainer-${counter}`], publishers: [{ type: 'github', claims: { repository: 'a/b', workflow_ref: { file: 'x.yml' } }, permissions: ['createPackage'] }] }] })
      return { cwd: withNpmrc(project({ name: 'taken' }), token), args: ['github', 'taken', '--repo', 'a/b', '--file', 'x.yml', '--yes', '--otp', OTP] }
    }, 'E409', 'already has this trusted publisher (id '],
    ['a package with as many publishers as the registry keeps', (token) => {
      const publishers = Array.from({ length: 10 }, (_, n) => ({ type: 'github', claims: { repository: 'a/b', workflow_ref: { file: `w${n}.yml` } }, permissions: ['createPackage'] }))
      emulator.seed({ packages: [{ name: 'full', maintainers: [`maintainer-${counter}`], publishers }] })
      return { cwd: withNpmrc(project({ name: 'full' }), token), args: ['github', 'full', '--repo', 'a/b', '--file', 'x.yml', '--yes', '--otp', OTP] }
    }, 'E409', 'trust-native revoke full --id <id>'],
    // The package from package.json: the advice names it, not a placeholder.
    ['a package with no room, named by its package.json', (token) => {
      const publishers = Array.from({ length: 10 }, (_, n) => ({ type: 'github', claims: { repository: 'a/b', workflow_ref: { file: `w${n}.yml` } }, permissions: ['createPackage'] }))
      emulator.seed({ packages: [{ name: 'full-inferred', maintainers: [`maintainer-${counter}`], publishers }] })
      return { cwd: withNpmrc(project({ name: 'full-inferred' }), token), args: ['github', '--repo', 'a/b', '--file', 'x.yml', '--yes', '--otp', OTP] }
    }, 'E409', 'trust-native revoke full-inferred --id <id>'],
    ['an id that is not one', (token) => ({ cwd: withNpmrc(project({ name: 'taken' }), token), args: ['revoke', 'taken', '--id', 'nope'] }), 'EINVALIDINPUT', '`trust-native list taken`'],
    ['an id the package does not have', (token) => ({ cwd: withNpmrc(project({ name: 'taken' }), token), args: ['revoke', 'taken', '--id', '3e4b2f1a-1111-4222-8333-444455556666', '--otp', OTP] }), 'E404', '`trust-native list taken`'],
    // A code given and refused is not a missing one: the message says it was refused.
    ['a refused code and nothing to read', (token) => ({ cwd: withNpmrc(project({ name: 'taken' }), token), args: ['list', 'taken', '--otp', '000000'], piped: '' }), 'EOTP', 'The one-time password was rejected'],
    ['a refused code and nothing to read (stage approve)', (token) => {
      const id = `57a9ed00-0000-4000-8000-${String(990 + counter).padStart(12, '0')}`
      emulator.seed({ staged: [{ id, package: 'taken', version: '9.9.9', tag: 'next' }] })
      return { cwd: withNpmrc(project({ name: 'taken' }), token), args: ['stage', 'approve', id, '--otp', '000000'], piped: '' }
    }, 'EOTP', 'rejected: it may have expired (codes last 30 seconds). Asking for a one-time password failed: stdin ended without a code. Pass a fresh code with --otp'],
    // The provider's own messages name their options as the library does ("repository option").
    ['no repository to infer (a private root)', () => ({ cwd: project({ name: 'root', private: true }), args: ['github', '@acme/a', '--file', 'release.yml', '--dry-run'] }), 'EINVALIDINPUT', 'must be specified with --repository'],
    ['no workflow to infer', () => ({ cwd: project({ name: 'root', private: true }), args: ['github', '@acme/a', '--repository', 'acme/a', '--dry-run'] }), 'EINVALIDINPUT', 'must be specified with --file'],
    ['no org id', () => ({ cwd: project({ name: 'root', private: true }), args: ['circleci', '@acme/a', '--dry-run'] }), 'EINVALIDINPUT', '--org-id is required'],
    ['a registry too slow', (token) => {
      emulator.injectFault({ kind: 'latency', ms: 5_000, path: '/trust', times: 4 })
      return { cwd: withNpmrc(project({ name: 'taken' }), token), args: ['list', 'taken', '--otp', OTP, '--timeout', '300'] }
    }, 'ETIMEDOUT', '--timeout <ms>'],
    ['a token id that is none of yours', (token) => ({ cwd: withNpmrc(project({ name: 'taken' }), token), args: ['tokens', '--revoke', 'abcdef', '--otp', OTP] }), 'EINVALIDINPUT', '`trust-native tokens` lists your tokens'],
    ['credentials over plain http', () => {
      const cwd = project({ name: 'taken' })
      writeFileSync(join(cwd, '.npmrc'), '//registry.example.com/:_authToken=t\n')
      return { cwd, args: ['list', 'taken', '--registry', 'http://registry.example.com/', '--otp', OTP] }
    }, 'EINSECURE', '--registry https://'],
  ]
  for (const [what, setup, code, words] of cases) {
    it(`${what}: ${code} says ${words}`, async () => {
      const token = freshUser(['taken'])
      const { args, ...options } = setup(token)
      const run = await cli(args, options)
      emulator.clearFaults()
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`trust-native error ${code} `)
      expect(run.stderr).toContain(words)
      expect(run.stderr).not.toMatch(LIBRARY_WORDS)
      if (process.env.PEEK) console.log(run.stdout, run.stderr)
    })
  }
})

describe('doctor', () => {
  /** A PATH whose first `npm` says `version`: doctor checks the npm the job will publish with. */
  const withNpm = (version) => {
    const dir = tempDir('tn-npm-')
    writeFileSync(join(dir, 'npm'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 })
    writeFileSync(join(dir, 'npm.cmd'), `@echo ${version}\r\n`)
    return { PATH: `${dir}${delimiter}${process.env.PATH}` }
  }
  const npm = withNpm('11.19.1')

  it('shows an id_token without exp, or with one out of range (no "Invalid time value")', async () => {
    const cwd = project({ name: '@acme/ci' })
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    for (const exp of [null, 1e20]) {
      const idToken = emulator.issueIdToken({ provider: 'github', claims: { exp, repository: 'acme/\u001b]0;owned\u0007ci' } })
      const run = await cli(['doctor'], { cwd, env: { ...npm, CI: 'true', NPM_ID_TOKEN: idToken } })
      expect(run.stderr).not.toContain('Invalid time value')
      expect(run.stdout).toContain('no valid expiry (exp)')
      expect(run.stdout).toContain('repository: acme/ci')
      expect(run.stdout).not.toMatch(CONTROLS)
    }
  })

  it('shows the claims, the configuration the job needs, and the exchange result', async () => {
    const token = freshUser(['@acme/ci'])
    const cwd = withNpmrc(project({ name: '@acme/ci' }), token)
    // A maintainer token in .npmrc would shadow OIDC: doctor runs where CI would, without one.
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    const job = emulator.githubActionsJob({ repository: 'acme/ci', environment: 'npm' })
    const failing = await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(failing.code).toBe(1)
    expect(failing.stdout).toContain('repository: acme/ci')
    expect(failing.stdout).toContain('trust-native github @acme/ci --repository acme/ci --file release.yml --environment npm')
    expect(failing.stdout).toContain('Exchange: FAILED EOIDCEXCHANGE')

    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/ci', repository: 'acme/ci', file: 'release.yml', environment: 'npm', cwd })
    const ok = await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toContain('Exchange: ok, an npm token for @acme/ci')
    expect(ok.stdout).not.toContain('undefined')
    expect(ok.stdout + ok.stderr).not.toMatch(/eyJ[\w-]+\.eyJ/)
  })

  it('the command it gives for the job can be run as printed: a CircleCI job with two contexts repeats --context-id', async () => {
    const token = freshUser(['@acme/circle'])
    const cwd = withNpmrc(project({ name: '@acme/circle' }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    const [org, projectId, pipeline, first, second] = ['1', '2', '3', '4', '5'].map((n) => `${n.repeat(8)}-1111-4222-8333-444455556666`)
    const idToken = emulator.issueIdToken({
      provider: 'circleci',
      claims: {
        'oidc.circleci.com/org-id': org, 'oidc.circleci.com/project-id': projectId, 'oidc.circleci.com/pipeline-definition-id': pipeline,
        'oidc.circleci.com/vcs-origin': 'github.com/acme/circle', 'oidc.circleci.com/context-ids': [first, second],
      },
    })
    const run = await cli(['doctor'], { cwd, env: { ...npm, NPM_ID_TOKEN: idToken, CI: 'true' } })
    const needed = run.stdout.match(/^ {2}trust-native (circleci .*)$/m)
    expect(needed, run.stdout + run.stderr).not.toBeNull()
    expect(needed[1]).toContain(`--context-id ${first} --context-id ${second}`)
    // As printed, it configures the publisher this job needs (by a maintainer, with a token).
    withNpmrc(cwd, token)
    const configure = await cli([...needed[1].split(' '), '--otp', OTP, '--yes'], { cwd })
    expect(configure.code, configure.stderr).toBe(0)
    expect(emulator.publishers('@acme/circle').map((p) => p.claims['oidc.circleci.com/context-ids'])).toEqual([[first, second]])
  })

  it('compares the job with every publisher trust.json declares: names the one it is, or explains the closest and names the others', async () => {
    const token = freshUser(['@acme/multi'])
    const cwd = withNpmrc(project({ name: '@acme/multi' }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    const release = { type: 'github', package: '@acme/multi', repository: 'acme/multi', file: 'release.yml', environment: 'npm' }
    const nightly = { type: 'github', package: '@acme/multi', repository: 'acme/multi', file: 'nightly.yml', allowPublish: false, allowStagePublish: true }
    writeFileSync(join(cwd, 'trust.json'), JSON.stringify([release, nightly]))
    await tn.applyTrust([release, nightly], { registry: emulator.url, token, otp: OTP, cwd })
    const job = (workflow) => emulator.githubActionsJob({ repository: 'acme/multi', workflow_ref: `acme/multi/.github/workflows/${workflow}@refs/heads/main` })

    const ok = await cli(['doctor'], { cwd, env: { ...npm, ...job('nightly.yml'), CI: 'true' } })
    expect(ok.stdout).toContain('trust.json declares this job\'s trusted publisher: nightly.yml (repository acme/multi)')
    // Which may only stage: said, as `npm publish` from this job would be refused.
    expect(ok.stdout).toContain('grants only createStagedPackage')
    expect(ok.stdout).toContain('Exchange: ok')

    const other = await cli(['doctor', '--json'], { cwd, env: { ...npm, ...job('publish.yml'), CI: 'true' } })
    expect(other.code).toBe(1)
    const { declared } = JSON.parse(other.stdout)
    expect(declared).toMatchObject({ matched: null, closest: 'nightly.yml', change: false })
    expect(declared.findings.map((f) => f.kind)).toEqual(['file'])
    const shown = await cli(['doctor'], { cwd, env: { ...npm, ...job('publish.yml'), CI: 'true' } })
    expect(shown.stdout).toContain('trust.json declares 2 trusted publishers for @acme/multi; none is this job:')
    expect(shown.stdout).toContain('  The closest declared publisher is nightly.yml (repository acme/multi):\n    The token comes from workflow file publish.yml but the configuration trusts nightly.yml.')
    expect(shown.stdout).toContain('  The other: release.yml (repository acme/multi, environment npm).')
    // Another workflow: the publisher this job needs is to add.
    expect(shown.stdout).toContain('trust-native github @acme/multi --repository acme/multi --file publish.yml')
  })

  /** A monorepo as the README configures it: a private root, trust.json at the root with a release and a nightly publisher. */
  const twoPublisherMonorepo = () => {
    const root = tempDir('tn-doctor-mono-')
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'acme-mono-root', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' }))
    mkdirSync(join(root, 'packages', 'core'), { recursive: true })
    writeFileSync(join(root, 'packages', 'core', 'package.json'), JSON.stringify({ name: '@acme/core', version: '1.0.0' }))
    writeFileSync(join(root, '.npmrc'), `registry=${emulator.url}\n`)
    writeFileSync(join(root, 'trust.json'), JSON.stringify({
      defaults: [{ type: 'github', file: 'release.yml', environment: 'production' }, { type: 'github', file: 'nightly.yml' }],
      packages: [{ package: '@acme/core', repository: 'acme/mono' }],
    }))
    return root
  }
  const releaseJob = (environment) => emulator.githubActionsJob({ repository: 'acme/mono', environment, workflow_ref: 'acme/mono/.github/workflows/release.yml@refs/heads/main' })

  it("in a workspace package's folder: reads the root's trust.json and names the package; the closest declared publisher, each one once", async () => {
    const root = twoPublisherMonorepo()
    const run = await cli(['doctor'], { cwd: join(root, 'packages', 'core'), env: { ...npm, ...releaseJob('staging'), CI: 'true' } })
    expect(run.stdout).toContain('trust.json declares 2 trusted publishers for @acme/core; none is this job:')
    expect(run.stdout).not.toContain('<package>')
    // Same workflow file, another environment: change a value, do not add a publisher.
    expect(run.stdout).not.toContain('trust-native github')
    expect(run.stdout).toContain('The closest declared publisher is release.yml (repository acme/mono, environment production)')
    expect(run.stdout).toContain("It is this job's workflow file: either set the environment to production in the workflow, or the environment to staging in trust.json at the workspace root and run `trust-native apply --config trust.json --replace` there.")
    expect(run.stdout).toContain('The other: nightly.yml (repository acme/mono).')
    expect(run.stdout).not.toMatch(/\(id |\([^()]*\(/)
    // Another workflow file: the publisher it needs, for this package.
    const other = await cli(['doctor'], { cwd: join(root, 'packages', 'core'), env: { ...npm, ...emulator.githubActionsJob({ repository: 'acme/mono', workflow_ref: 'acme/mono/.github/workflows/publish.yml@refs/heads/main' }), CI: 'true' } })
    expect(other.stdout).toContain('trust-native github @acme/core --repository acme/mono --file publish.yml')
  })

  it('at a monorepo root: a private package is not a target; says so and how to name one', async () => {
    const root = twoPublisherMonorepo()
    const run = await cli(['doctor'], { cwd: root, env: { ...npm, ...releaseJob('production'), CI: 'true' } })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('acme-mono-root is private')
    expect(run.stderr).toContain("trust-native doctor <package>, or run it in a package's folder")
    expect(run.stdout + run.stderr).not.toContain('never been published')
    const named = await cli(['doctor', '@acme/core'], { cwd: root, env: { ...npm, ...releaseJob('production'), CI: 'true' } })
    expect(named.stdout).toContain("trust.json declares this job's trusted publisher: release.yml")
    // --workspaces: each public package of the workspace, the id_token shown once.
    mkdirSync(join(root, 'packages', 'cli'), { recursive: true })
    writeFileSync(join(root, 'packages', 'cli', 'package.json'), JSON.stringify({ name: '@acme/cli', version: '1.0.0' }))
    const each = await cli(['doctor', '--workspaces'], { cwd: root, env: { ...npm, ...releaseJob('production'), CI: 'true' } })
    expect(each.stdout.match(/^Claims:$/gm)).toHaveLength(1)
    expect(each.stdout).toMatch(/^@acme\/cli:$/m)
    expect(each.stdout).toMatch(/^@acme\/core:\n(?:.+\n)*trust\.json declares this job's trusted publisher: release\.yml/m)
    expect(each.stdout).toContain('trust-native github @acme/cli --repository acme/mono --file release.yml --environment production')
    const json = JSON.parse((await cli(['doctor', '--workspaces', '--json'], { cwd: root, env: { ...npm, ...releaseJob('production'), CI: 'true' } })).stdout)
    expect(json.packages.map((p) => [p.package, p.declared?.matched ?? null])).toEqual([['@acme/cli', null], ['@acme/core', 'release.yml']])
  })

  it('is a CI gate: an error finding fails it even when the exchange goes through; --json lists findings', async () => {
    const token = freshUser(['@acme/gate'])
    const cwd = withNpmrc(project({ name: '@acme/gate' }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/gate', repository: 'acme/gate', file: 'release.yml', cwd })
    // The emulator exchanges it; the registry refuses self-hosted runners at publish.
    const job = emulator.githubActionsJob({ repository: 'acme/gate', runner_environment: 'self-hosted' })
    const run = await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(run.stdout).toContain('Exchange: ok')
    expect(run.stdout).toContain('error: The job runs on a self-hosted runner')
    expect(run.code).toBe(1)
    const json = await cli(['doctor', '--json'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'runner', severity: 'error', expected: 'github-hosted', actual: 'self-hosted' }),
    ])
  })

  it('a public repository: package.json must name it, or the publish fails with E422 (provenance)', async () => {
    const token = freshUser(['@acme/renamed'])
    const cwd = withNpmrc(project({ name: '@acme/renamed', repository: { type: 'git', url: 'git+https://github.com/acme/old-name.git' } }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/renamed', repository: 'acme/new-name', file: 'release.yml', cwd })
    const job = emulator.githubActionsJob({ repository: 'acme/new-name', repository_visibility: 'public' })
    const run = await cli(['doctor', '--json'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'provenance', severity: 'error', expected: 'acme/new-name', actual: 'acme/old-name', message: expect.stringContaining('"git+https://github.com/acme/new-name.git"') }),
    ])
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: '@acme/renamed', repository: 'github:acme/new-name' }))
    expect((await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true' } })).code).toBe(0)
  })

  it('says which client publishes for pnpm and Yarn projects', async () => {
    const token = freshUser(['@acme/yarned'])
    const cwd = withNpmrc(project({ name: '@acme/yarned', packageManager: 'yarn@4.9.1' }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/yarned', repository: 'acme/yarned', file: 'release.yml', cwd })
    const job = emulator.githubActionsJob({ repository: 'acme/yarned' })
    const yarn = await cli(['doctor', '--json'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(yarn.code, yarn.stderr).toBe(0)
    expect(JSON.parse(yarn.stdout).findings).toEqual([expect.objectContaining({ kind: 'packageManager', severity: 'warning', actual: 'yarn' })])
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: '@acme/yarned' }))
    writeFileSync(join(cwd, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0\n')
    const pnpm = await cli(['doctor', '--json'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(JSON.parse(pnpm.stdout).findings).toEqual([expect.objectContaining({ kind: 'packageManager', severity: 'info', actual: 'pnpm' })])
    // The npm it names is the one on PATH, said in the same line (nothing else prints it).
    const said = await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true' } })
    expect(said.stdout).toContain('`pnpm publish` hands the packed tarball to the npm on PATH, which must support trusted publishing (npm 11.19.1 here, which supports it). `trust-native publish` needs no npm.')
  })

  it("actions/setup-node's token line with its placeholder: said once, as npm behaves (trusted publishing first, the token only when the exchange fails)", async () => {
    const token = freshUser(['@acme/noded'])
    const cwd = withNpmrc(project({ name: '@acme/noded' }), token)
    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/noded', repository: 'acme/noded', file: 'release.yml', cwd })
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=\${NODE_AUTH_TOKEN}\n`)
    const job = emulator.githubActionsJob({ repository: 'acme/noded' })
    const run = await cli(['doctor'], { cwd, env: { ...npm, ...job, CI: 'true', NODE_AUTH_TOKEN: 'XXXXX-XXXXX-XXXXX-XXXXX' } })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const all = run.stdout + run.stderr
    expect(all.match(/_authToken=\$\{NODE_AUTH_TOKEN\}/g)).toHaveLength(1)
    expect(all).toContain('Exchange: ok')
    expect(all).toMatch(/tries trusted publishing first/)
    expect(all).not.toContain('instead of using trusted publishing')
  })

  it('names an npm too old for trusted publishing, and how to get a newer one', async () => {
    const token = freshUser(['@acme/old'])
    const cwd = withNpmrc(project({ name: '@acme/old' }), token)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    await tn.addGithubPublisher({ registry: emulator.url, token, otp: OTP, package: '@acme/old', repository: 'acme/old', file: 'release.yml', cwd })
    const job = emulator.githubActionsJob({ repository: 'acme/old' })
    const old = await cli(['doctor', '--json'], { cwd, env: { ...withNpm('10.9.2'), ...job, CI: 'true' } })
    expect(old.code).toBe(1)
    expect(JSON.parse(old.stdout).findings).toEqual([
      expect.objectContaining({ kind: 'npm', severity: 'error', expected: '>= 11.5.1', actual: '10.9.2', message: expect.stringContaining('npm install -g npm@latest') }),
    ])
    for (const version of ['11.5.1', '12.0.0']) {
      const fine = await cli(['doctor'], { cwd, env: { ...withNpm(version), ...job, CI: 'true' } })
      expect(fine.code, fine.stdout + fine.stderr).toBe(0)
    }
  })
})
