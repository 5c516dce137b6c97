import {
  encodeUpdate,
  generateRecipientKeyPair,
  sealUpdateToBytes,
  sha256Hex,
  signUpdateDigest,
  type EnvelopeContext,
  type RecipientKeyPair,
} from '@cloister/protocol';
import { developmentWallet } from '@cloister/contracts/development';
import { layoutOf } from '../model/layout';
import { REASON } from '../strategies/types';
import type { CheckParams, UpdateToCheck } from './checks';
import { MeanAggregator } from '../strategies/fedavg';
import { InlineChecker, newSlot, OpenerPool, type UpdateChecker } from './openerPool';
import { createFoldTarget, FOLD_STRIPE } from './orderedFold';
import { runUpdatePipeline } from './pipeline';

// Worker threads start from the TypeScript sources (swc in each thread): slow on a loaded machine, so a generous bound.
jest.setTimeout(120_000);

const participant = developmentWallet(1);
const other = developmentWallet(2);
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

/** Runs the same cases through a checker; returns what came out (accepted sums, rejection reasons, checks done). */
async function runCases(checker: UpdateChecker, keys: RecipientKeyPair) {
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
  let firstBuffer: ArrayBufferLike | undefined;
  const out: { reason?: number; sum?: number; numExamples?: number; norm?: number; checks: string }[] = [];
  let current = slot;
  for (const update of [good, tampered, forged, nan, big, otherRound, good]) {
    // Each update is handed over in the slot's own buffer, as the job does after a download.
    if (current.ciphertext.length < update.ciphertext.length) current.ciphertext = new Uint8Array(update.ciphertext.length);
    current.ciphertext.set(update.ciphertext);
    const { slot: back, result, checks } = await checker.check(current, { ...update, ciphertext: current.ciphertext.subarray(0, update.ciphertext.length) }, params);
    current = back;
    firstBuffer ??= back.ciphertext.buffer;
    // Which checks ran, as a string of the letters h(ash) s(ignature) o(pen) v(alidate).
    const done = (['hash', 'signature', 'open', 'validate'] as const).map((k) => (checks[k] ? k[0] : '-')).join('');
    if (!result.ok) out.push({ reason: result.reason, checks: done });
    else out.push({ sum: result.flat.reduce((a, b) => a + b, 0), numExamples: result.numExamples, norm: result.norm, checks: done });
  }
  return { out, slot: current, firstBuffer };
}

