// Loss and metric functions by the names a task spec uses (Keras/tfjs-layers names).
import * as tf from '@tensorflow/tfjs';
import { ModelInvalidError } from './errors';
import { FusedAdamOptimizer } from './fusedAdam';
import { categoricalCrossentropyMean } from './fusedCrossentropy';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

function sparseToOneHot(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.shape.length - 1]!;
  return tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), classes);
}

const LOSSES: Record<string, LossFn> = {
  binaryCrossentropy: (t, p) => tf.mean(tf.metrics.binaryCrossentropy(t, p)),
  // One op with its gradient instead of ~45 small kernels per step (see fusedCrossentropy.ts); same values.
  categoricalCrossentropy: categoricalCrossentropyMean,
  sparseCategoricalCrossentropy: (t, p) => categoricalCrossentropyMean(sparseToOneHot(t, p), p),
  meanSquaredError: (t, p) => tf.mean(tf.metrics.meanSquaredError(t, p)),
  meanAbsoluteError: (t, p) => tf.mean(tf.metrics.meanAbsoluteError(t, p)),
};

const METRICS: Record<string, MetricFn> = {
  binaryAccuracy: (t, p) => tf.mean(tf.metrics.binaryAccuracy(t, p)),
  categoricalAccuracy: (t, p) => tf.mean(tf.metrics.categoricalAccuracy(t, p)),
  sparseCategoricalAccuracy: (t, p) =>
    tf.mean(tf.cast(tf.equal(tf.cast(tf.reshape(t, [-1]), 'int32'), tf.argMax(p, -1)), 'float32')),
  mse: (t, p) => tf.mean(tf.metrics.meanSquaredError(t, p)),
  mae: (t, p) => tf.mean(tf.metrics.meanAbsoluteError(t, p)),
};

export const LOSS_NAMES = Object.keys(LOSSES);

export function lossFunction(name: string): LossFn {
  const fn = LOSSES[name];
  if (!fn) {
    throw new ModelInvalidError(`Unknown loss "${name}" in the task's training settings; use one of ${LOSS_NAMES.join(', ')}.`, { details: {
      loss: name,
    } });
  }
  return fn;
}

/** Resolves 'accuracy' to the accuracy that fits the loss, as Keras does. */
export function metricFunction(name: string, lossName: string): { key: string; fn: MetricFn } {
  let resolved = name;
  if (name === 'accuracy' || name === 'acc') {
    resolved =
      lossName === 'binaryCrossentropy'
        ? 'binaryAccuracy'
        : lossName === 'sparseCategoricalCrossentropy'
          ? 'sparseCategoricalAccuracy'
          : 'categoricalAccuracy';
  }
  const fn = METRICS[resolved];
  if (!fn) {
    throw new ModelInvalidError(
      `Unknown metric "${name}" in the task's training settings; use accuracy or one of ${Object.keys(METRICS).join(', ')}.`,
      { details: { metric: name } },
    );
  }
  return { key: name === 'acc' ? 'accuracy' : name, fn };
}

export function createOptimizer(name: string, learningRate: number): tf.Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new ModelInvalidError(`learningRate must be a positive number (got ${learningRate}).`, { details: { learningRate } });
  }
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'adam':
      // Same rule as tf.train.adam without ~15 tfjs kernels per variable and step (see fusedAdam.ts).
      return new FusedAdamOptimizer(learningRate);
    case 'adamax':
      return tf.train.adamax(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'adadelta':
      return tf.train.adadelta(learningRate);
    default:
      throw new ModelInvalidError(
        `Unknown optimizer "${name}"; use sgd, momentum, adam, adamax, rmsprop, adagrad or adadelta.`,
        { details: { optimizer: name } },
      );
  }
}
