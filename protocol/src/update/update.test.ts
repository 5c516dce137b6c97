import fc from 'fast-check';
import {
  CodecBadMagicError,
  CodecHeaderOversizedError,
  CodecInconsistentError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
  UpdateInvalidError,
} from '../errors.js';
import { decodeUpdate, encodeUpdate, type UpdatePayload } from './index.js';
import { expectOnlyCloisterErrors, flip } from '../../test/support.js';

const update: UpdatePayload = {
  deltas: [
    { name: 'dense/kernel', shape: [2, 2], data: Float32Array.of(0.5, -0, NaN, -1e-3) },
    { name: 'dense/bias', shape: [2], data: Float32Array.of(1, 2) },
  ],
  numExamples: 303,
  metrics: { loss: 0.6931, accuracy: 0.75, 'val/loss': Number.NaN },
};

describe('encodeUpdate / decodeUpdate', () => {
  it('round-trips deltas bit-exactly, numExamples and metrics', () => {
    const decoded = decodeUpdate(encodeUpdate(update));
    expect(decoded.numExamples).toBe(303);
    expect(decoded.metrics).toEqual(update.metrics);
    expect(decoded.deltas.map((t) => t.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(Buffer.from(decoded.deltas[0]!.data.buffer, decoded.deltas[0]!.data.byteOffset, 16)).toEqual(
      Buffer.from(update.deltas[0]!.data.buffer),
    );
  });

  it('keeps the tensor block 8-byte aligned so deltas decode as views', () => {
    const bytes = encodeUpdate(update);
    expect(new DataView(bytes.buffer).getUint32(8, true) % 8).toBe(0);
    expect(decodeUpdate(bytes).deltas[1]!.data.buffer).toBe(bytes.buffer);
  });

  it('handles an empty update and the largest safe numExamples', () => {
    const decoded = decodeUpdate(
      encodeUpdate({ deltas: [], numExamples: Number.MAX_SAFE_INTEGER, metrics: {} }),
    );
    expect(decoded).toEqual({ deltas: [], numExamples: Number.MAX_SAFE_INTEGER, metrics: {} });
  });

  it('rejects invalid updates on encode', () => {
    const bad: unknown[] = [
      null,
      { ...update, numExamples: -1 },
      { ...update, numExamples: 1.5 },
      { ...update, numExamples: 2 ** 53 },
      { ...update, metrics: [] },
      { ...update, metrics: { '': 1 } },
      { ...update, metrics: { loss: '1' } },
      { ...update, metrics: { ['m'.repeat(300)]: 1 } },
    ];
    for (const value of bad) expect(() => encodeUpdate(value as UpdatePayload)).toThrow(UpdateInvalidError);
  });

  it('throws a typed error for each malformation', () => {
    const bytes = encodeUpdate(update);
    expect(() => decodeUpdate(bytes.subarray(0, 10))).toThrow(CodecTruncatedError);
    expect(() => decodeUpdate(flip(bytes, 0, 0))).toThrow(CodecBadMagicError);
    expect(() => decodeUpdate(flip(bytes, 4, 9))).toThrow(CodecUnsupportedVersionError);
    expect(() => decodeUpdate(flip(bytes, 11, 0x7f))).toThrow(CodecHeaderOversizedError);
    expect(() => decodeUpdate(flip(bytes, 15, 0x7f))).toThrow(CodecHeaderOversizedError);
    expect(() => decodeUpdate(flip(bytes, 6, 1))).toThrow(CodecInconsistentError);
    expect(() => decodeUpdate(flip(bytes, 23, 0xff))).toThrow(/numExamples/);
    expect(() => decodeUpdate(flip(bytes, 12, 2))).toThrow(CodecInconsistentError);
    expect(() => decodeUpdate(bytes.subarray(0, bytes.length - 4))).toThrow(CodecTruncatedError);
    const header = new DataView(bytes.buffer).getUint32(8, true);
    expect(() => decodeUpdate(bytes.subarray(0, header - 8))).toThrow(CodecTruncatedError);
  });

  it('random and mutated bytes only ever throw CloisterErrors', () => {
    expectOnlyCloisterErrors(fc.constant(encodeUpdate(update)), decodeUpdate);
  });
});
