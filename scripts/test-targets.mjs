// `npm run test:targets`: proves, on this Linux x64 machine, the targets of package.json's
// `napi.targets` that CI would otherwise be the only one to build:
//
//   - clippy: `cargo clippy --workspace --all-targets -- -D warnings` for Windows and macOS. It
//     checks without linking; ring's build script still wants a C compiler and an archiver for
//     the target, which a stub (target/targets/stub-cc/: it makes empty outputs) satisfies.
//   - qemu: the addon cross-built for linux-arm64 (gcc-aarch64-linux-gnu), then the JavaScript
//     suite run by the arm64 Node.js from the npm registry (pinned in reference-npm.mjs) under
//     qemu-user. Without binfmt_misc an arm64 binary cannot be exec'd directly, so the tests'
//     `node` (PATH, process.execPath) is a script that starts it under qemu.
//   - wine: the core's tests built for x86_64-pc-windows-gnu (mingw-w64) and run under Wine,
//     the integration tests' registry emulator by the x64 Node.js for Windows from the registry;
//     then the addon built for windows-gnu, and the JavaScript suite run by that Node.js under
//     Wine (but the files that need what Wine cannot do or take too long: see the target).
//
// What a check needs is installed first, idempotently: rustup targets, and Debian packages with
// apt-get when running as root (otherwise it says what is missing and fails). A check that cannot
// run fails; none is skipped silently. Every step prints its time, and the end a summary.
//
//   node scripts/test-targets.mjs [--check clippy,qemu,wine] [--quick | --vitest <filter>...] [triple...]
//
// Under qemu, --quick runs the part of the suite that fits CI's time (.ci/run); under Wine the
// same part runs either way. --vitest runs only the files those vitest filters match.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { nodeBuild, unpacked } from './reference-npm.mjs'

const ROOT = join(import.meta.dirname, '..')
/** Scripts and state this file makes: the stub compiler, qemu's `node`, the Wine prefix. */
const WORK = join(ROOT, 'target', 'targets')

/** vitest's paths of the test files named. */
const files = (names) => names.map((name) => `__test__/${name}.test.mjs`)

/**
 * Every target proven here and how. `checks` name entries of CHECKS; the other fields are what
 * those checks need to know about the target.
 */
