// From a dataset config (and the task's data section) to a local train/test split ready for training.
import { isAbsolute, resolve } from 'node:path';
import type { LocalDataset } from '@cloister/model-runtime';
import { parseDatasetConfig, readDatasetConfig, type DatasetConfig } from './config';
import { loadCsv } from './csv';
import { idxExamples } from './idx';
import { applyScaling, splitExamples, type FeatureScaling } from './split';

/** The task spec's `data` section: feature names in model order and the fixed scaling. */
export interface TaskDataSpec {
  features: string[];
  label?: string;
  scaling?: FeatureScaling | null;
}

export interface LoadDatasetOptions {
  /** Folder relative paths start from (default: the config file's folder, or the working directory). */
  baseDir?: string;
  /** The task's data section: selects feature columns and applies its scaling. */
  task?: TaskDataSpec;
}

export interface LoadedDataset extends LocalDataset {
  featureNames: string[];
  rowsRead: number;
  rowsDropped: number;
}

function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** Loads a dataset from a config object (validated here) or a config file path. */
export function loadDataset(configOrPath: DatasetConfig | string, options: LoadDatasetOptions = {}): LoadedDataset {
  let config: DatasetConfig;
  let baseDir = options.baseDir ?? process.cwd();
  if (typeof configOrPath === 'string') {
    const read = readDatasetConfig(configOrPath);
    config = read.config;
    baseDir = options.baseDir ?? read.baseDir;
  } else {
    config = parseDatasetConfig(configOrPath);
  }
  const scaling = options.task?.scaling;
  if (config.format === 'csv') {
    const file = resolvePath(baseDir, config.path);
    const table = loadCsv(config, file, options.task?.features);
    if (scaling) applyScaling(table.examples, scaling, file);
    const split = splitExamples(table.examples, config.split);
    return { ...split, featureNames: table.featureNames, rowsRead: table.rowsRead, rowsDropped: table.rowsDropped };
  }
  const opts = { normalize: config.normalize, oneHot: config.oneHot, limit: config.limit };
  const all = idxExamples(resolvePath(baseDir, config.images), resolvePath(baseDir, config.labels), opts);
  let split: LocalDataset;
  if (config.testImages && config.testLabels) {
    const test = idxExamples(resolvePath(baseDir, config.testImages), resolvePath(baseDir, config.testLabels), opts);
    split = config.split ? { train: splitExamples(all, config.split).train, test } : { train: all, test };
  } else {
    split = splitExamples(all, config.split ?? { seed: 0, trainFraction: 0.8 });
  }
  return { ...split, featureNames: ['pixels'], rowsRead: all.count, rowsDropped: 0 };
}
