// doctor's checks of what the job publishes with, one by one (the CLI tests run them whole).
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { tempDir } from './helpers.mjs'

const { githubRepository, nodeFindings, setupNodeFindings } = createRequire(import.meta.url)('../bin/doctor-checks.js')

describe('doctor checks', () => {
  it('a Node that cannot run npm 11 is an error that names the versions', () => {
    for (const version of ['18.20.4', '20.16.0', '22.8.0']) {
      expect(nodeFindings(version), version).toEqual([expect.objectContaining({ kind: 'node', severity: 'error', expected: '^20.17.0 || >= 22.9.0', actual: version })])
    }
    for (const version of ['20.17.0', '22.9.0', '24.11.1']) expect(nodeFindings(version), version).toEqual([])
  })

  it('reads package.json repository in each of its spellings, as npm (and the core) read it', () => {
    const spellings = [
      'github:acme/x', 'git+https://github.com/acme/x.git', 'https://github.com/acme/x', 'git@github.com:acme/x.git', 'acme/x', { url: 'git+ssh://git@github.com/acme/x.git' },
      // hosted-git-info's other forms: a committish, a browse URL, a host in capitals.
      'git+https://github.com/acme/x.git#main', 'https://github.com/acme/x/tree/main', 'https://GitHub.com/acme/x',
    ]
    for (const spelling of spellings) {
      expect(githubRepository(spelling), JSON.stringify(spelling)).toBe('acme/x')
    }
    expect(githubRepository('https://gitlab.com/acme/x')).toBeUndefined()
  })

  it('actions/setup-node\'s .npmrc with NODE_AUTH_TOKEN unset, empty or its placeholder: a warning that says what to change', () => {
    const npmrc = join(tempDir(), '.npmrc')
    writeFileSync(npmrc, 'registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\nalways-auth=true\n')
    const config = { registry: 'https://registry.npmjs.org/', files: [{ layer: 'user', path: npmrc, found: true }, { layer: 'global', path: join(tempDir(), 'none'), found: false }] }
    for (const [value, says] of [[undefined, 'is unset in this job. npm tries trusted publishing first and sends that line\'s token (the literal text ${NODE_AUTH_TOKEN}) only when the exchange fails'], ['', 'is empty in this job. npm tries trusted publishing first and sends that line\'s token (an empty one) only when the exchange fails'], ['XXXXX-XXXXX-XXXXX-XXXXX', 'is setup-node\'s placeholder in this job']]) {
      const findings = setupNodeFindings(config, value === undefined ? {} : { NODE_AUTH_TOKEN: value })
      expect(findings, String(value)).toEqual([expect.objectContaining({ kind: 'npmrc', severity: 'warning', actual: '//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}' })])
      expect(findings[0].message).toContain(`${npmrc} has \`//registry.npmjs.org/:_authToken=\${NODE_AUTH_TOKEN}\` (actions/setup-node writes it when given \`registry-url\`)`)
      expect(findings[0].message).toContain(`NODE_AUTH_TOKEN ${says}`)
      expect(findings[0].message).toContain('Remove `registry-url` from the actions/setup-node step')
    }
    // A token the job gives, or a line for another registry: nothing to say.
    expect(setupNodeFindings(config, { NODE_AUTH_TOKEN: 'npm_FAKE-given' })).toEqual([])
    expect(setupNodeFindings({ ...config, registry: 'https://npm.example.com/' }, {})).toEqual([])
  })
})
