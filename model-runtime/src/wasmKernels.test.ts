import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import { conv2dBackpropFilterViaConv, conv2dBackpropInputViaConv } from './wasmKernels';

type Case = { name: string; x: [number, number, number, number]; k: [number, number, number, number]; s: [number, number]; pad: 'valid' | 'same' };

const CASES: Case[] = [
  { name: 'reference CNN layer 1', x: [4, 28, 28, 1], k: [5, 5, 1, 8], s: [1, 1], pad: 'valid' },
  { name: 'reference CNN layer 2', x: [3, 12, 12, 8], k: [5, 5, 8, 16], s: [1, 1], pad: 'valid' },
  { name: '3x3 same stride 1', x: [2, 10, 9, 3], k: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
  { name: '3x3 same stride 2 (odd size)', x: [2, 13, 13, 3], k: [3, 3, 3, 5], s: [2, 2], pad: 'same' },
  { name: '3x3 valid stride 2 (remainder)', x: [3, 14, 14, 2], k: [3, 3, 2, 4], s: [2, 2], pad: 'valid' },
  { name: '4x4 same stride 3', x: [2, 11, 9, 2], k: [4, 4, 2, 3], s: [3, 3], pad: 'same' },
  { name: '2x3 valid stride (2,1)', x: [2, 9, 8, 3], k: [2, 3, 3, 2], s: [2, 1], pad: 'valid' },
  { name: '1x1 valid stride 2', x: [2, 7, 7, 4], k: [1, 1, 4, 6], s: [2, 2], pad: 'valid' },
  { name: 'one channel, 3x3 same stride 2 (odd size)', x: [2, 11, 10, 1], k: [3, 3, 1, 4], s: [2, 2], pad: 'same' },
  { name: 'one channel, 4x4 same stride 1 (uneven padding)', x: [2, 9, 9, 1], k: [4, 4, 1, 3], s: [1, 1], pad: 'same' },
  { name: 'one channel, 2x3 valid stride (1,2)', x: [3, 8, 9, 1], k: [2, 3, 1, 5], s: [1, 2], pad: 'valid' },
];

function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Runs a kernel through tfjs-core's public ops on the given backend and returns its values. */
async function onBackend(backend: string, fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = fn();
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

function inputs(c: Case, seed: number) {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', seed).arraySync() as number[][][][];
  const outShape = tf.backend_util.computeConv2DInfo(c.x, c.k, c.s, 1, c.pad).outShape;
  const dy = tf.randomNormal(outShape, 0, 1, 'float32', seed + 1).arraySync() as number[][][][];
  const w = tf.randomNormal(c.k, 0, 1, 'float32', seed + 2).arraySync() as number[][][][];
  return { x, dy, w };
}

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm' });
  expect(info.name).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  it.each(CASES)('dW matches the cpu backend: $name', async (c) => {
    const { x, dy } = inputs(c, 11);
    const run = () =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(x), dy: tf.tensor4d(dy) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.k },
      ) as tf.Tensor;
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it.each(CASES)('dx matches the cpu backend: $name', async (c) => {
    const { dy, w } = inputs(c, 21);
    const run = () => tf.conv2dTranspose(tf.tensor4d(dy), tf.tensor4d(w), c.x, c.s, c.pad);
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it('gradients of a strided, biased relu conv through tf.grads match the cpu backend', async () => {
    const c = CASES[3]!;
    const { x, w } = inputs(c, 31);
    const run = (which: 0 | 1) => () => {
      const f = (xt: tf.Tensor, wt: tf.Tensor) =>
        tf.sum(tf.square(tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: wt as tf.Tensor4D, strides: c.s, pad: c.pad, activation: 'relu' })));
      return tf.grads(f)([tf.tensor4d(x), tf.tensor4d(w)])[which]!;
    };
    for (const which of [0, 1] as const) {
      const cpu = await onBackend('cpu', run(which));
      const wasm = await onBackend('wasm', run(which));
      expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
    }
  });

  it.each(CASES)('dW by the convolution fallback (no SIMD kernels) matches the cpu backend: $name', async (c) => {
    const { x, dy } = inputs(c, 51);
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.k };
    const cpu = await onBackend('cpu', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x), dy: tf.tensor4d(dy) }, attrs) as tf.Tensor);
    const wasm = await onBackend('wasm', () => tf.tidy(() => conv2dBackpropFilterViaConv(tf.tensor4d(x), tf.tensor4d(dy), c.k, c.s, c.pad)));
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it.each(CASES)('dx by the convolution fallback (no SIMD kernels) matches the cpu backend: $name', async (c) => {
    const { dy, w } = inputs(c, 41);
    const cpu = await onBackend('cpu', () => tf.conv2dTranspose(tf.tensor4d(dy), tf.tensor4d(w), c.x, c.s, c.pad));
    const wasm = await onBackend('wasm', () =>
      tf.tidy(() => conv2dBackpropInputViaConv(tf.tensor4d(dy), tf.tensor4d(w), c.x, c.s, c.pad)),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it('dx through the kernel frees its intermediate (GEMM + col2im) buffers', async () => {
    await tf.setBackend('wasm');
    const dy = tf.randomNormal([2, 5, 5, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 3]) as tf.Tensor4D;
    const before = tf.memory();
    const dx = tf.conv2dTranspose(dy, w, [2, 9, 9, 2], 2, 'same');
    expect(dx.shape).toEqual([2, 9, 9, 2]);
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([dy, w]);
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 2]) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 5, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const dW = conv2dBackpropFilterViaConv(x, dy, [3, 3, 2, 3], 2, 'same');
    expect(dW.shape).toEqual([3, 3, 2, 3]);
    dW.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });

  it('rejects NCHW with a typed error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 6, 6]);
    const dy = tf.zeros([1, 3, 4, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
    ).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_RUNTIME_UNSUPPORTED_KERNEL_INPUT' }));
    tf.dispose([x, dy]);
  });
});

