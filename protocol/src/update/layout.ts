// Byte layout of an encoded update (see protocol/README.md, "Update encoding").
//
//   offset  size  field
//   0       4     magic "CLUP"
//   4       2     version (u16 LE) = 1
//   6       2     reserved (u16) = 0
//   8       4     tensor offset = header length in bytes, multiple of 8 (u32 LE)
//   12      4     metric count (u32 LE)
//   16      8     numExamples (u64 LE, ≤ 2^53 - 1)
//   24      …     per metric: name length (u16 LE), name (UTF-8), value (f64 LE)
//   …       0–7   zero padding up to the tensor offset
//   offset  …     the deltas as a tensor encoding (codec/), to the end
import { binaryFormat } from '../codec/binaryFormat.js';

export const UPDATE_FORMAT_VERSION = 1;
export const UPDATE_FORMAT = binaryFormat('update', 'CLUP', UPDATE_FORMAT_VERSION, 24, 8, 'tensorOffset');
export const UPDATE_LIMITS = {
  maxMetrics: 1_024,
  maxMetricNameBytes: 256,
  maxHeaderBytes: 1024 * 1024,
} as const;
