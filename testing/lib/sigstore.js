'use strict'

// Sigstore on loopback: a Fulcio (a CA issuing short-lived code-signing certificates, with
// Fulcio's CI extensions, for valid id_tokens of audience `sigstore` and a proof that the caller
// holds the key), a Rekor (a log of dsse entries: signed entry timestamps, RFC 6962 inclusion
// proofs and signed checkpoints) and the TrustedRoot that both chain to. Written from Sigstore's
// API descriptions and the protobuf-specs, so the verifiers npm uses (sigstore-js) check it.

const crypto = require('node:crypto')
const der = require('./der.js')
const tls = require('./tls.js')
const { Reply } = require('./http.js')
const { now } = require('./issuers.js')

/** The audience Fulcio accepts id_tokens for. */
const AUDIENCE = 'sigstore'

/** How long a signing certificate lives (Fulcio's: ten minutes). */
const CERT_LIFETIME = 600

const FULCIO = '1.3.6.1.4.1.57264.1'
const OID = {
  issuerV1: `${FULCIO}.1`,
  issuer: `${FULCIO}.8`,
  buildSignerUri: `${FULCIO}.9`,
  buildSignerDigest: `${FULCIO}.10`,
  runnerEnvironment: `${FULCIO}.11`,
  sourceRepositoryUri: `${FULCIO}.12`,
  sourceRepositoryDigest: `${FULCIO}.13`,
  sourceRepositoryRef: `${FULCIO}.14`,
  sourceRepositoryIdentifier: `${FULCIO}.15`,
  sourceRepositoryOwnerUri: `${FULCIO}.16`,
  sourceRepositoryOwnerIdentifier: `${FULCIO}.17`,
  buildConfigUri: `${FULCIO}.18`,
  buildConfigDigest: `${FULCIO}.19`,
  buildTrigger: `${FULCIO}.20`,
  runInvocationUri: `${FULCIO}.21`,
  sourceRepositoryVisibilityAtSigning: `${FULCIO}.22`,
  codeSigning: '1.3.6.1.5.5.7.3.3',
}

const sha256 = (...parts) => {
  const hash = crypto.createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** JSON with sorted keys and no spaces (RFC 8785 for the values Rekor signs). */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * The claims Fulcio turns into certificate extensions, by provider, as its issuer configuration
 * maps them: the identity (the SAN) is the workflow that ran, and the extensions say where.
 */
const IDENTITIES = {
  github(c) {
    const server = 'https://github.com'
    const repository = `${server}/${c.repository}`
    return {
      san: `${server}/${c.job_workflow_ref}`,
      extensions: {
        buildSignerUri: `${server}/${c.job_workflow_ref}`,
        buildSignerDigest: c.job_workflow_sha ?? c.sha,
        runnerEnvironment: c.runner_environment,
        sourceRepositoryUri: repository,
        sourceRepositoryDigest: c.sha,
        sourceRepositoryRef: c.ref,
        sourceRepositoryIdentifier: c.repository_id,
        sourceRepositoryOwnerUri: `${server}/${c.repository_owner}`,
        sourceRepositoryOwnerIdentifier: c.repository_owner_id,
        buildConfigUri: `${server}/${c.workflow_ref}`,
        buildConfigDigest: c.workflow_sha ?? c.sha,
        buildTrigger: c.event_name,
        runInvocationUri: `${repository}/actions/runs/${c.run_id ?? '1'}/attempts/${c.run_attempt ?? '1'}`,
        sourceRepositoryVisibilityAtSigning: c.repository_visibility,
      },
    }
  },
  gitlab(c) {
    const server = 'https://gitlab.com'
    const repository = `${server}/${c.project_path}`
    const ref = c.ref_type === 'tag' ? `refs/tags/${c.ref}` : `refs/heads/${c.ref}`
    return {
      san: `https://${c.ci_config_ref_uri}`,
      extensions: {
        buildSignerUri: `https://${c.ci_config_ref_uri}`,
        buildSignerDigest: c.ci_config_sha ?? c.sha,
        runnerEnvironment: c.runner_environment,
        sourceRepositoryUri: repository,
        sourceRepositoryDigest: c.sha,
        sourceRepositoryRef: ref,
        sourceRepositoryIdentifier: c.project_id,
        sourceRepositoryOwnerUri: `${server}/${c.namespace_path}`,
        sourceRepositoryOwnerIdentifier: c.namespace_id,
        buildConfigUri: `https://${c.ci_config_ref_uri}`,
        buildConfigDigest: c.ci_config_sha ?? c.sha,
        buildTrigger: c.pipeline_source,
        runInvocationUri: `${repository}/-/jobs/${c.job_id ?? '1'}`,
        sourceRepositoryVisibilityAtSigning: c.project_visibility,
      },
    }
  },
}

/** RFC 6962 hashes: a leaf's, and the root of `leaves` (leaf hashes). */
const leafHash = (body) => sha256(Buffer.from([0]), body)
function treeHash(leaves) {
  if (leaves.length === 0) return sha256(Buffer.alloc(0))
  if (leaves.length === 1) return leaves[0]
  const k = split(leaves.length)
  return sha256(Buffer.from([1]), treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)))
}
/** The largest power of two below `n` (n > 1). */
function split(n) {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
/** The audit path of leaf `m` (RFC 6962 2.1.1), the leaf's sibling first. */
function auditPath(m, leaves) {
  if (leaves.length <= 1) return []
  const k = split(leaves.length)
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))]
}