describe('wasm MaxPoolGrad', () => {
  const POOLS: { name: string; x: [number, number, number, number]; f: number; s: number; pad: 'valid' | 'same' }[] = [
    { name: '2x2/2 valid (reference CNN)', x: [4, 24, 24, 8], f: 2, s: 2, pad: 'valid' },
    { name: '3x3/2 same (overlapping, odd)', x: [2, 9, 11, 3], f: 3, s: 2, pad: 'same' },
    { name: '2x2/2 valid with a remainder', x: [2, 7, 7, 2], f: 2, s: 2, pad: 'valid' },
    { name: '3x3/1 same', x: [1, 6, 6, 4], f: 3, s: 1, pad: 'same' },
    { name: '2x2/2 valid, channels not a multiple of 4 (SIMD and scalar lanes)', x: [2, 8, 6, 7], f: 2, s: 2, pad: 'valid' },
    { name: '2x2/2 valid, odd size and channels', x: [2, 9, 7, 5], f: 2, s: 2, pad: 'valid' },
  ];

  it.each(POOLS)('matches the cpu backend, ties included: $name', async (p) => {
    // relu'd values: many exact ties at 0, which must go to the first maximum as on cpu.
    const xs = tf.relu(tf.randomNormal(p.x, 0, 1, 'float32', 5)).arraySync() as number[][][][];
    const outShape = tf.backend_util.computePool2DInfo(p.x, p.f, p.s, 1, p.pad).outShape;
    const dy = tf.randomNormal(outShape, 0, 1, 'float32', 6).arraySync() as number[][][][];
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs);
        const y = tf.maxPool(x, p.f, p.s, p.pad);
        return tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor4d(dy), input: x, output: y }, { filterSize: p.f, strides: p.s, pad: p.pad }) as tf.Tensor;
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
  });

  it('routes NaN, -Infinity and equal values like the cpu backend (2x2/2, SIMD lanes)', async () => {
    // One window per case, 4 channels wide so every case lands in one SIMD vector: all NaN, NaN first, all -Infinity,
    // all equal, the maximum last, +Infinity in the middle.
    const windows = [
      [NaN, NaN, NaN, NaN],
      [NaN, 1, 2, 2],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [3, 3, 3, 3],
      [0, -1, 0, 5],
      [1, Infinity, 2, Infinity],
      [-2, -3, -1, -1],
      [0, 0, 0, 0],
    ];
    const c = windows.length;
    const values = new Float32Array(4 * c);
    windows.forEach((w, k) => w.forEach((v, j) => (values[j * c + k] = v))); // [1,2,2,c]: position j, channel k
    const dy = Array.from({ length: c }, (_, k) => k + 1);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(values, [1, 2, 2, c]);
        const y = tf.maxPool(x, 2, 2, 'valid');
        return tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor4d(dy, [1, 1, 1, c]), input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });
});

describe('wasm Identity', () => {
  it('shares the data: same values, and the data lives until its last reference is disposed', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { refCount(dataId: tf.DataId): number };
    const x = tf.tensor2d([[1, 2], [3, NaN]]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, NaN]);
    expect(backend.refCount(y.dataId)).toBe(1);
    y.dispose();
    expect(backend.refCount(y.dataId)).toBe(0);
  });

  it('leaves gradients through a training step unchanged (saved tensors are shared, not copied)', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 8);
      const w = tf.randomNormal([3, 3, 1, 4], 0, 1, 'float32', 9);
      const f = (xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, 1, 'valid'))));
      const [, dw] = tf.grads(f)([x, w]);
      const values = (await dw!.data()) as Float32Array;
      tf.dispose([x, w, dw!]);
      return values;
    };
    expect(relativeError(await grads('wasm'), await grads('cpu'))).toBeLessThan(1e-5);
  });
});
