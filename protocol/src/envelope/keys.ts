import type { webcrypto } from 'node:crypto';
import { EnvelopeInvalidKeyError } from '../errors.js';
import { envelopeSuite } from './suite.js';
import type { RecipientKeyPair } from './types.js';

async function toRecipientKeyPair(pair: webcrypto.CryptoKeyPair): Promise<RecipientKeyPair> {
  const publicKey = new Uint8Array(await envelopeSuite().kem.serializePublicKey(pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

/** Derives the X25519 recipient key pair from a 32-byte seed (RFC 9180 DeriveKeyPair); same seed, same keys. */
export async function deriveRecipientKeyPair(seed: Uint8Array): Promise<RecipientKeyPair> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new EnvelopeInvalidKeyError('the key seed must be exactly 32 bytes', {
      details: { length: seed instanceof Uint8Array ? seed.length : null },
    });
  }
  try {
    return await toRecipientKeyPair(await envelopeSuite().kem.deriveKeyPair(seed));
  } catch (cause) {
    throw new EnvelopeInvalidKeyError('could not derive an X25519 key pair from the seed', { cause });
  }
}

/** A fresh random X25519 recipient key pair (tests, development). */
export async function generateRecipientKeyPair(): Promise<RecipientKeyPair> {
  return toRecipientKeyPair(await envelopeSuite().kem.generateKeyPair());
}

/** Imports a raw 32-byte X25519 public key for sealing; a malformed key throws EnvelopeInvalidKeyError. */
export async function importRecipientPublicKey(publicKey: Uint8Array): Promise<webcrypto.CryptoKey> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new EnvelopeInvalidKeyError('the recipient public key must be 32 raw X25519 bytes', {
      details: { length: publicKey instanceof Uint8Array ? publicKey.length : null },
    });
  }
  try {
    return await envelopeSuite().kem.deserializePublicKey(publicKey);
  } catch (cause) {
    throw new EnvelopeInvalidKeyError('the recipient public key is not a valid X25519 key', { cause });
  }
}
