// The parts of tfjs-backend-wasm's BackendWasm that the kernels here use: allocate an output tensor, view a tensor's
// bytes on the wasm heap without copying, and (for the SIMD kernels) a tensor's byte offset and the heap's memory.
import type * as tf from '@tensorflow/tfjs';

export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  /** The Emscripten module; `asm.memory` is the heap's WebAssembly.Memory (exported by the tfjs wasm binary). */
  wasm?: { asm?: { memory?: unknown } };
}

/** Byte offset of a tensor's data on the wasm heap (a pointer for the SIMD kernels). */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error('wasm heap: tensor data not found on the backend');
  return entry.memoryOffset;
}
