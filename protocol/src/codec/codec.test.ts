import fc from 'fast-check';
import {
  CloisterError,
  CodecBadMagicError,
  CodecHeaderOversizedError,
  CodecInconsistentError,
  CodecInvalidTensorError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
} from '../errors.js';
import { decodeTensors, encodeTensors, type NamedTensor } from './index.js';
import { expectOnlyCloisterErrors, flip } from '../../test/support.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function sample(): NamedTensor[] {
  const special = new Float32Array(6);
  const u = new Uint32Array(special.buffer);
  u[0] = 0x7fc00001; // quiet NaN with a payload
  u[1] = 0xffa00000; // negative signalling-style NaN
  special[2] = -0;
  special[3] = Infinity;
  special[4] = -Infinity;
  special[5] = 1.5e-45; // subnormal
  return [
    { name: 'dense_Dense1/kernel', shape: [2, 3], data: special },
    { name: 'dense_Dense1/bias', shape: [3], data: Float32Array.of(1, 2, 3) },
    { name: 'scalar', shape: [], data: Float32Array.of(42) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    { name: 'ünïcode/名前', shape: [1, 1, 1], data: Float32Array.of(-7) },
  ];
}

describe('encodeTensors / decodeTensors', () => {
  it('round-trips bit-exactly, NaN payloads and -0 included, in order', () => {
    const tensors = sample();
    const decoded = decodeTensors(encodeTensors(tensors));
    expect(decoded.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    decoded.forEach((t, i) => {
      expect(t.shape).toEqual(tensors[i]!.shape);
      expect(bits(t.data)).toEqual(bits(tensors[i]!.data));
    });
    expect(Object.is(decoded[0]!.data[2], -0)).toBe(true);
  });

  it('encodes the same tensors to the same bytes, and data sits 4-byte aligned', () => {
    const a = encodeTensors(sample());
    expect(Buffer.from(a).equals(Buffer.from(encodeTensors(sample())))).toBe(true);
    expect(new DataView(a.buffer).getUint32(12, true) % 4).toBe(0);
    expect(Array.from(a.subarray(0, 4))).toEqual([0x43, 0x4c, 0x54, 0x4e]);
  });

  it('returns views without copying when aligned, copies when not', () => {
    const encoded = encodeTensors(sample());
    expect(decodeTensors(encoded)[1]!.data.buffer).toBe(encoded.buffer);
    const shifted = new Uint8Array(encoded.length + 1);
    shifted.set(encoded, 1);
    const unaligned = decodeTensors(shifted.subarray(1));
    expect(unaligned[1]!.data.buffer).not.toBe(shifted.buffer);
    expect(bits(unaligned[0]!.data)).toEqual(bits(sample()[0]!.data));
  });

  it('rejects invalid tensors on encode', () => {
    const bad: unknown[] = [
      [{ name: '', shape: [1], data: Float32Array.of(1) }],
      [{ name: 'a', shape: [2], data: Float32Array.of(1) }],
      [{ name: 'a', shape: [1.5], data: Float32Array.of(1) }],
      [{ name: 'a', shape: [-1], data: Float32Array.of(1) }],
      [{ name: 'a', shape: [1], data: [1] }],
      [
        { name: 'a', shape: [1], data: Float32Array.of(1) },
        { name: 'a', shape: [1], data: Float32Array.of(1) },
      ],
      [{ name: 'x'.repeat(2000), shape: [1], data: Float32Array.of(1) }],
      [{ name: 'a', shape: new Array(9).fill(1), data: Float32Array.of(1) }],
      'not an array',
    ];
    for (const value of bad)
      expect(() => encodeTensors(value as NamedTensor[])).toThrow(CodecInvalidTensorError);
  });

  describe('typed decode errors', () => {
    const encoded = encodeTensors(sample());
    it('truncated', () => {
      for (const cut of [0, 3, 15, 16, 40, encoded.length - 1]) {
        expect(() => decodeTensors(encoded.subarray(0, cut))).toThrow(
          cut < 16 ? CodecTruncatedError : CloisterError,
        );
      }
      expect(() => decodeTensors(encoded.subarray(0, encoded.length - 4))).toThrow(CodecTruncatedError);
    });
    it('bad magic', () => expect(() => decodeTensors(flip(encoded, 0, 0))).toThrow(CodecBadMagicError));
    it('unsupported version', () =>
      expect(() => decodeTensors(flip(encoded, 4, 2))).toThrow(CodecUnsupportedVersionError));
    it('oversized header: count and length above the limits', () => {
      expect(() => decodeTensors(flip(encoded, 11, 0xff))).toThrow(CodecHeaderOversizedError);
      expect(() => decodeTensors(flip(encoded, 15, 0x7f))).toThrow(CodecHeaderOversizedError);
    });
    it('header length beyond the bytes present is truncation', () => {
      const bytes = encodeTensors([]);
      const view = new DataView(bytes.buffer);
      view.setUint32(12, 64, true);
      expect(() => decodeTensors(bytes)).toThrow(CodecTruncatedError);
    });
    it('inconsistent: trailing bytes, reserved, padding, count, duplicate names, bad UTF-8', () => {
      const trailing = new Uint8Array(encoded.length + 4);
      trailing.set(encoded);
      expect(() => decodeTensors(trailing)).toThrow(CodecInconsistentError);
      expect(() => decodeTensors(flip(encoded, 6, 1))).toThrow(CodecInconsistentError);
      const one = encodeTensors([{ name: 'ab', shape: [1], data: Float32Array.of(1) }]); // 16 + 2 + 2 + 1 + 4 = 25 → pad to 28
      expect(() => decodeTensors(flip(one, 26, 1))).toThrow(CodecInconsistentError);
      expect(() => decodeTensors(flip(one, 8, 2))).toThrow(CodecInconsistentError);
      expect(() => decodeTensors(flip(one, 18, 0xff))).toThrow(CodecInconsistentError);
      const twice = encodeTensors([
        { name: 'ab', shape: [1], data: Float32Array.of(1) },
        { name: 'ac', shape: [1], data: Float32Array.of(1) },
      ]);
      expect(() => decodeTensors(flip(twice, 16 + 2 + 2 + 1 + 4 + 3, 'b'.charCodeAt(0)))).toThrow(
        /duplicate/,
      );
    });
    it('a huge declared shape fails before allocating', () => {
      const bytes = encodeTensors([{ name: 'a', shape: [1, 1], data: Float32Array.of(1) }]);
      const view = new DataView(bytes.buffer);
      view.setUint32(16 + 2 + 1 + 1, 0xffffffff, true);
      view.setUint32(16 + 2 + 1 + 1 + 4, 0xffffffff, true);
      expect(() => decodeTensors(bytes)).toThrow(CodecTruncatedError);
    });
    it('rejects a non-Uint8Array', () =>
      expect(() => decodeTensors('x' as never)).toThrow(CodecInconsistentError));
  });

  describe('properties', () => {
    const tensorArb = fc
      .record({
        name: fc.string({ minLength: 1, maxLength: 20 }),
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      })
      .chain(({ name, shape }) => {
        const size = shape.reduce((a, b) => a * b, 1);
        return fc
          .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: size, maxLength: size })
          .map((words) => ({ name, shape, data: new Float32Array(Uint32Array.from(words).buffer) }));
      });
    const tensorsArb = fc.uniqueArray(tensorArb, { selector: (t) => t.name, maxLength: 6 });

    it('round-trips any tensors bit-exactly', () => {
      fc.assert(
        fc.property(tensorsArb, (tensors) => {
          const decoded = decodeTensors(encodeTensors(tensors));
          expect(decoded.map((t) => [t.name, t.shape, bits(t.data)])).toEqual(
            tensors.map((t) => [t.name, t.shape, bits(t.data)]),
          );
        }),
        { numRuns: 200 },
      );
    });

    it('random and mutated bytes only ever throw CloisterErrors', () => {
      expectOnlyCloisterErrors(tensorsArb.map((tensors) => encodeTensors(tensors)), decodeTensors);
    });
  });
});
