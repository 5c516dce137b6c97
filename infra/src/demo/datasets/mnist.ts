// MNIST for the demo: the first 10k images of the official training set, split over clients by a seeded
// Dirichlet(α) draw of each class's share per client (the usual non-IID label split), evaluated on the 10k test set.
import { join } from 'node:path';
import { createRng, loadDataset, type Examples, type IdxDatasetConfig, type Rng } from '@cloister/client';
import { defaultDataRoot } from './heartDisease';

export function mnistConfig(dataRoot = defaultDataRoot()): IdxDatasetConfig {
  const dir = join(dataRoot, 'mnist');
  return {
    format: 'idx',
    images: join(dir, 'train-images-first10k-idx3-ubyte.gz'),
    labels: join(dir, 'train-labels-first10k-idx1-ubyte.gz'),
    testImages: join(dir, 't10k-images-idx3-ubyte.gz'),
    testLabels: join(dir, 't10k-labels-idx1-ubyte.gz'),
    normalize: true,
    oneHot: 10,
  };
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 boosted by U^(1/shape)). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Dirichlet(α, …, α) draw of `k` proportions. */
export function sampleDirichlet(k: number, alpha: number, rng: Rng): number[] {
  const g = Array.from({ length: k }, () => sampleGamma(alpha, rng));
  const sum = g.reduce((a, b) => a + b, 0);
  return g.map((x) => x / sum);
}

/**
 * Splits example indices by class: for each class, a Dirichlet(α) draw gives each client's share of that class's
 * examples (shuffled first). Every example goes to exactly one client. Returns the row indices of each client.
 */
export function dirichletLabelSplit(classes: ArrayLike<number>, numClients: number, alpha: number, seed: number): number[][] {
  const rng = createRng(seed);
  const numClasses = Math.max(...Array.from(classes)) + 1;
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < classes.length; i++) byClass[classes[i]!]!.push(i);
  const parts: number[][] = Array.from({ length: numClients }, () => []);
  for (const rows of byClass) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const shares = sampleDirichlet(numClients, alpha, rng);
    let start = 0;
    let cumulative = 0;
    shares.forEach((share, k) => {
      cumulative += share;
      const end = k === numClients - 1 ? rows.length : Math.round(cumulative * rows.length);
      parts[k]!.push(...rows.slice(start, end));
      start = end;
    });
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}

/** Class id of each example of one-hot labels. */
export function classesOf(examples: Examples): Uint8Array {
  const k = examples.labelShape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(examples.count);
  for (let i = 0; i < examples.count; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (examples.labels[i * k + j]! > examples.labels[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** The rows `rows` of `examples`. */
export function selectRows(examples: Examples, rows: readonly number[]): Examples {
  const fx = examples.featureShape.reduce((a, b) => a * b, 1);
  const fy = examples.labelShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(rows.length * fx);
  const labels = new Float32Array(rows.length * fy);
  rows.forEach((r, i) => {
    features.set(examples.features.subarray(r * fx, (r + 1) * fx), i * fx);
    labels.set(examples.labels.subarray(r * fy, (r + 1) * fy), i * fy);
  });
  return { featureShape: [...examples.featureShape], labelShape: [...examples.labelShape], features, labels, count: rows.length };
}

export type MnistFederation = { clients: Examples[]; test: Examples; parts: number[][] };

/** Loads MNIST and splits its 10k training images over `numClients` clients (seeded Dirichlet(α) label split). */
export function loadMnistFederation(numClients: number, alpha: number, seed: number, dataRoot = defaultDataRoot()): MnistFederation {
  const all = loadDataset(mnistConfig(dataRoot));
  const parts = dirichletLabelSplit(classesOf(all.train), numClients, alpha, seed);
  return { clients: parts.map((rows) => selectRows(all.train, rows)), test: all.test, parts };
}
