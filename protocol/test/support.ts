// Test support shared by protocol's unit tests.
import fc from 'fast-check';
import { CloisterError } from '../src/errors.js';

/** A copy of `bytes` with the byte at `at` set to `value`. */
export function flip(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

/**
 * Fuzzes a decoder with random bytes and with valid encodings drawn from `encoded`, each with up to four bytes
 * overwritten and, one time in three, cut short: whatever the decoder refuses, it refuses with a CloisterError.
 */
export function expectOnlyCloisterErrors(encoded: fc.Arbitrary<Uint8Array>, decode: (bytes: Uint8Array) => unknown): void {
  const mutated = fc
    .tuple(encoded, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
    .map(([valid, edits, cut]) => {
      const bytes = valid.slice();
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      return cut % 3 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutated), (bytes) => {
      try {
        decode(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(CloisterError);
      }
    }),
    { numRuns: 500 },
  );
}
