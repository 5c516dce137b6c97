import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  CloisterError,
  EnvelopeHeaderInvalidError,
  EnvelopeHeaderOversizedError,
  EnvelopeInvalidContextError,
  EnvelopeInvalidKeyError,
  EnvelopeInvalidOptionsError,
  EnvelopeReorderedError,
  EnvelopeSourceFailedError,
  EnvelopeTamperedError,
  EnvelopeTrailingDataError,
  EnvelopeTruncatedError,
  EnvelopeWrongContextError,
  EnvelopeWrongKeyError,
} from '../errors.js';
import {
  deriveRecipientKeyPair,
  generateRecipientKeyPair,
  openUpdateToBytes,
  sealUpdate,
  sealUpdateToBytes,
} from './index.js';
import type { EnvelopeContext, RecipientKeyPair } from './types.js';

const context: EnvelopeContext = {
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 2n,
  participant: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};
const HEADER = 100;
const CHUNK = 64;
const FRAME = 25 + CHUNK; // a full frame: index, flags, length, GCM tag, ciphertext

let keys: RecipientKeyPair;
let sealed: Uint8Array; // 3 chunks: 64 + 64 + 22 bytes
const plaintext = new Uint8Array(randomBytes(150));

beforeAll(async () => {
  keys = await deriveRecipientKeyPair(new Uint8Array(32).fill(1));
  sealed = await sealUpdateToBytes({
    recipientPublicKey: keys.publicKey,
    context,
    plaintext,
    chunkSize: CHUNK,
  });
});

const open = (ciphertext: Uint8Array | AsyncIterable<Uint8Array>, ctx = context, recipientKeyPair = keys) =>
  openUpdateToBytes({ recipientKeyPair, context: ctx, ciphertext });

function frames(bytes: Uint8Array): Uint8Array[] {
  return [
    bytes.subarray(HEADER, HEADER + FRAME),
    bytes.subarray(HEADER + FRAME, HEADER + 2 * FRAME),
    bytes.subarray(HEADER + 2 * FRAME),
  ];
}
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Rewrites the header digest (its last 16 bytes: SHA-256 of the bytes before) after a test edits a header field, so
 * the edit reaches the check it is aimed at instead of the digest check. */
function rehashHeader(bytes: Uint8Array): void {
  bytes.set(createHash('sha256').update(bytes.subarray(0, HEADER - 16)).digest().subarray(0, 16), HEADER - 16);
}

