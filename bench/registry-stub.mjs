// A minimal registry stand-in for bench/per-call.mjs, in a process of its own so that its CPU
// is not counted in the measured client's event loop. Plain node:http, keep-alive on.
//
// Answers `GET /-/package/<name>/trust` with 200 and one GitHub trust configuration when the
// request carries `authorization: Bearer <token>` (401 otherwise); anything else is 404.
// Configuration comes as JSON in argv[2] (`{ token }`). Listens on 127.0.0.1 only, prints its
// URL, answers `count` on stdin with what it has seen so far, and exits when stdin ends (so it
// also goes away when the benchmark does).
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'

const { token } = JSON.parse(process.argv[2])
const expected = `Bearer ${token}`
const body = Buffer.from(
  JSON.stringify([
    {
      id: '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
      type: 'github',
      claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } },
      permissions: ['createPackage'],
    },
  ]),
)
const TRUST = /^\/-\/package\/[^/]+\/trust$/
const counts = { requests: 0, ok: 0, unauthorized: 0, notFound: 0, withOtp: 0, connections: 0 }

const server = createServer({ keepAlive: true }, (req, res) => {
  counts.requests += 1
  if (req.headers['npm-otp']) counts.withOtp += 1
  // Drain whatever body there is (a GET has none) so the connection stays reusable.
  req.resume()
  if (req.method !== 'GET' || !TRUST.test(req.url.split('?')[0])) {
    counts.notFound += 1
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"Not found"}')
    return
  }
  if (req.headers.authorization !== expected) {
    counts.unauthorized += 1
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
    res.end('{"error":"You must be logged in to list trusted publishers"}')
    return
  }
  counts.ok += 1
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
})
server.keepAliveTimeout = 60_000
server.headersTimeout = 65_000
server.maxRequestsPerSocket = 0
server.on('connection', () => {
  counts.connections += 1
})

server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}/`)
})

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() === 'count') console.log(JSON.stringify(counts))
})
lines.on('close', () => {
  server.closeAllConnections?.()
  server.close()
  process.exit(0)
})
