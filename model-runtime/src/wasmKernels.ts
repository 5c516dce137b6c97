// Convolution gradients for the tfjs wasm backend, computed with wasm's XNNPACK convolution instead of scalar loops.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (CNNs cannot train) and its Conv2DBackpropInput is a
// plain C++ loop (~10 ms per batch for the reference CNN's second layer). Both gradients are convolutions:
// - dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−top, j·s+b−left, ci] · dy[n,i,j,co]: a convolution of x with "batch" ci and
//   "channels" n (x transposed to [ci,H,W,n]) by the filter dy transposed to [oh,ow,n,co], dilated by the forward
//   stride; the output [ci,kh,kw,co] is transposed back to [kh,kw,ci,co].
// - dx = the "full" correlation of dy (zero-dilated by the stride) with the filter flipped in space and transposed to
//   [kh,kw,co,ci]: a stride-1 convolution with explicit padding (kh−1−top, H−L+top).
// With the SIMD kernels (wasmSimdKernels.ts) loaded, faster routes replace these: dx as one GEMM (dy times the
// filter) and a col2im, which multiplies none of the zeros of the padded, dilated dy; and dW computed directly by a
// SIMD kernel, without transposes or an im2col buffer. The convolutions above stay the fallback.
// Gradients of dilated convolutions are not supported by tfjs itself (Conv2D_grad asserts dilation 1), so neither
// kernel takes dilations.
import * as tf from '@tensorflow/tfjs';
import { UnsupportedKernelInputError } from './errors';
import { makeBiasAddKernel, makeLeadingSumKernel } from './wasmBiasKernels';
import { makeConv2DKernel } from './wasmConv2D';
import { heapOffset, type WasmHeapBackend } from './wasmHeap';
import { simdKernels } from './wasmSimdKernels';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

type Shape4 = [number, number, number, number];

/** The forward convolution's geometry, which both gradients take after their tensors and shape (dilation 1). */
type ConvGeometry = [strides: [number, number] | number, pad: Pad, dimRoundingMode?: RoundingMode];

/** The attributes tfjs passes to both convolution-gradient kernels. */
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
}

interface BackpropFilterAttrs extends ConvGradAttrs {
  filterShape: Shape4;
}

interface BackpropInputAttrs extends ConvGradAttrs {
  inputShape: Shape4;
}

/** The geometry in a gradient kernel's attributes; refuses NCHW, which these kernels do not implement. */
function geometryOf(kernel: string, attrs: ConvGradAttrs): ConvGeometry {
  const { dataFormat } = attrs;
  if (dataFormat !== 'NHWC') {
    throw new UnsupportedKernelInputError(
      `${kernel} on wasm supports dataFormat NHWC only (got ${dataFormat}); use channelsLast layers.`,
      { details: { kernel, dataFormat } },
    );
  }
  return [attrs.strides, attrs.pad, attrs.dimRoundingMode];
}

/** The forward convolution's output size and padding, as tfjs computes them for a channels-last conv2d. */
function forwardConvInfo(inputShape: Shape4, filterShape: Shape4, [strides, pad, dimRoundingMode]: ConvGeometry) {
  return tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

/**
 * A stride-1 (optionally dilated) convolution of `t` padded (positive) or cropped (negative) on its two spatial axes.
 * Padding is passed to the convolution as explicit padding (XNNPACK reads implicit zeros, no padded copy); only a
 * crop needs its own slice.
 */
function convPadded(
  t: tf.Tensor4D,
  filter: tf.Tensor4D,
  [top, bottom, left, right]: [number, number, number, number],
  dilations: [number, number] = [1, 1],
): tf.Tensor4D {
  let input = t;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [, h, w] = input.shape;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const height = h - cropTop - Math.max(0, -bottom);
    const width = w - cropLeft - Math.max(0, -right);
    input = tf.slice(input, [0, cropTop, cropLeft, 0], [-1, height, width, -1]);
  }
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return tf.conv2d(input, filter, 1, pad, 'NHWC', dilations);
}

/**
 * The filter [kh,kw,ci,co] flipped in both spatial axes and transposed to [kh,kw,co,ci], in one pass in JS: the
 * filter is small and wasm's Reverse alone cost ~0.1 ms for the reference CNN's 5×5×8×16 filter.
 */
function flippedTransposedFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const src = filter.dataSync() as Float32Array;
  const dst = new Float32Array(src.length);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o]!;
      }
    }
  }
  return tf.tensor4d(dst, [kh, kw, co, ci]);
}

