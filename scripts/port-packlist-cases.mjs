// Ports npm-packlist's test cases into __test__/fixtures/packlist-cases.json: each test file of
// npm-packlist (a checkout given as the first argument, e.g. from `git clone` of
// github.com/npm/npm-packlist) runs against stand-ins for tap, arborist and npm-packlist that
// record the folder it builds (`t.testdir`) and the file list it expects (`t.same`). Cases that
// need more than a folder and a list (packlist options, thrown errors, mocks) are left out and
// listed. Use the release npm ships: npm 11.19 has npm-packlist 10.0.4 (`git checkout v10.0.4`). Rerun when npm-packlist changes; __test__/pack-cases.test.mjs reads the result.
//
//   node scripts/port-packlist-cases.mjs <npm-packlist checkout> > __test__/fixtures/packlist-cases.json
import { createRequire, Module } from 'node:module'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const checkout = resolve(process.argv[2] ?? '.')
const cases = []
const skipped = []
let current

function fakeTap(file) {
  const fixtures = new Map()
  const t = {
    testdir(tree) {
      const id = `/fixture-${fixtures.size}`
      fixtures.set(id, tree)
      return id
    },
    fixture: (type, target) => ({ [`$${type}`]: target }),
    same(actual, expected, ...rest) {
      if (actual && actual.$packlist !== undefined) {
        const { path, options } = actual.$packlist
        if (options && Object.keys(options).length) return skipped.push(`${file}: ${current} (packlist options)`)
        if (!fixtures.has(path)) return skipped.push(`${file}: ${current} (not a fixture folder)`)
        cases.push({ name: `${file}: ${current}`, fixture: fixtures.get(path), expected })
      }
    },
    async test(name, fn) {
      current = name
      try { await fn(t) } catch (error) { skipped.push(`${file}: ${name} (${error.message.split('\n')[0]})`) }
    },
  }
  for (const noop of ['equal', 'match', 'ok', 'notOk', 'pass', 'plan', 'end', 'rejects', 'throws', 'resolves', 'strictSame', 'hasStrict', 'has', 'teardown', 'cleanSnapshot', 'matchSnapshot', 'beforeEach', 'afterEach']) t[noop] ??= () => {}
  t.mock = () => { throw new Error('mocks') }
  t.mockRequire = t.mock
  return t
}

class FakeArborist {
  constructor(options) { this.path = options?.path }
  async loadActual() { return { path: this.path } }
}

function packlist(tree, options) { return Promise.resolve({ $packlist: { path: tree.path, options } }) }
packlist.Walker = class { constructor() { throw new Error('uses the Walker class') } }

const realLoad = Module._load
for (const file of readdirSync(join(checkout, 'test')).filter((f) => f.endsWith('.js')).sort()) {
  const t = fakeTap(file)
  Module._load = function (request, parent, isMain) {
    if (request === 'tap') return t
    if (request === '@npmcli/arborist') return FakeArborist
    if (request === '../' || request === '../lib/index.js' || request === '..') return packlist
    return realLoad.call(this, request, parent, isMain)
  }
  try {
    createRequire(join(checkout, 'test', file))(join(checkout, 'test', file))
    await new Promise((r) => setTimeout(r, 20))
  } catch (error) {
    skipped.push(`${file} (${error.message.split('\n')[0]})`)
  } finally {
    Module._load = realLoad
  }
}
const named = {}
for (const c of cases) if ((named[c.name] = (named[c.name] ?? 0) + 1) > 1) c.name += ` (${named[c.name]})`
process.stdout.write(JSON.stringify({ source: 'github.com/npm/npm-packlist v10.0.4 (npm 11.19) test/', cases, skipped }, null, 1) + '\n')
