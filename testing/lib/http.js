'use strict'

// The emulator's HTTP plumbing: a loopback server (plain or TLS) that reads each request whole,
// and a small Reply type that can also trickle its body or hang up, as misbehaving servers do.
// What the registry does lives in the sibling modules.

const http = require('node:http')
const https = require('node:https')
const zlib = require('node:zlib')
const { setTimeout: sleep } = require('node:timers/promises')

/** `%xx` escapes decoded as UTF-8 (lossily, like the registry); malformed escapes stay as they are. */
function percentDecode(text) {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'))
}

/** Largest request body the emulator inflates (`content-encoding: gzip`, as `npm audit` sends). */
const MAX_INFLATED = 64 * 1024 * 1024

/** The body as the endpoint reads it: inflated when gzipped (a body that is not stays as sent). */
function decoded(body, contentEncoding) {
  if (!/^\s*gzip\s*$/i.test(contentEncoding ?? '')) return body
  try {
    return zlib.gunzipSync(body, { maxOutputLength: MAX_INFLATED })
  } catch {
    return body
  }
}

/** A request as the emulator sees it: read whole, its path split into decoded segments. */
class Request {
  constructor({ method, target, rawHeaders, body, tls, signal }) {
    const queryAt = target.indexOf('?')
    this.method = method
    /** As received, without the query: `/-/package/@scope%2fname/trust`. */
    this.rawPath = queryAt < 0 ? target : target.slice(0, queryAt)
    this.query = queryAt < 0 ? undefined : target.slice(queryAt + 1)
    /** Decoded segments, empty ones dropped: `['-', 'package', '@scope/name', 'trust']`. */
    this.segments = this.rawPath.split('/').filter(Boolean).map(percentDecode)
    /** `[name, value]` pairs in the order received, names lowercased. */
    this.headers = []
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) this.headers.push([rawHeaders[i].toLowerCase(), rawHeaders[i + 1]])
    this.body = body
    this.tls = tls
    /** Aborted when the connection closes (the client gave up, or the server stopped). */
    this.signal = signal
  }

  /** The path with its query string, as recorded. */
  get target() {
    return this.query === undefined ? this.rawPath : `${this.rawPath}?${this.query}`
  }

  header(name) {
    return this.headers.find(([key]) => key === name)?.[1]
  }

  bearer() {
    const auth = this.header('authorization')
    const match = auth && /^[Bb]earer (.*)$/s.exec(auth)
    return match ? match[1].trim() : undefined
  }

  /** The body as JSON, or undefined when it is not JSON. */
  json() {
    try {
      return JSON.parse(this.body.toString('utf8'))
    } catch {
      return undefined
    }
  }

  queryParam(name) {
    for (const pair of (this.query ?? '').split('&')) {
      const eq = pair.indexOf('=')
      const [key, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)]
      if (key === name) return percentDecode(value.replaceAll('+', ' '))
    }
    return undefined
  }

  /** `http://127.0.0.1:PORT`, as the client addressed the server. */
  origin() {
    return `${this.tls ? 'https' : 'http'}://${this.header('host') ?? '127.0.0.1'}`
  }

  /** The host name the client addressed, without the port (npm's audience is `npm:<hostname>`). */
  hostname() {
    const host = this.header('host') ?? '127.0.0.1'
    const colon = host.lastIndexOf(':')
    return colon < 0 ? host : host.slice(0, colon)
  }
}

/** An answer: status, headers, body; or, for faults, a trickled body or a hang-up. */
class Reply {
  constructor(status, headers = [], body = Buffer.alloc(0)) {
    this.status = status
    this.headers = headers
    this.body = body
    /** `{ pieces, pauseMs }`: send the body in pieces, pausing before each. */
    this.trickle = undefined
    /** Close the connection without answering. */
    this.hangUp = false
    /** Called once the answer is sent (to stop the server only after answering a stop). */
    this.afterSent = undefined
  }

  static bytes(status, contentType, body) {
    return new Reply(status, [['content-type', contentType]], Buffer.from(body))
  }

  static json(status, value) {
    return Reply.bytes(status, 'application/json', JSON.stringify(value))
  }

