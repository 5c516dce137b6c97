import type { TrainingTaskSpec } from './taskSpec.js';

/**
 * A task spec's `training` section for a small binary classifier: Adam at 0.01, binary cross-entropy with accuracy
 * reported, one local epoch of batches of 16, no FedProx pull (μ = 0) and no local clipping or noise. Specs that differ
 * spread it and override what they change (`{ ...DEFAULT_TRAINING, fedProxMu: 3 }`).
 */
export const DEFAULT_TRAINING: TrainingTaskSpec['training'] = {
  optimizer: 'adam',
  learningRate: 0.01,
  loss: 'binaryCrossentropy',
  metrics: ['accuracy'],
  localEpochs: 1,
  batchSize: 16,
  fedProxMu: 0,
  clipNorm: null,
  noiseMultiplier: null,
};
