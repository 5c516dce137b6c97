// MNIST for the attack experiments: the participants split the training images (the first 10k of the official
// training set) by a seeded Dirichlet(α) label split, the same as the MNIST demo's clean FedAvg run; the task author's
// validation set is the first `validation` images of the official test set, which no participant holds, and accuracy
// is reported on the rest of the test set, so validation and test never overlap.
import { join, resolve } from 'node:path';
import { loadDataset, type Examples, type IdxDatasetConfig } from '@cloister/client';
import { partitionDirichlet, selectExamples } from '../data/partition';

export function defaultDataRoot(): string {
  return process.env.CLOISTER_DATA_DIR ?? resolve(__dirname, '..', '..', '..', '..', 'shared', 'data');
}

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

export type AttackData = { participants: Examples[]; validation: Examples; test: Examples };

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Flattens images to vectors (for dense models): the same buffer with featureShape [28·28]. */
export function flattenFeatures(examples: Examples): Examples {
  return { ...examples, featureShape: [examples.featureShape.reduce((a, b) => a * b, 1)] };
}

export function loadAttackData(options: {
  participants: number;
  alpha: number;
  seed: number;
  /** Training images split over the participants (default all 10k). */
  trainCount?: number;
  /** Validation images, from the start of the test set (default 1000). */
  validation?: number;
  /** Test images after the validation ones (default the rest). */
  testCount?: number;
  dataRoot?: string;
}): AttackData {
  const all = loadDataset(mnistConfig(options.dataRoot));
  const train = options.trainCount === undefined ? all.train : selectExamples(all.train, range(0, options.trainCount));
  const v = options.validation ?? 1000;
  const testEnd = options.testCount === undefined ? all.test.count : Math.min(all.test.count, v + options.testCount);
  return {
    participants: partitionDirichlet(train, options.participants, options.alpha, options.seed),
    validation: selectExamples(all.test, range(0, v)),
    test: selectExamples(all.test, range(v, testEnd)),
  };
}
