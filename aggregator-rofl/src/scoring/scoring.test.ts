import { contributionScores, largestRemainder, SCORE_TOTAL } from './scores';
import { normAndSketch, sketchCosine, sketchOf } from './sketch';

describe('largestRemainder', () => {
  it('sums exactly to 1e6 with ties to the earlier entry', () => {
    expect(largestRemainder([1, 1, 1])).toEqual([333334, 333333, 333333]);
    expect(largestRemainder([2, 1])).toEqual([666667, 333333]);
    expect(largestRemainder([0, 5])).toEqual([0, 1_000_000]);
    expect(largestRemainder([])).toEqual([]);
  });

  it('always sums to the total for arbitrary weights', () => {
    for (let seed = 1; seed < 50; seed += 1) {
      const w = Array.from({ length: seed }, (_, i) => ((i * 7919 + seed * 104729) % 1000) / 7);
      expect(largestRemainder(w).reduce((a, b) => a + b, 0)).toBe(SCORE_TOTAL);
    }
  });
});

describe('contributionScores', () => {
  it('examples × positive alignment; an opposed update scores 0', () => {
    const agg = sketchOf([1, 0]);
    const { scores, alignments, noPositiveContribution } = contributionScores(
      [
        { participant: 'a', numExamples: 10, sketch: sketchOf([1, 0]) }, // cos 1
        { participant: 'b', numExamples: 20, sketch: sketchOf([1, 1]) }, // cos 1/√2
        { participant: 'c', numExamples: 50, sketch: sketchOf([-1, 0]) }, // cos −1 → 0
      ],
      agg,
    );
    expect(noPositiveContribution).toBe(false);
    expect(alignments[1]).toBeCloseTo(Math.SQRT1_2, 12);
    const wa = 10;
    const wb = 20 * Math.SQRT1_2;
    expect(scores[2]).toBe(0);
    expect(scores[0]! + scores[1]!).toBe(SCORE_TOTAL);
    expect(Math.abs(scores[0]! - (wa / (wa + wb)) * SCORE_TOTAL)).toBeLessThan(1);
  });

  it('pays nobody when nothing aligns (the round reward goes to governance), not an example-count split', () => {
    const { scores, noPositiveContribution } = contributionScores(
      [
        { participant: 'a', numExamples: 1, sketch: sketchOf([0, 1]) },
        { participant: 'b', numExamples: 3, sketch: sketchOf([0, -1]) },
      ],
      sketchOf([1, 0]),
    );
    expect(noPositiveContribution).toBe(true);
    expect(scores).toEqual([0, 0]);
  });
});

describe('count sketch', () => {
  it('is exact for small models and estimates cosine for large ones', () => {
    const n = 200_000;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i += 1) {
      s = (s * 1103515245 + 12345) % 2147483648;
      a[i] = s / 2147483648 - 0.5;
      s = (s * 1103515245 + 12345) % 2147483648;
      b[i] = 0.6 * a[i]! + 0.8 * (s / 2147483648 - 0.5);
    }
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < n; i += 1) {
      ab += a[i]! * b[i]!;
      aa += a[i]! * a[i]!;
      bb += b[i]! * b[i]!;
    }
    const exact = ab / Math.sqrt(aa * bb);
    const sa = new Float64Array(4096);
    const sumSq = normAndSketch(a, sa);
    expect(sumSq).toBeCloseTo(aa, 3);
    expect(Math.abs(sketchCosine(sa, sketchOf(b)) - exact)).toBeLessThan(0.05);
    expect(sketchCosine(sketchOf([1, 2]), sketchOf([2, 4]))).toBeCloseTo(1, 12);
  });
  it('puts coordinate i in bucket i mod k with the sign s(i mod k)·t(⌊i/k⌋) of its definition', () => {
    // The definition written out coordinate by coordinate (the file comment of sketch.ts), against the fast pass,
    // which sums each block's sign class apart and applies the bucket signs once.
    const k = 64;
    const n = 64 * 37 + 13;
    const v = new Float32Array(n);
    let s = 99;
    for (let i = 0; i < n; i += 1) {
      s = (s * 1103515245 + 12345) % 2147483648;
      v[i] = s / 2147483648 - 0.5;
    }
    const bucketSign = (j: number) => (Math.imul(j ^ 0x5bd1e995, 0x9e3779b1) < 0 ? -1 : 1);
    const blockSign = (b: number) => (Math.imul(b ^ 0x27d4eb2f, 0x165667b1) < 0 ? -1 : 1);
    const expected = new Float64Array(k);
    for (let i = 0; i < n; i += 1) expected[i % k]! += bucketSign(i % k) * blockSign(Math.floor(i / k)) * v[i]!;
    const sketch = new Float64Array(k);
    normAndSketch(v, sketch);
    sketch.forEach((x, j) => expect(x).toBeCloseTo(expected[j]!, 10));
    expect(new Set(Array.from({ length: 37 }, (_, b) => blockSign(b))).size).toBe(2);
  });
});
