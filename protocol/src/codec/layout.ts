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

export const TENSOR_MAGIC = Uint8Array.of(0x43, 0x4c, 0x54, 0x4e); // "CLTN"
export const TENSOR_FORMAT_VERSION = 1;
export const TENSOR_FIXED_HEADER_BYTES = 16;
/** Upper bounds checked before anything is read or allocated. */
export const TENSOR_LIMITS = {
  maxTensors: 65_536,
  maxNameBytes: 1_024,
  maxRank: 8,
  maxHeaderBytes: 16 * 1024 * 1024,
} as const;

export const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
