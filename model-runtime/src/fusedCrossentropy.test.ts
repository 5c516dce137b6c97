import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import { categoricalCrossentropyMean } from './fusedCrossentropy';
import { lossFunction } from './losses';

/** tfjs-layers' definition, which the fused op must reproduce (value and gradients). */
const reference = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.metrics.categoricalCrossentropy(t, p)) as tf.Scalar;

function valueAndGrads(loss: (t: tf.Tensor, p: tf.Tensor) => tf.Scalar, t: number[][], p: number[][], upstream: number) {
  return tf.tidy(() => {
    const f = (tt: tf.Tensor, pt: tf.Tensor) => tf.mul(loss(tt, pt), upstream) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(t), tf.tensor2d(p)]);
    return { value: value.dataSync()[0]!, dTrue: Array.from(grads[0]!.dataSync()), dPred: Array.from(grads[1]!.dataSync()) };
  });
}

function expectClose(a: number[], b: number[], tolerance: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(b[i]!))));
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('categoricalCrossentropyMean', () => {
  const t = [
    [0, 1, 0],
    [1, 0, 0],
    [0, 0, 1],
    [0.2, 0.3, 0.5],
  ];
  const cases: { name: string; p: number[][] }[] = [
    { name: 'softmax outputs', p: [[0.2, 0.7, 0.1], [0.5, 0.25, 0.25], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]] },
    { name: 'unnormalised rows', p: [[0.4, 1.4, 0.2], [1, 0.5, 0.5], [0.05, 0.05, 0.4], [3, 3, 4]] },
    { name: 'clipped at 0 and 1 (zero gradient there)', p: [[0, 1, 0], [1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]] },
  ];

  it.each(cases)('matches tfjs-layers in value and gradients on wasm and cpu: $name', async ({ p }) => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const want = valueAndGrads(reference, t, p, 1.5);
      const got = valueAndGrads(categoricalCrossentropyMean, t, p, 1.5);
      expect(Math.abs(got.value - want.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.value)));
      expectClose(got.dPred, want.dPred, 1e-4);
      expectClose(got.dTrue, want.dTrue, 1e-5);
    }
  });

  it('backs sparseCategoricalCrossentropy (integer labels) with the same values', async () => {
    await tf.setBackend('wasm');
    const p = tf.tensor2d(cases[0]!.p.slice(0, 3));
    const sparse = lossFunction('sparseCategoricalCrossentropy')(tf.tensor1d([1, 0, 2], 'int32'), p);
    const dense = reference(tf.tensor2d(t.slice(0, 3)), p);
    expect(Math.abs(sparse.dataSync()[0]! - dense.dataSync()[0]!)).toBeLessThan(1e-6);
    tf.dispose([p, sparse, dense]);
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    valueAndGrads(categoricalCrossentropyMean, t, cases[0]!.p, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
