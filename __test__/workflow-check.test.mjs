// The CI file a publisher trusts, checked before it is trusted and found when not named: through
// checkWorkflow, add*Publisher, planTrust, readTrustConfig and the CLI, in temporary
// repositories with .github/workflows and .gitlab-ci.yml files, against the emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ALICE, OTP, asAlice, isolateNpmConfig, rejection, runCli, startEmulator, tempDir, tn } from './helpers.mjs'

let emulator

beforeAll(async () => {
  isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())
beforeEach(() => {
  emulator.seed({ packages: ['widgets', '@acme/a', '@acme/b'].map((name) => ({ name, maintainers: ['alice'] })) })
})

/** A checkout (a `.git` folder) with these files; package.json and .npmrc for alice. */
function repo(files, pkg = { name: 'widgets', repository: 'github:acme/widgets' }) {
  const root = tempDir('tn-repo-')
  mkdirSync(join(root, '.git'))
  const host = new URL(emulator.url).host
  const all = {
    'package.json': JSON.stringify(pkg),
    '.npmrc': `registry=${emulator.url}\n//${host}/:_authToken=${ALICE}\n`,
    ...files,
  }
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const RELEASE = `name: Release
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: npm
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v5
      - run: npm publish --provenance
`
const withoutIdToken = RELEASE.replace('      id-token: write\n', '')

/** Runs the CLI in `cwd`; resolves with its exit code and output. */
const cli = (args, cwd) => runCli(args, { cwd })

describe('checkWorkflow', () => {
  it('finds the workflow that publishes, its job, line and environment', async () => {
    const cwd = repo({ '.github/workflows/release.yml': RELEASE, '.github/workflows/ci.yml': 'on: push\njobs:\n  test:\n    steps:\n      - run: npm test\n' })
    const check = await tn.checkWorkflow({ type: 'github', cwd })
    expect(check).toMatchObject({
      type: 'github', package: 'widgets', file: 'release.yml', inferred: true, environment: 'npm', ok: true, findings: [],
      jobs: [{ name: 'publish', path: '.github/workflows/release.yml', line: 6, environment: 'npm' }],
    })
  })

  it('names each problem with its fix and line', async () => {
    const cwd = repo({ '.github/workflows/release.yml': withoutIdToken })
    const check = await tn.checkWorkflow({ type: 'github', cwd, file: 'release.yml', environment: 'production' })
    expect(check.ok).toBe(false)
    expect(check.findings).toEqual([
      expect.objectContaining({ kind: 'permission', path: '.github/workflows/release.yml', line: 9, job: 'publish', fix: 'Add `id-token: write` under `permissions:` (.github/workflows/release.yml, line 9).' }),
      expect.objectContaining({ kind: 'environment', fix: expect.stringContaining('change the job\'s `environment:` (.github/workflows/release.yml, line 8) to `production`'), line: 8 }),
    ])
    const missing = await tn.checkWorkflow({ type: 'github', cwd, file: 'publish.yml' })
    expect(missing.findings.map((f) => f.kind)).toEqual(['missing'])
    expect(missing.findings[0].fix).toContain('release.yml')
  })

  it('GitLab: the id_token must be for the registry the package publishes to', async () => {
    const pipeline = 'publish:\n  id_tokens:\n    NPM_ID_TOKEN:\n      aud: npm:registry.npmjs.org\n  script:\n    - npm publish\n'
    const cwd = repo({ '.gitlab-ci.yml': pipeline }, { name: 'widgets', repository: 'gitlab:acme/widgets' })
    expect((await tn.checkWorkflow({ type: 'gitlab', cwd, registry: 'https://registry.npmjs.org/' })).ok).toBe(true)
    // The .npmrc points at the emulator: its audience is npm:127.0.0.1.
    const check = await tn.checkWorkflow({ type: 'gitlab', cwd })
    expect(check.findings).toEqual([expect.objectContaining({ kind: 'id-token', line: 3, fix: `Set \`aud: "${emulator.npmAudience}"\` under \`NPM_ID_TOKEN:\` (.gitlab-ci.yml, line 3).` })])
  })

  it('hostile files end in a finding, not a hang or a crash; options are strict', async () => {
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`)
    const cwd = repo({ '.github/workflows/bomb.yml': `${levels.join('\n')}\n`, '.github/workflows/deep.yml': `${'['.repeat(100_000)}\n` })
    for (const file of ['bomb.yml', 'deep.yml']) {
      const check = await tn.checkWorkflow({ type: 'github', cwd, file })
      expect(check.findings.map((f) => f.kind)).toEqual(['unreadable'])
    }
    expect((await rejection(tn.checkWorkflow({ type: 'circleci', cwd }))).field).toBe('type')
    expect((await rejection(tn.checkWorkflow({ type: 'github', cwd, project: 'g/p' }))).field).toBe('project')
    expect((await rejection(tn.checkWorkflow({ type: 'github', cwd, file: '../x.yml' }))).field).toBe('file')
  })

  it('a key given twice (a grant, then none) is a finding at its line, and under strict EWORKFLOW', async () => {
    const twice = RELEASE.replace('      id-token: write\n', '      id-token: write\n      id-token: none\n')
    const cwd = repo({ '.github/workflows/release.yml': twice })
    const check = await tn.checkWorkflow({ type: 'github', cwd, file: 'release.yml' })
    expect(check.ok).toBe(false)
    expect(check.findings).toEqual([expect.objectContaining({ kind: 'unreadable', line: 12, message: expect.stringContaining('`id-token` is given twice') })])
    const error = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), cwd, file: 'release.yml', strict: true }))
    expect(error.code).toBe('EWORKFLOW')
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('a checkout of another repository is not checked', async () => {
    const cwd = repo({ '.github/workflows/release.yml': RELEASE })
    const check = await tn.checkWorkflow({ type: 'github', cwd, repository: 'acme/other', file: 'release.yml' })
    expect(check).toMatchObject({ ok: false, findings: [] })
    expect(check.unchecked).toContain('is of acme/widgets, not acme/other')
  })
})

describe('add*Publisher checks the workflow, and infers it', () => {
  it('without file: the workflow that publishes and its environment', async () => {
    const cwd = repo({ '.github/workflows/release.yml': RELEASE })
    const added = await tn.addGithubPublisher({ ...asAlice(emulator), cwd })
    expect(added.options).toEqual({ repository: 'acme/widgets', file: 'release.yml', environment: 'npm' })
    expect(added.warnings).toEqual([])
    expect(added.workflow).toMatchObject({ inferred: true, ok: true })
    expect(emulator.publishers('widgets')[0].claims).toEqual({ repository: 'acme/widgets', workflow_ref: { file: 'release.yml' }, environment: 'npm' })
  })

  it('findings are warnings, or with strict EWORKFLOW and nothing sent', async () => {
    const cwd = repo({ '.github/workflows/release.yml': withoutIdToken })
    const dry = await tn.addGithubPublisher({ ...asAlice(emulator), cwd, file: 'release.yml', dryRun: true })
    expect(dry.warnings).toContain('Job `publish` publishes but cannot get an id_token: `permissions:` (.github/workflows/release.yml, line 9) does not include `id-token: write`. Add `id-token: write` under `permissions:` (.github/workflows/release.yml, line 9).')
    emulator.clearRequests()
    const error = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), cwd, file: 'release.yml', strict: true }))
    expect(error.code).toBe('EWORKFLOW')
    expect(error.message).toContain('id-token: write')
    expect(emulator.requests()).toEqual([])
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('without file, and no workflow or several publish: says so', async () => {
    const none = repo({ '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    steps:\n      - run: npm test\n' })
    const error = await rejection(tn.addGithubPublisher({ ...asAlice(emulator), cwd: none }))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'file' })
    expect(error.message).toContain('No workflow in .github/workflows publishes widgets')
    const several = repo({ '.github/workflows/a.yml': RELEASE, '.github/workflows/b.yml': RELEASE })
    expect((await rejection(tn.addGithubPublisher({ ...asAlice(emulator), cwd: several }))).message).toContain('a.yml, b.yml')
  })
})

/** A monorepo: @acme/a published by its own workflow, @acme/b by a filtered pnpm publish. */
function monorepo(extra = {}) {
  const publish = (step) => `on: push\njobs:\n  publish:\n    environment: npm\n    permissions:\n      id-token: write\n    steps:\n${step}`
  return repo({
    'packages/a/package.json': JSON.stringify({ name: '@acme/a' }),
    'packages/b/package.json': JSON.stringify({ name: '@acme/b' }),
    'packages/internal/package.json': JSON.stringify({ name: '@acme/internal', private: true }),
    '.github/workflows/a.yml': publish('      - run: npm publish\n        working-directory: packages/a\n'),
    '.github/workflows/b.yml': publish('      - run: pnpm --filter @acme/b publish\n'),
    ...extra,
  }, { name: 'mono', private: true, workspaces: ['packages/*'], repository: 'github:acme/mono' })
}

describe('plans and workspaces', () => {
  it('readTrustConfig infers each package\'s workflow by the monorepo rule; planTrust warns', async () => {
    const cwd = monorepo()
    const specs = await tn.readTrustConfig({ defaults: { type: 'github' }, workspaces: true }, cwd)
    expect(specs).toEqual([
      { type: 'github', package: '@acme/a', repository: 'acme/mono', file: 'a.yml', environment: 'npm' },
      { type: 'github', package: '@acme/b', repository: 'acme/mono', file: 'b.yml', environment: 'npm' },
    ])
    const plan = await tn.planTrust([...specs, { ...specs[1], package: '@acme/a', environment: 'prod' }], asAlice(emulator, { cwd }))
    expect(plan.entries.map((e) => e.warnings.length)).toEqual([0, 0, 1])
    expect(plan.entries[2].warnings.join('\n')).toMatch(/b\.yml publishes, but not @acme\/a \(packages\/a\)[\s\S]*Trust the workflow in \.github\/workflows that publishes @acme\/a: a\.yml/)
    const strict = await tn.planTrust(specs.map((s) => ({ ...s, environment: 'prod' })), asAlice(emulator, { cwd, strict: true }))
    expect(strict.entries.map((e) => [e.action, e.error?.code])).toEqual([['error', 'EWORKFLOW'], ['error', 'EWORKFLOW']])
  })

  it('readTrustConfig rejects naming the packages no workflow publishes', async () => {
    const cwd = monorepo({ 'packages/c/package.json': JSON.stringify({ name: '@acme/c' }) })
    const error = await rejection(tn.readTrustConfig({ defaults: { type: 'github' }, workspaces: true }, cwd))
    expect(error).toMatchObject({ code: 'EINVALIDINPUT', field: 'file' })
    expect(error.message).toMatch(/^For 1 package \(@acme\/c\): No workflow in \.github\/workflows publishes @acme\/c \(packages\/c\)/)
    // What to do, in the library's words (the CLI says --file, below).
    expect(error.hint).toBe('file')
    expect(error.message).toContain('Pass `file`: the workflow (or CI configuration) file the registry should trust.')
  })

  it('ensurePublisher carries the warnings', async () => {
    const cwd = repo({ '.github/workflows/release.yml': withoutIdToken })
    const ensured = await tn.ensurePublisher({ ...asAlice(emulator), cwd, type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml', environment: 'npm' })
    expect(ensured.action).toBe('created')
    expect(ensured.warnings).toEqual([expect.stringContaining('id-token: write')])
    const error = await rejection(tn.ensurePublisher({ ...asAlice(emulator), cwd, type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml', strict: true }))
    expect(error.code).toBe('EWORKFLOW')
  })
})

describe('CLI', () => {
  it('apply --workspaces works without --file in a typical monorepo', async () => {
    const cwd = monorepo()
    const { code, stdout, stderr } = await cli(['apply', '--workspaces', '--yes', '--otp', OTP], cwd)
    expect(stderr).not.toContain('warn')
    expect(code).toBe(0)
    // --yes shows no plan: what was inferred is what the registry now has.
    expect(stdout).toContain('Applied: 2 created')
    expect(emulator.publishers('@acme/a')[0].claims).toEqual({ repository: 'acme/mono', workflow_ref: { file: 'a.yml' }, environment: 'npm' })
    expect(emulator.publishers('@acme/b')[0].claims).toEqual({ repository: 'acme/mono', workflow_ref: { file: 'b.yml' }, environment: 'npm' })
  })

  it('a file that cannot be inferred: the CLI names --file; plan --exit-code exits 2, not 1 (drift)', async () => {
    const cwd = monorepo({ 'packages/c/package.json': JSON.stringify({ name: '@acme/c' }) })
    for (const args of [['apply', '--workspaces', '--yes'], ['plan', '--workspaces', '--exit-code']]) {
      const run = await cli([...args, '--otp', OTP], cwd)
      expect(run.stderr).toContain('Pass --file <name>: the workflow (or CI configuration) file the registry should trust.')
      expect(run.stderr).not.toContain('`file`')
      expect(run.code, args.join(' ')).toBe(args.includes('--exit-code') ? 2 : 1)
    }
  })

  it('github prints the inferred file and the findings; --strict fails with the fix', async () => {
    const cwd = repo({ '.github/workflows/release.yml': RELEASE })
    const ok = await cli(['github', '--dry-run'], cwd)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('file: release.yml (from the workflows)\n')
    expect(ok.stdout).toContain('environment: npm (from the workflows)\n')

    const bad = repo({ '.github/workflows/release.yml': withoutIdToken })
    const warned = await cli(['github', '--file', 'release.yml', '--dry-run'], bad)
    expect(warned.code).toBe(0)
    expect(warned.stderr).toContain('trust-native warn Job `publish` publishes but cannot get an id_token')
    const strict = await cli(['github', '--file', 'release.yml', '--strict', '--yes', '--otp', OTP], bad)
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('trust-native error EWORKFLOW Job `publish` publishes but cannot get an id_token')
    expect(emulator.publishers('widgets')).toEqual([])
  })

  it('plan warns per package and --strict makes it an error', async () => {
    const cwd = monorepo()
    const warned = await cli(['plan', '--workspaces', '--environment', 'prod', '--otp', OTP], cwd)
    expect(warned.code).toBe(0)
    expect(warned.stderr).toContain('trust-native warn @acme/a: Job `publish` runs in environment `npm`, but the trusted publisher requires `prod`')
    const strict = await cli(['plan', '--workspaces', '--environment', 'prod', '--strict', '--otp', OTP], cwd)
    expect(strict.code).toBe(1)
    expect(strict.stdout).toMatch(/@acme\/a\s+error\s+EWORKFLOW: Job `publish` runs in environment `npm`/)
  })

  it('apply --yes --strict, which makes no plan, still checks each workflow before creating', async () => {
    const cwd = monorepo()
    const strict = await cli(['apply', '--workspaces', '--environment', 'prod', '--strict', '--yes', '--otp', OTP], cwd)
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('failed @acme/a: EWORKFLOW')
    expect(emulator.publishers('@acme/a')).toEqual([])
  })
})

describe('this repository', () => {
  it('its release workflow publishes every package of trust.json, as trust.json trusts it', async () => {
    const root = join(import.meta.dirname, '..')
    const specs = await tn.readTrustConfig(join(root, 'trust.json'))
    // The main package and its platform packages: the loop below checks each.
    expect(specs.length).toBeGreaterThan(1)
    for (const spec of specs) {
      const { type, package: pkg, ...options } = spec
      const check = await tn.checkWorkflow({ type, package: pkg, cwd: root, ...options })
      expect(check.findings, pkg).toEqual([])
      expect(check.ok, pkg).toBe(true)
    }
    // And without --file, release.yml is the one inferred for the main package.
    expect(await tn.checkWorkflow({ type: 'github', cwd: root })).toMatchObject({ file: 'release.yml', environment: 'npm', inferred: true, ok: true })
  })
})
