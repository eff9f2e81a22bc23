// The registry emulator in a process of its own, for benchmarks: the client's time and memory
// are then the client's. Configuration comes as JSON in argv[2]; prints the URL, then answers
// `count` on stdin with how many configurations each package has, and stops when stdin ends.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(import.meta.url)
const { startEmulator } = require('../testing/index.js')
const { packages, user, rateLimit } = JSON.parse(process.argv[2])

const emulator = await startEmulator({
  users: [user],
  packages: Array.from({ length: packages }, (_, i) => ({ name: `bench-${i}`, maintainers: [user.name] })),
  ...(rateLimit && { rateLimit }),
})
console.log(emulator.url)

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() !== 'count') return
  const counts = { none: 0, one: 0, more: 0, requests: emulator.requests().length }
  for (let i = 0; i < packages; i++) {
    const n = emulator.publishers(`bench-${i}`).length
    counts[n === 0 ? 'none' : n === 1 ? 'one' : 'more'] += 1
  }
  console.log(JSON.stringify(counts))
})
lines.on('close', () => {
  emulator.stop()
  process.exit(0)
})
