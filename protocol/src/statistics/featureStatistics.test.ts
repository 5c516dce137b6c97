import { combineFeatureSums, featureSums, featureSumsFromMetrics, featureSumsToMetrics, statisticsDocument } from './featureStatistics.js';
import { UpdateInvalidError } from '../errors.js';

describe('federated feature statistics', () => {
  const rows = (n: number, seed: number) => Float64Array.from({ length: n * 3 }, (_, i) => Math.sin(i * 12.9898 + seed) * 100 + (i % 3) * 50);

  it('combining per-site sums gives the pooled mean and std', () => {
    const a = rows(40, 1);
    const b = rows(7, 2);
    const pooled = new Float64Array(a.length + b.length);
    pooled.set(a);
    pooled.set(b, a.length);
    const direct = statisticsDocument(['x', 'y', 'z'], featureSums(pooled, 47, 3), 1);
    const sites = [featureSums(a, 40, 3), featureSums(b, 7, 3)].map((s) => featureSumsFromMetrics(featureSumsToMetrics(s), 3));
    const combined = statisticsDocument(['x', 'y', 'z'], combineFeatureSums(sites, 3), 2);
    expect(combined.count).toBe(47);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(combined.mean[j]! - direct.mean[j]!) / Math.abs(direct.mean[j]!)).toBeLessThan(1e-12);
      expect(Math.abs(combined.std[j]! - direct.std[j]!) / direct.std[j]!).toBeLessThan(1e-12);
      // Two-pass reference.
      const column = Array.from({ length: 47 }, (_, r) => pooled[r * 3 + j]!);
      const mean = column.reduce((s, v) => s + v, 0) / 47;
      const std = Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / 47);
      expect(Math.abs(combined.std[j]! - std) / std).toBeLessThan(1e-9);
    }
    expect(Object.keys(combined).sort()).toEqual(['count', 'features', 'kind', 'mean', 'participants', 'std', 'version']);
  });

  it('refuses an update without its sums', () => {
    expect(() => featureSumsFromMetrics({ 'statistics.count': 3, 'statistics.sum.0': 1 }, 1)).toThrow(UpdateInvalidError);
    expect(() => featureSumsFromMetrics({ 'statistics.count': -1, 'statistics.sum.0': 1, 'statistics.sumOfSquares.0': 1 }, 1)).toThrow(/non-negative/);
  });

  it('a constant feature gets std 1 (left unscaled)', () => {
    expect(statisticsDocument(['c'], featureSums([5, 5, 5], 3, 1), 1).std).toEqual([1]);
  });
});
