import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, KeyObject, type webcrypto } from 'node:crypto';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DecapError, DhkemX25519HkdfSha256, EncapError, HkdfSha256 } from '@hpke/core';

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

// RFC 9180 §4.1 labels of the DHKEM shared secret.
const LABEL_EAE_PRK = new TextEncoder().encode('eae_prk');
const LABEL_SHARED_SECRET = new TextEncoder().encode('shared_secret');
const X25519_KEY_BYTES = 32;

/** A key of node's WebCrypto as a node:crypto KeyObject, with its raw public key; once per key. */
type NodeX25519Key = { key: KeyObject; publicKeyBytes: Uint8Array };
const nodeKeys = new WeakMap<object, NodeX25519Key>();

/** Null for a key that is not one of node's X25519 CryptoKeys of that type (then @hpke/core's own path runs). */
function nodeX25519Key(cryptoKey: webcrypto.CryptoKey, type: 'private' | 'public'): NodeX25519Key | null {
  let known = nodeKeys.get(cryptoKey);
  if (known === undefined) {
    let key: KeyObject;
    try {
      key = KeyObject.from(cryptoKey);
    } catch {
      return null;
    }
    if (key.asymmetricKeyType !== 'x25519') return null;
    const { x } = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
    known = { key, publicKeyBytes: new Uint8Array(Buffer.from(x!, 'base64url')) };
    nodeKeys.set(cryptoKey, known);
  }
  return known.key.type === type ? known : null;
}

/** A raw 32-byte X25519 public key as a KeyObject: a JWK imports ≈ 10× faster than SPKI DER here (11 vs 113 µs). */
function rawPublicKey(bytes: Uint8Array): KeyObject {
  if (bytes.length !== X25519_KEY_BYTES) throw new Error(`an X25519 public key is ${X25519_KEY_BYTES} bytes`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(bytes).toString('base64url') }, format: 'jwk' });
}

/**
 * DHKEM(X25519, HKDF-SHA256) whose ExtractAndExpand (the shared secret) also runs on node:crypto, and whose Encap and
 * Decap (RFC 9180 §4.1, base mode) compute the X25519 agreement with node:crypto synchronously: @hpke/core's WebCrypto
 * path takes ≈ 0.5 ms of thread-pool round trips per call (import the key, derive pkR through a JWK export,
 * deriveBits, export), paid twice per envelope (key check and context) by every participant and by the aggregator for
 * every update: for a 400 KB update that was more than its AES-GCM. The RFC 9180 vector test and a property test
 * against @hpke/core's own Encap/Decap go through these.
 */
export class NodeDhkemX25519HkdfSha256 extends DhkemX25519HkdfSha256 {
  constructor() {
    super();
    const kdf = new NodeHkdfSha256();
    kdf.init(Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, 0x20)); // suite_id = "KEM" ‖ I2OSP(0x0020, 2)
    this._kdf = kdf;
  }

  override async encap(params: Parameters<DhkemX25519HkdfSha256['encap']>[0]): Promise<{ enc: ArrayBuffer; sharedSecret: ArrayBuffer }> {
    const recipient = nodeX25519Key(params.recipientPublicKey, 'public');
    const ekm = params.ekm;
    const ephemeral = ekm !== undefined && 'privateKey' in ekm ? nodeX25519Key(ekm.privateKey, 'private') : null;
    // Authenticated mode, a derived (test) ephemeral key, or keys node:crypto cannot take: @hpke/core's own path.
    if (params.senderKey !== undefined || recipient === null || (ekm !== undefined && ephemeral === null)) return super.encap(params);
    try {
      const { key: privateKey, publicKeyBytes: enc } = ephemeral ?? generatedX25519Key();
      const dh = new Uint8Array(diffieHellman({ privateKey, publicKey: recipient.key }));
      const sharedSecret = await this.sharedSecret(dh, enc, recipient.publicKeyBytes);
      return { enc: enc.slice().buffer, sharedSecret };
    } catch (cause) {
      throw new EncapError(cause);
    }
  }

  override async decap(params: Parameters<DhkemX25519HkdfSha256['decap']>[0]): Promise<ArrayBuffer> {
    const recipientKey = 'privateKey' in params.recipientKey ? params.recipientKey.privateKey : params.recipientKey;
    const recipient = nodeX25519Key(recipientKey, 'private');
    // Authenticated mode, or a key node:crypto cannot take: @hpke/core's own path.
    if (params.senderPublicKey !== undefined || recipient === null) return super.decap(params);
    try {
      const enc = view(params.enc);
      // OpenSSL refuses an all-zero agreement (a low-order enc), as RFC 9180 §7.1.4 asks.
      const dh = new Uint8Array(diffieHellman({ privateKey: recipient.key, publicKey: rawPublicKey(enc) }));
      return await this.sharedSecret(dh, enc, recipient.publicKeyBytes);
    } catch (cause) {
      throw new DecapError(cause);
    }
  }

  /** ExtractAndExpand(dh, kem_context = enc ‖ pkRm): RFC 9180 §4.1. */
  private sharedSecret(dh: Uint8Array, enc: Uint8Array, recipientPublicKey: Uint8Array): Promise<ArrayBuffer> {
    const kemContext = new Uint8Array(2 * X25519_KEY_BYTES);
    kemContext.set(enc, 0);
    kemContext.set(recipientPublicKey, X25519_KEY_BYTES);
    const ikm = this._kdf.buildLabeledIkm(LABEL_EAE_PRK, dh);
    const info = this._kdf.buildLabeledInfo(LABEL_SHARED_SECRET, kemContext, this.secretSize);
    return this._kdf.extractAndExpand(new ArrayBuffer(0), ikm, info, this.secretSize);
  }
}

/** A fresh ephemeral X25519 key pair from node:crypto (Encap without a given ekm). */
function generatedX25519Key(): NodeX25519Key {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { key: privateKey, publicKeyBytes: new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')) };
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