describe('update checkers (hash + signature + open + decode + validate)', () => {
  let keys: RecipientKeyPair;
  beforeAll(async () => {
    keys = await generateRecipientKeyPair();
  });

  it('inline and the opener pool give the same answers, reasons and checks; the pool hands both buffers back', async () => {
    const pool = new OpenerPool({ size: 2, idleMs: 5_000 });
    try {
      const inline = await runCases(new InlineChecker(), keys);
      const viaPool = await runCases(pool, keys);
      expect(viaPool.out).toEqual(inline.out);
      const expectedSum = deltas((i) => (i % 7) / 100)
        .flatMap((t) => Array.from(t.data))
        .reduce((a, b) => a + b, 0);
      expect(inline.out[0]!.sum).toBeCloseTo(expectedSum, 3);
      expect(inline.out[0]!.numExamples).toBe(3);
      expect(inline.out.map((o) => [o.reason, o.checks])).toEqual([
        [undefined, 'hsov'],
        [REASON.HashMismatch, 'h---'],
        [REASON.BadSignature, 'hs--'],
        [REASON.NonFinite, 'hsov'],
        [REASON.NormExceeded, 'hsov'],
        [REASON.DecryptFailed, 'hso-'],
        [undefined, 'hsov'],
      ]);
      expect(viaPool.out[6]).toEqual(viaPool.out[0]);
      // The slot's buffer came back usable (not detached), reused rather than regrown for each update.
      expect(viaPool.slot.ciphertext.byteLength).toBeGreaterThan(48_000);
      expect(inline.slot.ciphertext.buffer).toBe(inline.firstBuffer);
      expect(viaPool.slot.ciphertext.byteLength).toBe(inline.slot.ciphertext.byteLength);
    } finally {
      await pool.close();
    }
  });

  it('the pipeline folds in committed order over several threads, counts every check, and reports missing uploads', async () => {
    const pool = new OpenerPool({ size: 2, idleMs: 5_000 });
    const params: CheckParams = { keys, layout, normBound: 1000 };
    const updates = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => sealed(keys, (i) => (i % 3) * n * 1e-3, n)));
    updates[4] = await sealed(keys, (i) => i / 1e4, 5, other); // forged: hash checked, signature fails
    const folded: (number | string)[] = [];
    try {
      const counts = await runUpdatePipeline({
        count: 8,
        depth: 4,
        checker: pool,
        params,
        fetch: async (i, slot) => {
          if (i === 7) return null; // nothing uploaded
          const u = updates[i]!;
          if (slot.ciphertext.length < u.ciphertext.length) slot.ciphertext = new Uint8Array(u.ciphertext.length);
          slot.ciphertext.set(u.ciphertext);
          return { ...u, ciphertext: slot.ciphertext.subarray(0, u.ciphertext.length) };
        },
        fold: (_i, result) => {
          folded.push(result === null ? 'missing' : result.ok ? result.numExamples : `rejected ${result.reason}`);
        },
      });
      expect(folded).toEqual([1, 2, 3, 4, `rejected ${REASON.BadSignature}`, 6, 7, 'missing']);
      expect(counts).toEqual({ hashes: 7, signatures: 7, openings: 6, validations: 6 });
      // The same run inline: the same answers in the same order.
      const inlineFolded: (number | string)[] = [];
      await runUpdatePipeline({
        count: 7,
        depth: 1,
        checker: new InlineChecker(),
        params,
        fetch: async (i) => updates[i]!,
        fold: (_i, result) => void inlineFolded.push(result === null ? 'missing' : result.ok ? result.numExamples : `rejected ${result.reason}`),
      });
      expect(inlineFolded).toEqual(folded.slice(0, 7));
    } finally {
      await pool.close();
    }
    // A closed pool starts fresh threads on the next request.
    const again = await pool.check(newSlot(), updates[1]!, params);
    expect(again.result.ok).toBe(true);
    await pool.close();
  });

  it('a fold that throws ends the run with its error after the in-flight updates settle', async () => {
    const params: CheckParams = { keys, layout, normBound: 1000 };
    const u = await sealed(keys, () => 0.001, 1);
    await expect(
      runUpdatePipeline({
        count: 5,
        depth: 3,
        checker: new InlineChecker(),
        params,
        fetch: async () => u,
        fold: (i) => {
          if (i === 1) throw new Error('fold failed');
        },
      }),
    ).rejects.toThrow('fold failed');
  });

  it('a linear fold on two threads gives the bits of the one-thread fold, whatever order the downloads finish in', async () => {
    // Three stripes and a bit: ranks on the two threads meet in every stripe.
    const big = [
      { name: 'dense/kernel', shape: [3, FOLD_STRIPE], data: new Float32Array(3 * FOLD_STRIPE) },
      { name: 'dense/bias', shape: [7], data: new Float32Array(7) },
    ];
    const bigLayout = layoutOf(big);
    const params: CheckParams = { keys, layout: bigLayout, normBound: 1e6 };
    const updates: UpdateToCheck[] = [];
    for (let n = 1; n <= 9; n += 1) {
      const values = big.map((t) => ({ ...t, data: t.data.map((_, i) => Math.sin(i * n + n) / (n + 1)) }));
      const ciphertext = await sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context, plaintext: encodeUpdate({ deltas: values, numExamples: n * 3 + 1, metrics: {} }) });
      const commitment = sha256Hex(ciphertext);
      updates.push({ ciphertext, signature: await signUpdateDigest(n === 4 ? other : participant, { ...context, ciphertextHash: commitment }), commitment, context });
    }
    const run = async (checker: UpdateChecker, foldOnChecker: boolean) => {
      const aggregator = new MeanAggregator(bigLayout, 'examples');
      const linear = aggregator.linear!;
      await runUpdatePipeline({
        count: updates.length,
        depth: 4,
        checker,
        params,
        linear: foldOnChecker ? linear.target : undefined,
        fetch: async (i, slot) => {
          // Later updates of each window arrive first: a few more turns of the microtask queue for earlier ones.
          for (let k = 0; k < (3 - (i % 4)) * 50; k += 1) await Promise.resolve();
          const u = updates[i]!;
          if (slot.ciphertext.length < u.ciphertext.length) slot.ciphertext = new Uint8Array(u.ciphertext.length);
          slot.ciphertext.set(u.ciphertext);
          return { ...u, ciphertext: slot.ciphertext.subarray(0, u.ciphertext.length) };
        },
        fold: (i, result) => {
          if (result === null || !result.ok) return;
          const fit = { participant: `p${i}`, numExamples: result.numExamples, metrics: {} };
          if (foldOnChecker) return { weight: linear.record(fit) };
          aggregator.add({ ...fit, update: result.flat });
        },
      });
      return aggregator.finish();
    };
    const pool = new OpenerPool({ size: 2, idleMs: 5_000 });
    try {
      const oneThread = await run(new InlineChecker(), false);
      const onPool = await run(pool, true);
      const inlineLinear = await run(new InlineChecker(), true);
      expect(oneThread.included).toEqual(['p0', 'p1', 'p2', 'p4', 'p5', 'p6', 'p7', 'p8']); // p3 was forged
      expect(onPool.included).toEqual(oneThread.included);
      expect(onPool.metrics).toEqual(oneThread.metrics);
      expect(Buffer.from(onPool.combined.buffer).equals(Buffer.from(oneThread.combined.buffer))).toBe(true);
      expect(Buffer.from(inlineLinear.combined.buffer).equals(Buffer.from(oneThread.combined.buffer))).toBe(true);
      expect(oneThread.combined.some((x) => x !== 0)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('folds that become ready out of rank order land in rank order (float sums that depend on the order tell)', async () => {
    const pool = new OpenerPool({ size: 2, idleMs: 5_000 });
    try {
      const size = 2 * FOLD_STRIPE + 5;
      const target = createFoldTarget(size);
      // f = fround(1e16), whose ulp is 2: f + 1 rounds back to f (a tie, to even), f + 2 does not. In rank order
      // ((f + 1) − f) + 1 = 1; in the order a thread that did not wait would give (ranks 1 and 3 first, on the thread
      // that is free) ((1 + 1) + f) − f = 2.
      const f = Math.fround(1e16);
      const values = [f, 1, -f, 1].map((v) => new Float32Array(size).fill(v));
      const fold = (rank: number) => pool.fold({ ciphertext: new Uint8Array(values[rank]!.buffer) }, values[rank]!, target, rank, 1);
      // Both threads up and warm first (a thread's start from the sources takes seconds, longer than the hash below).
      const small = await sealed(keys, () => 0, 1);
      await Promise.all([pool.check(newSlot(), small, { keys, layout, normBound: 1 }), pool.check(newSlot(), small, { keys, layout, normBound: 1 })]);
      // Thread 0 hashes 32 MB (a commitment that does not match), thread 1 checks a small update; ranks 0 and 2 then
      // queue behind the long hash on thread 0, ranks 1 and 3 behind the short check on thread 1 (the pool picks the
      // thread with fewer requests, the first on a tie): ranks 1 and 3 are ready first, and must wait.
      const long = pool.check(newSlot(), { ciphertext: new Uint8Array(32_000_000), signature: undefined, commitment: '0x00', context }, { keys, layout, normBound: 1 });
      const short = pool.check(newSlot(), small, { keys, layout, normBound: 1 });
      const folds = [fold(0), fold(1), fold(2), fold(3)];
      await Promise.all([long, short, ...folds]);
      expect(target.accumulator.every((x) => x === 1)).toBe(true);
      expect(Array.from(target.tickets)).toEqual([4, 4, 4, 0]);
    } finally {
      await pool.close();
    }
  });

  it('a fold that fails on a worker fails its run, and the next rank waiting for it fails instead of hanging', async () => {
    const pool = new OpenerPool({ size: 2, idleMs: 5_000 });
    try {
      const target = createFoldTarget(2 * FOLD_STRIPE);
      const wrong = new Float32Array(10);
      const right = new Float32Array(2 * FOLD_STRIPE).fill(1);
      // Rank 1 goes out first and waits for rank 0, which has the wrong length.
      const waiting = pool.fold({ ciphertext: new Uint8Array(right.buffer) }, right, target, 1, 1);
      const failing = pool.fold({ ciphertext: new Uint8Array(wrong.buffer) }, wrong, target, 0, 1);
      await expect(failing).rejects.toThrow('fold of 10 values into an accumulator of 65536');
      await expect(waiting).rejects.toThrow('aborted');
      expect(target.accumulator.every((x) => x === 0)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
