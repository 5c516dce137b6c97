// Loads the SIMD kernels of ../native/simdKernels.c (bias add, row sums, 2×2 max-pool gradient, col2im, convolution
// and its filter gradient) into the wasm backend's own memory, so they work on tensors in place on tfjs's heap.
//
// tfjs-backend-wasm 4.22 runs these ops as generic scalar loops (or, for MaxPoolGrad, our JS loop), at 0.2–0.7 ms
// each on the reference CNN's [32,24,24,8] activations; with 128-bit SIMD they take a fraction of that. The module
// (48 kB, generated into wasmSimdBinary.ts by ../native/build.sh) has no data segment and no stack, so it writes
// only through the pointers it is given. If it cannot be loaded (no wasm SIMD, or a tfjs wasm build that does not
// export its memory) callers fall back to the built-in kernels.
import { SIMD_KERNELS_WASM_BASE64 } from './wasmSimdBinary';
import type { WasmHeapBackend } from './wasmHeap';

/** The part of the WebAssembly JS API used here: a Node global that TypeScript declares only in the DOM lib. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: object };
  Memory: abstract new (...args: never[]) => WasmMemory;
};
type WasmModule = { readonly __wasmModule?: never };
type WasmMemory = { readonly buffer: ArrayBuffer };

/** The module's exports; pointers are byte offsets on the wasm heap, sizes are element counts. */
export interface SimdKernels {
  bias_add(x: number, bias: number, out: number, rows: number, channels: number): void;
  sum_rows(x: number, out: number, rows: number, channels: number): void;
  max_pool_grad_2x2(x: number, dy: number, out: number, n: number, h: number, w: number, c: number, oh: number, ow: number): void;
  col2im(
    cols: number, dx: number, n: number, oh: number, ow: number, kh: number, kw: number, c: number,
    h: number, w: number, strideHeight: number, strideWidth: number, top: number, left: number,
  ): void;
  conv2d(
    x: number, filter: number, out: number, n: number, h: number, w: number, ci: number, oh: number, ow: number,
    co: number, kh: number, kw: number, strideHeight: number, strideWidth: number, top: number, left: number,
  ): void;
  conv_filter_grad(
    x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    kh: number, kw: number, strideHeight: number, strideWidth: number, top: number, left: number,
  ): void;
}

let compiled: WasmModule | null | undefined;
const instances = new WeakMap<WasmMemory, SimdKernels | null>();

function compiledModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(SIMD_KERNELS_WASM_BASE64, 'base64'));
    } catch {
      compiled = null; // no wasm SIMD in this runtime
    }
  }
  return compiled;
}

/** The SIMD kernels bound to this backend's heap, or null when they cannot be used. */
export function simdKernels(backend: WasmHeapBackend): SimdKernels | null {
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const module = compiledModule();
    kernels = null;
    if (module) {
      try {
        kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
      } catch {
        kernels = null;
      }
    }
    instances.set(memory, kernels);
  }
  return kernels;
}
