#!/usr/bin/env node
// Writes to dist/ the tarballs a release publishes: one platform package per target of
// package.json `napi.targets` whose binary is found, and the main package, whose
// optionalDependencies name every platform package at the same version. The release workflow
// publishes exactly these files (RELEASING.md).
//
//   node scripts/package.mjs [--binaries <dir>]... [--out dist] [--require-all]
//
// A target's binary, `trust-native.<platform>.node`, is looked for in each --binaries folder and
// the folders right under it (where actions/download-artifact puts each artifact), then in
// npm/<platform>/. `npm run package` makes a release build and passes its folder. --require-all
// fails unless every target has its binary (the release does that). dist/packages.json lists
// what was written, platform packages first: the order to publish in.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseTriple } from '@napi-rs/cli'
import { size, sizesParagraph } from './figures.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const npmCli = join(root, 'node_modules', 'npm', 'bin', 'npm-cli.js')

/** The platform packages of package.json's `napi.targets`: `{ triple, platform, arch, abi, name, binary, dir }`. */
export function platformTargets(manifest = readJson(join(root, 'package.json'))) {
  return manifest.napi.targets.map((triple) => {
    const t = parseTriple(triple)
    return {
      triple,
      platform: t.platform,
      arch: t.arch,
      abi: t.abi,
      key: t.platformArchABI,
      name: `${manifest.name}-${t.platformArchABI}`,
      binary: `${manifest.napi.binaryName}.${t.platformArchABI}.node`,
      dir: join(root, 'npm', t.platformArchABI),
    }
  })
}

/** The main package's manifest as published: no development fields, the platform packages as optional dependencies. */
export function mainManifest(manifest, targets) {
  const { devDependencies, scripts, overrides, napi, ...published } = manifest
  published.optionalDependencies = Object.fromEntries(targets.map((t) => [t.name, manifest.version]))
  return published
}

/** A platform package's manifest as published: its npm/<platform>/package.json, at the main package's version and with its links. */
export function platformManifest(manifest, target) {
  const own = readJson(join(target.dir, 'package.json'))
  if (own.name !== target.name) throw new Error(`${relative(root, target.dir)}/package.json names ${own.name}, expected ${target.name}`)
  return {
    ...own,
    version: manifest.version,
    description: `The ${target.triple} binary of ${manifest.name}`,
    main: target.binary,
    files: [target.binary],
    license: manifest.license,
    repository: manifest.repository,
    homepage: manifest.homepage,
    bugs: manifest.bugs,
    engines: manifest.engines,
  }
}

// What an addon's file header says it was built for (ELF, Mach-O, PE), so that a binary put
// in the wrong folder is never published as another platform's.
const ELF_MACHINES = { 62: 'x64', 183: 'arm64' }
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64' }
const PE_MACHINES = { 0x8664: 'x64', 0xaa64: 'arm64' }

/** `{ format, arch }` of a shared library, or null when the header is none of the three. */
export function binaryKind(path) {
  const b = readFileSync(path)
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) return { format: 'elf', arch: ELF_MACHINES[b.readUInt16LE(18)] ?? `machine ${b.readUInt16LE(18)}` }
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) return { format: 'macho', arch: MACHO_CPUS[b.readUInt32LE(4)] ?? `cpu ${b.readUInt32LE(4)}` }
  if (b.length >= 0x40 && b.readUInt16LE(0) === 0x5a4d) {
    const pe = b.readUInt32LE(0x3c)
    if (b.length >= pe + 6 && b.readUInt32LE(pe) === 0x4550) return { format: 'pe', arch: PE_MACHINES[b.readUInt16LE(pe + 4)] ?? `machine ${b.readUInt16LE(pe + 4)}` }
  }
  return null
}

function checkBinary(path, target) {
  const expected = { linux: 'elf', darwin: 'macho', win32: 'pe' }[target.platform]
  const kind = binaryKind(path)
  if (!kind || kind.format !== expected || kind.arch !== target.arch) {
    throw new Error(`${path} is ${kind ? `${kind.format} ${kind.arch}` : 'not a shared library'}, not the ${expected} ${target.arch} binary ${target.name} needs`)
  }
}

