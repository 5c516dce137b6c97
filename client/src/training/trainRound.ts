// One participant round on local data: evaluate the global model on the local test split, train from the global
// weights, and form the update payload (deltas, example count, metrics), with optional clipping and noise.
import { cryptoRandomSource, simulationOnlySeededRandomSource, type UpdatePayload } from '@cloister/protocol';
import { ModelSpecInvalidError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import {
  addDiscreteGaussianNoiseInPlace,
  buildModel,
  clipInPlace,
  computeDeltas,
  evaluateModel,
  l2Norm,
  setModelWeights,
  trainLocal,
  type EvaluationResult,
  type LocalDataset,
  type NamedTensor,
  type TrainingSettings,
  type TrainProgress,
} from '@cloister/model-runtime';

export type { UpdatePayload };

export interface ModelTaskSpec {
  model: { topology: unknown };
  training: TrainingSettings;
}

export interface TrainRoundOptions {
  spec: ModelTaskSpec;
  globalWeights: readonly NamedTensor[];
  dataset: LocalDataset;
  /** Seed of the batch shuffles. */
  seed?: number;
  /**
   * Seed of the client-side noise, for simulations and tests that must repeat exactly. Anyone who knows it knows the
   * noise: a real participant leaves it unset, and the noise comes from node:crypto.
   */
  simulationOnlyNoiseSeed?: number;
  onProgress?: (progress: TrainProgress) => void;
  logger?: Logger;
}

export interface TrainRoundResult {
  update: UpdatePayload;
  /** The global model on the local test split (before training). */
  globalEvaluation: EvaluationResult;
  /** The trained local model on the local test split. */
  localEvaluation: EvaluationResult;
  localWeights: NamedTensor[];
  epochLosses: number[];
  updateNorm: number;
  seconds: number;
}

function metricKey(prefix: string, name: string): string {
  return prefix + name.charAt(0).toUpperCase() + name.slice(1);
}

export async function trainRound(options: TrainRoundOptions): Promise<TrainRoundResult> {
  const logger = options.logger ?? silentLogger();
  const settings = options.spec.training;
  const { clipNorm, noiseMultiplier } = settings;
  if (noiseMultiplier != null && noiseMultiplier > 0 && !(clipNorm != null && clipNorm > 0)) {
    throw new ModelSpecInvalidError('noiseMultiplier needs clipNorm: the noise scale is noiseMultiplier × clipNorm.', { details: {
      clipNorm,
      noiseMultiplier,
    } });
  }
  const model = await buildModel(options.spec.model.topology);
  try {
    setModelWeights(model, options.globalWeights);
    const globalEvaluation = evaluateModel(model, options.dataset.test, settings);
    logger.info({ phase: 'evaluate', loss: globalEvaluation.loss, ...globalEvaluation.metrics }, 'evaluate: global model on local test split');
    const trained = await trainLocal({
      model,
      globalWeights: options.globalWeights,
      data: options.dataset.train,
      settings,
      seed: options.seed,
      onProgress: options.onProgress,
      logger,
    });
    const localEvaluation = evaluateModel(model, options.dataset.test, settings);
    const deltas = computeDeltas(trained.weights, options.globalWeights);
    const rawNorm = l2Norm(deltas);
    if (clipNorm != null && clipNorm > 0) clipInPlace(deltas, clipNorm);
    if (noiseMultiplier != null && noiseMultiplier > 0 && clipNorm != null) {
      const random = options.simulationOnlyNoiseSeed === undefined ? cryptoRandomSource() : simulationOnlySeededRandomSource(options.simulationOnlyNoiseSeed);
      addDiscreteGaussianNoiseInPlace(deltas, noiseMultiplier * clipNorm, clipNorm, random);
    }
    const metrics: Record<string, number> = {
      trainLoss: trained.epochLosses[trained.epochLosses.length - 1]!,
      localSteps: trained.steps,
      numTestExamples: options.dataset.test.count,
      updateNorm: rawNorm,
    };
    if (globalEvaluation.numExamples > 0) {
      metrics.globalTestLoss = globalEvaluation.loss;
      for (const [k, v] of Object.entries(globalEvaluation.metrics)) metrics[metricKey('globalTest', k)] = v;
      metrics.localTestLoss = localEvaluation.loss;
      for (const [k, v] of Object.entries(localEvaluation.metrics)) metrics[metricKey('localTest', k)] = v;
    }
    logger.info({ phase: 'train', steps: trained.steps, seconds: trained.seconds, trainLoss: metrics.trainLoss, updateNorm: rawNorm }, 'train: local training done');
    return {
      update: { deltas, numExamples: options.dataset.train.count, metrics },
      globalEvaluation,
      localEvaluation,
      localWeights: trained.weights,
      epochLosses: trained.epochLosses,
      updateNorm: rawNorm,
      seconds: trained.seconds,
    };
  } finally {
    model.dispose();
  }
}
