// The parts of tfjs-backend-wasm's BackendWasm that the kernels here use: allocate an output tensor, view a tensor's
// bytes on the wasm heap without copying, and (for the SIMD kernels) a tensor's byte offset and the heap's memory.
import type * as tf from '@tensorflow/tfjs';
import { UnsupportedKernelInputError } from './errors';

export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number | null } | undefined };
  /** The Emscripten module; `asm.memory` is the heap's WebAssembly.Memory (exported by the tfjs wasm binary). */
  wasm?: { asm?: { memory?: unknown } };
}

/**
 * Byte offset of a tensor's data on the wasm heap (a pointer for the SIMD kernels). Throws UnsupportedKernelInputError
 * when the data is not on this backend's heap (a disposed tensor, or one that belongs to another backend).
 */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry || entry.memoryOffset == null) {
    throw new UnsupportedKernelInputError(
      'A wasm kernel got a tensor whose data is not on the wasm heap (disposed, or from another backend); make the tensor after tf.setBackend(\'wasm\').',
      { details: { shape: t.shape, dtype: t.dtype } },
    );
  }
  return entry.memoryOffset;
}