/** Where a target's binary is: each folder of `dirs` and the folders right under it, then npm/<platform>/. */
export function findBinary(target, dirs) {
  const candidates = []
  for (const dir of dirs) {
    candidates.push(join(dir, target.binary))
    if (existsSync(dir)) {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && entry.name !== 'node_modules') candidates.push(join(dir, entry.name, target.binary))
      }
    }
  }
  candidates.push(join(target.dir, target.binary))
  return candidates.find((c) => existsSync(c)) ?? null
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function npm(args, cwd) {
  return execFileSync(process.execPath, [npmCli, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // No lifecycle scripts, no update check, nothing from the caller's npm config that changes packing.
    env: { ...process.env, npm_config_ignore_scripts: 'true', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' },
  })
}

/** The files `npm pack` takes from the repository root (package.json `files`), as paths relative to it. */
function mainFiles() {
  const [report] = JSON.parse(npm(['pack', '--dry-run', '--json'], root))
  return report.files.map((f) => f.path).filter((p) => p !== 'package.json')
}

/** Packs the folder `dir` into `out`; returns npm's report (filename, size, unpackedSize, files). */
function pack(dir, out) {
  const [report] = JSON.parse(npm(['pack', '--json', '--pack-destination', out], dir))
  return report
}

function stage(dir, manifest, files) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [from, to] of files) {
    mkdirSync(dirname(join(dir, to)), { recursive: true })
    copyFileSync(from, join(dir, to))
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}

/** Packs into `out`; returns `[{ name, version, file, size, unpackedSize, target? }]`, platform packages first. */
export function packageAll({ binaries = [], out = join(root, 'dist'), requireAll = false, log = console.log } = {}) {
  const manifest = readJson(join(root, 'package.json'))
  const targets = platformTargets(manifest)
  const stageRoot = join(out, '.stage')
  // Only what an earlier run wrote goes: `out` may be any folder.
  mkdirSync(out, { recursive: true })
  for (const entry of readdirSync(out)) {
    if ((entry.startsWith(`${manifest.name}-`) && entry.endsWith('.tgz')) || entry === 'packages.json' || entry === '.stage') {
      rmSync(join(out, entry), { recursive: true, force: true })
    }
  }
  const written = []
  const found = targets.map((target) => ({ target, binary: findBinary(target, binaries.map((d) => resolve(d))) }))
  const missing = found.filter((f) => !f.binary).map((f) => f.target)
  if (missing.length && requireAll) {
    throw new Error(`no binary for ${missing.map((t) => `${t.triple} (${t.binary})`).join(', ')}; looked in ${[...binaries, 'npm/<platform>/'].join(', ')}`)
  }
  for (const { target, binary } of found) if (binary) checkBinary(binary, target)
  mkdirSync(stageRoot, { recursive: true })
  try {
    for (const { target, binary } of found) {
      if (!binary) continue
      const dir = join(stageRoot, target.key)
      const readme = join(target.dir, 'README.md')
      stage(dir, platformManifest(manifest, target), [[binary, target.binary], [join(root, 'LICENSE'), 'LICENSE'], ...(existsSync(readme) ? [[readme, 'README.md']] : [])])
      const report = pack(dir, out)
      const fromRoot = relative(root, binary)
      written.push({ name: target.name, version: manifest.version, file: report.filename, size: report.size, unpackedSize: report.unpackedSize, target: target.triple, binary: fromRoot.startsWith('..') ? binary : fromRoot.split(sep).join('/') })
    }
    const mainDir = join(stageRoot, manifest.name)
    stage(mainDir, mainManifest(manifest, targets), mainFiles().map((f) => [join(root, f), f]))
    const report = pack(mainDir, out)
    written.push({ name: manifest.name, version: manifest.version, file: report.filename, size: report.size, unpackedSize: report.unpackedSize })
  } finally {
    rmSync(stageRoot, { recursive: true, force: true })
  }
  writeFileSync(join(out, 'packages.json'), `${JSON.stringify(written, null, 2)}\n`)
  const shown = (path) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path))
  for (const p of written) log(`${shown(join(out, p.file))}  ${size(p.size)} packed, ${size(p.unpackedSize)} installed${p.binary ? `  (from ${shown(resolve(root, p.binary))})` : ''}`)
  if (missing.length) log(`no binary here for: ${missing.map((t) => t.key).join(', ')} (skipped)`)
  // The README's figures: this machine's platform package, else the first one written.
  const { platformKey, currentFacts } = createRequire(import.meta.url)('../binding-error.js')
  const native = written.find((p) => p.name === `${manifest.name}-${platformKey(currentFacts())}`) ?? written.find((p) => p.target)
  if (native) {
    const paragraph = sizesParagraph({
      date: new Date().toISOString().slice(0, 10),
      platform: targets.find((t) => t.name === native.name).key,
      main: written.at(-1),
      native,
      addonBytes: statSync(resolve(root, native.binary)).size,
    })
    log(`\nREADME, Install:\n${paragraph}`)
  }
  return written
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      binaries: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(root, 'dist') },
      'require-all': { type: 'boolean', default: false },
    },
  })
  try {
    packageAll({ binaries: values.binaries, out: resolve(values.out), requireAll: values['require-all'] })
  } catch (error) {
    console.error(`package: ${error.message}`)
    process.exitCode = 1
  }
}
