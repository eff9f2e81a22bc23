'use strict'

// What main.js throws when the native addon cannot be loaded: the platform (as the platform
// packages name it: linux-x64-musl, darwin-arm64, win32-x64-msvc, ...), the package that should
// have provided the addon, and what to do. Only loaded on that failure.

const { readFileSync } = require('node:fs')
const { dirname } = require('node:path')

const manifest = require('./package.json')

/** musl or glibc, decided as the generated loader (index.js) decides it. */
function isMusl() {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    // no ldd to read: ask Node's own report
  }
  try {
    const report = process.report && process.report.getReport()
    if (report && report.header) return !report.header.glibcVersionRuntime
  } catch {
    // no report either
  }
  return false
}

/** `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`, `freebsd-x64`, ... */
function platformKey({ platform, arch, musl }) {
  if (platform === 'linux') {
    const abi = arch === 'arm' ? (musl ? 'musleabihf' : 'gnueabihf') : musl ? 'musl' : 'gnu'
    return `linux-${arch}-${abi}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** `https://github.com/owner/repo` from package.json's `repository`, if it says. */
function repositoryUrl(repository) {
  const url = typeof repository === 'string' ? repository : repository && repository.url
  if (!url) return null
  const github = url.match(/^github:(.+)$/) || url.match(/^([\w.-]+\/[\w.-]+)$/)
  if (github) return `https://github.com/${github[1]}`
  return url.replace(/^git\+/, '').replace(/\.git$/, '')
}

/** What this process runs on and what this copy of the package knows. */
function currentFacts() {
  return {
    platform: process.platform,
    arch: process.arch,
    musl: process.platform === 'linux' && isMusl(),
    node: process.version,
    name: manifest.name,
    version: manifest.version,
    repository: repositoryUrl(manifest.repository),
    // A published package lists its platform packages as optionalDependencies; a source
    // checkout has none (there the addon is built next to this file).
    platformPackages: Object.keys(manifest.optionalDependencies || {}),
    installed(name) {
      try {
        const path = require.resolve(`${name}/package.json`, { paths: [__dirname] })
        return { dir: dirname(path), version: JSON.parse(readFileSync(path, 'utf8')).version }
      } catch {
        return null
      }
    },
  }
}

/** The messages of an error and its `cause` chain (the generated loader chains its attempts). */
function messages(error) {
  const seen = []
  for (let e = error, depth = 0; e && depth < 20; e = e.cause, depth++) {
    seen.push(String((e && e.message) || e).split('\n')[0])
  }
  return seen
}

/**
 * The error to throw for `error`, a failure of the generated loader. Errors that are not a
 * failure to find or load the addon come back unchanged. `facts` is for tests.
 */
function explainBindingFailure(error, facts = currentFacts()) {
  if (!/native binding/i.test(String(error && error.message))) return error
  const key = platformKey(facts)
  const pkg = `${facts.name}-${key}`
  const libc = facts.platform === 'linux' ? (facts.musl ? ', musl libc' : ', glibc') : ''
  const where = facts.repository ? `a clone of ${facts.repository}` : `a clone of ${facts.name}'s repository`
  const fromSource = `build it from source (needs a Rust toolchain): in ${where}, run \`npm install\` and \`npm run build\`, then \`npm install <that folder>\``
  const lines = [`${facts.name} could not load its native addon for ${key} (Node.js ${facts.node}, ${facts.platform} ${facts.arch}${libc}).`]
  const prebuilt = facts.platformPackages.map((p) => p.slice(facts.name.length + 1))
  const found = facts.platformPackages.length ? facts.installed(pkg) : null
  if (!facts.platformPackages.length) {
    lines.push(
      `This is a source checkout: the addon (${facts.name}.${key}.node) is built here, not installed. Run \`npm run build\` (or \`npx napi build --platform\` for a debug build).`,
      `(An installed ${facts.name} gets it from the package ${pkg}.)`,
    )
  } else if (!prebuilt.includes(key)) {
    lines.push(
      `${facts.name} ${facts.version} has no prebuilt addon for ${key}; the platform packages are for ${prebuilt.join(', ')}.`,
      `To use it here, ${fromSource}.`,
    )
  } else if (found) {
    const failures = messages(error).filter((m) => !/native binding|^Cannot find module/i.test(m))
    lines.push(
      `The addon comes in the package ${pkg}, which is installed (${found.dir}, version ${found.version}) but did not load${failures.length ? `: ${failures[0]}` : '.'}`,
    )
    if (found.version !== facts.version) {
      lines.push(`It should be version ${facts.version}, the version of ${facts.name}.`)
    }
    lines.push(
      'To fix it, one of:',
      `  - delete node_modules and package-lock.json, then run \`npm install\` again;`,
      `  - ${fromSource}.`,
    )
  } else {
    lines.push(
      `The addon comes in the package ${pkg}@${facts.version}, an optional dependency of ${facts.name}, and it is not installed.`,
      'To fix it, one of:',
      '  - if you installed with --no-optional or --omit=optional (or omit=optional in .npmrc), install again without it;',
      '  - if node_modules or package-lock.json were made on another platform (another OS, CPU or libc: copied into a container, a lock file from a Mac), delete node_modules and package-lock.json and run `npm install` again (npm does not add another platform\'s optional package to an existing lock file: https://github.com/npm/cli/issues/4828);',
      `  - ${fromSource}.`,
    )
  }
  const explained = new Error(lines.join('\n'))
  explained.code = 'EBINDING'
  explained.platform = key
  explained.package = pkg
  explained.cause = error
  return explained
}

module.exports = { explainBindingFailure, platformKey, currentFacts }
