import { encodeUpdate, generateRecipientKeyPair, openUpdateToBytes, sha256Hex, type EnvelopeContext } from '@cloister/protocol';
import { SealPool } from './sealPool';
import { syntheticUpdate } from './syntheticUpdate';

// Worker threads compile the protocol sources through tsx on their first use: slow on a loaded machine.
jest.setTimeout(120_000);

const contextOf = (participant: number): EnvelopeContext => ({
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 2n,
  participant: `0x${(participant + 1).toString(16).padStart(40, '0')}`,
});

describe('SealPool', () => {
  it.each([2, 0])('with %i threads: every sealed update opens to its plaintext and hashes to its commitment', async (threads) => {
    const keys = await generateRecipientKeyPair();
    const pool = new SealPool(threads);
    try {
      const plaintexts = Array.from({ length: 5 }, (_, i) => encodeUpdate(syntheticUpdate({ params: 50_000, seed: 3, participant: i, round: 2 })));
      const expected = plaintexts.map((p) => Buffer.from(p)); // the pool takes the buffers over
      const sealed = await Promise.all(plaintexts.map((p, i) => pool.seal(p, keys.publicKey, contextOf(i))));
      for (const [i, s] of sealed.entries()) {
        expect(s.ciphertextHash).toBe(sha256Hex(s.ciphertext));
        const opened = await openUpdateToBytes({ recipientKeyPair: keys, context: contextOf(i), ciphertext: s.ciphertext });
        expect(Buffer.from(opened).equals(expected[i]!)).toBe(true);
      }
      // A synthetic update generated from its recipe where it is sealed: the same bytes as generated here.
      const recipe = { params: 50_000, seed: 3, participant: 7, round: 2 };
      const generated = await pool.seal(recipe, keys.publicKey, contextOf(7));
      expect(generated.ciphertextHash).toBe(sha256Hex(generated.ciphertext));
      const opened = await openUpdateToBytes({ recipientKeyPair: keys, context: contextOf(7), ciphertext: generated.ciphertext });
      expect(Buffer.from(opened).equals(Buffer.from(encodeUpdate(syntheticUpdate(recipe))))).toBe(true);
      // Sealed for participant 0, it does not open as participant 1's.
      await expect(openUpdateToBytes({ recipientKeyPair: keys, context: contextOf(1), ciphertext: sealed[0]!.ciphertext })).rejects.toMatchObject({ code: 'CLOISTER_ERR_ENVELOPE_WRONG_CONTEXT' });
    } finally {
      await pool.close();
    }
  });
});