const TARGETS = [
  { triple: 'x86_64-pc-windows-msvc', checks: ['clippy'] },
  { triple: 'aarch64-pc-windows-msvc', checks: ['clippy'] },
  { triple: 'x86_64-apple-darwin', checks: ['clippy'] },
  { triple: 'aarch64-apple-darwin', checks: ['clippy'] },
  {
    triple: 'aarch64-unknown-linux-gnu',
    checks: ['qemu'],
    platform: { os: 'linux', cpu: 'arm64', libc: 'glibc' },
    node: 'linux-arm64',
    // Built into the checkout, where index.js loads it; removed afterwards: npm run package
    // (and its test) packs every addon it finds there.
    addon: 'trust-native.linux-arm64-gnu.node',
    cc: 'aarch64-linux-gnu-gcc',
    qemu: 'qemu-aarch64-static',
    sysroot: '/usr/aarch64-linux-gnu',
    // The files that run npm itself (packing the debug addon alone took 21 minutes under qemu
    // and timed out), semantic-release, or the native tsc (an arm64 binary, not a Node script):
    // minutes each under emulation, more than CI's time allows.
    vitestExclude: files(['package', 'npm-fidelity', 'publish-fidelity', 'api-fidelity', 'dist-tag-fidelity', 'semantic-release', 'typecheck']),
    // --quick, what .ci/run runs: the files that start no process (each start of Node takes
    // seconds under qemu), the JavaScript API against the in-process emulator; not
    // publish-hostile, whose tarballs that inflate to gigabytes outlast vitest's 60 s under qemu.
    vitestQuick: files(['api', 'bulk', 'client', 'declarations', 'doctor-checks', 'figures', 'oidc', 'resilience', 'secrets', 'seed-endpoints', 'trust', 'why']),
  },
  // The core's tests, then the addon and the JavaScript suite, under Wine with Node.js for
  // Windows (its emulator serves the core's integration tests too). The addon is built with
  // mingw-w64 for windows-gnu, which Node's official (MSVC) builds load: see libnode().
  {
    triple: 'x86_64-pc-windows-gnu',
    checks: ['wine'],
    platform: { os: 'win32', cpu: 'x64' },
    node: 'win-x64',
    nodeMajor: 22,
    // What napi build makes, and the name index.js loads under Node's official (MSVC) builds;
    // removed afterwards, as the qemu check's addon.
    built: 'trust-native.win32-x64-gnu.node',
    addon: 'trust-native.win32-x64-msvc.node',
    // Not under Wine, --quick or not: the files that run npm itself, semantic-release,
    // changesets or the native tsc (each start of npm takes seconds under Wine: publish-fidelity
    // alone ran 7 minutes), platforms (it runs bash, which a Windows Node cannot start here) and
    // readme-examples (it links the package into each example's node_modules, and Wine 8 makes
    // no symbolic link nor junction). All of them run on the windows-latest runner (ci.yml).
    vitestExclude: files([
      'api-fidelity', 'dist-tag-fidelity', 'npm-fidelity', 'publish-fidelity', 'pack-cases', 'manifest-cases', 'install-from-emulator', 'package', 'npm-test',
      'semantic-release', 'semantic-release-stage', 'changesets', 'typecheck', 'bin-typecheck', 'platforms', 'readme-examples',
    ]),
    // JavaScript tests Wine cannot run (by the start of their name), and why; each is skipped by
    // name (vitest -t) and said in the output.
    vitestSkips: {
      'trusts a private CA given by NODE_EXTRA_CA_CERTS': "Wine's crypt32 refuses a certificate chain engine with extra roots (E_INVALIDARG)",
      'GitHub Actions through the request-URL protocol, handing the token to the real npm publish': 'it runs npm publish, which takes more than vitest\'s 60 s under Wine',
    },
    // Rust tests Wine cannot run, and why; each is skipped by name and said in the output.
    wineSkips: {
      // rustls-platform-verifier adds NODE_EXTRA_CA_CERTS to Windows' roots with a chain engine
      // of its own (CertCreateCertificateChainEngine with hExclusiveRoot), which Wine's crypt32
      // refuses: "Invalid parameter. (os error -2147024809)".
      node_extra_ca_certs_adds_to_the_system_roots: "Wine's crypt32 refuses a certificate chain engine with extra roots (E_INVALIDARG)",
    },
  },
]

/** The kinds of check: the Debian packages each needs, and what it runs for a target. */
const CHECKS = {
  clippy: { debian: [], run: clippy },
  qemu: { debian: ['gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross', 'qemu-user-static'], run: qemuSuite },
  wine: { debian: ['gcc-mingw-w64-x86-64', 'wine', 'wine64'], run: wineSuite },
}

const { values, positionals } = parseArgs({
  options: { check: { type: 'string' }, quick: { type: 'boolean', default: false }, vitest: { type: 'string', multiple: true, default: [] } },
  allowPositionals: true,
})
const kinds = values.check ? values.check.split(',') : Object.keys(CHECKS)
for (const kind of kinds) if (!CHECKS[kind]) fail(`no check "${kind}"; there are: ${Object.keys(CHECKS).join(', ')}`)
for (const triple of positionals) if (!TARGETS.some((t) => t.triple === triple)) fail(`no target ${triple}; there are: ${TARGETS.map((t) => t.triple).join(', ')}`)
const jobs = TARGETS.filter((t) => !positionals.length || positionals.includes(t.triple)).flatMap((target) =>
  target.checks.filter((kind) => kinds.includes(kind)).map((kind) => ({ target, kind })),
)
if (!jobs.length) fail('nothing to do: no selected target has a selected check')

function fail(message) {
  console.error(`test-targets: ${message}`)
  process.exit(1)
}

/** Environment variable names cargo and the cc crate derive from a triple. */
const envTriple = (triple) => triple.replaceAll('-', '_')

