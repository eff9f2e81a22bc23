'use strict'

// The bulk advisories endpoint `npm audit` posts to: `{ name: [version, ...] }` in (gzipped or
// not), the seeded advisories of each package whose versions include one of those out. No
// token is needed.

const { Reply } = require('./http.js')

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

function bulk(state, request) {
  const body = request.json()
  if (!isObject(body) || !Object.values(body).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
    return Reply.message(400, 'Request body must map package names to arrays of versions')
  }
  const answer = {}
  for (const [name, versions] of Object.entries(body)) {
    const found = state.advisories
      .filter((a) => a.package === name && a.versions.some((v) => versions.includes(v)))
      .map(({ id, url, title, severity, vulnerable_versions, cwe = [], cvss }) => ({
        id,
        url: url ?? `https://github.com/advisories/GHSA-${id}`,
        title,
        severity,
        vulnerable_versions,
        cwe,
        cvss: cvss ?? { score: 0, vectorString: null },
      }))
    if (found.length) answer[name] = found
  }
  return Reply.json(200, answer)
}

module.exports = { bulk }
