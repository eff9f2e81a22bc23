'use strict'

// Search, `GET /-/v1/search`: every word of `text` must be in a public package's name,
// description or keywords (`keywords:x` in its keywords); results ranked by the weighted
// quality, popularity and maintenance scores (seeded per package), paged with `size` and `from`.

const { Reply } = require('./http.js')

/** A query parameter as a number in `[min, max]`, its default when absent, NaN when invalid. */
function param(request, name, fallback, min, max) {
  const raw = request.queryParam(name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  return raw.trim() !== '' && n >= min && n <= max ? n : NaN
}

function matches(name, pkg, word) {
  const keywords = pkg.keywords.map((k) => k.toLowerCase())
  if (word.startsWith('keywords:')) return word.slice(9).split(',').some((k) => keywords.includes(k))
  return name.toLowerCase().includes(word) || (pkg.description ?? '').toLowerCase().includes(word) || keywords.includes(word)
}

function search(state, request) {
  const text = (request.queryParam('text') ?? '').trim().toLowerCase()
  if (!text) return Reply.message(400, 'text is required')
  const size = param(request, 'size', 20, 1, 250)
  const from = param(request, 'from', 0, 0, Number.MAX_SAFE_INTEGER)
  const weights = ['quality', 'popularity', 'maintenance'].map((w, i) => param(request, w, [0.65, 0.98, 0.5][i], 0, 1))
  if ([size, from, ...weights].some(Number.isNaN) || !Number.isInteger(size) || !Number.isInteger(from)) {
    return Reply.message(400, 'size must be 1 to 250, from 0 or more, weights 0 to 1')
  }
  const total = weights.reduce((a, b) => a + b, 0)
  const words = text.split(/\s+/)
  const found = []
  for (const [name, pkg] of state.packages) {
    if (pkg.access !== 'public' || !words.every((w) => matches(name, pkg, w))) continue
    const detail = { quality: pkg.score.quality, popularity: pkg.score.popularity, maintenance: pkg.score.maintenance }
    const final = total ? (detail.quality * weights[0] + detail.popularity * weights[1] + detail.maintenance * weights[2]) / total : 0
    const version = pkg.distTags.latest
    found.push({
      package: {
        name,
        ...(name.startsWith('@') ? { scope: name.slice(1, name.indexOf('/')) } : { scope: 'unscoped' }),
        ...(version && { version }),
        ...(pkg.description !== undefined && { description: pkg.description }),
        keywords: pkg.keywords,
        links: { npm: `https://www.npmjs.com/package/${name}` },
        publisher: pkg.maintainers.length ? { username: pkg.maintainers[0] } : undefined,
        maintainers: pkg.maintainers.map((username) => ({ username })),
      },
      score: { final, detail },
      searchScore: final,
    })
  }
  found.sort((a, b) => b.score.final - a.score.final || (a.package.name < b.package.name ? -1 : 1))
  return Reply.json(200, { objects: found.slice(from, from + size), total: found.length, time: new Date().toUTCString() })
}

module.exports = { search }