/**
 * One step: the command's output passes through, and is kept to read test counts from. With
 * `viaFile`, the output goes to a file, printed when the command ends: Node.js for Windows under
 * Wine cannot write to a pipe (EBADF), only to a file.
 */
function step(title, command, args, env = {}, { viaFile = false } = {}) {
  console.log(`\n== ${title}\n$ ${[command, ...args].join(' ')}`)
  const started = Date.now()
  const log = join(WORK, 'step.log')
  const fd = viaFile ? openSync(log, 'w') : null
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'] })
    let output = ''
    for (const [from, to] of viaFile ? [] : [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      from.on('data', (chunk) => {
        to.write(chunk)
        output += chunk
      })
    }
    const done = (status) => {
      if (fd !== null) {
        closeSync(fd)
        output = readFileSync(log, 'utf8')
        process.stdout.write(output)
      }
      const seconds = Math.round((Date.now() - started) / 1000)
      console.log(`== ${title}: ${status}, ${seconds} s`)
      resolve({ title, status, seconds, output: output.replace(/\x1b\[[0-9;]*m/g, '') })
    }
    child.on('error', (error) => done(`failed to start (${error.message})`))
    child.on('close', (code, signal) => done(code === 0 ? 'passed' : `failed (exit ${code ?? signal})`))
  })
}

/** The sums of cargo test's `test result:` lines. */
function cargoCounts(output) {
  const sum = { passed: 0, failed: 0, ignored: 0, skipped: 0 }
  for (const [, passed, failed, ignored, filtered] of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; \d+ measured; (\d+) filtered out/g)) {
    sum.passed += Number(passed)
    sum.failed += Number(failed)
    sum.ignored += Number(ignored)
    sum.skipped += Number(filtered)
  }
  return `${sum.passed} passed, ${sum.failed} failed, ${sum.ignored} ignored, ${sum.skipped} skipped by name`
}

/** vitest's `Test Files` and `Tests` summary lines. */
function vitestCounts(output) {
  const line = (name) => output.match(new RegExp(`^\\s*${name}\\s+(.+)$`, 'm'))?.[1].trim()
  return `files: ${line('Test Files') ?? '?'}; tests: ${line('Tests') ?? '?'}`
}

/**
 * A stub C compiler and archiver, in a folder of its own: it writes each output (-o, -Fo, -out:,
 * an ar archive) empty. It is also that folder's `clang`, which goes on the PATH: ring asks for
 * clang by name for aarch64-pc-windows-msvc, whatever CC says. Never the folder's `cc`: the host's
 * build scripts are linked by the `cc` on the PATH, and a stub would leave them empty files.
 */
function stubCompiler() {
  const dir = join(WORK, 'stub-cc')
  rmSync(join(dir, 'cc'), { force: true })
  const path = join(dir, 'stub-cc')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path,
    `#!/bin/sh
# Written by scripts/test-targets.mjs: satisfies build scripts' C compiler and archiver for
# cargo check/clippy, which compile no C that is ever linked.
out=
prev=
for a in "$@"; do
  case "$prev" in -o) out=$a ;; cq*|cr*|rc*) [ -z "$out" ] && out=$a ;; esac
  case "$a" in -Fo*|/Fo*) out=\${a#?Fo} ;; -out:*|/out:*|/OUT:*) out=\${a#*:} ;; esac
  prev=$a
done
if [ -n "$out" ]; then : > "$out"; fi
`,
  )
  chmodSync(path, 0o755)
  rmSync(join(dir, 'clang'), { force: true })
  symlinkSync('stub-cc', join(dir, 'clang'))
  return dir
}

async function clippy(target) {
  const stub = stubCompiler()
  const cc = join(stub, 'stub-cc')
  const env = { [`CC_${envTriple(target.triple)}`]: cc, [`AR_${envTriple(target.triple)}`]: cc, PATH: [stub, process.env.PATH].join(delimiter) }
  return [await step(`${target.triple}: clippy`, 'cargo', ['clippy', '--workspace', '--all-targets', '--target', target.triple, '--', '-D', 'warnings'], env)]
}