  /** An error in the registry's shape: `{ "message": ... }`. */
  static message(status, message) {
    return Reply.json(status, { message })
  }

  static empty(status) {
    return new Reply(status)
  }

  static hangingUp() {
    const reply = new Reply(500)
    reply.hangUp = true
    return reply
  }

  header(name, value) {
    this.headers.push([name, String(value)])
    return this
  }
}

/**
 * The first of `routes` (`[method, pattern, action]`) matching the request, called as
 * `action(params)`; undefined when none does. A pattern names decoded path segments:
 * `-/package/:name/trust`; `:x` captures one segment and a final `*` the rest (as `params.rest`).
 * A null method matches any.
 */
function dispatch(routes, request) {
  for (const [method, pattern, action] of routes) {
    if (method !== null && method !== request.method) continue
    const parts = pattern.split('/')
    const rest = parts.at(-1) === '*'
    const fixed = rest ? parts.slice(0, -1) : parts
    const { segments } = request
    if (rest ? segments.length < fixed.length : segments.length !== fixed.length) continue
    if (!fixed.every((part, i) => part.startsWith(':') || part === segments[i])) continue
    const params = rest ? { rest: segments.slice(fixed.length) } : {}
    fixed.forEach((part, i) => {
      if (part.startsWith(':')) params[part.slice(1)] = segments[i]
    })
    return action(params)
  }
  return undefined
}

/** Statuses whose answers have no body, hence no content-length either. */
const BODILESS = new Set([204, 304])

async function send(res, reply, signal) {
  if (reply.hangUp) {
    res.socket?.destroy()
    return
  }
  for (const [name, value] of reply.headers) res.setHeader(name, value)
  if (!reply.trickle) {
    if (!BODILESS.has(reply.status)) res.setHeader('content-length', reply.body.length)
    res.writeHead(reply.status)
    res.end(reply.body, reply.afterSent)
    return
  }
  // No content-length: the body goes out chunked, piece by piece.
  res.writeHead(reply.status)
  const size = Math.max(1, Math.ceil(reply.body.length / reply.trickle.pieces))
  for (let at = 0; at < reply.body.length && !res.destroyed; at += size) {
    await sleep(reply.trickle.pauseMs, undefined, { signal })
    res.write(reply.body.subarray(at, at + size))
  }
  res.end()
}

/**
 * Listens on a free loopback port. Answers `{ port, closed, stop }`: `closed` resolves once the
 * server has stopped, and `stop()` closes the listener and every open connection, keep-alive
 * ones included, then answers `closed`.
 */
function listen(server) {
  // The raw TCP socket of every connection (TLS ones included), so that stopping closes them all.
  const sockets = new Set()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const closed = new Promise((done) => server.once('close', done))
      let stopping = false
      resolve({
        port: server.address().port,
        closed,
        stop() {
          if (!stopping) {
            stopping = true
            server.close()
            for (const socket of sockets) socket.destroy()
          }
          return closed
        },
      })
    })
  })
}

/**
 * Serves `handle(request) -> Promise<Reply>` on a free loopback port (see `listen`), over HTTPS
 * when `tls` is `{ key, cert }`.
 */
function serve(handle, { tls }) {
  const listener = (req, res) => {
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', async () => {
      const request = new Request({
        method: req.method,
        target: req.url,
        rawHeaders: req.rawHeaders,
        body: decoded(Buffer.concat(chunks), req.headers['content-encoding']),
        tls: Boolean(tls),
        signal: gone.signal,
      })
      try {
        await send(res, await handle(request), gone.signal)
      } catch (error) {
        // A wait cut short by the connection closing: there is nobody left to answer.
        if (gone.signal.aborted) return
        if (!res.headersSent) send(res, Reply.message(500, `Emulator error: ${error.message}`), gone.signal)
        else res.destroy()
      }
    })
  }
  const options = { noDelay: true }
  const server = tls ? https.createServer({ ...options, ...tls }, listener) : http.createServer(options, listener)
  server.on('clientError', (_error, socket) => socket.destroy())
  return listen(server)
}

module.exports = { Reply, Request, dispatch, listen, serve }