/** DSSE's pre-authentication encoding: what the envelope's signature signs. */
function pae(payloadType, payload) {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ])
}

class Sigstore {
  /** `issuers`: the emulator's id_token issuers, whose tokens Fulcio accepts. */
  constructor(issuers) {
    this.issuers = issuers
    this.since = new Date(Date.now() - 3600 * 1000)
    this.ca = tls.newKey()
    this.caName = tls.name('sigstore emulator')
    this.caSpki = this.ca.publicKey.export({ type: 'spki', format: 'der' })
    this.caCert = tls.certificate({
      subject: 'sigstore emulator',
      publicKey: this.ca.publicKey,
      issuer: { name: this.caName, privateKey: this.ca.privateKey },
      extensions: [
        tls.extension(tls.OID.basicConstraints, true, der.sequence(der.boolean(true))),
        tls.extension(tls.OID.keyUsage, true, tls.KEY_USAGE_CA),
      ],
    })
    this.log = tls.newKey()
    this.logSpki = this.log.publicKey.export({ type: 'spki', format: 'der' })
    this.logId = sha256(this.logSpki)
    /** `{ body, integratedTime, uuid }`, by log index. */
    this.entries = []
    /** The log's name in its checkpoints: verifiers look for it in the log's URL. */
    this.origin = '127.0.0.1'
  }

