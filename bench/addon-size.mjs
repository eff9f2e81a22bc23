// Benchmark: where the release addon's bytes go, by crate (what cargo-bloat reports, without
// installing it). The release build is stripped, so the symbols come from the `profiling` build
// (Cargo.toml: the release profile with symbols kept, the same code); the section sizes and the
// total from the release build itself. Linux (ELF, binutils' nm and size).
//
// --panic-abort also builds the release profile with `panic = "abort"` (its own target folder,
// a full build) and prints what that would save: the one change measured that takes the addon
// under 4 MB, and what it costs (a panic would end the Node.js process; see the README).
//
//   node bench/addon-size.mjs [--no-build] [--top N] [--panic-abort]
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bytesParagraph, size } from '../scripts/figures.mjs'

const args = process.argv.slice(2)
const at = args.indexOf('--top')
const top = at < 0 ? 14 : Number(args[at + 1])
const root = fileURLToPath(new URL('..', import.meta.url))
/** The release build: `napi build` names the host's target (target/<triple>/release), a plain
 * `cargo build --release` does not (target/release); the newer of the two. */
const host = run('rustc', ['--print', 'host-tuple']).trim()
const release = [`${root}target/${host}/release/libtrust_native.so`, `${root}target/release/libtrust_native.so`]
  .map((file) => [file, mtime(file)])
  .sort((a, b) => b[1] - a[1])[0][0]
const profiling = `${root}target/profiling/libtrust_native.so`

function run(program, argv, env = process.env) {
  const out = spawnSync(program, argv, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] })
  if (out.status !== 0) throw new Error(`${program} ${argv.join(' ')} failed (${out.error?.message ?? out.status})`)
  return out.stdout
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

if (!args.includes('--no-build')) run('cargo', ['build', '--profile', 'profiling', '--lib'])

/** The crates of the build, by the name they have in symbols: their library's (`rustls-webpki`
 * is `webpki`, this package's core `trust_core`), mapped to the package's name. */
const crates = new Map()
for (const pkg of JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--offline'])).packages) {
  for (const target of pkg.targets) if (target.kind.some((k) => k.endsWith('lib'))) crates.set(target.name.replaceAll('-', '_'), pkg.name)
}
/** The standard library and what only it uses here (its backtraces' symbolizer). */
const STD = new Set(['std', 'core', 'alloc', 'std_detect', 'rustc_demangle', 'addr2line', 'gimli', 'object', 'panic_unwind'])

/** The crate a demangled symbol's bytes are for: the first crate of the build it names that is
 * not the standard library (`core::ptr::drop_in_place<reqwest::Response>` is reqwest's), else
 * the standard library; C and assembly by their prefix where they have one (`ring_core_*`). */
function crateOf(symbol) {
  let fallback = null
  for (const [, name] of symbol.matchAll(/([A-Za-z_][A-Za-z0-9_]*)::/g)) {
    if (STD.has(name)) fallback ??= 'std'
    else if (crates.has(name)) return crates.get(name)
  }
  if (fallback) return fallback
  if (/^_?ring_core_/.test(symbol)) return 'ring'
  if (/^napi_/.test(symbol)) return 'napi'
  // Unprefixed C and assembly: ring's (its tables and bignum routines), compiler builtins.
  return '[C/assembly]'
}

const bytes = new Map()
/** This package's functions by name: the sizes of each copy. */
const copies = new Map()
let attributed = 0
for (const line of run('nm', ['--print-size', '--size-sort', '--demangle', profiling]).split('\n')) {
  const m = /^[0-9a-f]+ ([0-9a-f]+) ([a-zA-Z]) (.*)$/.exec(line)
  if (!m || 'bBuUvVwW'.includes(m[2])) continue // no bytes in the file, or not defined here
  const n = parseInt(m[1], 16)
  const crate = crateOf(m[3])
  bytes.set(crate, (bytes.get(crate) ?? 0) + n)
  attributed += n
  if (/^(trust-native|trust-native-core)$/.test(crate)) copies.set(m[3], [...(copies.get(m[3]) ?? []), n])
}

/** `size -A`: bytes of the sections of the file (what loads, unwinding tables, relocations...). */
function sections(file) {
  const out = new Map()
  for (const line of run('size', ['-A', file]).split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line)
    if (m) out.set(m[1], Number(m[2]))
  }
  return out
}

let total
let sectionsOf = profiling
try {
  total = statSync(release).size
  sectionsOf = release
} catch {
  total = null
}
const sized = sections(sectionsOf)
const text = sized.get('.text') ?? 0
const rodata = (sized.get('.rodata') ?? 0) + (sized.get('.data.rel.ro') ?? 0)
const unwind = (sized.get('.eh_frame') ?? 0) + (sized.get('.eh_frame_hdr') ?? 0) + (sized.get('.gcc_except_table') ?? 0)
const relocations = [...sized].filter(([name]) => name.startsWith('.rela')).reduce((sum, [, n]) => sum + n, 0)

const rows = [...bytes].sort((a, b) => b[1] - a[1])
const shown = rows.slice(0, top)
const others = rows.slice(top).reduce((sum, [, n]) => sum + n, 0)
const pct = (n) => `${((100 * n) / attributed).toFixed(1)}%`
console.log(`release addon: ${total == null ? 'not built (npm run build)' : `${size(total)} (${total.toLocaleString('en-US')} bytes)`}`)
console.log(`  sections${sectionsOf === release ? '' : ' (of the profiling build)'}: code ${size(text)}, constants ${size(rodata)}, unwinding tables ${size(unwind)}, relocations ${size(relocations)}`)
console.log(`code and constants by crate (symbols of the profiling build, ${size(attributed)} in all):`)
for (const [crate, n] of shown) console.log(`  ${crate.padEnd(20)} ${size(n).padStart(9)}  ${pct(n).padStart(6)}`)
if (others) console.log(`  ${`${rows.length - top} others`.padEnd(20)} ${size(others).padStart(9)}  ${pct(others).padStart(6)}`)
// A name compiled more than once: a generic function's instances, or an async fn's state
// machine compiled again for each chain of callers awaiting it (boxing it in one non-generic
// function makes it one copy: see Registry::exchange).
const repeated = [...copies]
  .map(([name, sizes]) => [name, sizes.length, sizes.reduce((a, b) => a + b, 0) - Math.max(...sizes)])
  .filter(([, count]) => count > 1)
  .sort((a, b) => b[2] - a[2])
console.log(`this package's functions compiled more than once, a generic one's instances or an async fn's state machine per caller (bytes beyond the largest copy):`)
for (const [name, count, extra] of repeated.slice(0, 6)) console.log(`  ${size(extra).padStart(9)}  ${count}x ${name}`)
const named = shown.slice(0, 10)
const parts = { code: text, constants: rodata, unwinding: unwind, relocations }
const rest = attributed - named.reduce((sum, [, n]) => sum + n, 0)
if (args.includes('--panic-abort') && total != null) {
  const folder = `${root}target/size-panic-abort`
  run('cargo', ['build', '--release', '--lib'], { ...process.env, CARGO_PROFILE_RELEASE_PANIC: 'abort', CARGO_TARGET_DIR: folder })
  const aborting = statSync(`${folder}/release/libtrust_native.so`).size
  console.log(`with panic = "abort" (not shipped): ${size(aborting)} (${aborting.toLocaleString('en-US')} bytes), ${size(total - aborting)} less`)
}
console.log(`\nREADME, Benchmark:\n${bytesParagraph({ sections: parts, crates: named, rest })}`)
