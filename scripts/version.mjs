#!/usr/bin/env node
// One version everywhere: package.json's. `npm version <new>` runs this (the `version` script)
// after bumping package.json: it writes the version into npm/*/package.json, both Cargo.toml
// files and Cargo.lock (the user-agent says the core crate's version), and stages them for the
// commit npm makes.
//
//   node scripts/version.mjs            write package.json's version everywhere, git add
//   node scripts/version.mjs --check    exit 1 if any file says another version
//   node scripts/version.mjs --check --tag v1.2.3   ... or if the tag is not v<version>
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** `[{ file, version, set(version) → text }]`: every place that carries the package's version. */
export function versionedFiles(dir = root) {
  const places = []
  const read = (file) => readFileSync(join(dir, file), 'utf8')
  for (const key of readdirSync(join(dir, 'npm'))) {
    const file = `npm/${key}/package.json`
    if (!existsSync(join(dir, file))) continue
    const text = read(file)
    const json = JSON.parse(text)
    const eol = lineEnd(text)
    places.push({ file, version: json.version, set: (v) => `${JSON.stringify({ ...json, version: v }, null, 2)}\n`.replace(/\n/g, eol) })
  }
  // `version = "..."` of the [package] table (the first one after the `[package]` line).
  const packageVersion = /(\[package\][^[]*?\r?\nversion\s*=\s*")([^"]+)(")/
  for (const file of ['Cargo.toml', 'crates/core/Cargo.toml']) {
    const text = read(file)
    const m = text.match(packageVersion)
    if (!m) throw new Error(`${file}: no [package] version`)
    places.push({ file, version: m[2], set: (v) => text.replace(packageVersion, `$1${v}$3`) })
  }
  // The workspace's own packages in Cargo.lock.
  const lock = read('Cargo.lock')
  const crates = ['trust-native', 'trust-native-core']
  const entry = (name) => new RegExp(`(\\[\\[package\\]\\]\\r?\\nname = "${name}"\\r?\\nversion = ")([^"]+)(")`)
  for (const name of crates) {
    const m = lock.match(entry(name))
    if (!m) throw new Error(`Cargo.lock: no package ${name}`)
    places.push({ file: `Cargo.lock (${name})`, version: m[2] })
  }
  places.push({
    file: 'Cargo.lock',
    version: null,
    set: (v) => crates.reduce((text, name) => text.replace(entry(name), `$1${v}$3`), lock),
  })
  return places
}

/** A file's line end: CRLF when it has any (a Windows checkout without .gitattributes), else LF. */
const lineEnd = (text) => (text.includes('\r\n') ? '\r\n' : '\n')

/** The places whose version differs from package.json's (and the tag, when given). */
export function versionProblems(dir = root, tag) {
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
  const problems = versionedFiles(dir)
    .filter((p) => p.version !== null && p.version !== version)
    .map((p) => `${p.file} says ${p.version}, package.json ${version}`)
  if (tag !== undefined && tag !== `v${version}`) problems.push(`the tag is ${tag}, package.json says ${version} (expected v${version})`)
  return problems
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, tag: { type: 'string' } } })
  if (values.check) {
    const problems = versionProblems(root, values.tag)
    for (const p of problems) console.error(`version: ${p}`)
    process.exitCode = problems.length ? 1 : 0
  } else {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
    const files = new Set()
    for (const place of versionedFiles(root)) {
      if (!place.set) continue
      writeFileSync(join(root, place.file), place.set(version))
      files.add(place.file)
    }
    execFileSync('git', ['add', ...files], { cwd: root, stdio: 'inherit' })
    console.log(`version ${version}: ${[...files].join(', ')}`)
  }
}