/**
 * The target's builds of the native packages installed here (the optional dependencies npm chose
 * by os/cpu/libc: vitest's rolldown, ...), as package-lock.json pins them, fetched and checked like
 * the Node.js builds, linked into a folder for NODE_PATH (the packages load them with require).
 */
function foreignModules({ triple, platform }) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages
  const fits = (entry) => entry?.os?.includes(platform.os) && entry.cpu?.includes(platform.cpu) && (!entry.libc || entry.libc.includes(platform.libc))
  const dir = join(WORK, triple, 'node_modules')
  for (const [path, entry] of Object.entries(lock)) {
    if (!path || !existsSync(join(ROOT, path))) continue
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const build = lock[`node_modules/${name}`]
      const link = join(dir, name)
      if (!fits(build) || existsSync(link)) continue
      mkdirSync(dirname(link), { recursive: true })
      symlinkSync(unpacked({ spec: `${name}@${build.version}`, integrity: build.integrity }), link)
    }
  }
  return dir
}

/**
 * A `node` for the host to run: the target's Node.js under qemu. A preload sets process.execPath
 * to it too, so that the tests' child processes (vitest's forks, the CLI, npm) start it as well.
 */
function qemuNode(target) {
  const binary = join(unpacked(nodeBuild(24, target.node)), 'bin', 'node')
  const bin = join(WORK, target.triple, 'bin')
  mkdirSync(bin, { recursive: true })
  const node = join(bin, 'node')
  writeFileSync(node, `#!/bin/sh\nexec ${target.qemu} -L ${target.sysroot} ${binary} "$@"\n`)
  chmodSync(node, 0o755)
  const preload = join(WORK, target.triple, 'exec-path.cjs')
  writeFileSync(preload, `// Written by scripts/test-targets.mjs: children start this Node under qemu too.\nprocess.execPath = ${JSON.stringify(node)}\n`)
  return {
    node,
    env: { PATH: [bin, join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(delimiter), NODE_OPTIONS: `--require ${preload}`, NODE_PATH: foreignModules(target) },
  }
}

async function qemuSuite(target) {
  const cross = { [`CARGO_TARGET_${envTriple(target.triple).toUpperCase()}_LINKER`]: target.cc, [`CC_${envTriple(target.triple)}`]: target.cc }
  const build = await step(`${target.triple}: cross-build the addon`, 'npx', ['napi', 'build', '--platform', '--target', target.triple], cross)
  if (build.status !== 'passed') return [build, { title: `${target.triple}: vitest under qemu`, status: 'not run (the addon did not build)', seconds: 0 }]
  const { node, env } = qemuNode(target)
  const version = spawnSync(node, ['-p', '`Node.js ${process.version} ${process.platform}-${process.arch}`'], { encoding: 'utf8', env: { ...process.env, ...env } })
  console.log(`\n${target.triple}: ${version.stdout.trim() || version.stderr.trim()}`)
  const part = values.quick ? target.vitestQuick : [...target.vitestExclude.flatMap((file) => ['--exclude', file]), ...values.vitest]
  const suite = await step(`${target.triple}: vitest under qemu`, node, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...part], env)
  rmSync(join(ROOT, target.addon))
  return [build, { ...suite, counts: vitestCounts(suite.output) }]
}

