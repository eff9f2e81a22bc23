'use strict'

// Package tarballs, served where a version's `dist.tarball` points, so that `npm install` from
// the emulator works: at the registry's `/<name>/-/<unscoped name>-<version>.tgz` (a scoped
// name in one segment or two) and at the URL npm's publish writes for a scoped package,
// `/<name>/-/<name>-<version>.tgz` (the registry rewrites it; the emulator keeps the manifest
// as published). A version keeps the tarball its publish carried
// (or its approved staging); a seeded version has none.

const { Reply } = require('./http.js')

/** The tarball of a publish's packument: its attachment that is not a `.sigstore` bundle. */
function fromAttachments(attachments) {
  const [, tarball] = Object.entries(attachments).find(([file, a]) => !file.endsWith('.sigstore') && typeof a?.data === 'string') ?? []
  return tarball && Buffer.from(tarball.data, 'base64')
}

/** `GET /<name>/-/<file>`: the bytes of the version whose file name it is. */
function serve(state, name, file) {
  const pkg = state.packages.get(name)
  const unscoped = name.split('/').pop()
  for (const [version, bytes] of pkg?.tarballs ?? []) {
    if ((file === `${unscoped}-${version}.tgz` || file === `${name}-${version}.tgz`) && pkg.versions.has(version)) {
      return new Reply(200, [['content-type', 'application/octet-stream']], bytes)
    }
  }
  return Reply.json(404, { error: 'Not found' })
}

/** The routes, for the registry's table (before the packument's `:name`). */
const routes = (state) => [
  ['GET', ':name/-/:file', ({ name, file }) => serve(state, name, file)],
  ['GET', ':scope/:name/-/:file', ({ scope, name, file }) => scoped(state, scope, name, file)],
  ['GET', ':scope/:name/-/:fileScope/:file', ({ scope, name, fileScope, file }) => scoped(state, scope, name, `${fileScope}/${file}`)],
]

const scoped = (state, scope, name, file) => (scope.startsWith('@') ? serve(state, `${scope}/${name}`, file) : Reply.json(404, { error: 'Not found' }))

module.exports = { fromAttachments, routes }
