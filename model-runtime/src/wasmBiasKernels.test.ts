import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import type { WasmHeapBackend } from './wasmHeap';
import { simdKernels } from './wasmSimdKernels';

/** Runs fn on a backend and returns its values and shape. */
async function onBackend(backend: string, fn: () => tf.Tensor): Promise<{ values: number[]; shape: number[] }> {
  await tf.setBackend(backend);
  const t = fn();
  const out = { values: Array.from(await t.data()), shape: t.shape };
  t.dispose();
  return out;
}

async function expectSameAsCpu(fn: () => tf.Tensor, tolerance = 1e-6): Promise<void> {
  const cpu = await onBackend('cpu', fn);
  const wasm = await onBackend('wasm', fn);
  expect(wasm.shape).toEqual(cpu.shape);
  wasm.values.forEach((v, i) => expect(Math.abs(v - cpu.values[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(cpu.values[i]!))));
}

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm' })).name).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm SIMD kernels', () => {
  it('load into the wasm backend (otherwise the built-in kernels run and these tests prove nothing new)', async () => {
    await tf.setBackend('wasm');
    expect(simdKernels(tf.backend() as unknown as WasmHeapBackend)).not.toBeNull();
  });
});

describe('wasm Add with a per-channel bias', () => {
  it.each([
    { name: 'reference CNN layer 1', x: [4, 24, 24, 8] },
    { name: 'channels not a multiple of 4', x: [3, 5, 5, 6] },
    { name: 'rank 2, one channel', x: [7, 1] },
  ])('matches the cpu backend: $name', async ({ x }) => {
    const c = x[x.length - 1]!;
    await expectSameAsCpu(() => tf.tidy(() => tf.add(normal(x, 1), normal([c], 2))));
    await expectSameAsCpu(() => tf.tidy(() => tf.add(normal([c], 2), normal(x, 1))));
  });

  it('leaves other broadcasts and equal shapes to the built-in kernel', async () => {
    await expectSameAsCpu(() => tf.tidy(() => tf.add(normal([2, 3, 4], 1), normal([3, 1], 2))));
    await expectSameAsCpu(() => tf.tidy(() => tf.add(normal([2, 3, 4], 1), normal([2, 3, 4], 2))));
    await expectSameAsCpu(() => tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'))));
  });
});

describe('wasm Sum over the leading axes', () => {
  it.each([
    { name: 'bias gradient of reference CNN layer 1', x: [4, 24, 24, 8], axis: [0, 1, 2], keepDims: false },
    { name: 'keepDims, channels not a multiple of 4', x: [3, 5, 5, 6], axis: [0, 1, 2], keepDims: true },
    { name: 'rank 2, axis 0', x: [600, 5], axis: [0], keepDims: false },
    { name: 'unsorted axes', x: [2, 3, 4, 8], axis: [1, 0], keepDims: false },
  ])('matches the cpu backend: $name', async ({ x, axis, keepDims }) => {
    await expectSameAsCpu(() => tf.tidy(() => tf.sum(normal(x, 3), axis, keepDims)), 1e-5);
  });

  it('leaves other reductions to the built-in kernel', async () => {
    await expectSameAsCpu(() => tf.tidy(() => tf.sum(normal([3, 4, 5], 4), -1)), 1e-5);
    await expectSameAsCpu(() => tf.tidy(() => tf.sum(normal([3, 4, 5], 4))), 1e-5);
    await expectSameAsCpu(() => tf.tidy(() => tf.sum(normal([3, 4, 5], 4), [0, 2])), 1e-5);
    await expectSameAsCpu(() => tf.tidy(() => tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), 0)));
  });
});
