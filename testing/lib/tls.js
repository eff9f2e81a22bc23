'use strict'

// HTTPS for the emulator: a throwaway certificate authority and a certificate for 127.0.0.1 and
// localhost signed by it, both made at start (nothing is stored), so tests can check that
// clients trust exactly what npm's `cafile` (or NODE_EXTRA_CA_CERTS) tells them to.

const crypto = require('node:crypto')
const der = require('./der.js')

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
}

// keyUsage bits, first bit first: digitalSignature (0), keyCertSign (5), cRLSign (6).
const KEY_USAGE_CA = der.bitString(Buffer.from([0b10000110]), 1)
const KEY_USAGE_SERVER = der.bitString(Buffer.from([0b10000000]), 7)

const DAY = 24 * 3600 * 1000

const name = (commonName) => der.sequence(der.set(der.sequence(der.oid(OID.commonName), der.utf8String(commonName))))

const extension = (id, critical, value) =>
  der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value))

/** A key's identifier: a hash of its public key, as CAs commonly derive it. */
const keyId = (spki) => crypto.createHash('sha1').update(spki).digest()

/**
 * A certificate for `subject`'s key (no subject name when null, as Fulcio's), signed by
 * `issuer` (`{ name, privateKey }`), DER. Valid from an hour back (for clocks that disagree)
 * for a year (longer than any test run), unless `validity` (`[notBefore, notAfter]`) says.
 */
function certificate({ subject, publicKey, issuer, extensions, validity }) {
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const serial = crypto.randomBytes(16)
  serial[0] &= 0x7f // positive, as RFC 5280 requires
  const signatureAlgorithm = der.sequence(der.oid(OID.ecdsaWithSha256))
  const tbs = der.sequence(
    der.explicit(0, der.integer(Buffer.from([2]))), // version 3
    der.integer(serial),
    signatureAlgorithm,
    issuer.name,
    der.sequence(...(validity ?? [new Date(Date.now() - 3600 * 1000), new Date(Date.now() + 365 * DAY)]).map(der.time)),
    subject === null ? der.sequence() : name(subject),
    spki,
    der.explicit(3, der.sequence(
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyId(spki))),
      ...extensions,
    )),
  )
  const signature = crypto.sign('sha256', tbs, issuer.privateKey)
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature))
}

const pem = (bytes) => `-----BEGIN CERTIFICATE-----\n${bytes.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`

const newKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })

/**
 * A fresh CA and a server certificate it signed, for 127.0.0.1 and localhost. Answers
 * `{ key, cert, caPem }`: `key` and `cert` (the chain, server first) for `https.createServer`.
 */
function certificateAuthority() {
  const ca = newKey()
  const caSubject = 'trust-native testing CA'
  const caName = name(caSubject)
  const caSpki = ca.publicKey.export({ type: 'spki', format: 'der' })
  const caCert = certificate({
    subject: caSubject,
    publicKey: ca.publicKey,
    issuer: { name: caName, privateKey: ca.privateKey },
    extensions: [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, KEY_USAGE_CA),
    ],
  })
  const server = newKey()
  const serverCert = certificate({
    subject: '127.0.0.1',
    publicKey: server.publicKey,
    issuer: { name: caName, privateKey: ca.privateKey },
    extensions: [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, KEY_USAGE_SERVER),
      extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth))),
      // dNSName [2] and iPAddress [7].
      extension(OID.subjectAltName, false, der.sequence(der.implicit(2, Buffer.from('localhost')), der.implicit(7, Buffer.from([127, 0, 0, 1])))),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, keyId(caSpki)))),
    ],
  })
  return {
    key: server.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    cert: pem(serverCert) + pem(caCert),
    caPem: pem(caCert),
  }
}

module.exports = { OID, certificate, certificateAuthority, extension, keyId, name, newKey, pem, KEY_USAGE_CA }
