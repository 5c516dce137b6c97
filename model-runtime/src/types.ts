// Shapes shared by training, data and submission. `NamedTensor` is structurally the protocol codec's type
// (@cloister/protocol), so values pass between the packages without conversion.

import type { NamedTensor } from '@cloister/protocol';

export type { NamedTensor };

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamax' | 'rmsprop' | 'adagrad' | 'adadelta';
export type LossName =
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'meanSquaredError'
  | 'meanAbsoluteError';
export type MetricName = 'accuracy' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'mse' | 'mae';

/** The task spec's `training` section (docs/interfaces.md). */
export interface TrainingSettings {
  optimizer: OptimizerName | string;
  learningRate: number;
  loss: LossName | string;
  metrics?: (MetricName | string)[];
  /** Passes over the local training split (default 1). Ignored when localSteps is set. */
  localEpochs?: number;
  /** If set: exactly this many mini-batches (cycling through reshuffled epochs). */
  localSteps?: number | null;
  batchSize: number;
  /** FedProx proximal term weight: adds mu/2·‖w − w_global‖² to the loss (0 or null: plain FedAvg client). */
  fedProxMu?: number | null;
  /** Client-side clipping: the update (local − global) is scaled to L2 norm ≤ clipNorm. */
  clipNorm?: number | null;
  /** Client-side Gaussian noise: N(0, (noiseMultiplier·clipNorm)²) per coordinate; needs clipNorm. */
  noiseMultiplier?: number | null;
}

/** In-memory examples: row-major features and labels, one row per example. */
export interface Examples {
  /** Shape of one example's features, e.g. [10] for tabular rows or [28, 28, 1] for images. */
  featureShape: number[];
  /** Shape of one example's label, e.g. [1] (binary or sparse class id) or [10] (one-hot). */
  labelShape: number[];
  features: Float32Array;
  labels: Float32Array;
  count: number;
}

/** A local split: the model trains on `train` and is evaluated on `test`. */
export interface LocalDataset {
  train: Examples;
  test: Examples;
}
