// Mean categorical cross-entropy of probabilities as one op with its gradient written out, computed in JS.
//
// tf.mean(tf.metrics.categoricalCrossentropy(t, p)) is ~20 kernels forward (normalise, clip, log, multiply, sum,
// negate, mean) and ~25 more for their gradients; on a batch of 32×10 probabilities each kernel's tfjs overhead costs
// far more than its arithmetic, and these ~45 kernels were a visible share of a wasm training step of the reference
// CNN. The inputs are small (batch × classes), so one read, a loop, and one tensor out is cheaper.
// Same definition as tfjs-layers (p normalised to sum 1 over the last axis, clipped to [ε, 1−ε] with ε = 1e-7, loss
// −Σ t·log p, mean over the other axes) and the same gradient, including clipByValue's zero gradient outside [ε, 1−ε].
import * as tf from '@tensorflow/tfjs';

/** tfjs-layers' fuzz factor (backend/common epsilon) that categoricalCrossentropy clips with. */
const EPSILON = 1e-7;

interface Forward {
  loss: number;
  /** d(mean loss)/dp and d(mean loss)/dt, for an upstream gradient of 1. */
  dPred: Float32Array;
  dTrue: Float32Array;
}

function crossentropy(t: ArrayLike<number>, p: ArrayLike<number>, classes: number): Forward {
  const rows = p.length / classes;
  const dPred = new Float32Array(p.length);
  const dTrue = new Float32Array(p.length);
  const g = new Float64Array(classes);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += p[base + k]!;
    let rowLoss = 0;
    let gq = 0;
    for (let k = 0; k < classes; k++) {
      const q = p[base + k]! / sum;
      const clipped = Math.min(Math.max(q, EPSILON), 1 - EPSILON);
      const log = Math.log(clipped);
      const tk = t[base + k]!;
      rowLoss -= tk * log;
      dTrue[base + k] = -log / rows;
      // d(−t·log c)/dq, zero where the clip was active (as tf.clipByValue's gradient).
      g[k] = q >= EPSILON && q <= 1 - EPSILON ? -tk / clipped : 0;
      gq += g[k]! * q;
    }
    // q = p / Σp, so dL/dp_k = (g_k − Σ_j g_j q_j) / Σp.
    for (let k = 0; k < classes; k++) dPred[base + k] = (g[k]! - gq) / sum / rows;
    total += rowLoss;
  }
  return { loss: total / rows, dPred, dTrue };
}

function scaled(values: Float32Array, by: number): Float32Array {
  if (by === 1) return values;
  return values.map((v) => v * by);
}

/** Mean over all but the last axis of the categorical cross-entropy between one-hot/probability targets and predictions. */
export function categoricalCrossentropyMean(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  // customGrad's inputs are typed Tensor | GradSaveFunc (the save function comes last); this op saves nothing.
  const op = tf.customGrad((...inputs: unknown[]) => {
    const [t, p] = inputs as [tf.Tensor, tf.Tensor];
    const classes = p.shape[p.shape.length - 1]!;
    const forward = crossentropy(t.dataSync(), p.dataSync(), classes);
    return {
      value: tf.scalar(forward.loss),
      gradFunc: (dy: tf.Tensor) => {
        const upstream = dy.dataSync()[0]!;
        return [tf.tensor(scaled(forward.dTrue, upstream), t.shape), tf.tensor(scaled(forward.dPred, upstream), p.shape)];
      },
    };
  });
  return tf.tidy(() => op(yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32'), yPred) as tf.Scalar);
}
