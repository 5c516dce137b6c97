// Fed-Heart-Disease as in FLamby: four real hospitals of the UCI Heart Disease data, columns slope/ca/thal dropped,
// rows with a missing value dropped, label num > 0, per-site seeded train/test splits of FLamby's sizes.
import { join, resolve } from 'node:path';
import type { CsvDatasetConfig } from '@cloister/client';

export const HEART_COLUMNS = ['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak', 'slope', 'ca', 'thal', 'num'];
export const HEART_FEATURES = ['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak'];

export type HeartSite = { key: string; name: string; file: string; train: number; test: number };

/** FLamby's centers, in its order, with its split sizes (train fraction 0.66). */
export const HEART_SITES: HeartSite[] = [
  { key: 'cleveland', name: 'Cleveland', file: 'processed.cleveland.data', train: 199, test: 104 },
  { key: 'hungary', name: 'Hungary', file: 'processed.hungarian.data', train: 172, test: 89 },
  { key: 'switzerland', name: 'Switzerland', file: 'processed.switzerland.data', train: 30, test: 16 },
  { key: 'long-beach-va', name: 'Long Beach VA', file: 'processed.va.data', train: 85, test: 45 },
];

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

/** The client's dataset config for one site (FLamby preprocessing). */
export function heartSiteConfig(site: HeartSite, index: number, dataRoot = defaultDataRoot(), seed = HEART_SPLIT_SEED): CsvDatasetConfig {
  return {
    format: 'csv',
    path: join(dataRoot, 'heart-disease', site.file),
    header: false,
    columns: HEART_COLUMNS,
    dropColumns: ['slope', 'ca', 'thal'],
    missing: '?',
    dropMissing: true,
    label: { column: 'num', map: 'num > 0' },
    split: { seed: seed + index, trainSize: site.train, testSize: site.test },
  };
}
