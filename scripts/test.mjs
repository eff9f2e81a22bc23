// `npm test`: builds the addon, then runs the Rust suites and the JavaScript suites, both
// whatever the other did, so that one failing never hides the other's result. Exits non-zero if
// any step failed, after a summary of all of them.
import { spawnSync } from 'node:child_process'

/** A step: its name, the command, and whether it needs the addon built. */
const STEPS = [
  { name: 'addon build', command: ['napi', 'build', '--platform'] },
  { name: 'Rust tests', command: ['cargo', 'test', '--workspace', '--target', 'host-tuple'] },
  { name: 'JavaScript tests', command: ['vitest', 'run'], needsAddon: true },
]

const outcomes = []
for (const { name, command, needsAddon } of STEPS) {
  if (needsAddon && outcomes[0].status !== 'passed') {
    outcomes.push({ name, status: 'not run (the addon did not build)' })
    continue
  }
  const [program, ...args] = command
  // Windows runs npm's .cmd shims only through a shell, given one command line (the words are
  // plain: nothing to quote): arguments beside `shell: true` are deprecated (DEP0190, Node 24).
  const run = process.platform === 'win32' ? spawnSync(command.join(' '), { stdio: 'inherit', shell: true }) : spawnSync(program, args, { stdio: 'inherit' })
  const status = run.error ? `failed to start (${run.error.message})` : run.status === 0 ? 'passed' : `failed (exit ${run.status ?? run.signal})`
  outcomes.push({ name, status })
}

console.log('\nnpm test:')
for (const { name, status } of outcomes) console.log(`  ${name}: ${status}`)
process.exitCode = outcomes.every((o) => o.status === 'passed') ? 0 : 1