/** dW of a 2-D convolution (NHWC, dilation 1) for filter shape [kh,kw,ci,co]. */
export function conv2dBackpropFilterViaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  ...geometry: ConvGeometry
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    const info = forwardConvInfo(x.shape, filterShape, geometry);
    const [n, oh, ow] = dy.shape;
    const p = info.padInfo;
    // [n,H,W,ci] -> [ci,H,W,n]; [n,oh,ow,co] -> [oh,ow,n,co] (as a 3-D transpose, which wasm does faster).
    const xT = tf.transpose(x, [3, 1, 2, 0]);
    const dyT = tf.reshape(tf.transpose(tf.reshape(dy, [n, oh * ow, co]), [1, 0, 2]), [oh, ow, n, co]);
    let r = convPadded(xT, dyT as tf.Tensor4D, [p.top, p.bottom, p.left, p.right], [info.strideHeight, info.strideWidth]);
    if (r.shape[1] !== kh || r.shape[2] !== kw) {
      r = tf.slice(r, [0, 0, 0, 0], [ci, kh, kw, co]);
    }
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

/** dx of a 2-D convolution (NHWC, dilation 1) for input shape [n,H,W,ci]. */
export function conv2dBackpropInputViaConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: Shape4,
  ...geometry: ConvGeometry
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filter.shape;
    const info = forwardConvInfo(inputShape, filter.shape, geometry);
    const [n, oh, ow] = dy.shape;
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    let dyD: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // Zero-dilate dy by the stride: [n,oh,1,ow,1,co] padded to [n,oh,sh,ow,sw,co], then cut the trailing zeros.
      const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, co]), [
        [0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0],
      ]);
      dyD = tf.slice(tf.reshape(spread, [n, oh * sh, ow * sw, co]), [0, 0, 0, 0], [
        n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, co,
      ]) as tf.Tensor4D;
    }
    const lh = (oh - 1) * sh + 1;
    const lw = (ow - 1) * sw + 1;
    const [, h, w] = inputShape;
    const p = info.padInfo;
    const flipped = flippedTransposedFilter(filter);
    const dx = convPadded(dyD, flipped, [kh - 1 - p.top, h - lh + p.top, kw - 1 - p.left, w - lw + p.left]);
    if (dx.shape[3] !== ci) {
      throw new UnsupportedKernelInputError('Conv2DBackpropInput produced the wrong channel count', { details: { ci, got: dx.shape } });
    }
    return dx;
  });
}

type FilterGradientInputs = { x: tf.Tensor4D; dy: tf.Tensor4D };
type InputGradientInputs = { dy: tf.Tensor4D; filter: tf.Tensor4D };

/** A SIMD-kernel route of a convolution gradient: null when it does not apply (kernels not loaded, too large). */
type SimdRoute<Inputs, Attrs> = (backend: WasmHeapBackend, inputs: Inputs, attrs: Attrs, geometry: ConvGeometry) => tf.TensorInfo | null;

/** A convolution-gradient kernel from its two routes: the SIMD one when it applies, else the convolution one. */
function gradientKernel<Inputs, Attrs extends ConvGradAttrs>(
  name: string,
  simd: SimdRoute<Inputs, Attrs>,
  convolution: (inputs: Inputs, attrs: Attrs, geometry: ConvGeometry) => tf.TensorInfo,
): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as Attrs;
    const i = inputs as unknown as Inputs;
    const geometry = geometryOf(name, a);
    return simd(backend as unknown as WasmHeapBackend, i, a, geometry) ?? convolution(i, a, geometry);
  };
}

/**
 * dW computed directly by the SIMD kernel (wasmSimdKernels.ts): for each filter tap and block of output channels, one
 * pass over x and dy with the sums in registers, so no im2col buffer and none of the convolution route's transposes.
 * On the reference CNN the convolution route and the earlier im2row + GEMM route ran XNNPACK on shapes it does at
 * well under its usual rate (a 24×24 "filter"; a GEMM with 25 rows and 18 432-long sums). Returns null when the
 * SIMD kernels are unavailable.
 */
