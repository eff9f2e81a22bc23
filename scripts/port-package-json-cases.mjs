// Ports @npmcli/package-json's `prepare` test cases (what `npm publish` does to package.json)
// into __test__/fixtures/package-json-cases.json: test/prepare.js of a checkout (first argument;
// npm 11.19 ships 7.0.5, `git checkout v7.0.5`) runs against stand-ins for tap and the package
// that record each folder (`t.testdir`), its options, and each assertion on the prepared
// content (`t.strictSame(content.bin, ...)`, `t.has(content, { bin: undefined })`,
// `t.match(content.readme, /re/)`) as a field path and an expectation. Cases that assert
// anything else (errors, logs, saving) are left out and listed.
//
//   node scripts/port-package-json-cases.mjs <package-json checkout> > __test__/fixtures/package-json-cases.json
import { createRequire, Module } from 'node:module'
import { join, resolve } from 'node:path'

const checkout = resolve(process.argv[2] ?? '.')
const cases = []
const skipped = []
const PATH = Symbol('path')

/** The prepared content as a recorder: each property read extends its path. */
function recorder(path) {
  return new Proxy({}, {
    get: (_, key) => (key === PATH ? path : typeof key === 'symbol' || key === 'then' ? undefined : recorder([...path, key])),
  })
}

/** A JSON-able expectation: a RegExp as `{ $regex }`, undefined as `{ $absent: true }`. */
function expectation(value) {
  if (value instanceof RegExp) return { $regex: value.source, $flags: value.flags }
  if (value === undefined) return { $absent: true }
  if (Array.isArray(value)) return value.map(expectation)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectation(v)]))
  return value
}

const fixtures = new Map()

/** A `t` for one test, recording into `record`. */
function makeT(record) {
  const t = {
    testdir(tree) {
      const id = `/fixture-${fixtures.size}`
      fixtures.set(id, { tree, record })
      return id
    },
    teardown() {},
    end() {},
    test(name, fn) {
      const child = { name: record.name ? `${record.name} > ${name}` : name, checks: [], usable: true }
      let result
      try {
        result = fn(makeT(child))
      } catch {
        child.usable = false
      }
      return Promise.resolve(result).then(
        () => {
          if (child.case && child.usable && child.checks.length) cases.push({ name: child.name, ...child.case, checks: child.checks })
          else if (child.case) skipped.push(child.name)
        },
        () => skipped.push(child.name),
      )
    },
    rejects(promise) {
      record.usable = false
      return Promise.resolve(promise).catch(() => {})
    },
  }
  for (const [op, kind] of [['strictSame', 'same'], ['same', 'same'], ['has', 'has'], ['match', 'match'], ['equal', 'same']]) {
    t[op] = (actual, expected) => {
      const path = actual?.[PATH]
      if (!path || path[0] !== 'content') return void (record.usable = false)
      record.checks.push({ path: path.slice(1), kind, expected: expectation(expected) })
    }
  }
  for (const other of ['ok', 'notOk', 'pass', 'plan']) t[other] = () => { record.usable = false }
  return t
}
const t = makeT({ name: '', checks: [], usable: true })

const fakePackageJson = {
  async prepare(dir, options) {
    const [, id, sub = ''] = /^(\/fixture-\d+)\/?(.*)$/.exec(dir) ?? []
    const { tree, record } = fixtures.get(id)
    // A path option (`root`) relative to the fixture, as `$root/...`.
    const opts = options && Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === 'string' && v.startsWith(id) ? `$root${v.slice(id.length)}` : v]))
    record.case = { fixture: tree, subdir: sub, ...(opts && { options: opts }) }
    return { content: recorder(['content']), save: () => { record.usable = false; return Promise.reject(new Error('save')) } }
  },
}

const realLoad = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'tap') return t
  if (request === '../') return fakePackageJson
  return realLoad.call(this, request, parent, isMain)
}
// The wrapper's `opts.root === true` becomes the fixture folder; `dir` maps it to a subfolder.
const file = join(checkout, 'test', 'prepare.js')
createRequire(file)(file)
Module._load = realLoad
await new Promise((r) => setTimeout(r, 200))
process.removeAllListeners('log')
const named = {}
for (const c of cases) if ((named[c.name] = (named[c.name] ?? 0) + 1) > 1) c.name += ` (${named[c.name]})`
process.stdout.write(JSON.stringify({ source: 'github.com/npm/package-json v7.0.5 (npm 11.19) test/prepare.js', cases, skipped }, null, 1) + '\n')
