// The per-chunk AEAD of envelope v2: a STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over
// node:crypto AES-256-GCM, keyed once per envelope from the HPKE context's exporter. HPKE (RFC 9180, @hpke/core)
// does the key encapsulation and key schedule; the chunks then go through OpenSSL synchronously, with no WebCrypto
// promise or job copy per chunk.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type CipherGCM,
  type KeyObject,
} from 'node:crypto';
import {
  AEAD_TAG_BYTES,
  CHECK_BYTES,
  CONTEXT_CHECK_LABEL,
  FRAME_HEADER_BYTES,
  KEY_CHECK_LABEL,
  STREAM_KEY_LABEL,
  STREAM_NONCE_LABEL,
} from './format.js';

const NONCE_BYTES = 12;

function hmac(key: Uint8Array, label: Uint8Array): Buffer {
  return createHmac('sha256', key).update(label).digest();
}

/** Key check published in the header: depends on the KEM shared secret only (so "wrong key" ≠ "wrong context"). */
export function keyCheckOf(sharedSecret: Uint8Array): Uint8Array {
  return hmac(sharedSecret, KEY_CHECK_LABEL).subarray(0, CHECK_BYTES);
}

/** Chunk AEAD of one envelope; `seal`/`open` are synchronous and reuse one nonce buffer. */
export class ChunkAead {
  readonly contextCheck: Uint8Array;
  private readonly key: KeyObject;
  private readonly baseNonce: Buffer;
  private readonly nonce = Buffer.alloc(NONCE_BYTES);

  /** `streamSecret` = Export(ctx, "cloister/envelope/v2 stream", 32). */
  constructor(streamSecret: Uint8Array) {
    this.key = createSecretKey(hmac(streamSecret, STREAM_KEY_LABEL));
    this.baseNonce = hmac(streamSecret, STREAM_NONCE_LABEL).subarray(0, NONCE_BYTES);
    this.contextCheck = hmac(streamSecret, CONTEXT_CHECK_LABEL).subarray(0, CHECK_BYTES);
  }

  /** base nonce XOR I2OSP(index, 12), as in RFC 9180's ComputeNonce. */
  private nonceFor(index: number): Buffer {
    this.baseNonce.copy(this.nonce);
    this.nonce.writeUInt32BE((this.baseNonce.readUInt32BE(8) ^ index) >>> 0, 8);
    return this.nonce;
  }

  /** A GCM cipher for chunk `index` with the 9-byte frame header as AAD; the caller streams the chunk through it. */
  cipher(frameHeader: Uint8Array, index: number): CipherGCM {
    const cipher = createCipheriv('aes-256-gcm', this.key, this.nonceFor(index), {
      authTagLength: AEAD_TAG_BYTES,
    });
    cipher.setAAD(frameHeader.subarray(0, FRAME_HEADER_BYTES));
    return cipher;
  }

  /**
   * Decrypts one chunk sealed as frame `index` (the frame's own index field is not read here: the caller decides which
   * index to try). `sealed` is ciphertext ‖ tag. Returns the plaintext, or null when authentication fails; nothing
   * unauthenticated is returned.
   */
  open(frameHeader: Uint8Array, index: number, sealed: Uint8Array): Buffer | null {
    const decipher = createDecipheriv('aes-256-gcm', this.key, this.nonceFor(index), {
      authTagLength: AEAD_TAG_BYTES,
    });
    const length = sealed.length - AEAD_TAG_BYTES;
    decipher.setAAD(frameHeader.subarray(0, FRAME_HEADER_BYTES));
    decipher.setAuthTag(sealed.subarray(length));
    const plaintext = decipher.update(sealed.subarray(0, length));
    try {
      decipher.final();
    } catch {
      return null;
    }
    return plaintext;
  }
}
