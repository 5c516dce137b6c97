import { createHmac, hkdfSync } from 'node:crypto';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

/** RFC 9180 identifiers of the envelope's suite: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. */
export const ENVELOPE_SUITE = { kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0002 } as const;

export type HpkeAead = 'aes-256-gcm' | 'aes-128-gcm';

type Bytes = ArrayBufferLike | ArrayBufferView;
const view = (b: Bytes): Uint8Array =>
  ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
const toArrayBuffer = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/**
 * @hpke/core's HKDF-SHA256 with the Extract/Expand primitives computed by node:crypto synchronously instead of one
 * WebCrypto job per HMAC. @hpke/core still runs the RFC 9180 key schedule (labels, suite id, secrets, exporter);
 * the published vector test goes through this class.
 */
export class NodeHkdfSha256 extends HkdfSha256 {
  override async extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
    const s = view(salt);
    return toArrayBuffer(
      createHmac('sha256', s.length === 0 ? new Uint8Array(this.hashSize) : s)
        .update(view(ikm))
        .digest(),
    );
  }

  override async expand(prk: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    if (len > 255 * this.hashSize) throw new Error('Entropy limit reached');
    const key = view(prk);
    const out = new Uint8Array(len);
    let previous = new Uint8Array(0);
    for (let i = 1, filled = 0; filled < len; i++) {
      previous = createHmac('sha256', key)
        .update(previous)
        .update(view(info))
        .update(Uint8Array.of(i))
        .digest();
      const take = Math.min(previous.length, len - filled);
      out.set(previous.subarray(0, take), filled);
      filled += take;
    }
    return out.buffer;
  }

  override async extractAndExpand(salt: Bytes, ikm: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    return hkdfSync('sha256', view(ikm), view(salt), view(info), len);
  }
}

/** DHKEM(X25519, HKDF-SHA256) whose ExtractAndExpand (the shared secret) also runs on node:crypto. */
export class NodeDhkemX25519HkdfSha256 extends DhkemX25519HkdfSha256 {
  constructor() {
    super();
    const kdf = new NodeHkdfSha256();
    kdf.init(Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, 0x20)); // suite_id = "KEM" ‖ I2OSP(0x0020, 2)
    this._kdf = kdf;
  }
}

/**
 * The low-level HPKE suite the envelope uses (@hpke/core). `aead` defaults to AES-256-GCM; AES-128-GCM exists so the
 * published RFC 9180 A.1.1 vector can be checked through the same factory.
 */
export function createHpkeSuite(aead: HpkeAead = 'aes-256-gcm'): CipherSuite {
  return new CipherSuite({
    kem: new NodeDhkemX25519HkdfSha256(),
    kdf: new NodeHkdfSha256(),
    aead: aead === 'aes-128-gcm' ? new Aes128Gcm() : new Aes256Gcm(),
  });
}

let shared: CipherSuite | undefined;
/** The envelope's suite, created once. */
export function envelopeSuite(): CipherSuite {
  shared ??= createHpkeSuite();
  return shared;
}
