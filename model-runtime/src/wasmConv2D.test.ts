// The two direct SIMD convolutions of ../native/simdKernels.c against the cpu backend over the same random
// geometries: the forward Conv2D (wasmConv2D.ts) and the filter gradient (Conv2DBackpropFilter, wasmKernels.ts).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import { createRng } from './rng';
import type { WasmHeapBackend } from './wasmHeap';
import { simdKernels } from './wasmSimdKernels';

/** Runs fn on a backend and returns its values and shape. */
async function onBackend(backend: string, fn: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const t = fn();
  const out = { values: (await t.data()) as Float32Array, shape: t.shape };
  t.dispose();
  return out;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

type Geometry = {
  x: [number, number, number, number];
  k: [number, number, number, number];
  s: [number, number];
  pad: 'valid' | 'same';
};

/**
 * Random convolution geometries: filter sizes up to 6×9 (every tap-block width of the kernels), 1 to 37 output
 * channels (SIMD blocks of 16, 8 and 4 and a scalar rest), strides 1–3, valid and same padding (bound-tested blocks).
 */
function randomGeometries(count: number, seed: number): Geometry[] {
  const rng = createRng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  return Array.from({ length: count }, () => {
    const kh = int(1, 6);
    const kw = int(1, 9);
    return {
      x: [int(1, 3), int(kh, 14), int(kw, 14), int(1, 9)],
      k: [kh, kw, 0, int(1, 37)],
      s: [int(1, 3), int(1, 3)],
      pad: rng.next() < 0.5 ? 'same' : 'valid',
    } as Geometry;
  }).map((g) => ({ ...g, k: [g.k[0], g.k[1], g.x[3], g.k[3]] }));
}

const GEOMETRIES = randomGeometries(40, 7);

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm' })).name).toBe('wasm');
  expect(simdKernels(tf.backend() as unknown as WasmHeapBackend)).not.toBeNull();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm Conv2D (SIMD direct convolution)', () => {
  it.each(GEOMETRIES)('matches the cpu backend: x $x, filter $k, strides $s, $pad', async (g) => {
    const x = tf.randomNormal(g.x, 0, 1, 'float32', 1).arraySync() as number[][][][];
    const f = tf.randomNormal(g.k, 0, 1, 'float32', 2).arraySync() as number[][][][];
    const run = () => tf.conv2d(tf.tensor4d(x), tf.tensor4d(f), g.s, g.pad);
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5);
  });

  it('falls back to the built-in kernel for dilations and 1×1 filters, with the same values', async () => {
    const cases: [[number, number, number, number], number][] = [[[3, 3, 2, 5], 2], [[1, 1, 6, 20], 1]];
    for (const [k, dilations] of cases) {
      const x = tf.randomNormal([2, 9, 9, k[2]], 0, 1, 'float32', 3).arraySync() as number[][][][];
      const f = tf.randomNormal(k, 0, 1, 'float32', 4).arraySync() as number[][][][];
      const run = () => tf.conv2d(tf.tensor4d(x), tf.tensor4d(f), 1, 'same', 'NHWC', dilations);
      const cpu = await onBackend('cpu', run);
      const wasm = await onBackend('wasm', run);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5);
    }
  });
});

describe('wasm Conv2DBackpropFilter (SIMD direct filter gradient)', () => {
  it.each(GEOMETRIES)('matches the cpu backend: x $x, filter $k, strides $s, $pad', async (g) => {
    const x = tf.randomNormal(g.x, 0, 1, 'float32', 5).arraySync() as number[][][][];
    const outShape = tf.backend_util.computeConv2DInfo(g.x, g.k, g.s, 1, g.pad).outShape;
    const dy = tf.randomNormal(outShape, 0, 1, 'float32', 6).arraySync() as number[][][][];
    const run = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x), dy: tf.tensor4d(dy) }, {
        strides: g.s, pad: g.pad, dataFormat: 'NHWC', filterShape: g.k,
      }) as tf.Tensor;
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(wasm.shape).toEqual(g.k);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5);
  });
});