/** Wine's settings, in a prefix of its own that says Windows 10 (Node.js refuses older ones). */
function wineEnv() {
  const env = {
    ...process.env,
    WINEPREFIX: join(WORK, 'wine'),
    WINEDEBUG: '-all',
    // No Mono or Gecko install prompts: nothing here needs .NET or a browser engine.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
  }
  if (!existsSync(join(env.WINEPREFIX, 'system.reg'))) {
    mkdirSync(WORK, { recursive: true })
    console.log(`\n== a Wine prefix in ${env.WINEPREFIX} (Windows 10)`)
    spawnSync('wine', ['winecfg', '-v', 'win10'], { env, stdio: 'inherit' })
  }
  prngDll(join(env.WINEPREFIX, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'))
  return env
}

/**
 * Rust's standard library (1.78 and later) draws random numbers from ProcessPrng in
 * bcryptprimitives.dll, which Wine 8 (Debian 12's) does not have: every Rust program stops
 * before main (exit 53). This one, built with mingw-w64, answers it from RtlGenRandom.
 */
function prngDll(dll) {
  if (existsSync(dll)) return
  const source = join(WORK, 'bcryptprimitives.c')
  writeFileSync(
    source,
    `// Written by scripts/test-targets.mjs: ProcessPrng for Wine 8, from RtlGenRandom.
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length) {
    ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    length -= n;
  }
  return TRUE;
}
`,
  )
  const built = spawnSync('x86_64-w64-mingw32-gcc', ['-shared', '-O2', '-o', dll, source, '-ladvapi32'], { stdio: 'inherit' })
  if (built.status !== 0) fail(`could not build ${dll} (x86_64-w64-mingw32-gcc)`)
}

/** The target's Node.js for Windows, from the registry. */
const windowsNode = (target) => join(unpacked(nodeBuild(target.nodeMajor, target.node)), 'bin', 'node.exe')

/**
 * napi-build links a windows-gnu addon with `-lnode`, and wants a `libnode.dll` to be there (a
 * Node.js built with mingw-w64 as a shared library would have one). The addon takes its N-API
 * functions from the process at run time (napi's `dyn-symbols`), so it needs nothing of that
 * library: an import library for node.exe with no function the addon uses satisfies the link,
 * and `libnode.dll` (the same bytes) napi-build's check. ld finds `libnode.dll.a` first.
 */
function libnode() {
  const dir = join(WORK, 'libnode')
  mkdirSync(dir, { recursive: true })
  const def = join(dir, 'node.def')
  writeFileSync(def, 'LIBRARY node.exe\nEXPORTS\n  napi_module_register\n')
  const made = spawnSync('x86_64-w64-mingw32-dlltool', ['-d', def, '-l', join(dir, 'libnode.dll.a')], { stdio: 'inherit' })
  if (made.status !== 0) fail('could not make the import library for node.exe (x86_64-w64-mingw32-dlltool)')
  writeFileSync(join(dir, 'libnode.dll'), readFileSync(join(dir, 'libnode.dll.a')))
  return dir
}

/** A path of this machine as Windows programs under Wine see it (drive Z: is /). */
const windowsPath = (path) => `Z:${path.replaceAll('/', '\\')}`

/**
 * What Node.js for Windows needs under Wine: the Windows builds of vitest's native packages
 * (NODE_PATH), and a preload for a fault of Wine 8's sockets: keep-alive set on a socket that is
 * still connecting fails its connect (libuv's uv_tcp_keepalive; "connect UNKNOWN"), which is
 * what fetch (undici) and npm's agent do. The preload sets it once connected, the order
 * Windows itself accepts either way; the addon's own connections (Rust) never meet it.
 */
function wineNodeEnv(target) {
  const preload = join(WORK, 'wine-keepalive.cjs')
  writeFileSync(
    preload,
    `// Written by scripts/test-targets.mjs: keep-alive once connected (Wine 8).
const { Socket } = require('node:net')
const setKeepAlive = Socket.prototype.setKeepAlive
Socket.prototype.setKeepAlive = function (...args) {
  if (!this.connecting) return setKeepAlive.apply(this, args)
  this.once('connect', () => setKeepAlive.apply(this, args))
  return this
}
`,
  )
  return { NODE_PATH: windowsPath(foreignModules(target)), NODE_OPTIONS: `--require ${windowsPath(preload)}` }
}

async function wineSuite(target) {
  const wine = wineEnv()
  const node = windowsNode(target)
  // The integration tests start the registry emulator with the `node` on the (Windows) PATH.
  const env = { ...wine, WINEPATH: dirname(node), [`CARGO_TARGET_${envTriple(target.triple).toUpperCase()}_RUNNER`]: 'wine' }
  const skips = Object.entries(target.wineSkips ?? {})
  for (const [test, why] of skips) console.log(`== skipped under Wine: ${test}: ${why}`)
  const args = ['test', '-p', 'trust-native-core', '--no-fail-fast', '--target', target.triple, '--', ...skips.flatMap(([test]) => ['--skip', test])]
  const tests = await step(`${target.triple}: core tests under Wine`, 'cargo', args, env)
  const results = [{ ...tests, counts: cargoCounts(tests.output) }]

  const build = await step(`${target.triple}: build the addon`, 'npx', ['napi', 'build', '--platform', '--target', target.triple], { LIBNODE_PATH: libnode() })
  results.push(build)
  if (build.status !== 'passed') return [...results, { title: `${target.triple}: vitest under Wine`, status: 'not run (the addon did not build)', seconds: 0 }]
  renameSync(join(ROOT, target.built), join(ROOT, target.addon))
  try {
    const version = spawnSync('wine', [node, '--version'], { encoding: 'utf8', env: wine })
    console.log(`\n${target.triple}: Node.js for Windows ${version.stdout.trim() || version.stderr.trim()} under ${spawnSync('wine', ['--version'], { encoding: 'utf8' }).stdout.trim()}`)
    const skips = Object.entries(target.vitestSkips)
    for (const [test, why] of skips) console.log(`== skipped under Wine: ${test}: ${why}`)
    // vitest runs the tests whose full name (the describe's, then the test's) the pattern matches.
    const pattern = `^(?!.*(${skips.map(([test]) => test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}))`
    // Wine 8 fails a process spawn now and then (`spawn UNKNOWN`: once, in cli.test, in three
    // runs of .ci/run on one commit): a test that fails runs once more here. The Linux run, which
    // retries nothing, is where a test's verdict is made.
    const part = [...target.vitestExclude.flatMap((file) => ['--exclude', file]), '-t', pattern, '--retry', '1', ...values.vitest]
    const suite = await step(`${target.triple}: vitest under Wine`, 'wine', [node, join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...part], { ...wine, ...wineNodeEnv(target) }, { viaFile: true })
    results.push({ ...suite, counts: vitestCounts(suite.output) })
  } finally {
    rmSync(join(ROOT, target.addon))
  }
  return results
}

/** The rustup targets and Debian packages the jobs need: added, or why they cannot be. */
function install() {
  const triples = [...new Set(jobs.map((j) => j.target.triple))]
  const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
  if (installed.status !== 0) fail(`rustup is needed to add the targets ${triples.join(', ')}`)
  const missingTargets = triples.filter((t) => !installed.stdout.split('\n').includes(t))
  if (missingTargets.length) {
    console.log(`== rustup target add ${missingTargets.join(' ')}`)
    if (spawnSync('rustup', ['target', 'add', ...missingTargets], { stdio: 'inherit' }).status !== 0) fail('rustup target add failed')
  } else console.log(`== rustup targets present: ${triples.join(', ')}`)

  const packages = [...new Set(jobs.flatMap((j) => CHECKS[j.kind].debian))]
  const isInstalled = (pkg) => spawnSync('dpkg-query', ['-W', '-f', '${Status}', pkg], { encoding: 'utf8' }).stdout?.endsWith('install ok installed')
  const missing = packages.filter((p) => !isInstalled(p))
  if (!missing.length) {
    if (packages.length) console.log(`== Debian packages present: ${packages.join(', ')}`)
    return
  }
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
    fail(`missing Debian packages: ${missing.join(', ')}. Install them (as root: ${command}), or choose other checks with --check.`)
  }
  console.log(`== ${command}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    if (spawnSync('apt-get', args, { stdio: 'inherit', env }).status !== 0) fail(`apt-get ${args[0]} failed`)
  }
}

const started = Date.now()
install()
const results = []
for (const { target, kind } of jobs) results.push(...(await CHECKS[kind].run(target)))

console.log(`\ntest-targets (${Math.round((Date.now() - started) / 1000)} s):`)
for (const { title, status, seconds, counts } of results) console.log(`  ${title}: ${status}, ${seconds} s${counts ? ` (${counts})` : ''}`)
process.exitCode = results.every((r) => r.status === 'passed') ? 0 : 1
