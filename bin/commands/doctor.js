// @ts-check
'use strict'

// `trust-native doctor`: in CI, the job's id_token, the publisher it needs, and the exchange.

const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const tn = require('../..')
const { changeAdvice, compareDeclared, declaredByPackage, describeDeclared } = require('../declared.js')
const { provenanceFindings, publisherFindings, setupNodeFindings } = require('../doctor-checks.js')
const { EXIT, UsageError, describeError } = require('../cli/errors.js')
const { COMMON, common } = require('../cli/flags.js')
const { count, err, out, printable, warn } = require('../cli/output.js')
const { configureCommand } = require('../cli/providers.js')

/**
 * @typedef {{ severity: string, message: string }} Finding
 * @typedef {import('../../index').IdToken} IdToken
 */

/**
 * The job's id_token, the publisher it needs, then each package's part (doctorPackage); with
 * --json, the report. Exit 1 on an error finding or a refused exchange.
 * @param {import('../cli/flags.js').Values} values
 * @param {string | undefined} given
 */
async function doctor(values, given) {
  if (given && values.workspaces) throw new UsageError('Name one package, or pass --workspaces for each of the workspace: not both.')
  /** @type {Record<string, unknown>} */
  const report = {}
  /** @param {string} line */
  const print = (line) => { if (!values.json) out(line) }
  const cwd = process.cwd()
  const config = await tn.resolveConfig({ ...common(values), ...(given && { package: given }) })
  // The package doctor is about: the one named, else package.json's, which must be publishable.
  if (!given && !values.workspaces) refusePrivate(cwd, config.package)
  const targets = values.workspaces
    ? (await tn.discoverWorkspacePackages(cwd)).packages.map((p) => ({ name: p.name, dir: p.path }))
    : [{ name: config.package, dir: cwd }]
  const registryHost = new URL(config.registry).hostname
  const audience = `npm:${registryHost}`
  print(`Registry: ${config.registry} (${values.registry ? '--registry' : config.registrySource})`)
  // Before the id_token: the .npmrc line npm falls back to matters without one too.
  const npmrcFindings = setupNodeFindings(config)
  // A token line is said once: by its finding when there is one (the note and the exchange's
  // warning say the same of it), else by this note.
  if (config.token && !npmrcFindings.length) print(`Note: an npm token is configured (${config.tokenSource}). npm 11.5.1 and later try OIDC first and fall back to it when the exchange fails, so a refused exchange then shows up as a 401 or 404 for this token: the exchange below says why it failed.`)
  for (const f of npmrcFindings) print(`${f.severity}: ${printable(f.message)}`)
  /** The token lines already said: `//host/:_authToken`. */
  const said = npmrcFindings.map((f) => String(f.actual).split('=')[0])
  /** @type {IdToken} */
  let idToken
  try {
    idToken = await tn.getIdToken({ audience })
  } catch (thrown) {
    const error = /** @type {import('../cli/errors.js').Failure} */ (thrown)
    report.idToken = { code: error.code, message: error.message }
    report.findings = npmrcFindings
    if (values.json) out(JSON.stringify(report, null, 2))
    else err(`No id_token: ${error.code} ${describeError(error, targets[0]?.name)}`)
    return EXIT.failed
  }
  const { token, ...visible } = idToken
  report.idToken = visible
  const claims = Object.entries(idToken.claims)
    .filter(([key]) => !['jti', 'iat', 'nbf'].includes(key))
    .map(([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
  print(`id_token from ${idToken.source} (${idToken.provider ?? 'unknown provider'}), ${expiry(idToken.expiresAt)}`)
  print('Claims:')
  print(claims.join('\n'))
  const diagnosis = tn.diagnoseTrust({ claims: idToken.claims, publishers: [], audience })
  report.needs = diagnosis.suggestion
  // The job's own findings (the token, the runner, the npm on PATH), once for every package.
  /** @type {Finding[]} */
  const jobFindings = [...npmrcFindings, ...diagnosis.findings.filter((f) => f.kind !== 'none'), ...publisherFindings(cwd)]
  for (const f of jobFindings.slice(npmrcFindings.length)) print(`${f.severity}: ${printable(f.message)}`)
  const packages = []
  for (const { name, dir } of targets) {
    if (values.workspaces) print(`\n${name}:`)
    packages.push(await doctorPackage(values, print, { name, dir, idToken, diagnosis, audience, said }))
  }
  if (values.workspaces) {
    report.findings = jobFindings
    report.packages = packages
  } else {
    const { declared, findings, exchange } = packages[0]
    Object.assign(report, declared && { declared }, { findings: [...jobFindings, ...findings], exchange })
  }
  if (values.json) out(JSON.stringify(report, null, 2))
  // A CI gate: an error finding fails even when this exchange went through (the registry may
  // refuse the publish, e.g. from a self-hosted runner).
  const errors = [...jobFindings, ...packages.flatMap((p) => p.findings)].some((f) => f.severity === 'error')
  return packages.every((p) => p.exchange.ok) && !errors ? EXIT.ok : EXIT.failed
}

/**
 * One package's part of doctor: the publisher the job needs for it, its declared publishers
 * compared with the job, its package.json against provenance, and the exchange for it.
 * @param {import('../cli/flags.js').Values} values
 * @param {(line: string) => void} print
 * @param {{ name: string | undefined, dir: string, idToken: IdToken, diagnosis: import('../../index').Diagnosis, audience: string, said: string[] }} job
 */
async function doctorPackage(values, print, { name, dir, idToken, diagnosis, audience, said }) {
  const declared = await declaredComparison(dir, name, idToken.claims, audience)
  // A declared publisher of the job's own workflow that differs in a value: that value is to
  // change, not another publisher to add.
  if (diagnosis.suggestion && !declared?.change) {
    const { type, ...options } = diagnosis.suggestion
    print('This job needs a trusted publisher like:')
    print(`  ${configureCommand('trust-native', String(type), name, options)}`)
  }
  let shown
  if (declared) {
    const { lines, ...rest } = declared
    shown = rest
    for (const line of lines) print(printable(line))
  }
  /** @type {Finding[]} */
  const findings = provenanceFindings(dir, idToken.claims)
  for (const f of findings) print(`${f.severity}: ${printable(f.message)}`)
  let exchange
  try {
    const exchanged = await tn.exchangeToken({ ...(values.registry && { registry: values.registry }), ...(name && { package: name }), idToken: idToken.token, cwd: dir })
    exchange = { ok: true, package: exchanged.package, expires: exchanged.expires, warnings: exchanged.warnings }
    // The registry's answer is `{ token }`; an expiry is shown only when it says one.
    print(`Exchange: ok, an npm token for ${exchanged.package}${exchanged.expires ? ` until ${exchanged.expires}` : ''}`)
    for (const w of exchanged.warnings.filter((w) => !said.some((key) => w.startsWith(`${key} in `)))) warn(w)
  } catch (thrown) {
    const error = /** @type {import('../cli/errors.js').Failure} */ (thrown)
    exchange = { ok: false, code: error.code, message: describeError(error, name) }
    print(`Exchange: FAILED ${error.code}`)
    print(describeError(error, name))
  }
  return { package: name, ...(shown && { declared: shown }), findings, exchange }
}

/** A command about package.json's package, run where that package is private (a monorepo's root). */
/** @param {string} cwd @param {string | undefined} pkg */
function refusePrivate(cwd, pkg) {
  const path = join(cwd, 'package.json')
  let manifest
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return
  }
  if (manifest?.private === true) {
    throw new UsageError(`${pkg ?? 'The package here'} is private (package.json "private": true): it is never published, so there is nothing to check for it. Name the package: trust-native doctor <package>, or run it in a package's folder.`)
  }
}

/** The trust.json that applies in `cwd`: its own, else the workspace root's (where plan and apply run). */
/** @param {string} cwd */
async function findTrustJson(cwd) {
  if (existsSync(join(cwd, 'trust.json'))) return { path: join(cwd, 'trust.json'), where: '' }
  const root = await tn.discoverWorkspacePackages(cwd).then((w) => w.root, () => undefined)
  const path = root && join(root, 'trust.json')
  return path && existsSync(path) ? { path, where: ' at the workspace root' } : undefined
}

/**
 * The job's id_token compared with every publisher the trust.json that applies declares for
 * `pkg`: the one it matches, or the closest one's differences, what to change when it is the
 * job's own workflow, and which others there are, each named once. Nothing without a trust.json
 * naming the package. (What the registry has may differ from what the repository declares: the
 * exchange says which counts.)
 * @param {string} cwd
 * @param {string | undefined} pkg
 * @param {Record<string, unknown>} claims
 * @param {string} audience
 */
async function declaredComparison(cwd, pkg, claims, audience) {
  const found = pkg && await findTrustJson(cwd)
  if (!found) return undefined
  const specs = (await declaredByPackage(found.path, 'trust.json')).get(pkg) ?? []
  if (!specs.length) return undefined
  const { matched: match, closest: nearest, differences, others, change } = compareDeclared(specs, claims, audience)
  // The job is the closest one when only the permission differs: it may stage, say, not publish
  // (doctor does not know which the job runs).
  const onlyPermission = !match && differences.length > 0 && differences.every((f) => f.kind === 'permission')
  const matched = match ?? (onlyPermission ? nearest : undefined)
  if (matched) {
    const findings = onlyPermission ? differences : []
    return {
      count: specs.length, matched: matched.label, closest: null, findings,
      lines: [`trust.json declares this job's trusted publisher: ${describeDeclared(matched)}`, ...findings.map((f) => `  ${f.message}`)],
    }
  }
  return {
    count: specs.length, matched: null, closest: nearest?.label ?? null, findings: differences, change,
    lines: [
      `trust.json declares ${count(specs.length, 'trusted publisher')} for ${pkg}; none is this job:`,
      ...(nearest ? [`  The ${others.length ? 'closest ' : ''}declared publisher is ${describeDeclared(nearest)}:`, ...differences.map((f) => `    ${f.message}`)] : []),
      ...(change ? [`  It is this job's workflow file: ${changeAdvice(differences, `trust.json${found.where}`, ' and run `trust-native apply --config trust.json --replace` there')}.`] : []),
      ...(others.length ? [`  The other${others.length === 1 ? '' : 's'}: ${others.map(describeDeclared).join('; ')}.`] : []),
    ],
  }
}

/** When an id_token expires, from its `exp` (seconds), which may be missing or out of range. */
/** @param {unknown} exp */
function expiry(exp) {
  const date = new Date(typeof exp === 'number' ? exp * 1000 : Number.NaN)
  return Number.isNaN(date.getTime()) ? 'no valid expiry (exp)' : `expires ${date.toISOString()}`
}

/** @type {import('../cli/flags.js').Command} */
module.exports = {
  usage: 'trust-native doctor [package | --workspaces] [--registry <url>]',
  summary: 'In CI: show the id_token\'s claims, the trusted publisher this job needs, and try the exchange',
  flags: { ...COMMON, workspaces: { type: 'boolean', help: 'Each publishable package of the workspace (default: package.json\'s package)' } },
  async run(values, [pkg]) {
    return doctor(values, pkg)
  },
}
