import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import { FusedAdamOptimizer } from './fusedAdam';

/** Runs `steps` of least squares on fresh variables with the optimizer and returns the final variable values. */
function train(makeOptimizer: () => tf.Optimizer, steps: number): number[][] {
  // Inside tidy, so the initial values (which a variable copies) are disposed.
  const [w, b, frozen] = tf.tidy(() => [
    tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1), true, 'fa_w'),
    tf.variable(tf.zeros([3]), true, 'fa_b'),
    tf.variable(tf.ones([3]), false, 'fa_frozen'),
  ]);
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 2);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 3);
  const optimizer = makeOptimizer();
  for (let i = 0; i < steps; i++) {
    tf.dispose(optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), tf.mul(b, frozen)), y))), true, [w, b]) ?? []);
  }
  const values = [w, b].map((v) => Array.from(v.dataSync()));
  expect(Array.from(frozen.dataSync())).toEqual([1, 1, 1]);
  optimizer.dispose();
  tf.dispose([w, b, frozen, x, y]);
  return values;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('FusedAdamOptimizer', () => {
  it.each(['wasm', 'cpu'])('follows tf.train.adam to float32 rounding on %s', async (backend) => {
    await tf.setBackend(backend);
    const reference = train(() => tf.train.adam(0.05), 25);
    const fused = train(() => new FusedAdamOptimizer(0.05), 25);
    reference.flat().forEach((r, i) => expect(Math.abs(fused.flat()[i]! - r)).toBeLessThan(1e-5 * Math.max(1, Math.abs(r))));
  });

  it('refuses what it cannot do with typed errors: an unknown variable, saving or loading its moments', async () => {
    await tf.setBackend('wasm');
    const optimizer = new FusedAdamOptimizer(0.01);
    const gradient = tf.zeros([2]);
    try {
      expect(() => optimizer.applyGradients({ 'no-such-variable': gradient })).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_RUNTIME_WEIGHTS_MISMATCH' }));
      await expect(optimizer.getWeights()).rejects.toMatchObject({ code: 'CLOISTER_ERR_RUNTIME_MODEL_INVALID' });
      await expect(optimizer.setWeights()).rejects.toMatchObject({ code: 'CLOISTER_ERR_RUNTIME_MODEL_INVALID' });
    } finally {
      gradient.dispose();
    }
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    train(() => new FusedAdamOptimizer(0.01), 3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
