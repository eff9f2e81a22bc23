// A first user's day: what a CI job, the CLI and the emulator say to someone with the README in
// hand. Each message names what to do in the words of the interface used (the CLI's flags and
// subcommands, the library's options), and says only what is true of the run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALICE, OTP, asAlice, isolateNpmConfig, project, rejection, runCli, runNpm, startEmulator, tn, withCiEnv } from './helpers.mjs'

let emulator, home
beforeAll(async () => {
  home = isolateNpmConfig()
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const RELEASE = { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }, permissions: ['createPackage'] }
beforeEach(() => {
  emulator.seed({ packages: [{ name: 'widgets', maintainers: ['alice'], versions: ['1.0.0'], publishers: [RELEASE] }] })
})

/** A folder of widgets@`version` whose .npmrc points at the emulator (no token: CI's). */
function widgets(version = '2.0.0') {
  const dir = project({ name: 'widgets', version, repository: 'github:acme/widgets' }, `registry=${emulator.url}\n`)
  writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
  return dir
}

/** A GitHub Actions job of acme/widgets running `file`, in `environment` if given. */
const job = (file, environment) => emulator.githubActionsJob({
  repository: 'acme/widgets',
  workflow_ref: `acme/widgets/.github/workflows/${file}@refs/heads/main`,
  ...(environment && { environment }),
})

describe('a refused exchange in CI says what the job needs and how to configure it', () => {
  const needs = 'github widgets --repository acme/widgets --file publish.yml --environment npm'

  it('the library: the values from the job\'s own token, and the command a maintainer runs', async () => {
    const error = await withCiEnv(job('publish.yml', 'npm'), () => rejection(tn.exchangeToken({ cwd: widgets() })))
    expect(error.code).toBe('EOIDCEXCHANGE')
    expect(error.hint).toBe('configure')
    expect(error.summary).toContain('No trusted publisher of widgets matches this job\'s id_token')
    expect(error.summary).toContain('repository acme/widgets, file publish.yml, environment npm')
    expect(error.message).toContain(`\`npm trust ${needs} --allow-publish\``)
    expect(error.message).not.toContain('trust-native')
  })

  it('the command it gives, run by a maintainer with npm, lets the job publish', async () => {
    emulator.seed({ packages: [{ name: 'gizmos', maintainers: ['alice'], versions: ['1.0.0'] }] })
    const cwd = project({ name: 'gizmos', version: '2.0.0' }, `registry=${emulator.url}\n`)
    const error = await withCiEnv(job('publish.yml', 'npm'), () => rejection(tn.exchangeToken({ cwd })))
    const [, command] = /`npm trust ([^`]+)`/.exec(error.message)
    // The maintainer's machine: their token for the registry.
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    const npm = await runNpm(['trust', ...command.split(' '), `--otp=${OTP}`, '--yes'], { cwd, home })
    expect(npm.code, npm.stderr).toBe(0)
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n`)
    const exchanged = await withCiEnv(job('publish.yml', 'npm'), () => tn.exchangeToken({ cwd }))
    expect(exchanged.package).toBe('gizmos')
  })

  it('the CLI: `trust-native publish` names its own subcommand and flags', async () => {
    const run = await runCli(['publish'], { cwd: widgets(), env: job('publish.yml', 'npm') })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`\`trust-native ${needs}\``)
    expect(run.stderr).not.toMatch(/explainExchangeFailure|npm trust|`publishers`/)
  })

  it('doctor does not tell the user to run doctor', async () => {
    const run = await runCli(['doctor', 'widgets'], { cwd: widgets(), env: job('publish.yml', 'npm') })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Exchange: FAILED EOIDCEXCHANGE')
    expect(run.stdout).toContain(`trust-native ${needs}`)
    expect(run.stdout).not.toMatch(/trust-native doctor|explainExchangeFailure/)
  })
})

