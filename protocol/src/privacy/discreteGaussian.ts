// The discrete Gaussian of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS
// 2020), Algorithms 1–3: exact sampling with integer arithmetic only (no floating point touches a random draw), so
// the noise has no holes or biases an observer could use (Mironov 2012). Numbers are used while every intermediate
// is a safe integer; beyond that the same steps run on BigInt.
import { DpNoiseInvalidError } from '../errors.js';
import type { RandomSource } from './randomSource.js';

const SAFE = Number.MAX_SAFE_INTEGER;

/** Bernoulli(exp(−num/den)) for num/den ∈ [0, 1] (Algorithm 1), numbers: den·k stays a safe integer. */
function bernoulliExpUnit(num: number, den: number, random: RandomSource): boolean {
  let k = 1;
  for (;;) {
    const scaled = den * k;
    if (scaled > SAFE) return bernoulliExpUnitBig(BigInt(num), BigInt(den), random, k);
    if (random.uniformBelow(scaled) >= num) break; // Bernoulli(γ / k) = 0
    k += 1;
  }
  return k % 2 === 1;
}

const TWO_53 = 2 ** 53;
const TWO_32N = 1n << 32n;

/**
 * Bernoulli(num/den) for BigInt num ≤ den, exactly, reading a uniform real X bit by bit: X < num/den. The first 53
 * bits decide almost always by a float comparison with a margin far wider than the float error (2⁻⁵⁰ relative);
 * only when X's first 53 bits straddle num/den (probability ≈ 2⁻⁵⁰) are more bits read and compared exactly.
 */
function bernoulliRatioBig(num: bigint, den: bigint, random: RandomSource): boolean {
  const ratio = Number(num) / Number(den);
  const u = (random.word() >>> 11) * 0x1_0000_0000 + random.word(); // first 53 bits of X
  if ((u + 1) <= ratio * TWO_53 * (1 - 2 ** -50)) return true; // X < (u+1)/2^53 ≤ num/den
  if (u >= ratio * TWO_53 * (1 + 2 ** -50)) return false; // X ≥ u/2^53 ≥ num/den
  // Exact: X ∈ [x/2^bits, (x+1)/2^bits); refine until the interval is on one side of num/den.
  let x = BigInt(u);
  let bits = 53n;
  for (;;) {
    if ((x + 1n) * den <= num << bits) return true;
    if (x * den >= num << bits) return false;
    x = x * TWO_32N + BigInt(random.word());
    bits += 32n;
  }
}

function bernoulliExpUnitBig(num: bigint, den: bigint, random: RandomSource, startK = 1): boolean {
  let k = startK;
  while (bernoulliRatioBig(num, den * BigInt(k), random)) k += 1;
  return k % 2 === 1;
}

/** Bernoulli(exp(−num/den)) for num ≥ 0, den ≥ 1: exp(−1) once per whole unit of γ, then the fraction. */
export function bernoulliExp(num: number, den: number, random: RandomSource): boolean {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) throw new DpNoiseInvalidError('bernoulliExp needs safe integers (use bernoulliExpBig)');
  let rest = num;
  while (rest > den) {
    if (!bernoulliExpUnit(1, 1, random)) return false;
    rest -= den;
  }
  return bernoulliExpUnit(rest, den, random);
}

/** bernoulliExp on BigInt, for the acceptance step of a large σ. */
export function bernoulliExpBig(num: bigint, den: bigint, random: RandomSource): boolean {
  // Whole units: exp(−1) each, with an early exit; q can be large only where the answer is almost surely "no".
  let rest = num;
  while (rest > den) {
    if (!bernoulliExpUnit(1, 1, random)) return false;
    rest -= den;
  }
  return bernoulliExpUnitBig(rest, den, random);
}

/** The discrete Laplace with scale t (integer ≥ 1): P(x) ∝ exp(−|x|/t) (Algorithm 2). */
export function sampleDiscreteLaplace(t: number, random: RandomSource): number {
  for (;;) {
    const u = random.uniformBelow(t);
    if (!bernoulliExp(u, t, random)) continue;
    let v = 0;
    while (bernoulliExpUnit(1, 1, random)) v += 1;
    const x = u + t * v;
    const negative = random.uniformBelow(2) === 1;
    if (negative && x === 0) continue;
    return negative ? -x : x;
  }
}

/** ⌊√n⌋ exactly, for a safe integer n ≥ 0. */
function integerSqrt(n: number): number {
  let s = Math.floor(Math.sqrt(n));
  while (s * s > n) s -= 1;
  while ((s + 1) * (s + 1) <= n) s += 1;
  return s;
}

