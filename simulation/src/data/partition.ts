// Splitting one data set across N virtual participants: IID (a seeded shuffle cut in N near-equal parts),
// Dirichlet(α) label skew (per class, proportions ~ Dir(α·1_N), as in Hsu et al. 2019 and Flower's
// DirichletPartitioner; resampled until every part has `minSize` examples), or one file per site (loadSites).
import { loadDataset, splitExamples, type DatasetConfig, type Examples, type LocalDataset, type TaskDataSpec } from '@cloister/client';
import { mulberry32 } from '@cloister/protocol';
import { DatasetInvalidError, OptionsInvalidError } from '../errors';

/** A seeded generator of numbers in [0, 1) (protocol's mulberry32). */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

function shuffled(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The examples at `indices`, copied (features and labels row-major). */
export function selectExamples(examples: Examples, indices: readonly number[]): Examples {
  const f = examples.featureShape.reduce((a, b) => a * b, 1);
  const l = examples.labelShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(indices.length * f);
  const labels = new Float32Array(indices.length * l);
  indices.forEach((src, dst) => {
    features.set(examples.features.subarray(src * f, (src + 1) * f), dst * f);
    labels.set(examples.labels.subarray(src * l, (src + 1) * l), dst * l);
  });
  return { featureShape: [...examples.featureShape], labelShape: [...examples.labelShape], features, labels, count: indices.length };
}

/** Class of each example: the label value (one number per example) or the arg-max of a one-hot label. */
export function classesOf(examples: Examples): number[] {
  const l = examples.labelShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let i = 0; i < examples.count; i += 1) {
    if (l === 1) out.push(Math.round(examples.labels[i]!));
    else {
      let best = 0;
      for (let k = 1; k < l; k += 1) if (examples.labels[i * l + k]! > examples.labels[i * l + best]!) best = k;
      out.push(best);
    }
  }
  return out;
}

/** IID: a seeded shuffle cut into `n` parts whose sizes differ by at most one. */
export function partitionIid(examples: Examples, n: number, seed: number): Examples[] {
  if (n < 1 || n > examples.count) throw new OptionsInvalidError(`cannot split ${examples.count} examples into ${n} IID parts`);
  const order = shuffled(examples.count, seededRandom(seed));
  return Array.from({ length: n }, (_, k) => {
    const from = Math.floor((k * examples.count) / n);
    const to = Math.floor(((k + 1) * examples.count) / n);
    return selectExamples(examples, order.slice(from, to));
  });
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 via the U^(1/shape) boost). */
export function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(random() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = random() || Number.MIN_VALUE;
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u || Number.MIN_VALUE) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Dirichlet(α) label skew; every part gets at least `minSize` examples (resampled up to 100 times). */
export function partitionDirichlet(examples: Examples, n: number, alpha: number, seed: number, minSize = 10): Examples[] {
  if (!(alpha > 0)) throw new OptionsInvalidError(`Dirichlet alpha must be > 0 (got ${alpha})`);
  if (n < 1 || n * minSize > examples.count) {
    throw new OptionsInvalidError(`cannot give ${n} participants ${minSize} examples each from ${examples.count}`);
  }
  const random = seededRandom(seed);
  const classes = classesOf(examples);
  const byClass = new Map<number, number[]>();
  shuffled(examples.count, random).forEach((i) => {
    const k = classes[i]!;
    if (!byClass.has(k)) byClass.set(k, []);
    byClass.get(k)!.push(i);
  });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const parts: number[][] = Array.from({ length: n }, () => []);
    for (const members of byClass.values()) {
      const g = Array.from({ length: n }, () => sampleGamma(alpha, random));
      const total = g.reduce((a, b) => a + b, 0);
      let from = 0;
      let cumulative = 0;
      for (let p = 0; p < n; p += 1) {
        cumulative += g[p]! / total;
        const to = p === n - 1 ? members.length : Math.round(cumulative * members.length);
        parts[p]!.push(...members.slice(from, to));
        from = to;
      }
    }
    if (parts.every((p) => p.length >= minSize)) return parts.map((p) => selectExamples(examples, p));
  }
  throw new DatasetInvalidError(`Dirichlet(α=${alpha}) gave some of ${n} participants fewer than ${minSize} examples in 100 draws: raise α or use fewer participants`);
}

/** Each participant's local train/test split of its part (seeded, `trainFraction` of it for training). */
export function localDatasets(parts: Examples[], seed: number, trainFraction = 0.8): LocalDataset[] {
  return parts.map((part, k) => splitExamples(part, { seed: seed + k, trainFraction, shuffle: true }));
}

/** One participant per site file: each config loaded with the task's data section (features, scaling). */
export function loadSites(configs: DatasetConfig[], task: TaskDataSpec, baseDir?: string): LocalDataset[] {
  return configs.map((config, k) => {
    try {
      return loadDataset(config, { task, baseDir });
    } catch (cause) {
      throw new DatasetInvalidError(`site ${k + 1}'s data set could not be loaded: ${(cause as Error).message}`, { cause });
    }
  });
}
