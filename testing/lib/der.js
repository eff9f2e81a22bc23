'use strict'

// A DER encoder for the few ASN.1 types an X.509 certificate needs. Every function answers the
// encoded bytes (a Buffer), so structures nest as plain calls.

/** Tag, definite length, content. */
function tlv(tag, ...content) {
  const body = Buffer.concat(content)
  const n = body.length
  let length
  if (n < 0x80) {
    length = Buffer.from([n])
  } else {
    const bytes = []
    for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
    length = Buffer.from([0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([Buffer.from([tag]), length, body])
}

const sequence = (...items) => tlv(0x30, ...items)
const set = (...items) => tlv(0x31, ...items)
const boolean = (value) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]))
const octetString = (bytes) => tlv(0x04, bytes)
const utf8String = (text) => tlv(0x0c, Buffer.from(text, 'utf8'))
/** `unused` trailing bits of the last byte are not part of the value (key usage flags). */
const bitString = (bytes, unused = 0) => tlv(0x03, Buffer.from([unused]), bytes)
/** `[n]` EXPLICIT: wraps a whole encoding. */
const explicit = (n, ...items) => tlv(0xa0 | n, ...items)
/** `[n]` IMPLICIT of a primitive type: the bytes under a context tag. */
const implicit = (n, bytes) => tlv(0x80 | n, bytes)

/** A non-negative integer from its big-endian bytes, minimal, with a 0 byte where the sign bit is set. */
function integer(bytes) {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const minimal = bytes.subarray(start)
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.from([0]) : Buffer.alloc(0), minimal)
}

function oid(dotted) {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = []
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v & 0x7f))
    bytes.push(...base128)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime (years 1950-2049) as X.509 requires, GeneralizedTime after. */
function time(date) {
  const iso = date.toISOString()
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits))
}

module.exports = { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8String }
