// Byte layout of the tensor encoding (see protocol/README.md, "Tensor encoding").
//
//   offset  size  field
//   0       4     magic "CLTN"
//   4       2     version (u16 LE) = 1
//   6       2     reserved (u16) = 0
//   8       4     tensor count (u32 LE)
//   12      4     data offset = header length in bytes, multiple of 4 (u32 LE)
//   16      …     per tensor: name length (u16 LE), name (UTF-8), rank (u8), dims (u32 LE × rank)
//   …       0–3   zero padding up to the data offset
//   data    …     each tensor's float32 values, little-endian, in order; total = Σ elements × 4
// The encoding ends exactly after the last value: trailing bytes are an error.

import { binaryFormat } from './binaryFormat.js';

export const TENSOR_FORMAT_VERSION = 1;
export const TENSOR_FORMAT = binaryFormat('tensor', 'CLTN', TENSOR_FORMAT_VERSION, 16, 4, 'dataOffset');
/** Upper bounds checked before anything is read or allocated. */
export const TENSOR_LIMITS = {
  maxTensors: 65_536,
  maxNameBytes: 1_024,
  maxRank: 8,
  maxHeaderBytes: 16 * 1024 * 1024,
} as const;

export const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

