// Fast paths on the wasm backend for a convolution's bias: the forward Add of a per-channel bias ([..., C] + [C]) and
// its gradient, a Sum over every axis but the channels.
//
// tfjs-backend-wasm 4.22 handles both generically: Add with broadcasting walks the output with per-element index
// arithmetic (~0.3–0.5 ms for the reference CNN's [32,24,24,8] + [8], 4× an Add of equal shapes), and Sum can only
// reduce innermost axes, so reducing [32,24,24,8] to [8] first transposes the whole gradient. Both are one SIMD pass
// here (wasmSimdKernels.ts). Every other case, and every case when the SIMD module cannot load, goes to the built-in
// kernel, which stays the fallback under the same kernel name.
import * as tf from '@tensorflow/tfjs';
import { heapOffset, type WasmHeapBackend } from './wasmHeap';
import { simdKernels } from './wasmSimdKernels';

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** The channel count when `x` + `bias` is a per-channel bias add of non-empty float32 tensors, else 0. */
function biasChannels(x: tf.TensorInfo, bias: tf.TensorInfo): number {
  if (x.dtype !== 'float32' || bias.dtype !== 'float32' || bias.shape.length !== 1 || x.shape.length < 2) return 0;
  const c = bias.shape[0]!;
  return c > 0 && x.shape[x.shape.length - 1] === c && tf.util.sizeFromShape(x.shape) > 0 ? c : 0;
}

/** [..., C] + [C] (either order) in one SIMD pass; anything else goes to `fallback`. */
export function makeBiasAddKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const backend = args.backend as unknown as WasmHeapBackend;
    const simd = simdKernels(backend);
    let [x, bias] = [a, b];
    let c = biasChannels(a, b);
    if (c === 0) {
      [x, bias] = [b, a];
      c = biasChannels(b, a);
    }
    if (c === 0 || !simd) return fallback(args);
    const out = backend.makeOutput(x.shape, 'float32');
    const rows = tf.util.sizeFromShape(x.shape) / c;
    simd.bias_add(heapOffset(backend, x), heapOffset(backend, bias), heapOffset(backend, out), rows, c);
    return out;
  };
}

/** The reduced axes when they are exactly the leading axes of `shape` (not all of them), else null. */
function leadingAxes(axis: number | number[], shape: number[]): number[] | null {
  const sorted = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((p, q) => p - q);
  if (sorted.length === 0 || sorted.length >= shape.length) return null;
  return sorted.every((v, i) => v === i) ? sorted : null;
}

/** Sum over the leading axes of a float32 tensor ([R, C] -> [C]) in one SIMD pass; anything else goes to `fallback`. */
export function makeLeadingSumKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const backend = args.backend as unknown as WasmHeapBackend;
    const simd = simdKernels(backend);
    const axes = x.dtype === 'float32' && simd ? leadingAxes(axis, x.shape) : null;
    if (axes === null || !simd || tf.util.sizeFromShape(x.shape) === 0) return fallback(args);
    const kept = x.shape.slice(axes.length);
    const c = tf.util.sizeFromShape(kept);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    simd.sum_rows(heapOffset(backend, x), heapOffset(backend, out), tf.util.sizeFromShape(x.shape) / c, c);
    return out;
  };
}