const conv2dBackpropFilterDirect: SimdRoute<FilterGradientInputs, BackpropFilterAttrs> = (backend, { x, dy }, { filterShape }, geometry) => {
  const simd = simdKernels(backend);
  if (!simd || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const [kh, kw, ci, co] = filterShape;
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const info = forwardConvInfo(x.shape, filterShape, geometry);
  const out = backend.makeOutput(filterShape, 'float32');
  simd.conv_filter_grad(
    heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), n, h, w, ci, oh, ow, co, kh, kw,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  return out;
};

const conv2dBackpropFilterKernel = gradientKernel('Conv2DBackpropFilter', conv2dBackpropFilterDirect, ({ x, dy }, { filterShape }, geometry) =>
  conv2dBackpropFilterViaConv(x, dy, filterShape, ...geometry),
);

/** Largest dy·filterᵀ product (elements) the GEMM + col2im route materialises; larger ones use the convolution. */
const MAX_COL2IM_ELEMENTS = 1 << 22;

/**
 * dx as one GEMM and a col2im: cols[n,i,j,(a,b,ci)] = Σ_co dy[n,i,j,co]·W[a,b,ci,co] (a 1×1 convolution of dy with
 * the filter rearranged to [1,1,co,kh·kw·ci]), then each column scattered to the input position it came from
 * (SIMD, wasmSimdKernels.ts). Unlike the full correlation of a zero-padded dy it multiplies no zeros: on the
 * reference CNN's second layer that is 6.5 M instead of 14.7 M multiply-adds (≈ 0.45 instead of ≈ 0.95 ms).
 * Returns null when the SIMD kernels are unavailable or the product would be too large.
 */
const conv2dBackpropInputViaCol2im: SimdRoute<InputGradientInputs, BackpropInputAttrs> = (backend, { dy, filter }, { inputShape }, geometry) => {
  const simd = simdKernels(backend);
  const [kh, kw, ci, co] = filter.shape;
  const [n, oh, ow] = dy.shape;
  if (!simd || n * oh * ow * kh * kw * ci > MAX_COL2IM_ELEMENTS || dy.dtype !== 'float32') return null;
  const info = forwardConvInfo(inputShape, filter.shape, geometry);
  // [kh,kw,ci,co] -> [co, kh·kw·ci]: the filter is small, one JS pass.
  const src = filter.dataSync() as Float32Array;
  const taps = kh * kw * ci;
  const rearranged = new Float32Array(src.length);
  for (let t = 0; t < taps; t++) {
    for (let o = 0; o < co; o++) rearranged[o * taps + t] = src[t * co + o]!;
  }
  const cols = tf.tidy(() => tf.conv2d(dy, tf.tensor4d(rearranged, [1, 1, co, taps]), 1, 'valid'));
  const out = backend.makeOutput(inputShape, 'float32');
  const [, h, w] = inputShape;
  simd.col2im(
    heapOffset(backend, cols), heapOffset(backend, out), n, oh, ow, kh, kw, ci, h, w,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  cols.dispose();
  return out;
};

const conv2dBackpropInputKernel = gradientKernel('Conv2DBackpropInput', conv2dBackpropInputViaCol2im, ({ dy, filter }, { inputShape }, geometry) =>
  conv2dBackpropInputViaConv(dy, filter, inputShape, ...geometry),
);

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: RoundingMode;
}

/**
 * MaxPoolGrad: each window's gradient goes to its first maximum (row-major, strictly greater, as the cpu backend
 * does). One O(input) pass over the wasm heap: pooling gradients are a scatter with no arithmetic to vectorise,
 * and wasm's built-in kernel rescans every window for every input pixel (several times slower on the reference CNN).
 */
const maxPoolGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode,
  );
  const b = backend as unknown as WasmHeapBackend;
  const out = b.makeOutput(input.shape, 'float32');
  // Views are taken after the allocation: growing wasm memory detaches earlier views.
  const x = b.typedArrayFromHeap(input);
  const g = b.typedArrayFromHeap(dy);
  const o = b.typedArrayFromHeap(out);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (fh === 2 && fw === 2 && info.strideHeight === 2 && info.strideWidth === 2 && top === 0 && left === 0) {
    const simd = simdKernels(b);
    if (simd) {
      simd.max_pool_grad_2x2(heapOffset(b, input), heapOffset(b, dy), heapOffset(b, out), batchSize, H, W, C, OH, OW);
    } else {
      maxPoolGrad2x2(x, g, o, batchSize, H, W, C, OH, OW);
    }
    return out;
  }
  o.fill(0);
  let gi = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * info.strideHeight - top;
      const yMin = Math.max(0, y0);
      const yMax = Math.min(H, y0 + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * info.strideWidth - left;
        const xMin = Math.max(0, x0);
        const xMax = Math.min(W, x0 + fw);
        for (let c = 0; c < C; c++, gi++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let yy = yMin; yy < yMax; yy++) {
            let k = ((n * H + yy) * W + xMin) * C + c;
            for (let xx = xMin; xx < xMax; xx++, k += C) {
              const v = x[k]!;
              if (v > best) {
                best = v;
                at = k;
              }
            }
          }
          if (at >= 0) o[at] = o[at]! + g[gi]!;
        }
      }
    }
  }
  return out;
};

