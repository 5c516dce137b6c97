// Where differential-privacy noise gets its randomness. Production: node:crypto (the OS CSPRNG). Simulations and
// tests: a seeded generator under a name that says it is for simulations only.
import { randomFillSync } from 'node:crypto';
import { DpNoiseInvalidError } from '../errors.js';
import { sfc32Words } from './seededGenerators.js';

/** Uniform integers for the samplers: exact, by rejection, never through floating point. */
export interface RandomSource {
  /** Uniform integer in [0, n), for a safe integer n ≥ 1. */
  uniformBelow(n: number): number;
  /** Uniform integer in [0, n), for n ≥ 1. */
  uniformBelowBig(n: bigint): bigint;
  /** A uniform 32-bit word (the next bits of a uniform real, for lazy comparisons). */
  word(): number;
}

const TWO_32 = 0x1_0000_0000;
const TWO_53 = 2 ** 53;

/** A RandomSource over a generator of uniform 32-bit words. */
function fromWords(nextWord: () => number): RandomSource {
  return {
    word: nextWord,
    uniformBelow(n: number): number {
      if (!Number.isSafeInteger(n) || n < 1) throw new DpNoiseInvalidError(`uniformBelow needs a safe integer ≥ 1, got ${n}`);
      if (n <= TWO_32) {
        const limit = TWO_32 - (TWO_32 % n);
        for (;;) {
          const x = nextWord();
          if (x < limit) return x % n;
        }
      }
      const limit = TWO_53 - (TWO_53 % n);
      for (;;) {
        const x = (nextWord() >>> 11) * TWO_32 + nextWord(); // 21 + 32 = 53 bits
        if (x < limit) return x % n;
      }
    },
    uniformBelowBig(n: bigint): bigint {
      if (n < 1n) throw new DpNoiseInvalidError(`uniformBelowBig needs n ≥ 1, got ${n}`);
      const bits = n.toString(2).length;
      const words = Math.ceil(bits / 32);
      const mask = (1n << BigInt(bits)) - 1n;
      for (;;) {
        let x = 0n;
        for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(nextWord());
        x &= mask;
        if (x < n) return x;
      }
    },
  };
}

/**
 * The production source: words from node:crypto's randomFillSync (the OS CSPRNG), drawn 64 KiB at a time. Nothing
 * an observer could enumerate: no seed exists.
 */
export function cryptoRandomSource(): RandomSource {
  const pool = new Uint32Array(16_384);
  let next = pool.length;
  return fromWords(() => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]!;
  });
}

/**
 * A seeded source (sfc32 seeded through splitmix32) for simulations and tests that must repeat a run exactly.
 * Anyone who knows or guesses the seed knows the noise: never use it for a real participant or aggregator.
 */
export function simulationOnlySeededRandomSource(seed: number): RandomSource {
  return fromWords(sfc32Words(seed));
}
