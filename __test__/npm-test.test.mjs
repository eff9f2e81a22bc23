// `npm test` (scripts/test.mjs) runs both suites whatever the other did, and fails if either
// failed: checked with stand-ins for napi, cargo and vitest that record their runs.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './helpers.mjs'

const SCRIPT = fileURLToPath(new URL('../scripts/test.mjs', import.meta.url))

/** Runs scripts/test.mjs with stand-ins that exit with `codes[name]` (0 by default). */
function npmTest(codes) {
  const bin = tempDir('tn-npm-test-')
  const log = join(bin, 'ran.log')
  writeFileSync(log, '')
  for (const name of ['napi', 'cargo', 'vitest']) {
    const stub = join(bin, name)
    writeFileSync(stub, `#!/bin/sh\necho ${name} >> '${log}'\nexit ${codes[name] ?? 0}\n`)
    chmodSync(stub, 0o755)
  }
  const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` } })
  return { code: run.status, stdout: run.stdout, ran: readFileSync(log, 'utf8').trim().split('\n') }
}

describe.skipIf(process.platform === 'win32')('npm test', () => {
  it('runs the JavaScript suites after the Rust suites failed, and fails', () => {
    const run = npmTest({ cargo: 101 })
    expect(run.ran).toEqual(['napi', 'cargo', 'vitest'])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Rust tests: failed (exit 101)')
    expect(run.stdout).toContain('JavaScript tests: passed')
  })

  it('fails when only the JavaScript suites fail, and passes when all pass', () => {
    const js = npmTest({ vitest: 1 })
    expect(js.ran).toEqual(['napi', 'cargo', 'vitest'])
    expect(js.code).toBe(1)
    expect(npmTest({}).code).toBe(0)
  })

  it('runs the Rust suites but not the JavaScript ones when the addon does not build', () => {
    const run = npmTest({ napi: 1 })
    expect(run.ran).toEqual(['napi', 'cargo'])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('JavaScript tests: not run (the addon did not build)')
  })
})
