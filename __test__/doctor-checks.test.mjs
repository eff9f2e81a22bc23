// doctor's checks of what the job publishes with, one by one (the CLI tests run them whole).
import { describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'

const { githubRepository, nodeFindings } = createRequire(import.meta.url)('../bin/doctor-checks.js')

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
})
