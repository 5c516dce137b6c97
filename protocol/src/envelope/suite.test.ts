import { randomBytes } from 'node:crypto';
import { DecapError, DhkemX25519HkdfSha256 } from '@hpke/core';
import fc from 'fast-check';
import { NodeDhkemX25519HkdfSha256 } from './suite.js';

// The node:crypto Decap against @hpke/core's own (WebCrypto) Decap of the same DHKEM: same shared secret for any
// key pair and enc, and the same refusals.
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
