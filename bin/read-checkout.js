// @ts-check
'use strict'

// A file of the checkout, read by the JavaScript parts (the CLI's doctor, the semantic-release
// plugin) as the addon reads one (crates/core/src/read.rs): a checkout can hold a FIFO that
// never ends a read or a link to a device that never stops giving bytes. Only a regular file is
// read (checked on the opened handle), opened without blocking, and at most 16 MiB of it.

const { closeSync, constants, fstatSync, openSync, readFileSync } = require('node:fs')

const LIMIT = 16 * 1024 * 1024

/**
 * The text of the regular file `path`; throws (with `code` ENOENT when it is missing) otherwise.
 * @param {string} path
 */
function readCheckoutFile(path) {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new Error(`${kind(stat)}, not a regular file`)
    if (stat.size > LIMIT) throw new Error(`larger than ${LIMIT >> 20} MiB`)
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}

/** What a file that is not a regular one is, in words. @param {import('node:fs').Stats} stat */
function kind(stat) {
  if (stat.isFIFO()) return 'a FIFO'
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device'
  if (stat.isDirectory()) return 'a directory'
  if (stat.isSocket()) return 'a socket'
  return 'a special file'
}

module.exports = { readCheckoutFile }
