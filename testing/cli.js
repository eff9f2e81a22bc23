#!/usr/bin/env node
'use strict'

// Runs a registry emulator (or a loopback proxy) in a process of its own, for tests in other
// languages or processes:
//
//   node testing/cli.js [seed.json | -]     an emulator, seeded from the file, from stdin, or empty
//   node testing/cli.js --proxy             a loopback proxy
//
// Once listening, it prints one line of JSON (`{"url", "caPem", "npmAudience"}` for an emulator,
// `{"url"}` for a proxy) and serves until its stdin closes, it gets SIGTERM or SIGINT, or (an
// emulator) `POST /-/emulator/stop`: a harness that spawns it with a piped stdin and then drops
// it, or dies, never leaves it behind. The emulator is driven through its control API
// (`/-/emulator/...`), the proxy's log is at `GET /-/proxy/requests`; see README.md.

const { readFile } = require('node:fs/promises')
const { launch } = require('./lib/emulator.js')
const { startProxy } = require('./lib/proxy.js')

const USAGE = 'usage: node testing/cli.js [seed.json | - | --proxy]\n'

/** The first complete JSON document on stdin (an empty stdin is an empty seed). */
function seedFromStdin() {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk) => {
      text += chunk
      try {
        const seed = JSON.parse(text)
        process.stdin.off('data', onData)
        resolve(seed)
      } catch {
        // Not a whole document yet.
      }
    }
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', onData)
    process.stdin.once('end', () => (text.trim() === '' ? resolve({}) : reject(new Error('stdin does not hold a JSON seed'))))
  })
}

async function readSeed(source) {
  if (source === undefined) return {}
  if (source === '-') return seedFromStdin()
  return JSON.parse(await readFile(source, 'utf8'))
}

/**
 * Starts what the arguments ask for: `{ info, stop, stopped? }`, `stopped` resolving when an
 * emulator was stopped through its control API.
 */
async function start(source) {
  if (source === '--proxy') {
    const proxy = await startProxy()
    return { info: { url: proxy.url }, stop: () => proxy.stop() }
  }
  const { emulator, stopped } = await launch(await readSeed(source))
  return {
    info: { url: emulator.url, caPem: emulator.caPem, npmAudience: emulator.npmAudience },
    stop: () => emulator.stop(),
    stopped,
  }
}

async function main() {
  const [source, ...extra] = process.argv.slice(2)
  if (extra.length || source === '--help' || source === '-h') {
    process.stderr.write(USAGE)
    process.exit(2)
  }
  let started
  try {
    started = await start(source)
  } catch (error) {
    process.stderr.write(`trust-native/testing: ${error.message}\n${USAGE}`)
    process.exit(2)
  }
  const { info, stop, stopped } = started
  const exit = () => stop().then(() => process.exit(0))
  stopped?.then(() => process.exit(0))
  process.once('SIGTERM', exit)
  process.once('SIGINT', exit)
  process.stdout.write(`${JSON.stringify(info)}\n`)
  // stdin is the lifeline: read (and ignore) it to see it close, if it has not already.
  if (process.stdin.readableEnded) exit()
  process.stdin.on('end', exit)
  process.stdin.resume()
}

main()
