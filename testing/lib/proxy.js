'use strict'

// A loopback forward proxy for tests: `CONNECT host:port` tunnels (HTTPS) and absolute-form
// requests (plain HTTP), each request line recorded, so a test can check that traffic went
// through it. It only reaches loopback addresses: a test must never leak to the network.

const net = require('node:net')
const { listen } = require('./http.js')

const HEAD_END = '\r\n\r\n'
/** A request head larger than this is not a client speaking HTTP. */
const MAX_HEAD = 64 * 1024

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** `host:port` split, or undefined when the host is not a loopback address. */
function loopbackTarget(authority) {
  const colon = authority.lastIndexOf(':')
  const host = colon < 0 ? authority : authority.slice(0, colon)
  const port = colon < 0 ? 80 : Number(authority.slice(colon + 1))
  return LOOPBACK.has(host) && Number.isInteger(port) ? { host: host.replace(/^\[|\]$/g, ''), port } : undefined
}

/** Reads the request head; answers it and the bytes that came after it. */
function readHead(client) {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const onData = (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf(HEAD_END)
      if (end < 0 && buffered.length < MAX_HEAD) return
      client.off('data', onData)
      client.pause()
      if (end < 0) reject(new Error('request head too large'))
      else resolve({ head: buffered.subarray(0, end).toString('latin1'), rest: buffered.subarray(end + HEAD_END.length) })
    }
    client.on('data', onData)
    client.once('end', () => reject(new Error('closed before a request')))
  })
}

/** Reads `length` body bytes, starting with those already received. */
function readBody(client, received, length) {
  return new Promise((resolve, reject) => {
    let body = received
    const onData = (chunk) => {
      body = Buffer.concat([body, chunk])
      check()
    }
    const check = () => {
      if (body.length < length) return
      client.off('data', onData)
      client.pause()
      resolve(body.subarray(0, length))
    }
    client.on('data', onData)
    client.once('end', () => reject(new Error('closed before the whole body')))
    check()
  })
}

function refuse(client, status) {
  client.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)
}

/**
 * Connects to `target`, then calls `connected(upstream)`; a 502 to the client if it cannot. A
 * side that goes away ends the other (gracefully, so what is on its way still arrives).
 */
function connect(client, target, connected) {
  let established = false
  const upstream = net.connect(target, () => {
    established = true
    connected(upstream)
  })
  upstream.on('error', () => (established ? client.destroy() : refuse(client, '502 Bad Gateway')))
  upstream.on('close', () => client.end())
  client.on('close', () => upstream.destroy())
}

/** Where a process that started the proxy with cli.js reads its log (not itself logged). */
const LOG_PATH = '/-/proxy/requests'

async function relay(client, log) {
  const { head, rest } = await readHead(client)
  const [requestLine, ...headers] = head.split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  if (method === 'GET' && target === LOG_PATH) {
    const body = JSON.stringify(log)
    return client.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  }
  log.push(`${method} ${target}`)

  if (method === 'CONNECT') {
    const to = loopbackTarget(target)
    if (!to) return refuse(client, '403 Forbidden')
    return connect(client, to, (upstream) => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(rest)
      client.pipe(upstream).pipe(client)
    })
  }

  // Absolute form: `GET http://host:port/path HTTP/1.1`. Forwarded once, then closed.
  const absolute = /^http:\/\/([^/?#]+)(.*)$/.exec(target)
  if (!absolute) return refuse(client, '400 Bad Request')
  const to = loopbackTarget(absolute[1])
  if (!to) return refuse(client, '403 Forbidden')
  const path = absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`
  const length = Number(/^content-length:\s*(\d+)/im.exec(headers.join('\n'))?.[1] ?? 0)
  const body = await readBody(client, rest, length)
  const kept = headers.filter((h) => !/^(connection|proxy-connection|keep-alive):/i.test(h))
  return connect(client, to, (upstream) => {
    upstream.write(`${method} ${path} HTTP/1.1\r\n${kept.map((h) => `${h}\r\n`).join('')}connection: close\r\n\r\n`)
    upstream.write(body)
    upstream.pipe(client)
  })
}

const INTERNAL = Symbol('LoopbackProxy')

/** A running loopback proxy (see `startProxy`). */
class LoopbackProxy {
  #port
  #log
  #stop

  constructor(key, { port, log, stop }) {
    if (key !== INTERNAL) throw new TypeError('Use startProxy() to start a proxy')
    this.#port = port
    this.#log = log
    this.#stop = stop
  }

  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY or npm's `proxy`. */
  get url() {
    return `http://127.0.0.1:${this.#port}`
  }

  /** Request lines received: `CONNECT 127.0.0.1:4873`, `GET http://127.0.0.1:4873/path`. */
  requests() {
    return [...this.#log]
  }

  /** Closes the listener and every connection; resolves once closed. */
  stop() {
    return this.#stop()
  }
}

/** Starts a proxy on a free loopback port. */
async function startProxy() {
  const log = []
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy())
    relay(client, log).catch(() => client.destroy())
  })
  const { port, stop } = await listen(server)
  return new LoopbackProxy(INTERNAL, { port, log, stop })
}

module.exports = { LoopbackProxy, startProxy }
