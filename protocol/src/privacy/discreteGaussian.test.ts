import {
  addDiscreteGaussianNoise,
  bernoulliExp,
  cryptoRandomSource,
  noiseGranularity,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
  simulationOnlySeededRandomSource,
} from '../index.js';

/** Pearson's χ² of observed counts against expected probabilities over the listed support (the rest pooled). */
function chiSquare(draws: number[], pmf: (x: number) => number, support: number[]): number {
  const total = draws.length;
  const counts = new Map<number, number>();
  for (const d of draws) counts.set(d, (counts.get(d) ?? 0) + 1);
  let statistic = 0;
  let restObserved = total;
  let restExpected = 1;
  for (const x of support) {
    const expected = pmf(x) * total;
    const observed = counts.get(x) ?? 0;
    statistic += (observed - expected) ** 2 / expected;
    restObserved -= observed;
    restExpected -= pmf(x);
  }
  if (restExpected * total > 5) statistic += (restObserved - restExpected * total) ** 2 / (restExpected * total);
  return statistic;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('discrete Gaussian sampler (Canonne–Kamath–Steinke 2020), through an injected seeded source', () => {
  it('Bernoulli(exp(−γ)) has the right rate for γ below and above 1', () => {
    const random = simulationOnlySeededRandomSource(11);
    for (const [num, den] of [[1, 3], [5, 2]] as const) {
      let ones = 0;
      for (let i = 0; i < 40_000; i++) if (bernoulliExp(num, den, random)) ones += 1;
      const p = Math.exp(-num / den);
      // 5 standard errors: with this seed the check is deterministic, and a wrong algorithm misses by far more.
      expect(Math.abs(ones / 40_000 - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / 40_000));
    }
  });

  it('the discrete Laplace and Gaussian match their probability mass functions (χ² test)', () => {
    const random = simulationOnlySeededRandomSource(7);
    const laplace = Array.from({ length: 30_000 }, () => sampleDiscreteLaplace(3, random));
    const laplaceNorm = (1 - Math.exp(-1 / 3)) / (1 + Math.exp(-1 / 3));
    // 21 cells + the pooled rest: the 0.999 quantile of χ²(21) is 46.8.
    expect(chiSquare(laplace, (x) => laplaceNorm * Math.exp(-Math.abs(x) / 3), range(-10, 10))).toBeLessThan(46.8);

    const variance = 4;
    const gaussian = Array.from({ length: 30_000 }, () => sampleDiscreteGaussian(variance, random));
    const weights = range(-60, 60).map((x) => Math.exp(-(x * x) / (2 * variance)));
    const norm = weights.reduce((a, b) => a + b, 0);
    // 13 cells + the pooled rest: the 0.999 quantile of χ²(13) is 34.5.
    expect(chiSquare(gaussian, (x) => Math.exp(-(x * x) / (2 * variance)) / norm, range(-6, 6))).toBeLessThan(34.5);
    // A continuous Gaussian rounded to integers has a visibly different mass at 0 (0.1974 vs 0.1995 here).
    expect(Math.abs(gaussian.filter((x) => x === 0).length / 30_000 - 1 / norm)).toBeLessThan(0.006);
  });

  it('keeps its variance at a large σ² (the BigInt acceptance path)', () => {
    const random = simulationOnlySeededRandomSource(3);
    const variance = 2 ** 38;
    const draws = Array.from({ length: 20_000 }, () => sampleDiscreteGaussian(variance, random));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sampleVariance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(variance / draws.length));
    expect(Math.abs(sampleVariance / variance - 1)).toBeLessThan(0.05); // sd of the ratio ≈ 0.01
  });

  it('adds noise on a written-down grid: every noised value is a multiple of g, σ never below the one asked', () => {
    const random = simulationOnlySeededRandomSource(5);
    const values = new Float32Array(10_000).map((_, i) => Math.sin(i) * 0.01);
    const original = Float32Array.from(values);
    const noise = addDiscreteGaussianNoise(values, { sigma: 0.05, sensitivity: 0.1 }, random);
    expect(noise.granularity).toBe(noiseGranularity(0.05, 0.1, 10_000));
    expect(Number.isInteger(Math.log2(noise.granularity))).toBe(true);
    expect(noise.sigma).toBeGreaterThanOrEqual(0.05);
    expect(noise.sigma / 0.05 - 1).toBeLessThan(1e-6);
    for (const v of values) expect(Number.isInteger(v / noise.granularity)).toBe(true);
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += (values[i]! - original[i]!) ** 2;
    expect(Math.abs(Math.sqrt(sum / values.length) / 0.05 - 1)).toBeLessThan(0.05);
  });

  it('the production source draws from node:crypto and has no seed', () => {
    // The module object itself (the sampler reads randomFillSync from it at each refill).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'randomFillSync');
    try {
      const random = cryptoRandomSource();
      sampleDiscreteGaussian(100, random);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
