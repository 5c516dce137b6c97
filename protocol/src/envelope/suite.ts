import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

/** RFC 9180 identifiers of the envelope's suite: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. */
export const ENVELOPE_SUITE = { kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0002 } as const;

export type HpkeAead = 'aes-256-gcm' | 'aes-128-gcm';

/**
 * The low-level HPKE suite the envelope uses (@hpke/core). `aead` defaults to AES-256-GCM; AES-128-GCM exists so the
 * published RFC 9180 A.1.1 vector can be checked through the same factory.
 */
export function createHpkeSuite(aead: HpkeAead = 'aes-256-gcm'): CipherSuite {
  return new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: aead === 'aes-128-gcm' ? new Aes128Gcm() : new Aes256Gcm(),
  });
}

let shared: CipherSuite | undefined;
/** The envelope's suite, created once. */
export function envelopeSuite(): CipherSuite {
  shared ??= createHpkeSuite();
  return shared;
}
