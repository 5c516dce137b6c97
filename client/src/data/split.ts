// Deterministic local train/test split and feature scaling that is the same at every site.
import { DatasetConfigInvalidError, DatasetSchemaMismatchError } from '../errors';
import { createRng, permutation } from '@cloister/model-runtime';
import type { Examples, LocalDataset } from '@cloister/model-runtime';
import type { SplitConfig } from './config';

function take(examples: Examples, rows: ArrayLike<number>): Examples {
  const fx = examples.featureShape.reduce((a, b) => a * b, 1);
  const fy = examples.labelShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(rows.length * fx);
  const labels = new Float32Array(rows.length * fy);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    features.set(examples.features.subarray(r * fx, (r + 1) * fx), i * fx);
    labels.set(examples.labels.subarray(r * fy, (r + 1) * fy), i * fy);
  }
  return { featureShape: [...examples.featureShape], labelShape: [...examples.labelShape], features, labels, count: rows.length };
}

/**
 * Splits rows by a seeded shuffle: train = first floor(n·trainFraction) (or trainSize) rows of the permutation,
 * test = the next testSize rows (default: all the rest). FLamby's heart-disease split (train fraction 0.66) gives
 * 199/104, 172/89, 30/16, 85/45.
 */
export function splitExamples(examples: Examples, split: SplitConfig): LocalDataset {
  const n = examples.count;
  const trainCount = split.trainSize ?? Math.floor(n * split.trainFraction!);
  const testCount = split.testSize ?? n - trainCount;
  if (trainCount + testCount > n || trainCount < 1) {
    throw new DatasetConfigInvalidError(`split asks for ${trainCount} train + ${testCount} test rows but the data has ${n}.`, { details: {
      n, trainCount, testCount,
    } });
  }
  const order = split.shuffle === false ? Uint32Array.from({ length: n }, (_, i) => i) : permutation(n, createRng(split.seed ?? 0));
  return { train: take(examples, order.subarray(0, trainCount)), test: take(examples, order.subarray(trainCount, trainCount + testCount)) };
}

export interface FeatureScaling {
  mean: number[];
  std: number[];
}

/** (x − mean) / std per feature, in place; the task spec fixes mean and std so every site scales alike. */
export function applyScaling(examples: Examples, scaling: FeatureScaling, source = 'dataset'): void {
  const f = examples.featureShape.reduce((a, b) => a * b, 1);
  if (scaling.mean.length !== f || scaling.std.length !== f) {
    throw new DatasetSchemaMismatchError(
      `${source}: the task's scaling has ${scaling.mean.length} means and ${scaling.std.length} stds but the data has ${f} features.`,
      { details: { features: f, mean: scaling.mean.length, std: scaling.std.length } },
    );
  }
  const inv = scaling.std.map((s, i) => {
    if (!(s > 0)) throw new DatasetSchemaMismatchError(`${source}: scaling.std[${i}] must be > 0 (got ${s}).`, { details: { index: i } });
    return 1 / s;
  });
  for (let r = 0; r < examples.count; r++) {
    for (let j = 0; j < f; j++) {
      const k = r * f + j;
      examples.features[k] = (examples.features[k]! - scaling.mean[j]!) * inv[j]!;
    }
  }
}

/**
 * Mean and (population) std per feature of some examples. For task authors building a task spec from public or
 * federated statistics; the client never calls it on its own data to scale silently.
 */
export function featureStatistics(parts: readonly Examples[]): FeatureScaling {
  const f = parts[0]!.featureShape.reduce((a, b) => a * b, 1);
  const sum = new Array<number>(f).fill(0);
  const sq = new Array<number>(f).fill(0);
  let n = 0;
  for (const e of parts) {
    for (let r = 0; r < e.count; r++) {
      for (let j = 0; j < f; j++) {
        const v = e.features[r * f + j]!;
        sum[j]! += v;
        sq[j]! += v * v;
      }
    }
    n += e.count;
  }
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, j) => Math.sqrt(Math.max(s / n - mean[j]! ** 2, 0)) || 1);
  return { mean, std };
}
