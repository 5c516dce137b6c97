// A fast path on the wasm backend for the forward Conv2D (NHWC, float32, dilation 1): a direct SIMD convolution
// (conv2d of ../native/simdKernels.c) instead of XNNPACK.
//
// tfjs-backend-wasm runs Conv2D through XNNPACK, which packs the filter into a new operator whenever the filter
// tensor changes (every training step, since the optimizer assigns new weights) and runs the reference CNN's
// single-channel first layer well under its usual rate. The SIMD kernel reads the filter as stored and keeps each
// block of output channels × neighbouring columns in registers. Everything else (NCHW, dilations, other dtypes, no
// SIMD module) and 1×1 filters (GEMMs, which XNNPACK does faster) go to the built-in kernel, which stays the fallback
// under the same kernel name.
import * as tf from '@tensorflow/tfjs';
import { heapOffset, type WasmHeapBackend } from './wasmHeap';
import { simdKernels } from './wasmSimdKernels';

interface Conv2DAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const isOne = (d: [number, number] | number | undefined) => d == null || (typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1);

/** Conv2D of a float32 NHWC input with dilation 1 by the SIMD kernel; anything else goes to `fallback`. */
export function makeConv2DKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as Conv2DAttrs;
    const backend = args.backend as unknown as WasmHeapBackend;
    const simd = simdKernels(backend);
    if (
      !simd || a.dataFormat !== 'NHWC' || !isOne(a.dilations) || x.dtype !== 'float32' || filter.dtype !== 'float32' ||
      x.shape.length !== 4 || filter.shape.length !== 4
    ) {
      return fallback(args);
    }
    const xShape = x.shape as [number, number, number, number];
    const fShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(xShape, fShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    // 1×1 filters are plain GEMMs (the input-gradient route's dy × filter is one), where XNNPACK's GEMM is faster;
    // a channel mismatch is reported by the built-in kernel.
    if ((info.filterHeight === 1 && info.filterWidth === 1) || info.inChannels !== fShape[2]) return fallback(args);
    const out = backend.makeOutput(info.outShape, 'float32');
    if (tf.util.sizeFromShape(info.outShape) === 0) return out;
    simd.conv2d(
      heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, out), info.batchSize, info.inHeight,
      info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    );
    return out;
  };
}