describe('the CLI\'s publish does not speak of the library\'s options', () => {
  const LIBRARY = /explainExchangeFailure|listPublishers|writeNpmrc|`token`|`otp`|onOtp|the \w+ option/

  it('a prerelease without a tag: --tag, as the option the library would name `tag`', async () => {
    const cwd = widgets('2.0.0-beta.1')
    const run = await runCli(['publish', '--otp', OTP], { cwd, env: job('release.yml') })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('is a prerelease: pass `--tag`')
    expect((await withCiEnv(job('release.yml'), () => rejection(tn.publish({ cwd })))).message).toContain('pass `tag`')
  })

  it('doctor --json: the refused exchange in the CLI\'s words too', async () => {
    const run = await runCli(['doctor', 'widgets', '--json'], { cwd: widgets(), env: job('publish.yml') })
    const { exchange } = JSON.parse(run.stdout)
    expect(exchange.ok).toBe(false)
    expect(exchange.message).toContain('trust-native github widgets')
    expect(exchange.message).not.toMatch(/explainExchangeFailure|npm trust/)
  })

  it('a rejected token: npm login, not the `token` option; not doctor, which the user did not run', async () => {
    const cwd = widgets()
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=revoked-token\n`)
    const run = await runCli(['publish', '--otp', OTP], { cwd })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('E401')
    expect(run.stderr).toContain('npm login')
    expect(run.stderr).not.toMatch(LIBRARY)
    const error = await rejection(tn.publish({ cwd, otp: OTP }))
    expect(error.hint).toBe('token')
  })

  it('a refused exchange with a token to fall back on: the warning says why in words for every interface', async () => {
    const cwd = widgets()
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    const run = await runCli(['publish', '--otp', OTP], { cwd, env: job('publish.yml') })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('Trusted publishing did not work')
    expect(run.stderr).toContain('file publish.yml')
    expect(run.stderr).not.toMatch(LIBRARY)
  })

  it('a static token line npm falls back to: doctor says it once, naming no library option', async () => {
    const cwd = widgets()
    writeFileSync(join(cwd, '.npmrc'), `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=\${NODE_AUTH_TOKEN}\n`)
    const run = await runCli(['doctor', 'widgets'], { cwd, env: { ...job('release.yml'), NODE_AUTH_TOKEN: 'XXXXX-XXXXX-XXXXX-XXXXX' } })
    expect(run.stdout).toContain('Exchange: ok')
    // Said once, by doctor's finding (the exchange's warning about the same line is not repeated).
    expect(run.stdout).toContain('npm tries trusted publishing first')
    expect(run.stderr).not.toContain('sets a static token')
    expect(run.stdout + run.stderr).not.toMatch(LIBRARY)
  })
})

// registry.npmjs.org lets every trusted publisher stage; a registry that keeps the original
// rules (the emulator's `trustModel: 'single'`) stages only for one that allows it.
describe('a stage publish the publisher does not allow, on a registry that keeps the original rules', () => {
  beforeAll(() => emulator.seed({ trustModel: 'single' }))
  afterAll(() => emulator.seed({ trustModel: 'several' }))

  it('names the missing permission, and --allow-stage-publish in the CLI', async () => {
    const run = await runCli(['stage', 'publish'], { cwd: widgets(), env: job('release.yml') })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('does not allow stage publishing')
    expect(run.stderr).toContain('createStagedPackage')
    expect(run.stderr).toContain('--allow-stage-publish')
    expect(run.stderr).not.toMatch(/add\*Publisher|applyTrust/)

    // Following the advice: trust.json allows stage publishing too, and apply --replace.
    const maintainer = project({ name: 'releaser', private: true }, `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    writeFileSync(join(maintainer, 'trust.json'), JSON.stringify([{ type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml', allowStagePublish: true, allowPublish: true }]))
    const applied = await runCli(['apply', '--config', 'trust.json', '--replace', '--yes', '--otp', OTP], { cwd: maintainer })
    expect(applied.code, applied.stderr).toBe(0)
    const staged = await runCli(['stage', 'publish'], { cwd: widgets(), env: job('release.yml') })
    expect(staged.code, staged.stderr).toBe(0)
  })

  it('names allowStagePublish in the library', async () => {
    const error = await withCiEnv(job('release.yml'), () => rejection(tn.stagePublish({ cwd: widgets() })))
    expect(error.code).toBe('E403')
    expect(error.hint).toBe('allowStagePublish')
    expect(error.message).toContain('does not allow stage publishing')
    expect(error.message).toContain('allowStagePublish')
  })
})

describe('the CLI without a terminal', () => {
  it('a confirmation says it needs --yes (exit 2), not "User cancelled operation"', async () => {
    const cwd = project({ name: 'widgets', repository: 'github:acme/widgets' }, `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    const run = await runCli(['github', 'widgets', '--repository', 'acme/widgets', '--file', 'release.yml', '--otp', OTP], { cwd })
    expect(run.stderr).not.toContain('User cancelled operation')
    expect(run.stderr).toContain('--yes')
    expect(run.code).toBe(2)
    expect(emulator.publishers('widgets')).toHaveLength(1)
  })
})

describe('the emulator, as the registry of a user\'s tests', () => {
  it('an exchange that went through does not warn that the registry may not support trusted publishing', async () => {
    const exchanged = await withCiEnv(job('release.yml'), () => tn.exchangeToken({ cwd: widgets() }))
    expect(exchanged.warnings).toEqual([])
    emulator.seed({ packages: [{ name: 'gadgets', maintainers: ['alice'] }] })
    const added = await tn.addGithubPublisher({ ...asAlice(emulator), package: 'gadgets', repository: 'acme/gadgets', file: 'release.yml', cwd: widgets() })
    expect(added.warnings).toEqual([])
  })

  it('the CLI\'s github, which previews before it creates, says it only for --dry-run', async () => {
    emulator.seed({ packages: [{ name: 'gadgets', maintainers: ['alice'] }] })
    const cwd = project({ name: 'gadgets', version: '1.0.0' }, `registry=${emulator.url}\n//${new URL(emulator.url).host}/:_authToken=${ALICE}\n`)
    const flags = ['github', 'gadgets', '--repository', 'acme/gadgets', '--file', 'release.yml', '--otp', OTP]
    const created = await runCli([...flags, '--yes'], { cwd })
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).not.toContain('may not support trusted publishing')
    const previewed = await runCli([...flags, '--file', 'nightly.yml', '--dry-run'], { cwd })
    expect(previewed.code, previewed.stderr).toBe(0)
    expect(previewed.stderr).toContain(`Registry ${emulator.url} may not support trusted publishing`)
  })

  it('a dry run, which asks the registry nothing, still says it may not', async () => {
    const planned = await tn.addGithubPublisher({ ...asAlice(emulator), package: 'widgets', repository: 'acme/widgets', file: 'ci.yml', cwd: widgets(), dryRun: true })
    expect(planned.warnings).toEqual([`Registry ${emulator.url} may not support trusted publishing`])
  })
})

describe('a workflow whose job runs in another environment', () => {
  it('cites the `environment:` line, and says what to change in words every interface shares', async () => {
    const cwd = widgets()
    mkdirSync(join(cwd, '.github', 'workflows'), { recursive: true })
    writeFileSync(join(cwd, '.github', 'workflows', 'release.yml'), [
      'on: push',
      'permissions:',
      '  id-token: write',
      'jobs:',
      '  publish:',
      '    runs-on: ubuntu-latest',
      '    environment: staging',
      '    steps:',
      '      - run: npm publish',
      '',
    ].join('\n'))
    const check = await tn.checkWorkflow({ type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml', environment: 'npm', cwd })
    const [finding] = check.findings
    expect(finding).toMatchObject({ kind: 'environment', line: 7 })
    expect(finding.fix).toContain('.github/workflows/release.yml, line 7')
    expect(finding.fix).not.toMatch(/option|--environment/)
  })
})
