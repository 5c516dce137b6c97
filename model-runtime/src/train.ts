// Local training: a plain mini-batch loop (seeded shuffles, optional FedProx proximal term) and evaluation.
import * as tf from '@tensorflow/tfjs';
import { TrainingFailedError } from './errors';
import { silentLogger, type Logger } from './logger';
import { createOptimizer, lossFunction, metricFunction } from './losses';
import { readModelWeights } from './model';
import { createRng, permutation } from './rng';
import type { Examples, NamedTensor, TrainingSettings } from './types';

export interface TrainProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
}

export interface TrainLocalOptions {
  /** The model, with the global weights already set. */
  model: tf.LayersModel;
  /** The round's global weights: the FedProx anchor. Needed when fedProxMu > 0. */
  globalWeights?: readonly NamedTensor[];
  data: Examples;
  settings: TrainingSettings;
  /** Seed of the per-epoch shuffles (default 0). */
  seed?: number;
  onProgress?: (progress: TrainProgress) => void;
  logger?: Logger;
}

export interface TrainLocalResult {
  weights: NamedTensor[];
  steps: number;
  /** Mean training loss (task loss, without the proximal term) of each epoch. */
  epochLosses: number[];
  seconds: number;
}

function batchTensors(data: Examples, order: Uint32Array, start: number, size: number): [tf.Tensor, tf.Tensor] {
  const fx = data.featureShape.reduce((a, b) => a * b, 1);
  const fy = data.labelShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(size * fx);
  const ys = new Float32Array(size * fy);
  for (let i = 0; i < size; i++) {
    const row = order[start + i]!;
    xs.set(data.features.subarray(row * fx, (row + 1) * fx), i * fx);
    ys.set(data.labels.subarray(row * fy, (row + 1) * fy), i * fy);
  }
  return [tf.tensor(xs, [size, ...data.featureShape]), tf.tensor(ys, [size, ...data.labelShape])];
}

/** Trains the model in place on `data` and returns its new weights. */
export async function trainLocal(options: TrainLocalOptions): Promise<TrainLocalResult> {
  const { model, data, settings } = options;
  const logger = options.logger ?? silentLogger();
  if (data.count === 0) throw new TrainingFailedError('The local training split is empty: nothing to train on.');
  const batchSize = Math.max(1, Math.floor(settings.batchSize));
  const mu = settings.fedProxMu ?? 0;
  const lossFn = lossFunction(settings.loss);
  const optimizer = createOptimizer(settings.optimizer, settings.learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainableNames = new Set(model.trainableWeights.map((w) => w.originalName));

  let anchors: tf.Tensor[] = [];
  if (mu > 0) {
    if (!options.globalWeights) throw new TrainingFailedError('FedProx (fedProxMu > 0) needs the global weights.');
    const byName = new Map(options.globalWeights.map((w) => [w.name, w]));
    anchors = model.trainableWeights.map((w) => {
      const g = byName.get(w.originalName);
      if (!g) throw new TrainingFailedError(`FedProx: no global tensor named ${w.originalName}.`);
      return tf.tensor(g.data, g.shape, 'float32');
    });
  }

  const batchesPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = settings.localSteps != null && settings.localSteps > 0
    ? Math.floor(settings.localSteps)
    : Math.max(1, Math.floor(settings.localEpochs ?? 1)) * batchesPerEpoch;
  const rng = createRng(options.seed ?? 0);
  const started = performance.now();
  const epochLosses: number[] = [];
  let step = 0;
  let epoch = 0;
  try {
    while (step < totalSteps) {
      const order = permutation(data.count, rng);
      let lossSum = 0;
      let seen = 0;
      for (let start = 0; start < data.count && step < totalSteps; start += batchSize) {
        const size = Math.min(batchSize, data.count - start);
        const [xb, yb] = batchTensors(data, order, start, size);
        let taskLoss: tf.Scalar | undefined;
        const cost = optimizer.minimize(
          () => {
            const pred = model.apply(xb, { training: true }) as tf.Tensor;
            const loss = lossFn(yb, pred);
            // Layer regularizers from the task's topology (e.g. kernelRegularizer L2) belong in the objective, as in
            // model.fit; the reported loss stays the task loss so sites compare like with like.
            const penalties = model.calculateLosses();
            if (mu <= 0 && penalties.length === 0) return loss;
            taskLoss = tf.keep(loss.clone());
            let objective: tf.Scalar = penalties.length > 0 ? (tf.add(loss, tf.addN(penalties)) as tf.Scalar) : loss;
            if (mu > 0) {
              const prox = tf.addN(variables.map((v, i) => tf.sum(tf.squaredDifference(v, anchors[i]!))));
              objective = tf.add(objective, tf.mul(mu / 2, prox)) as tf.Scalar;
            }
            return objective;
          },
          true,
          variables,
        );
        const value = (taskLoss ?? cost!).dataSync()[0]!;
        tf.dispose([xb, yb, cost!, taskLoss!].filter(Boolean));
        if (!Number.isFinite(value)) {
          throw new TrainingFailedError(`Training diverged: the loss became ${value} at step ${step + 1}. Lower the learning rate.`, { details: {
            step: step + 1,
          } });
        }
        lossSum += value * size;
        seen += size;
        step += 1;
        options.onProgress?.({ epoch, step, totalSteps, loss: value });
        if (step % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      epochLosses.push(lossSum / seen);
      logger.debug({ epoch, loss: lossSum / seen }, 'train: epoch done');
      epoch += 1;
    }
  } finally {
    optimizer.dispose();
    tf.dispose(anchors);
  }
  const weights = readModelWeights(model);
  for (const w of weights) {
    if (trainableNames.has(w.name) && !w.data.every(Number.isFinite)) {
      throw new TrainingFailedError(`Training produced non-finite values in ${w.name}.`, { details: { name: w.name } });
    }
  }
  return { weights, steps: step, epochLosses, seconds: (performance.now() - started) / 1000 };
}

export interface EvaluationResult {
  loss: number;
  /** Each requested metric by its spec name (e.g. accuracy). */
  metrics: Record<string, number>;
  numExamples: number;
}

/** Evaluates the model (inference mode) on examples: mean loss and metrics over all of them. */
export function evaluateModel(
  model: tf.LayersModel,
  data: Examples,
  settings: Pick<TrainingSettings, 'loss' | 'metrics' | 'batchSize'>,
  batchSize = Math.max(256, settings.batchSize),
): EvaluationResult {
  const lossFn = lossFunction(settings.loss);
  const metricFns = (settings.metrics ?? []).map((m) => metricFunction(m, settings.loss));
  if (data.count === 0) return { loss: Number.NaN, metrics: {}, numExamples: 0 };
  const order = new Uint32Array(data.count).map((_, i) => i);
  let lossSum = 0;
  const sums = new Array<number>(metricFns.length).fill(0);
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    const [xb, yb] = batchTensors(data, order, start, size);
    const values = tf.tidy(() => {
      const pred = model.predict(xb) as tf.Tensor;
      return [lossFn(yb, pred), ...metricFns.map((m) => m.fn(yb, pred))];
    });
    const numbers = values.map((v) => v.dataSync()[0]!);
    tf.dispose([xb, yb, ...values]);
    lossSum += numbers[0]! * size;
    metricFns.forEach((_, i) => (sums[i] = sums[i]! + numbers[i + 1]! * size));
  }
  const metrics: Record<string, number> = {};
  metricFns.forEach((m, i) => (metrics[m.key] = sums[i]! / data.count));
  return { loss: lossSum / data.count, metrics, numExamples: data.count };
}