describe('openUpdate typed errors', () => {
  it('opens the untouched stream', async () => {
    expect(sealed.length).toBe(HEADER + 2 * FRAME + 25 + 22);
    expect(Buffer.from(await open(sealed)).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('opens in place: the ciphertext\'s own buffer as output (each chunk lands over bytes already read)', async () => {
    for (const chunkSize of [64, 1024]) {
      const bytes = Uint8Array.from(await sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context, plaintext, chunkSize }));
      const opened = await openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: bytes, output: bytes });
      expect(opened.buffer).toBe(bytes.buffer);
      expect(opened.byteOffset).toBe(0);
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    }
    // A tampered envelope still fails in place.
    const bad = Uint8Array.from(sealed);
    bad[bad.length - 1]! ^= 1;
    await expect(openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: bad, output: bad })).rejects.toBeInstanceOf(EnvelopeTamperedError);
  });

  it('wrong key', async () => {
    await expect(open(sealed, context, await generateRecipientKeyPair())).rejects.toThrow(
      EnvelopeWrongKeyError,
    );
  });

  it('wrong context: each bound field', async () => {
    for (const change of [
      { round: 3n },
      { taskId: 2n },
      { chainId: 1n },
      { participant: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
      { contractAddress: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
    ]) {
      await expect(open(sealed, { ...context, ...change })).rejects.toThrow(EnvelopeWrongContextError);
    }
  });

  it('tampered: any changed byte after the magic/version/length prefix', async () => {
    const finalLength = [
      HEADER + 2 * FRAME + 5,
      HEADER + 2 * FRAME + 6,
      HEADER + 2 * FRAME + 7,
      HEADER + 2 * FRAME + 8,
    ];
    for (let at = 0; at < sealed.length; at++) {
      const copy = sealed.slice();
      copy[at] = (copy[at] as number) ^ 0x01;
      const error = await open(copy).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CloisterError);
      if (at < 5) expect(error).toBeInstanceOf(EnvelopeHeaderInvalidError);
      else if (at === 6 || at === 7) expect(error).toBeInstanceOf(CloisterError);
      else if (finalLength.includes(at))
        expect([EnvelopeTamperedError, EnvelopeTruncatedError].some((c) => error instanceof c)).toBe(true);
      else expect(error).toBeInstanceOf(EnvelopeTamperedError);
    }
  });

  it('truncated at every length', async () => {
    for (let cut = 0; cut < sealed.length; cut++) {
      await expect(open(sealed.subarray(0, cut))).rejects.toThrow(EnvelopeTruncatedError);
    }
  });

  it('reordered, dropped and duplicated chunks', async () => {
    const [f0, f1, f2] = frames(sealed) as [Uint8Array, Uint8Array, Uint8Array];
    const header = sealed.subarray(0, HEADER);
    await expect(open(concat(header, f1, f0, f2))).rejects.toThrow(EnvelopeReorderedError);
    await expect(open(concat(header, f0, f2))).rejects.toThrow(EnvelopeReorderedError);
    await expect(open(concat(header, f0, f0, f1, f2))).rejects.toThrow(EnvelopeReorderedError);
  });

  it('a chunk from another envelope is tampering', async () => {
    const other = await sealUpdateToBytes({
      recipientPublicKey: keys.publicKey,
      context,
      plaintext,
      chunkSize: CHUNK,
    });
    const [f0, , f2] = frames(sealed) as [Uint8Array, Uint8Array, Uint8Array];
    await expect(
      open(concat(sealed.subarray(0, HEADER), f0, frames(other)[1] as Uint8Array, f2)),
    ).rejects.toThrow(EnvelopeTamperedError);
  });

  it('trailing data after the final chunk', async () => {
    await expect(open(concat(sealed, Uint8Array.of(0)))).rejects.toThrow(EnvelopeTrailingDataError);
  });

  it('oversized header: declared header length and chunk size above the limits', async () => {
    const big = sealed.slice();
    big[6] = 0xff;
    await expect(open(big)).rejects.toThrow(EnvelopeHeaderOversizedError);
    const chunk = sealed.slice();
    new DataView(chunk.buffer).setUint32(14, 0x7fffffff);
    rehashHeader(chunk);
    await expect(open(chunk)).rejects.toThrow(EnvelopeHeaderOversizedError);
  });

  it('malformed header: magic, version, suite', async () => {
    await expect(open(new TextEncoder().encode('{"not":"an envelope"}'))).rejects.toThrow(
      EnvelopeHeaderInvalidError,
    );
    const version = sealed.slice();
    version[4] = 1; // envelope v1 (HPKE AEAD per chunk) is no longer accepted
    await expect(open(version)).rejects.toThrow(EnvelopeHeaderInvalidError);
    const suite = sealed.slice();
    suite[13] = 0x01; // AES-128-GCM
    rehashHeader(suite);
    await expect(open(suite)).rejects.toThrow(EnvelopeHeaderInvalidError);
  });

  it('a replaced enc reads as the wrong key', async () => {
    const other = await generateRecipientKeyPair();
    const copy = sealed.slice();
    copy.set(other.publicKey, 20);
    rehashHeader(copy);
    await expect(open(copy)).rejects.toThrow(EnvelopeWrongKeyError);
  });

  it('invalid inputs and failing sources', async () => {
    const seal = (options: object) =>
      sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context, plaintext, ...options });
    await expect(seal({ chunkSize: 8 })).rejects.toThrow(EnvelopeInvalidOptionsError);
    await expect(seal({ chunkSize: 1.5 })).rejects.toThrow(EnvelopeInvalidOptionsError);
    await expect(seal({ recipientPublicKey: new Uint8Array(31) })).rejects.toThrow(EnvelopeInvalidKeyError);
    await expect(seal({ context: { ...context, round: -1n } })).rejects.toThrow(EnvelopeInvalidContextError);
    await expect(seal({ context: { ...context, round: 1n << 64n } })).rejects.toThrow(
      EnvelopeInvalidContextError,
    );
    await expect(seal({ context: { ...context, participant: '0x1234' } })).rejects.toThrow(
      EnvelopeInvalidContextError,
    );
    await expect(seal({ plaintext: 'text' })).rejects.toThrow(EnvelopeInvalidOptionsError);
    await expect(seal({ plaintext: Readable.from(['text'], { objectMode: true }) })).rejects.toThrow(
      EnvelopeSourceFailedError,
    );
    await expect(deriveRecipientKeyPair(new Uint8Array(16))).rejects.toThrow(EnvelopeInvalidKeyError);
    const failing = (async function* () {
      yield sealed.subarray(0, 50);
      throw new Error('socket hang up');
    })();
    await expect(open(failing)).rejects.toThrow(EnvelopeSourceFailedError);
    await expect(open('nope' as never)).rejects.toThrow(EnvelopeSourceFailedError);
  });

  it('stops the source stream when the consumer gives up', async () => {
    const big = await sealUpdateToBytes({
      recipientPublicKey: keys.publicKey,
      context,
      plaintext: new Uint8Array(4096),
      chunkSize: CHUNK,
    });
    const stream = Readable.from([big.subarray(0, 1000), big.subarray(1000)]);
    const { openUpdate } = await import('./index.js');
    for await (const piece of openUpdate({ recipientKeyPair: keys, context, ciphertext: stream })) {
      expect(piece.length).toBe(CHUNK);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });

  it('streams a sealed Readable of many chunks in O(chunk) pieces', async () => {
    const pieces: number[] = [];
    for await (const piece of sealUpdate({
      recipientPublicKey: keys.publicKey,
      context,
      plaintext: new Uint8Array(64 * 20),
      chunkSize: CHUNK,
    })) {
      pieces.push(piece.length);
    }
    expect(Math.max(...pieces)).toBeLessThanOrEqual(HEADER);
    expect(pieces.length).toBe(1 + 2 * 20);
  });

  it('random and mutated envelopes only ever throw CloisterErrors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
              fc.nat(),
              fc.boolean(),
            )
            .map(([edits, cut, doCut]) => {
              const bytes = sealed.slice();
              for (const [at, value] of edits) bytes[at % bytes.length] = value;
              return doCut ? bytes.subarray(0, cut % bytes.length) : bytes;
            }),
        ),
        async (bytes) => {
          const error = await open(bytes).then(
            () => null,
            (e: unknown) => e,
          );
          if (error !== null) expect(error).toBeInstanceOf(CloisterError);
          else expect(Buffer.from(bytes).equals(Buffer.from(sealed))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
