// The UCI Heart Disease data as FLamby's Fed-Heart-Disease uses it: four real hospitals, one file each, columns
// slope/ca/thal dropped, rows with a missing value dropped, label num > 0.
import { join } from 'node:path';
import type { CsvDatasetConfig, SplitConfig } from '@cloister/client';

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

/** The client's dataset config for one site's file under `<dataRoot>/heart-disease` (FLamby preprocessing), split as given. */
export function heartDiseaseConfig(site: Pick<HeartSite, 'file'>, dataRoot: string, split: SplitConfig): CsvDatasetConfig {
  return {
    format: 'csv',
    path: join(dataRoot, 'heart-disease', site.file),
    header: false,
    columns: HEART_COLUMNS,
    dropColumns: ['slope', 'ca', 'thal'],
    missing: '?',
    dropMissing: true,
    label: { column: 'num', map: 'num > 0' },
    split,
  };
}
