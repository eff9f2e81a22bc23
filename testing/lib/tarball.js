'use strict'

// Package tarballs for seeds: the smallest one npm reads, a gzipped ustar archive holding
// `package/package.json`.

const zlib = require('node:zlib')

/** One ustar entry: a 512-byte header, then the body padded to 512 bytes. */
function tarEntry(name, body) {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100, 'utf8')
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124)
  header.write('00000000000\0', 136)
  header.fill(' ', 148, 156)
  header.write('0', 156)
  header.write('ustar\0', 257)
  header.write('00', 263)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512)
  body.copy(padded)
  return Buffer.concat([header, padded])
}

/** The smallest package tarball: a gzipped tar with `package/package.json`, `{ name, version }`. */
function minimalTarball(name, version) {
  const manifest = Buffer.from(`${JSON.stringify({ name, version }, null, 2)}\n`)
  return zlib.gzipSync(Buffer.concat([tarEntry('package/package.json', manifest), Buffer.alloc(1024)]))
}

module.exports = { minimalTarball }
