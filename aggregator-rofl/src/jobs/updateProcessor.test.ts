import {
  encodeUpdate,
  generateRecipientKeyPair,
  sealUpdateToBytes,
  sha256Hex,
  signUpdateDigest,
  type EnvelopeContext,
  type RecipientKeyPair,
} from '@cloister/protocol';
import { Wallet } from 'ethers';
import { layoutOf } from '../model/layout';
import { REASON } from '../strategies/types';
import type { CheckParams, UpdateToCheck } from './checkUpdate';
import { InlineUpdateProcessor, newSlot, SMALL_UPDATE_BYTES, WorkerUpdateProcessor, type UpdateProcessor } from './updateProcessor';

const participant = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const other = new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const context: EnvelopeContext = {
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 1n,
  participant: participant.address,
};
const model = [
  { name: 'dense/kernel', shape: [300, 40], data: new Float32Array(12_000) },
  { name: 'dense/bias', shape: [40], data: new Float32Array(40) },
];
const layout = layoutOf(model);
const deltas = (f: (i: number) => number) => model.map((t, k) => ({ ...t, data: t.data.map((_, i) => f(i + 100 * k)) }));

async function sealed(
  keys: RecipientKeyPair,
  values: (i: number) => number,
  numExamples: number,
  signer = participant,
  sealContext = context,
): Promise<UpdateToCheck> {
  const ciphertext = await sealUpdateToBytes({
    recipientPublicKey: keys.publicKey,
    context: sealContext,
    plaintext: encodeUpdate({ deltas: deltas(values), numExamples, metrics: { loss: numExamples } }),
    chunkSize: 4096,
  });
  const commitment = sha256Hex(ciphertext);
  const signature = await signUpdateDigest(signer, { ...context, ciphertextHash: commitment });
  return { ciphertext, signature, commitment, context };
}

/** Runs the same cases through a processor; returns what came out (accepted sums, rejection reasons). */
async function runCases(processor: UpdateProcessor, keys: RecipientKeyPair) {
  const params: CheckParams = { keys, layout, normBound: 1000 };
  const good = await sealed(keys, (i) => (i % 7) / 100, 3);
  const tampered = await sealed(keys, (i) => i / 1e4, 3);
  tampered.ciphertext = Uint8Array.from(tampered.ciphertext);
  tampered.ciphertext[tampered.ciphertext.length - 1]! ^= 1;
  const forged = await sealed(keys, (i) => i / 1e4, 3, other);
  const nan = await sealed(keys, (i) => (i === 5 ? NaN : 0), 3);
  const big = await sealed(keys, () => 10, 3);
  // Hash and signature right, but sealed for another round: the envelope does not open in this round's context.
  const otherRound = await sealed(keys, () => 0, 3, participant, { ...context, round: 2n });

  const slot = newSlot();
  const out: { reason?: number; sum?: number; numExamples?: number; norm?: number }[] = [];
  let current = slot;
  for (const update of [good, tampered, forged, nan, big, otherRound, good]) {
    // Each update is handed over in the slot's own buffer, as the job does after a download.
    if (current.ciphertext.length < update.ciphertext.length) current.ciphertext = new Uint8Array(update.ciphertext.length);
    current.ciphertext.set(update.ciphertext);
    const { slot: back, result } = await processor.process(current, { ...update, ciphertext: current.ciphertext.subarray(0, update.ciphertext.length) }, params);
    current = back;
    if (!result.ok) out.push({ reason: result.reason });
    else out.push({ sum: result.flat.reduce((a, b) => a + b, 0), numExamples: result.numExamples, norm: result.norm });
  }
  return { out, slot: current };
}

describe('update processors (check + open + validate)', () => {
  let keys: RecipientKeyPair;
  beforeAll(async () => {
    keys = await generateRecipientKeyPair();
  });

  it('inline and worker give the same answers and reasons; the worker hands both buffers back', async () => {
    const worker = new WorkerUpdateProcessor(5_000);
    try {
      const inline = await runCases(new InlineUpdateProcessor(), keys);
      const viaWorker = await runCases(worker, keys);
      expect(viaWorker.out).toEqual(inline.out);
      const expectedSum = deltas((i) => (i % 7) / 100)
        .flatMap((t) => Array.from(t.data))
        .reduce((a, b) => a + b, 0);
      expect(inline.out[0]!.sum).toBeCloseTo(expectedSum, 3);
      expect(inline.out[0]!.numExamples).toBe(3);
      expect(inline.out.slice(1, 6).map((o) => o.reason)).toEqual([
        REASON.HashMismatch,
        REASON.BadSignature,
        REASON.NonFinite,
        REASON.NormExceeded,
        REASON.DecryptFailed,
      ]);
      expect(viaWorker.out[6]).toEqual(viaWorker.out[0]);
      // Buffers came back usable (not detached) and the plaintext buffer was reused, not regrown each time.
      expect(viaWorker.slot.ciphertext.byteLength).toBeGreaterThan(48_000);
      expect(viaWorker.slot.plaintext.byteLength).toBeGreaterThanOrEqual(viaWorker.slot.ciphertext.byteLength - 64);
    } finally {
      await worker.close();
    }
  });

  it('several requests in flight are answered in order; a closed processor starts a fresh worker', async () => {
    const worker = new WorkerUpdateProcessor(5_000);
    const params: CheckParams = { keys, layout, normBound: 1000 };
    const updates = await Promise.all([1, 2, 3].map((n) => sealed(keys, (i) => (i % 3) * n * 1e-3, n)));
    const results = await Promise.all(updates.map((u) => worker.process(newSlot(), u, params)));
    expect(results.map((r) => (r.result.ok ? r.result.numExamples : -1))).toEqual([1, 2, 3]);
    // Large updates (≥ SMALL_UPDATE_BYTES) are authenticated in this thread, then opened in the worker: same answers.
    const bigModel = [{ name: 'w', shape: [300_000], data: new Float32Array(300_000) }];
    const bigParams: CheckParams = { keys, layout: layoutOf(bigModel), normBound: 1e6 };
    const bigSealed = async (signer: Wallet) => {
      const ciphertext = await sealUpdateToBytes({
        recipientPublicKey: keys.publicKey,
        context,
        plaintext: encodeUpdate({ deltas: [{ ...bigModel[0]!, data: bigModel[0]!.data.map((_, i) => (i % 5) * 1e-3) }], numExamples: 7, metrics: {} }),
      });
      expect(ciphertext.length).toBeGreaterThanOrEqual(SMALL_UPDATE_BYTES);
      const commitment = sha256Hex(ciphertext);
      return { ciphertext, signature: await signUpdateDigest(signer, { ...context, ciphertextHash: commitment }), commitment, context };
    };
    const bigGood = await worker.process(newSlot(), await bigSealed(participant), bigParams);
    const bigInline = await new InlineUpdateProcessor().process(newSlot(), await bigSealed(participant), bigParams);
    if (!bigGood.result.ok || !bigInline.result.ok) throw new Error('large update rejected');
    expect(bigGood.result.norm).toBeCloseTo(bigInline.result.norm, 9);
    expect(bigGood.result.flat.length).toBe(300_000);
    const bigForged = await worker.process(newSlot(), await bigSealed(other), bigParams);
    expect(bigForged.result).toMatchObject({ ok: false, reason: REASON.BadSignature });
    await worker.close();
    // A closed processor starts a fresh worker on the next request.
    const again = await worker.process(newSlot(), updates[1]!, params);
    expect(again.result.ok).toBe(true);
    await worker.close();
  });
});
