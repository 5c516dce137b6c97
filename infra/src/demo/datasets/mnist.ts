// MNIST for the demo: the first 10k images of the official training set, split over clients by a seeded
// Dirichlet(α) draw of each class's share per client (the usual non-IID label split), evaluated on the 10k test set.
import { loadDataset, type Examples } from '@cloister/client';
import { mnistConfig, partitionDirichlet } from '@cloister/simulation';
import { defaultDataRoot } from './heartDisease';

export type MnistFederation = { clients: Examples[]; test: Examples };

/**
 * Loads MNIST and splits its 10k training images over `numClients` clients with the simulation engine's seeded
 * Dirichlet(α) label split (`partitionDirichlet`: per class, proportions ~ Dir(α), every client ≥ 10 examples).
 */
export function loadMnistFederation(numClients: number, alpha: number, seed: number, dataRoot = defaultDataRoot()): MnistFederation {
  const all = loadDataset(mnistConfig(dataRoot));
  return { clients: partitionDirichlet(all.train, numClients, alpha, seed), test: all.test };
}
