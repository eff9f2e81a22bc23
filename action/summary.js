'use strict'

// The job summary (Markdown), the `published` output and the error annotations, from doctor's
// report and the command's JSON answer.

/** The claims a trusted publisher is matched on, in the order a reader checks them. */
const CLAIMS = ['repository', 'workflow_ref', 'job_workflow_ref', 'ref', 'environment', 'repository_visibility', 'runner_environment', 'sub', 'project_path', 'ci_config_ref_uri', 'oidc.circleci.com/vcs-origin']

/** A table cell: one line, pipes escaped. */
const cell = (value) => String(value ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')

const code = (text) => `\`${String(text).replace(/`/g, "'")}\``

/** The page of a version: npm's website for the public registry, else the registry's document. */
function link(result) {
  const url = new URL(result.request?.url ?? 'https://registry.npmjs.org/')
  if (url.hostname === 'registry.npmjs.org') return `https://www.npmjs.com/package/${result.package}/v/${result.version}`
  return `${url.origin}/${result.package.replace('/', '%2f')}`
}

/** A publish result's status: the workspace release says it; a single publish's result is a version. */
const statusOf = (r) => r.status ?? (r.dryRun ? 'dryRun' : r.staged ? 'staged' : 'published')

function provenanceOf(r) {
  if (!r.provenance) return ''
  if (r.provenance.url) return `[attached](${r.provenance.url})`
  return r.provenance.reason ?? ''
}

/** `trust-native github <package> --repository acme/mono --file release.yml`, from doctor's `needs`. */
function needsCommand(needs, pkg = '<package>') {
  const { type, ...options } = needs
  const flag = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  return ['trust-native', type, pkg, ...Object.entries(options).map(([k, v]) => `--${flag(k)} ${[].concat(v).join(' ')}`)].join(' ')
}

function idTokenSection(report) {
  const lines = []
  if (!report.idToken) return lines
  if (!report.idToken.claims) {
    lines.push(`**No id_token:** ${cell(report.idToken.message)}`, '')
    return lines
  }
  const claims = report.idToken.claims
  lines.push(`<details><summary>This job's id_token (${cell(report.idToken.provider ?? report.idToken.source)})</summary>`, '', '| Claim | Value |', '| --- | --- |')
  for (const key of CLAIMS.filter((k) => claims[k] !== undefined)) lines.push(`| ${key} | ${cell(typeof claims[key] === 'object' ? JSON.stringify(claims[key]) : claims[key])} |`)
  lines.push('', '</details>', '')
  if (report.needs) lines.push(`The trusted publisher this job needs: ${code(needsCommand(report.needs, report.packages ? '<package>' : report.exchange?.package))}`, '')
  return lines
}

/**
 * `{ markdown, published, failures }` for `command`, given doctor's `report` and the
 * command's JSON `answer` (doctor's own report for `doctor`).
 */
function describeRun(command, report, answer) {
  const lines = [`## trust-native ${command}`, '', ...idTokenSection(report)]
  const findings = [...(report.findings ?? []), ...(report.packages ?? []).flatMap((p) => (p.findings ?? []).map((f) => ({ ...f, message: `${p.package}: ${f.message}` })))]
  for (const f of findings.filter((f) => f.severity !== 'info')) lines.push(`- **${f.severity}**: ${cell(f.message)}`)
  if (findings.length) lines.push('')
  const failures = []
  let published = []

  if (command === 'doctor') {
    const exchanges = report.packages ?? (report.exchange ? [{ package: report.exchange.package, exchange: report.exchange }] : [])
    if (exchanges.length) lines.push('| Package | Exchange |', '| --- | --- |')
    for (const p of exchanges) {
      lines.push(`| ${cell(p.package ?? p.exchange.package)} | ${p.exchange.ok ? 'ok' : `FAILED ${cell(p.exchange.code)}: ${cell(p.exchange.message)}`} |`)
      if (!p.exchange.ok) failures.push(`${p.package}: ${p.exchange.code} ${p.exchange.message}`)
    }
  } else if (command === 'exchange') {
    if (answer?.error) failures.push(`${answer.error.code} ${answer.error.message}`)
    else if (answer) lines.push(`An npm token for ${code(answer.package)} through trusted publishing${answer.expires ? `, until ${answer.expires}` : ''}${answer.npmrc ? `, written to ${code(answer.npmrc.path)} (removed when the job ends)` : ''}.`)
  } else {
    const results = Array.isArray(answer) ? answer : []
    if (answer?.error) failures.push(`${answer.error.code} ${answer.error.message}`)
    const done = results.filter((r) => ['published', 'staged'].includes(statusOf(r)))
    published = done.map((r) => ({ name: r.package, version: r.version, tag: r.tag, status: statusOf(r), ...(r.stageId && { stageId: r.stageId }), ...(r.provenance?.url && { provenance: r.provenance.url }) }))
    if (results.length) lines.push('| Package | Version | Result | Provenance |', '| --- | --- | --- | --- |')
    for (const r of results) {
      const status = statusOf(r)
      const name = r.package ?? r.target
      const shown = status === 'published' ? `[${r.version}](${link(r)})` : cell(r.version ?? '')
      const what = status === 'staged' ? `staged (${code(r.stageId)}), tag ${cell(r.tag)}`
        : status === 'published' ? `published, tag ${cell(r.tag)}`
        : status === 'failed' ? `**failed** ${cell(r.error?.code)}: ${cell(r.error?.message)}`
        : `${cell(status)}${r.reason ? `: ${cell(r.reason)}` : ''}`
      lines.push(`| ${cell(name)} | ${shown} | ${what} | ${cell(status === 'published' ? provenanceOf(r) : '')} |`)
      if (status === 'failed') failures.push(`${name}: ${r.error?.code} ${r.error?.message}`)
      if (status === 'left') failures.push(`${name}: ${r.reason}`)
    }
    if (published.some((p) => p.status === 'staged')) lines.push('', `A maintainer publishes the staged versions with one 2FA: ${code('npx trust-native stage approve --workspaces')} (or ${code('stage approve <id>')} for one).`)
  }
  return { markdown: lines.join('\n'), published, failures }
}

module.exports = { describeRun }