/**
 * The reference CNN's pooling (2×2 windows, stride 2, no padding: the windows do not overlap): the same rule as the
 * general loop (first maximum in row-major order, strictly greater, NaN never chosen) with the four candidates
 * addressed directly. Each window writes all four of its outputs (zeros and the routed gradient) in order, so no
 * separate zero fill and no scattered read-modify-write; only rows/columns outside every window (odd H or W) need
 * the fill.
 */
function maxPoolGrad2x2(x: Float32Array, g: Float32Array, o: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number): void {
  if (H !== 2 * OH || W !== 2 * OW) o.fill(0);
  const row = W * C;
  let gi = 0;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const rowBase = (n * H + 2 * oy) * row;
      for (let ox = 0; ox < OW; ox++) {
        const k00 = rowBase + 2 * ox * C;
        for (let c = 0; c < C; c++, gi++) {
          const p = k00 + c;
          const q = p + row;
          const v0 = x[p]!;
          const v1 = x[p + C]!;
          const v2 = x[q]!;
          const v3 = x[q + C]!;
          o[p] = 0;
          o[p + C] = 0;
          o[q] = 0;
          o[q + C] = 0;
          let at = -1;
          let best = Number.NEGATIVE_INFINITY;
          if (v0 > best) {
            best = v0;
            at = p;
          }
          if (v1 > best) {
            best = v1;
            at = p + C;
          }
          if (v2 > best) {
            best = v2;
            at = q;
          }
          if (v3 > best) at = q + C;
          if (at >= 0) o[at] = g[gi]!;
        }
      }
    }
  }
}

/** The backend's reference counting of tensor data, which tfjs-backend-wasm's BackendWasm has (Reshape uses it). */
interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity as a second reference to the same data, as the cpu backend does it. tfjs-backend-wasm 4.22 copies the
 * tensor, and the engine clones every tensor a gradient saves for the backward pass (saveTensorsForBackwardMode):
 * ~23 Identity kernels per training step of the reference CNN, three of them 590 kB activations. Tensors are
 * immutable to kernels (each writes only its own output), so sharing the data is safe; the data is freed when its
 * last reference is disposed.
 */
const identityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as unknown as { x: tf.TensorInfo };
  (backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Kernel names this module registers for the wasm backend. */
export const WASM_GRADIENT_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Identity'] as const;

/** Built-in wasm kernels wrapped by a fast path (SIMD kernels); other inputs still reach the built-in. */
const FAST_PATHS: ReadonlyArray<[string, (builtIn: tf.KernelFunc) => tf.KernelFunc]> = [
  ['Add', makeBiasAddKernel],
  ['Sum', makeLeadingSumKernel],
  ['Conv2D', makeConv2DKernel],
];

/** The fast-path kernel functions registered so far, so a second registration does not wrap a wrapper. */
const fastPathFuncs = new WeakSet<tf.KernelFunc>();

/**
 * Registers the gradient kernels for the wasm backend (idempotent): adds Conv2DBackpropFilter, and replaces the
 * built-in Conv2DBackpropInput (a scalar C++ loop), MaxPoolGrad (rescans windows) and Identity (a copy) with the
 * versions above; wraps the built-in Add and Sum with the bias fast paths of wasmBiasKernels.ts and Conv2D with
 * wasmConv2D.ts.
 */
export function registerWasmGradientKernels(): void {
  const configs: tf.KernelConfig[] = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterKernel },
    { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2dBackpropInputKernel },
    { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradKernel },
    { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityKernel },
  ];
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  for (const [kernelName, wrap] of FAST_PATHS) {
    const builtIn = tf.getKernel(kernelName, 'wasm');
    if (!builtIn || fastPathFuncs.has(builtIn.kernelFunc)) continue;
    const kernelFunc = wrap(builtIn.kernelFunc);
    fastPathFuncs.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    // The built-in's setupFunc stays: it binds the wasm function the fallback calls when the backend starts.
    tf.registerKernel({ ...builtIn, kernelFunc });
  }
}
