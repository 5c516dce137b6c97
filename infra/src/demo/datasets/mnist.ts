// MNIST for the demo: the first 10k images of the official training set, split over clients by a seeded
// Dirichlet(α) draw of each class's share per client (the usual non-IID label split), evaluated on the 10k test set.
import { join } from 'node:path';
import { loadDataset, type Examples, type IdxDatasetConfig } from '@cloister/client';
import { partitionDirichlet } from '@cloister/simulation';
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

export type MnistFederation = { clients: Examples[]; test: Examples };

/**
 * Loads MNIST and splits its 10k training images over `numClients` clients with the simulation engine's seeded
 * Dirichlet(α) label split (`partitionDirichlet`: per class, proportions ~ Dir(α), every client ≥ 10 examples).
 */
export function loadMnistFederation(numClients: number, alpha: number, seed: number, dataRoot = defaultDataRoot()): MnistFederation {
  const all = loadDataset(mnistConfig(dataRoot));
  return { clients: partitionDirichlet(all.train, numClients, alpha, seed), test: all.test };
}
