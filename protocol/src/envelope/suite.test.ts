import { randomBytes } from 'node:crypto';
import { DecapError, DhkemX25519HkdfSha256 } from '@hpke/core';
import fc from 'fast-check';
import { NodeDhkemX25519HkdfSha256 } from './suite.js';

// The node:crypto Encap and Decap against @hpke/core's own (WebCrypto) ones of the same DHKEM: same enc and shared
// secret for any key pairs, and the same refusals.
describe('NodeDhkemX25519HkdfSha256.encap', () => {
  const ours = new NodeDhkemX25519HkdfSha256();
  const reference = new DhkemX25519HkdfSha256();

  it('with a given ephemeral key pair: the enc and shared secret @hpke/core computes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (recipientSeed, ephemeralSeed) => {
        const recipient = await reference.deriveKeyPair(recipientSeed);
        const ekm = await reference.deriveKeyPair(ephemeralSeed);
        const expected = await reference.encap({ recipientPublicKey: recipient.publicKey, ekm });
        const got = await ours.encap({ recipientPublicKey: recipient.publicKey, ekm });
        expect(Buffer.from(got.enc).toString('hex')).toBe(Buffer.from(expected.enc).toString('hex'));
        expect(Buffer.from(got.sharedSecret).toString('hex')).toBe(Buffer.from(expected.sharedSecret).toString('hex'));
      }),
      { numRuns: 25 },
    );
  });

  it('with a fresh ephemeral key: @hpke/core decapsulates the same shared secret, and two encaps differ', async () => {
    const recipient = await reference.deriveKeyPair(randomBytes(32));
    const first = await ours.encap({ recipientPublicKey: recipient.publicKey });
    const second = await ours.encap({ recipientPublicKey: recipient.publicKey });
    const opened = await reference.decap({ recipientKey: recipient.privateKey, enc: first.enc });
    expect(Buffer.from(opened).equals(Buffer.from(first.sharedSecret))).toBe(true);
    expect(Buffer.from(first.enc).equals(Buffer.from(second.enc))).toBe(false);
  });
});

describe('NodeDhkemX25519HkdfSha256.decap', () => {
  const ours = new NodeDhkemX25519HkdfSha256();
  const reference = new DhkemX25519HkdfSha256();

  it('derives the shared secret @hpke/core derives, for random recipient seeds and encapsulations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (seed) => {
        const recipient = await reference.deriveKeyPair(seed);
        const { enc, sharedSecret } = await reference.encap({ recipientPublicKey: recipient.publicKey });
        const expected = Buffer.from(sharedSecret).toString('hex');
        expect(Buffer.from(await ours.decap({ recipientKey: recipient.privateKey, enc })).toString('hex')).toBe(expected);
        expect(Buffer.from(await ours.decap({ recipientKey: recipient, enc })).toString('hex')).toBe(expected);
        expect(Buffer.from(await reference.decap({ recipientKey: recipient.privateKey, enc })).toString('hex')).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a low-order enc (the all-zero point: an all-zero agreement) and an enc of the wrong length', async () => {
    const recipient = await reference.deriveKeyPair(randomBytes(32));
    await expect(ours.decap({ recipientKey: recipient.privateKey, enc: new Uint8Array(32).buffer })).rejects.toBeInstanceOf(DecapError);
    await expect(reference.decap({ recipientKey: recipient.privateKey, enc: new Uint8Array(32).buffer })).rejects.toThrow();
    await expect(ours.decap({ recipientKey: recipient.privateKey, enc: new Uint8Array(31).buffer })).rejects.toBeInstanceOf(DecapError);
  });

  it('a different recipient key gives a different shared secret (no silent fallback to a fixed value)', async () => {
    const recipient = await reference.deriveKeyPair(randomBytes(32));
    const other = await reference.deriveKeyPair(randomBytes(32));
    const { enc, sharedSecret } = await reference.encap({ recipientPublicKey: recipient.publicKey });
    const wrong = await ours.decap({ recipientKey: other.privateKey, enc });
    expect(Buffer.from(wrong).equals(Buffer.from(sharedSecret))).toBe(false);
  });
});
