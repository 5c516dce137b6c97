// Fed-Heart-Disease as in FLamby for the demo: the four hospitals and their preprocessing (simulation's
// heartDiseaseConfig), per-site seeded train/test splits of FLamby's sizes, the fixed feature scaling, FLamby's figures.
import { resolve } from 'node:path';
import type { CsvDatasetConfig } from '@cloister/client';
import { heartDiseaseConfig, type HeartSite } from '@cloister/simulation';

export { HEART_FEATURES, HEART_SITES, type HeartSite } from '@cloister/simulation';

/** FLamby's published Fed-Heart-Disease accuracies (benchmark paper, Table/Fig. for this dataset). */
export const FLAMBY_FIGURES = {
  fedavg: { meanPerSite: 0.685, pooled: 0.748 },
  pooledTraining: { meanPerSite: 0.735, pooled: 0.795 },
} as const;

/**
 * Feature scaling fixed in the task spec, the same at every site: mean and standard deviation (population std)
 * of each feature over the pooled training splits of the four sites (split seed 0), the normalization FLamby's
 * Fed-Heart-Disease loader applies. Computing them needs every site's data once: in a real federation governance
 * would fix them from published clinical reference values or a federated-statistics step before the task; here
 * they are frozen constants, and infra/src/demo/datasets/heartDisease.test.ts recomputes them from the data.
 */
export const HEART_SCALING = {
  mean: [53.4238683127572, 0.7674897119341564, 3.2386831275720165, 132.19135802469137, 221.3127572016461, 0.13580246913580246, 0.6296296296296297, 137.66666666666666, 0.4074074074074074, 0.9203703703335774],
  std: [9.239462146484563, 0.42243254373850275, 0.9277531125593003, 18.53309817017643, 96.22023842050199, 0.3425786895188051, 0.8355936424206278, 25.770672711756344, 0.49135182079339257, 1.0973296519350921],
};

/** Seed of the per-site split shuffles (site i uses seed + i). */
export const HEART_SPLIT_SEED = 0;

/** Where the repository's shared data live: ../shared/data relative to the repository root. */
export function defaultDataRoot(): string {
  return process.env.CLOISTER_DATA_DIR ?? resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'data');
}

/** The client's dataset config for one site (FLamby preprocessing), with FLamby's split sizes. */
export function heartSiteConfig(site: HeartSite, index: number, dataRoot = defaultDataRoot(), seed = HEART_SPLIT_SEED): CsvDatasetConfig {
  return heartDiseaseConfig(site, dataRoot, { seed: seed + index, trainSize: site.train, testSize: site.test });
}
