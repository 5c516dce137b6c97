import {
  encodeUpdate,
  generateRecipientKeyPair,
  sealUpdateToBytes,
  type EnvelopeContext,
} from '@cloister/protocol';
import { layoutOf } from '../model/layout';
import { REASON } from '../strategies/types';
import { UpdateOpener } from './checks';

const context: EnvelopeContext = {
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 1n,
  participant: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};
const model = [
  { name: 'dense/kernel', shape: [3, 4], data: new Float32Array(12) },
  { name: 'dense/bias', shape: [4], data: new Float32Array(4) },
];
const layout = layoutOf(model);
const deltas = (f: (i: number) => number) =>
  model.map((t, k) => ({ ...t, data: t.data.map((_, i) => f(i + 100 * k)) }));

describe('UpdateOpener', () => {
  it('opens, decodes and validates into one reused buffer, and maps each failure to its reason', async () => {
    const keys = await generateRecipientKeyPair();
    const seal = (plaintext: Uint8Array, ctx = context) =>
      sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context: ctx, plaintext, chunkSize: 32 });
    const opener = new UpdateOpener(keys, layout, 100);

    const a = await opener.open(
      await seal(encodeUpdate({ deltas: deltas((i) => i / 10), numExamples: 5, metrics: { loss: 1 } })),
      context,
    );
    if (!a.ok) throw new Error(a.detail);
    expect(Array.from(a.flat)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => Math.fround(i / 10)),
      ...[100, 101, 102, 103].map((i) => Math.fround(i / 10)),
    ]);
    expect(a.numExamples).toBe(5);
    expect(a.metrics).toEqual({ loss: 1 });
    const firstBuffer = a.flat.buffer;

    const b = await opener.open(
      await seal(encodeUpdate({ deltas: deltas(() => 0.5), numExamples: 2, metrics: {} })),
      context,
    );
    if (!b.ok) throw new Error(b.detail);
    expect(b.flat.buffer).toBe(firstBuffer); // same plaintext buffer, overwritten
    expect(Array.from(b.flat)).toEqual(new Array(16).fill(0.5));
    expect(b.norm).toBeCloseTo(2, 6);

    const wrongRound = await opener.open(
      await seal(encodeUpdate({ deltas: deltas(() => 0), numExamples: 1, metrics: {} }), {
        ...context,
        round: 2n,
      }),
      context,
    );
    expect(wrongRound).toEqual({
      ok: false,
      reason: REASON.DecryptFailed,
      detail: 'CLOISTER_ERR_ENVELOPE_WRONG_CONTEXT',
    });
    const garbage = await opener.open(await seal(Uint8Array.of(1, 2, 3)), context);
    expect(garbage).toMatchObject({ ok: false, reason: REASON.MalformedUpdate });
    const nan = await opener.open(
      await seal(encodeUpdate({ deltas: deltas((i) => (i === 3 ? NaN : 0)), numExamples: 1, metrics: {} })),
      context,
    );
    expect(nan).toMatchObject({ ok: false, reason: REASON.NonFinite });
    const big = await opener.open(
      await seal(encodeUpdate({ deltas: deltas(() => 30), numExamples: 1, metrics: {} })),
      context,
    );
    expect(big).toMatchObject({ ok: false, reason: REASON.NormExceeded });
    const misShaped = await opener.open(
      await seal(
        encodeUpdate({
          deltas: [{ name: 'dense/kernel', shape: [4, 3], data: new Float32Array(12) }, model[1]!],
          numExamples: 1,
          metrics: {},
        }),
      ),
      context,
    );
    expect(misShaped).toMatchObject({ ok: false, reason: REASON.ShapeMismatch });
  });
});
