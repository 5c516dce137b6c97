// Convolution gradients for the tfjs wasm backend, computed with wasm's XNNPACK convolution instead of scalar loops.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (CNNs cannot train) and its Conv2DBackpropInput is a
// plain C++ loop (~10 ms per batch for the reference CNN's second layer). Both gradients are convolutions:
// - dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−top, j·s+b−left, ci] · dy[n,i,j,co]: a convolution of x with "batch" ci and
//   "channels" n (x transposed to [ci,H,W,n]) by the filter dy transposed to [oh,ow,n,co], dilated by the forward
//   stride; the output [ci,kh,kw,co] is transposed back to [kh,kw,ci,co].
// - dx = the "full" correlation of dy (zero-dilated by the stride) with the filter flipped in space and transposed to
//   [kh,kw,co,ci]: a stride-1 convolution with explicit padding (kh−1−top, H−L+top).
// Gradients of dilated convolutions are not supported by tfjs itself (Conv2D_grad asserts dilation 1), so neither
// kernel takes dilations.
import * as tf from '@tensorflow/tfjs';
import { UnsupportedKernelInputError } from './errors';

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

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor. */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let out = t;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [, h, w] = out.shape;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const height = h - cropTop - Math.max(0, -bottom);
    const width = w - cropLeft - Math.max(0, -right);
    out = tf.slice(out, [0, cropTop, cropLeft, 0], [-1, height, width, -1]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    out = tf.pad(out, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }
  return out;
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
    const xPadded = padOrCrop(xT, p.top, p.bottom, p.left, p.right);
    let r = tf.conv2d(xPadded, dyT as tf.Tensor4D, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
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
    const padded = padOrCrop(dyD, kh - 1 - p.top, h - lh + p.top, kw - 1 - p.left, w - lw + p.left);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const dx = tf.conv2d(padded, flipped, 1, 'valid', 'NHWC');
    if (dx.shape[3] !== ci) {
      throw new UnsupportedKernelInputError('Conv2DBackpropInput produced the wrong channel count', { details: { ci, got: dx.shape } });
    }
    return dx;
  });
}

const conv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
  const a = attrs as unknown as BackpropFilterAttrs;
  return conv2dBackpropFilterViaConv(x, dy, a.filterShape, ...geometryOf('Conv2DBackpropFilter', a));
};

const conv2dBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
  const a = attrs as unknown as BackpropInputAttrs;
  return conv2dBackpropInputViaConv(dy, filter, a.inputShape, ...geometryOf('Conv2DBackpropInput', a));
};

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: RoundingMode;
}

/** The parts of BackendWasm this module uses (public methods of the wasm backend). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
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
  o.fill(0);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (fh === 2 && fw === 2 && info.strideHeight === 2 && info.strideWidth === 2 && top === 0 && left === 0) {
    maxPoolGrad2x2(x, g, o, batchSize, H, W, C, OH, OW);
    return out;
  }
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
 * The reference CNN's pooling (2×2 windows, stride 2, no padding: every window lies inside the input): the same
 * rule as the general loop (first maximum in row-major order, strictly greater, NaN never chosen) with the four
 * candidates addressed directly. ≈ 2× faster than the general loop on the reference CNN's 24×24×8 layer.
 */
function maxPoolGrad2x2(x: Float32Array, g: Float32Array, o: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number): void {
  const row = W * C;
  let gi = 0;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const rowBase = (n * H + 2 * oy) * row;
      for (let ox = 0; ox < OW; ox++) {
        const k00 = rowBase + 2 * ox * C;
        for (let c = 0; c < C; c++, gi++) {
          const a = k00 + c;
          let at = -1;
          let best = Number.NEGATIVE_INFINITY;
          let v = x[a]!;
          if (v > best) {
            best = v;
            at = a;
          }
          v = x[a + C]!;
          if (v > best) {
            best = v;
            at = a + C;
          }
          v = x[a + row]!;
          if (v > best) {
            best = v;
            at = a + row;
          }
          v = x[a + row + C]!;
          if (v > best) at = a + row + C;
          if (at >= 0) o[at] = o[at]! + g[gi]!;
        }
      }
    }
  }
}

/** Kernel names this module registers for the wasm backend. */
export const WASM_GRADIENT_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

/**
 * Registers the gradient kernels for the wasm backend (idempotent): adds Conv2DBackpropFilter, and replaces the
 * built-in Conv2DBackpropInput (a scalar C++ loop) and MaxPoolGrad (rescans windows) with the versions above.
 */
export function registerWasmGradientKernels(): void {
  const configs: tf.KernelConfig[] = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterKernel },
    { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2dBackpropInputKernel },
    { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradKernel },
  ];
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