  /** `POST <fulcio>/api/v2/signingCert`. */
  signingCert(request) {
    const body = request.json()
    const token = body?.credentials?.oidcIdentityToken
    const key = body?.publicKeyRequest?.publicKey?.content
    const proof = body?.publicKeyRequest?.proofOfPossession
    if (typeof token !== 'string' || typeof key !== 'string' || typeof proof !== 'string') {
      return Reply.json(400, { code: 3, message: 'expected credentials.oidcIdentityToken and publicKeyRequest { publicKey.content, proofOfPossession }' })
    }
    let verified
    try {
      verified = this.issuers.verify(token, AUDIENCE)
    } catch (error) {
      return Reply.json(401, { code: 16, message: `error processing the identity token: ${error.message}` })
    }
    const identity = IDENTITIES[verified.provider]
    if (!identity) return Reply.json(400, { code: 3, message: `no Fulcio issuer for ${verified.claims.iss}` })
    let publicKey
    try {
      publicKey = crypto.createPublicKey(key)
    } catch {
      return Reply.json(400, { code: 3, message: 'the public key is not a PEM public key' })
    }
    // The proof of possession is the token's subject signed with the key to certify.
    if (!crypto.verify('sha256', Buffer.from(String(verified.claims.sub)), publicKey, Buffer.from(proof, 'base64'))) {
      return Reply.json(400, { code: 3, message: 'the proof of possession does not verify with the public key' })
    }
    const { san, extensions } = identity(verified.claims)
    const utf8 = (oid, value) => tls.extension(oid, false, der.utf8String(String(value)))
    const issued = new Date(now() * 1000)
    const leaf = tls.certificate({
      subject: null,
      publicKey,
      issuer: { name: this.caName, privateKey: this.ca.privateKey },
      validity: [issued, new Date(issued.getTime() + CERT_LIFETIME * 1000)],
      extensions: [
        tls.extension(tls.OID.keyUsage, true, der.bitString(Buffer.from([0b10000000]), 7)),
        tls.extension(tls.OID.extKeyUsage, false, der.sequence(der.oid(OID.codeSigning))),
        tls.extension(tls.OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, tls.keyId(this.caSpki)))),
        // uniformResourceIdentifier [6]; critical, as the subject is empty.
        tls.extension(tls.OID.subjectAltName, true, der.sequence(der.implicit(6, Buffer.from(san)))),
        tls.extension(OID.issuerV1, false, Buffer.from(verified.claims.iss)),
        utf8(OID.issuer, verified.claims.iss),
        ...Object.entries(extensions).filter(([, v]) => v !== undefined).map(([name, value]) => utf8(OID[name], value)),
      ],
    })
    return Reply.json(201, {
      signedCertificateEmbeddedSct: { chain: { certificates: [tls.pem(leaf), tls.pem(this.caCert)] } },
    })
  }

  /** `POST <rekor>/api/v1/log/entries`: a dsse 0.0.1 entry, its signature checked. */
  createEntry(request) {
    const proposed = request.json()
    const envelopeText = proposed?.spec?.proposedContent?.envelope
    const verifiers = proposed?.spec?.proposedContent?.verifiers
    if (proposed?.kind !== 'dsse' || proposed?.apiVersion !== '0.0.1' || typeof envelopeText !== 'string' || !Array.isArray(verifiers) || verifiers.length !== 1) {
      return Reply.json(400, { code: 400, message: 'the emulator logs dsse 0.0.1 entries with one verifier' })
    }
    let envelope, certificate
    try {
      envelope = JSON.parse(envelopeText)
      certificate = new crypto.X509Certificate(Buffer.from(verifiers[0], 'base64'))
    } catch (error) {
      return Reply.json(400, { code: 400, message: `invalid dsse entry: ${error.message}` })
    }
    const payload = Buffer.from(envelope.payload ?? '', 'base64')
    const signatures = Array.isArray(envelope.signatures) ? envelope.signatures : []
    if (signatures.length !== 1 || !crypto.verify('sha256', pae(String(envelope.payloadType), payload), certificate.publicKey, Buffer.from(signatures[0].sig ?? '', 'base64'))) {
      return Reply.json(400, { code: 400, message: 'the envelope signature does not verify with the verifier' })
    }
    const body = Buffer.from(canonical({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(envelopeText).toString('hex') },
        payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
        signatures: [{ signature: signatures[0].sig, verifier: verifiers[0] }],
      },
    }))
    const logIndex = this.entries.length
    const uuid = leafHash(body).toString('hex')
    this.entries.push({ body, integratedTime: now(), uuid })
    return Reply.json(201, { [uuid]: this.entry(logIndex) }).header('location', `/api/v1/log/entries/${uuid}`)
  }

  /** `GET <rekor>/api/v1/log/entries/<uuid>`. */
  getEntry(uuid) {
    const index = this.entries.findIndex((e) => e.uuid === uuid)
    if (index < 0) return Reply.json(404, { code: 404, message: 'entry not found' })
    return Reply.json(200, { [uuid]: this.entry(index) })
  }

  /** An entry as Rekor answers it: body, time, signed entry timestamp, proof in today's tree. */
  entry(logIndex) {
    const { body, integratedTime } = this.entries[logIndex]
    const logID = this.logId.toString('hex')
    const set = crypto.sign('sha256', Buffer.from(canonical({ body: body.toString('base64'), integratedTime, logID, logIndex })), this.log.privateKey)
    const leaves = this.entries.map((e) => leafHash(e.body))
    const rootHash = treeHash(leaves)
    return {
      body: body.toString('base64'),
      integratedTime,
      logID,
      logIndex,
      verification: {
        signedEntryTimestamp: set.toString('base64'),
        inclusionProof: {
          checkpoint: this.checkpoint(leaves.length, rootHash),
          hashes: auditPath(logIndex, leaves).map((h) => h.toString('hex')),
          logIndex,
          rootHash: rootHash.toString('hex'),
          treeSize: leaves.length,
        },
      },
    }
  }

  /** A signed note of the tree: origin, size, root; signed by the log, hinted by its id. */
  checkpoint(size, rootHash) {
    const note = `${this.origin} - 1\n${size}\n${rootHash.toString('base64')}\n`
    const signature = crypto.sign('sha256', Buffer.from(note), this.log.privateKey)
    return `${note}\n\u2014 ${this.origin} ${Buffer.concat([this.logId.subarray(0, 4), signature]).toString('base64')}\n`
  }

  /** The TrustedRoot (protobuf-specs JSON) of this Fulcio and Rekor, served under `base`. */
  trustedRoot(base) {
    const start = this.since.toISOString()
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{
        baseUrl: `${base}rekor`,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: this.logSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: this.logId.toString('base64') },
      }],
      certificateAuthorities: [{
        subject: { organization: 'trust-native', commonName: 'sigstore emulator' },
        uri: `${base}fulcio`,
        certChain: { certificates: [{ rawBytes: this.caCert.toString('base64') }] },
        validFor: { start },
      }],
      ctlogs: [],
      timestampAuthorities: [],
    }
  }
}

module.exports = { AUDIENCE, Sigstore, canonical, pae }
