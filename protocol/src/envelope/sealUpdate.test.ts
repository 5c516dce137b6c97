import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  deriveRecipientKeyPair,
  generateRecipientKeyPair,
  openUpdate,
  openUpdateToBytes,
  sealUpdate,
  sealUpdateToBytes,
  sealedSize,
} from './index.js';
import type { EnvelopeContext, RecipientKeyPair } from './types.js';

export const context: EnvelopeContext = {
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 2n,
  participant: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

/** `size` random bytes and their envelope to `keys`, sealed in chunks of `chunkSize`. */
async function sealRandom(keys: RecipientKeyPair, size: number, chunkSize: number) {
  const plaintext = new Uint8Array(randomBytes(size));
  const sealed = await sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context, plaintext, chunkSize });
  return { plaintext, sealed };
}

describe('sealUpdate / openUpdate round trip', () => {
  it('round-trips several sizes around chunk boundaries', async () => {
    const keys = await generateRecipientKeyPair();
    for (const size of [0, 1, 63, 64, 65, 128, 1000]) {
      const { plaintext, sealed } = await sealRandom(keys, size, 64);
      expect(sealed.length).toBe(sealedSize(size, 64));
      const opened = await openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: sealed });
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    }
  });

  it('accepts Node Readable streams on both sides and odd piece sizes', async () => {
    const keys = await generateRecipientKeyPair();
    const plaintext = new Uint8Array(randomBytes(10_000));
    const pieces = [plaintext.subarray(0, 7), plaintext.subarray(7, 4000), plaintext.subarray(4000)];
    const sealedPieces: Uint8Array[] = [];
    for await (const piece of sealUpdate({
      recipientPublicKey: keys.publicKey,
      context,
      plaintext: Readable.from(pieces),
      chunkSize: 1024,
    })) {
      sealedPieces.push(Uint8Array.from(piece));
    }
    const sealed = Buffer.concat(sealedPieces);
    expect(sealed.length).toBe(sealedSize(10_000, 1024));
    // Re-chunk the ciphertext into 333-byte pieces to exercise the reader's buffering.
    const rechunked: Buffer[] = [];
    for (let i = 0; i < sealed.length; i += 333) rechunked.push(sealed.subarray(i, i + 333));
    const out: Uint8Array[] = [];
    for await (const piece of openUpdate({
      recipientKeyPair: keys,
      context,
      ciphertext: Readable.from(rechunked),
    }))
      out.push(piece);
    expect(Buffer.concat(out).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('derives the same key pair from the same seed, and checksummed or lowercase addresses bind the same context', async () => {
    const seed = new Uint8Array(32).fill(7);
    const a = await deriveRecipientKeyPair(seed);
    const b = await deriveRecipientKeyPair(seed);
    expect(a.publicKey).toHaveLength(32);
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(true);
    const sealed = await sealUpdateToBytes({
      recipientPublicKey: a.publicKey,
      context,
      plaintext: Uint8Array.of(1, 2, 3),
    });
    const lower = {
      ...context,
      participant: context.participant.toLowerCase(),
      contractAddress: context.contractAddress.toLowerCase(),
    };
    expect(
      Array.from(await openUpdateToBytes({ recipientKeyPair: b, context: lower, ciphertext: sealed })),
    ).toEqual([1, 2, 3]);
  });
});

describe('envelope v2 layout and openUpdateToBytes output buffers', () => {
  it('frame 0 decrypts with the documented STREAM derivation (exporter secret, HMAC labels, nonce XOR index)', async () => {
    const { createDecipheriv, createHmac } = await import('node:crypto');
    const { buildEnvelopeInfo, createHpkeSuite } = await import('./index.js');
    const keys = await generateRecipientKeyPair();
    const { plaintext, sealed } = await sealRandom(keys, 100, 64);
    expect(sealed[4]).toBe(2);
    const recipient = await createHpkeSuite().createRecipientContext({
      recipientKey: keys.privateKey,
      enc: sealed.slice(20, 52),
      info: buildEnvelopeInfo(context),
    });
    const secret = Buffer.from(
      await recipient.export(new TextEncoder().encode('cloister/envelope/v2 stream'), 32),
    );
    const prf = (label: string) => createHmac('sha256', secret).update(label).digest();
    expect(
      Buffer.from(sealed.subarray(68, 84)).equals(prf('cloister/envelope/v2 context-check').subarray(0, 16)),
    ).toBe(true);
    const decrypt = (frameAt: number, index: number, length: number) => {
      const nonce = prf('cloister/envelope/v2 nonce').subarray(0, 12);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ index) >>> 0, 8);
      const d = createDecipheriv('aes-256-gcm', prf('cloister/envelope/v2 key'), nonce);
      d.setAAD(sealed.subarray(frameAt, frameAt + 9));
      d.setAuthTag(sealed.subarray(frameAt + 9 + length, frameAt + 25 + length));
      const out = d.update(sealed.subarray(frameAt + 9, frameAt + 9 + length));
      d.final();
      return out;
    };
    expect(decrypt(100, 0, 64).equals(Buffer.from(plaintext.subarray(0, 64)))).toBe(true);
    expect(sealed[100 + 25 + 64 + 4]).toBe(1); // final flag of frame 1
    expect(decrypt(100 + 25 + 64, 1, 36).equals(Buffer.from(plaintext.subarray(64)))).toBe(true);
  });

  it('opens into a caller-provided buffer, reused across envelopes, and rejects one that is too small', async () => {
    const { EnvelopeInvalidOptionsError } = await import('../errors.js');
    const keys = await generateRecipientKeyPair();
    const output = new Uint8Array(5000);
    for (const size of [3000, 10, 0, 4096]) {
      const { plaintext, sealed } = await sealRandom(keys, size, 1024);
      const opened = await openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: sealed, output });
      expect(opened.buffer).toBe(output.buffer);
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
      const streamed = await openUpdateToBytes({
        recipientKeyPair: keys,
        context,
        ciphertext: Readable.from([sealed.subarray(0, 7), sealed.subarray(7)]),
        output,
      });
      expect(Buffer.from(streamed).equals(Buffer.from(plaintext))).toBe(true);
    }
    const sealed = await sealUpdateToBytes({
      recipientPublicKey: keys.publicKey,
      context,
      plaintext: new Uint8Array(3000),
      chunkSize: 1024,
    });
    await expect(
      openUpdateToBytes({
        recipientKeyPair: keys,
        context,
        ciphertext: sealed,
        output: new Uint8Array(2999),
      }),
    ).rejects.toThrow(EnvelopeInvalidOptionsError);
    await expect(
      openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: sealed, output: [] as never }),
    ).rejects.toThrow(EnvelopeInvalidOptionsError);
  });
});
