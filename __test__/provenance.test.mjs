// Provenance: the emulator's Sigstore (Fulcio, Rekor, TrustedRoot) checked by sigstore-js, the
// verifier npm itself uses.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testing } from './helpers.mjs'

const require = createRequire(import.meta.url)
// The pinned npm (a devDependency) and the Sigstore packages it publishes with.
const npmModules = `${dirname(require.resolve('npm/package.json'))}/node_modules`
const sigstore = require(`${npmModules}/sigstore`)
const { Verifier, toSignedEntity, toTrustMaterial } = require(`${npmModules}/@sigstore/verify`)
const { TrustedRoot } = require(`${npmModules}/@sigstore/protobuf-specs`)
const { bundleFromJSON } = require(`${npmModules}/@sigstore/bundle`)

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

/** sigstore-js's verification of `bundle` against `trustedRoot` (no CT log: the emulator has none). */
export function verifyWithSigstoreJs(bundle, trustedRoot, policy) {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0 })
  return verifier.verify(toSignedEntity(bundleFromJSON(bundle)), policy)
}

describe("the emulator's Sigstore, checked by sigstore-js", () => {
  let emulator
  beforeAll(async () => {
    emulator = await testing.startEmulator({})
  })
  afterAll(() => emulator.stop())

  const attest = (identityToken, payload = { _type: 'https://in-toto.io/Statement/v1' }) =>
    sigstore.attest(Buffer.from(JSON.stringify(payload)), 'application/vnd.in-toto+json', {
      fulcioURL: emulator.fulcioUrl,
      rekorURL: emulator.rekorUrl,
      identityToken,
    })

  it("signs with Fulcio's certificate and logs in Rekor, and the bundles verify against its trusted root (each entry's proof in a larger tree)", async () => {
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore', claims: { repository: 'acme/widgets' } })
    const bundles = []
    for (let i = 0; i < 3; i++) bundles.push(await attest(token, { i }))
    for (const bundle of bundles) {
      const signer = verifyWithSigstoreJs(bundle, emulator.trustedRoot(), {
        subjectAlternativeName: 'https://github.com/acme/widgets/.github/workflows/release.yml@refs/heads/main',
        extensions: { issuer: GITHUB_ISSUER },
      })
      expect(signer.identity.extensions.issuer).toBe(GITHUB_ISSUER)
    }
    expect(bundles.map((b) => b.verificationMaterial.tlogEntries[0].inclusionProof.treeSize)).toEqual(['1', '2', '3'])
  })

  it('a bundle fails against another Sigstore, and with its statement changed', async () => {
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore' })
    const bundle = await attest(token)
    const other = await testing.startEmulator({})
    try {
      expect(() => verifyWithSigstoreJs(bundle, other.trustedRoot())).toThrow()
    } finally {
      await other.stop()
    }
    const changed = structuredClone(bundle)
    changed.dsseEnvelope.payload = Buffer.from('{"_type":"forged"}').toString('base64')
    expect(() => verifyWithSigstoreJs(changed, emulator.trustedRoot())).toThrow(/signature|hash/i)
  })

  it("Fulcio refuses a token for another audience, and a proof of possession by another key", async () => {
    const wrongAudience = emulator.issueIdToken({ provider: 'github', audience: 'npm:127.0.0.1' })
    await expect(attest(wrongAudience)).rejects.toThrow(/audience/)
    const crypto = await import('node:crypto')
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const token = emulator.issueIdToken({ provider: 'github', audience: 'sigstore' })
    const response = await fetch(`${emulator.fulcioUrl}/api/v2/signingCert`, {
      method: 'POST',
      body: JSON.stringify({
        credentials: { oidcIdentityToken: token },
        publicKeyRequest: {
          publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) },
          proofOfPossession: crypto.sign('sha256', Buffer.from('repo:acme/widgets:ref:refs/heads/main'), other.privateKey).toString('base64'),
        },
      }),
    })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toMatch(/proof of possession/)
  })
})
