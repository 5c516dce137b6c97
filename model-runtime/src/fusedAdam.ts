// Adam with the update of each variable done in one pass over plain arrays instead of tfjs ops.
//
// tf.train.adam runs ~15 small kernels per variable and step (mul, add, square, div, sqrt, assign of the moments and
// the value), each costing tfjs engine overhead that dwarfs the arithmetic on models of a few thousand weights: on
// the reference CNN it was ~90 kernels, the largest single item of a wasm training step after the convolutions.
// Here the moments live in Float32Arrays, the gradient and value are read once, and the new value is written back
// with one assign. Same update rule and defaults as tf.train.adam (beta1 0.9, beta2 0.999, epsilon = the backend's
// epsilon, bias correction from accumulated beta powers); values agree to float32 rounding.
import * as tf from '@tensorflow/tfjs';
import { ModelInvalidError, WeightsMismatchError } from './errors';

/** tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
type OptimizerNamedTensor = { name: string; tensor: tf.Tensor };

interface Moments {
  m: Float32Array;
  v: Float32Array;
}

export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'FusedAdam';
  }

  private readonly moments = new Map<string, Moments>();
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | OptimizerNamedTensor[]): void {
    const pairs = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    const { beta1, beta2, epsilon } = this;
    const step = -this.learningRate;
    for (const [name, gradient] of pairs) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new WeightsMismatchError(`FusedAdam: no variable named ${name}`, { details: { name } });
      const g = gradient.dataSync() as Float32Array;
      // dataSync returns a copy on wasm and cpu, but not necessarily elsewhere: copy before writing into it.
      const w = Float32Array.from(variable.dataSync() as Float32Array);
      let state = this.moments.get(name);
      if (!state) {
        state = { m: new Float32Array(w.length), v: new Float32Array(w.length) };
        this.moments.set(name, state);
      }
      const { m, v } = state;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = m[i]! * beta1 + gi * (1 - beta1));
        const vi = (v[i] = v[i]! * beta2 + gi * gi * (1 - beta2));
        w[i] = w[i]! + (step * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
      }
      const next = tf.tensor(w, variable.shape, 'float32');
      variable.assign(next);
      next.dispose();
    }
    this.accBeta1 *= beta1;
    this.accBeta2 *= beta2;
    this.incrementIterations();
  }

  override dispose(): void {
    this.moments.clear();
  }

  override async getWeights(): Promise<OptimizerNamedTensor[]> {
    throw new ModelInvalidError('FusedAdam keeps its moments outside tfjs and does not export them; use tf.train.adam to save state.');
  }

  override async setWeights(): Promise<void> {
    throw new ModelInvalidError('FusedAdam keeps its moments outside tfjs and does not import them; use tf.train.adam to load state.');
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
