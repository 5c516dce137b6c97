// Federated statistics of a statistics task: each participant computes, on its training split and in float64, the
// example count and per-feature sum and sum of squares; they travel as the sealed update's metrics (float64 in the
// update header) under the names below; the aggregator adds them inside the TEE and publishes only the totals' mean
// and standard deviation (no per-site figure, no minimum or maximum: those reveal single records).
import { UpdateInvalidError } from '../errors.js';

export const STATISTICS_METRIC_PREFIX = 'statistics.';
export const statisticsMetricNames = {
  count: 'statistics.count',
  sum: (feature: number) => `statistics.sum.${feature}`,
  sumOfSquares: (feature: number) => `statistics.sumOfSquares.${feature}`,
} as const;

export type FeatureSums = { count: number; sum: number[]; sumOfSquares: number[] };

/** Count, sum and sum of squares per feature of `count` rows of `width` values (row-major), summed in float64. */
export function featureSums(values: ArrayLike<number>, count: number, width: number): FeatureSums {
  const sum = new Array<number>(width).fill(0);
  const sumOfSquares = new Array<number>(width).fill(0);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < width; j++) {
      const v = values[r * width + j]!;
      sum[j]! += v;
      sumOfSquares[j]! += v * v;
    }
  }
  return { count, sum, sumOfSquares };
}

export function featureSumsToMetrics(sums: FeatureSums): Record<string, number> {
  const metrics: Record<string, number> = { [statisticsMetricNames.count]: sums.count };
  sums.sum.forEach((v, j) => (metrics[statisticsMetricNames.sum(j)] = v));
  sums.sumOfSquares.forEach((v, j) => (metrics[statisticsMetricNames.sumOfSquares(j)] = v));
  return metrics;
}

/** Reads one participant's sums back from its update's metrics; throws UpdateInvalidError when one is missing or wrong. */
export function featureSumsFromMetrics(metrics: Record<string, number>, width: number): FeatureSums {
  const read = (name: string) => {
    const v = metrics[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UpdateInvalidError(`statistics update lacks a finite "${name}"`, { details: { name } });
    return v;
  };
  const count = read(statisticsMetricNames.count);
  if (!Number.isSafeInteger(count) || count < 0) throw new UpdateInvalidError(`statistics count must be a non-negative integer, got ${count}`);
  const sum = Array.from({ length: width }, (_, j) => read(statisticsMetricNames.sum(j)));
  const sumOfSquares = Array.from({ length: width }, (_, j) => read(statisticsMetricNames.sumOfSquares(j)));
  if (sumOfSquares.some((v) => v < 0)) throw new UpdateInvalidError('a sum of squares is negative');
  return { count, sum, sumOfSquares };
}

export function combineFeatureSums(parts: readonly FeatureSums[], width: number): FeatureSums {
  const total: FeatureSums = { count: 0, sum: new Array<number>(width).fill(0), sumOfSquares: new Array<number>(width).fill(0) };
  for (const p of parts) {
    total.count += p.count;
    for (let j = 0; j < width; j++) {
      total.sum[j]! += p.sum[j]!;
      total.sumOfSquares[j]! += p.sumOfSquares[j]!;
    }
  }
  return total;
}

/** The public result of a statistics task: its sha256 is finalized on chain as the round's model hash. */
export type StatisticsDocument = {
  version: 1;
  kind: 'statistics';
  features: string[];
  /** Training examples over all included participants. */
  count: number;
  participants: number;
  mean: number[];
  /** Population standard deviation; 1 where it is 0 (a constant feature is left unscaled). */
  std: number[];
};

export function statisticsDocument(features: string[], total: FeatureSums, participants: number): StatisticsDocument {
  const n = total.count;
  const mean = total.sum.map((s) => (n > 0 ? s / n : 0));
  const std = total.sumOfSquares.map((s, j) => (n > 0 ? Math.sqrt(Math.max(s / n - mean[j]! ** 2, 0)) : 0) || 1);
  return { version: 1, kind: 'statistics', features: [...features], count: n, participants, mean, std };
}
