// Integration: a participant's update goes encode → seal (streamed) → sha256 + signature → open → decode, bit-exact.
import { Readable } from 'node:stream';
import { Wallet } from 'ethers';
import {
  createSha256,
  decodeUpdate,
  encodeUpdate,
  generateRecipientKeyPair,
  openUpdateToBytes,
  recoverUpdateSigner,
  sealUpdate,
  signUpdateDigest,
  type EnvelopeContext,
} from '@cloister/protocol';

it('carries an update from participant to aggregator', async () => {
  const wallet = Wallet.createRandom();
  const aggregator = await generateRecipientKeyPair();
  const context: EnvelopeContext = {
    chainId: 23295n,
    contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    taskId: 7n,
    round: 3n,
    participant: wallet.address,
  };
  const kernel = new Float32Array(300_000).map((_, i) => Math.sin(i));
  const encoded = encodeUpdate({
    deltas: [{ name: 'dense/kernel', shape: [1000, 300], data: kernel }],
    numExamples: 42,
    metrics: { loss: 0.3 },
  });
  const hash = createSha256();
  const pieces: Uint8Array[] = [];
  for await (const piece of sealUpdate({
    recipientPublicKey: aggregator.publicKey,
    context,
    plaintext: Readable.from([encoded]),
    chunkSize: 256 * 1024,
  })) {
    hash.update(piece);
    pieces.push(piece);
  }
  const ciphertextHash = hash.digestHex();
  const signature = await signUpdateDigest(wallet, { ...context, ciphertextHash });
  expect(recoverUpdateSigner({ ...context, ciphertextHash }, signature)).toBe(wallet.address);
  const opened = await openUpdateToBytes({
    recipientKeyPair: aggregator,
    context,
    ciphertext: Readable.from(pieces),
  });
  const update = decodeUpdate(opened);
  expect(update.numExamples).toBe(42);
  expect(
    Buffer.from(update.deltas[0]!.data.buffer, update.deltas[0]!.data.byteOffset, kernel.byteLength).equals(
      Buffer.from(kernel.buffer),
    ),
  ).toBe(true);
});