/**
 * One draw of the discrete Gaussian N_Z(0, σ²) with σ² = `variance`, a positive safe integer: P(x) ∝ exp(−x²/2σ²)
 * over the integers (Algorithm 3: discrete Laplace proposals with t = ⌊σ⌋ + 1, accepted with probability
 * exp(−(|y| − σ²/t)² / 2σ²)).
 */
export function sampleDiscreteGaussian(variance: number, random: RandomSource): number {
  if (!Number.isSafeInteger(variance) || variance < 1) throw new DpNoiseInvalidError(`the variance must be a positive safe integer, got ${variance}`);
  const t = integerSqrt(variance) + 1;
  for (;;) {
    const y = sampleDiscreteLaplace(t, random);
    // γ = (|y| − σ²/t)² / 2σ² = (|y|·t − σ²)² / (2·σ²·t²)
    const a = Math.abs(y) * t - variance;
    const num = a * a;
    const den = 2 * variance * t * t;
    const accepted =
      Number.isSafeInteger(num) && Number.isSafeInteger(den)
        ? bernoulliExp(num, den, random)
        : bernoulliExpBig(BigInt(a) * BigInt(a), 2n * BigInt(variance) * BigInt(t) * BigInt(t), random);
    if (accepted) return y;
  }
}

/** How finely the noise is laid: σ/g ≥ 2^10, and snapping every coordinate to g moves ‖x‖ by ≤ 10⁻³·sensitivity. */
export const NOISE_GRID = { minimumSigmaSteps: 1024, snapNormShare: 1e-3 } as const;

export type DiscreteNoise = {
  /** g: the noise is g·Z with Z an integer; every noised coordinate is a multiple of g. */
  granularity: number;
  /** The standard deviation actually used, √(variance)·g ≥ the σ asked for (σ² rounded up to the grid). */
  sigma: number;
};

/**
 * The grid for noise of standard deviation `sigma` on `dimension` coordinates whose L2 sensitivity is `sensitivity`:
 * the largest power of two g with σ/g ≥ 2^10 (the discrete Gaussian at that resolution is the continuous one to
 * within 10⁻¹⁰⁰⁰ in total variation) and g·√d/2 ≤ 10⁻³·sensitivity (snapping the input to the grid before the noise
 * moves it by at most 0.1 % of one participant's influence, which the guarantee absorbs).
 */
export function noiseGranularity(sigma: number, sensitivity: number, dimension: number): number {
  const bySigma = sigma / NOISE_GRID.minimumSigmaSteps;
  const bySnap = (2 * NOISE_GRID.snapNormShare * sensitivity) / Math.sqrt(Math.max(1, dimension));
  return 2 ** Math.floor(Math.log2(Math.min(bySigma, bySnap)));
}

/**
 * Adds discrete Gaussian noise of standard deviation `sigma` to every value, in place: each value is snapped to the
 * grid g (round to the nearest multiple) and g·Z is added, Z ~ N_Z(0, ⌈(σ/g)²⌉). The result is an exact multiple of
 * g, so no bit below the grid (where floating-point rounding would carry information about the input) survives.
 * Float32 values stay exact while |value| < 2^24·g.
 */
export function addDiscreteGaussianNoise(
  values: Float32Array | Float64Array,
  options: {
    sigma: number;
    sensitivity: number;
    /** Coordinates of the whole vector when `values` is one part of it (one tensor of an update): same grid for all. */
    dimension?: number;
  },
  random: RandomSource,
): DiscreteNoise {
  const { sigma, sensitivity } = options;
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new DpNoiseInvalidError(`sigma must be > 0, got ${sigma}`);
  if (!(sensitivity > 0 && Number.isFinite(sensitivity))) throw new DpNoiseInvalidError(`sensitivity must be > 0, got ${sensitivity}`);
  const g = noiseGranularity(sigma, sensitivity, options.dimension ?? values.length);
  const steps = sigma / g; // exact: g is a power of two
  const variance = Math.ceil(steps * steps) + 1; // rounded up past any float error in the square: never less noise
  if (!Number.isSafeInteger(variance)) throw new DpNoiseInvalidError(`σ/g = ${steps} is too fine a grid`);
  for (let i = 0; i < values.length; i += 1) {
    values[i] = (Math.round(values[i]! / g) + sampleDiscreteGaussian(variance, random)) * g;
  }
  return { granularity: g, sigma: Math.sqrt(variance) * g };
}
