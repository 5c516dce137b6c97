import { CodecHeaderOversizedError, CodecInconsistentError, CodecTruncatedError } from '../errors.js';
import { checkHeaderEnd, checkPayloadOffset, openFixedHeader } from './binaryFormat.js';
import { LITTLE_ENDIAN_HOST, TENSOR_FORMAT, TENSOR_LIMITS } from './layout.js';
import type { NamedTensor } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the tensor encoding. Sizes are checked before anything is read or allocated; any inconsistency throws a
 * typed CloisterError (CLOISTER_ERR_CODEC_…). When `bytes` sits at a 4-byte aligned offset of its buffer (on a
 * little-endian host) the returned `data` arrays are views into `bytes`, not copies: copy them if `bytes` is reused.
 */
export function decodeTensors(bytes: Uint8Array): NamedTensor[] {
  const view = openFixedHeader(bytes, TENSOR_FORMAT, 'decodeTensors');
  const count = view.getUint32(8, true);
  const dataOffset = view.getUint32(12, true);
  if (count > TENSOR_LIMITS.maxTensors) {
    throw new CodecHeaderOversizedError(`tensor count ${count} exceeds ${TENSOR_LIMITS.maxTensors}`, {
      details: { count },
    });
  }
  if (dataOffset > TENSOR_LIMITS.maxHeaderBytes) {
    throw new CodecHeaderOversizedError(
      `header length ${dataOffset} exceeds ${TENSOR_LIMITS.maxHeaderBytes}`,
      {
        details: { dataOffset },
      },
    );
  }
  checkPayloadOffset(bytes, dataOffset, TENSOR_FORMAT);
  const available = bytes.length - dataOffset;
  const entries: { name: string; shape: number[]; size: number }[] = [];
  const names = new Set<string>();
  let p = TENSOR_FORMAT.fixedHeaderBytes;
  let totalValues = 0;
  const need = (n: number, what: string) => {
    if (p + n > dataOffset) {
      throw new CodecInconsistentError(
        `tensor ${entries.length}: ${what} runs past the header end (${dataOffset})`,
        {
          details: { index: entries.length, offset: p },
        },
      );
    }
  };
  for (let i = 0; i < count; i++) {
    need(2, 'name length');
    const nameLength = view.getUint16(p, true);
    p += 2;
    if (nameLength === 0 || nameLength > TENSOR_LIMITS.maxNameBytes) {
      throw new CodecInconsistentError(
        `tensor ${i}: name length ${nameLength} outside [1, ${TENSOR_LIMITS.maxNameBytes}]`,
        {
          details: { index: i },
        },
      );
    }
    need(nameLength, 'name');
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(p, p + nameLength));
    } catch (cause) {
      throw new CodecInconsistentError(`tensor ${i}: name is not valid UTF-8`, {
        details: { index: i },
        cause,
      });
    }
    p += nameLength;
    if (names.has(name))
      throw new CodecInconsistentError(`duplicate tensor name "${name}"`, { details: { index: i, name } });
    names.add(name);
    need(1, 'rank');
    const rank = bytes[p++] as number;
    if (rank > TENSOR_LIMITS.maxRank) {
      throw new CodecInconsistentError(`tensor "${name}": rank ${rank} exceeds ${TENSOR_LIMITS.maxRank}`, {
        details: { name, rank },
      });
    }
    need(4 * rank, 'shape');
    const shape: number[] = [];
    for (let k = 0; k < rank; k++) {
      shape.push(view.getUint32(p, true));
      p += 4;
    }
    // With a zero dimension the tensor is empty; otherwise the product only grows, so checking it at each step
    // against the bytes present keeps it in the safe-integer range.
    let size = shape.includes(0) ? 0 : 1;
    for (const dim of shape) {
      if (size === 0) break;
      size *= dim;
      if (size * 4 > available) {
        throw new CodecTruncatedError(
          `tensor "${name}": shape [${shape.join(',')}] needs more data than the ${available} bytes present`,
          {
            details: { name, available },
          },
        );
      }
    }
    totalValues += size;
    if (totalValues * 4 > available) {
      throw new CodecTruncatedError(`tensor data needs more than the ${available} bytes present`, {
        details: { available },
      });
    }
    entries.push({ name, shape, size });
  }
  checkHeaderEnd(bytes, p, dataOffset, TENSOR_FORMAT);
  if (totalValues * 4 !== available) {
    throw new CodecInconsistentError(
      `tensor data is ${available} bytes, the shapes need ${totalValues * 4}`,
      {
        details: { available, expected: totalValues * 4 },
      },
    );
  }
  const aligned = LITTLE_ENDIAN_HOST && (bytes.byteOffset + dataOffset) % 4 === 0;
  let d = dataOffset;
  return entries.map(({ name, shape, size }) => {
    const byteLength = size * 4;
    let data: Float32Array;
    if (aligned) {
      data = new Float32Array(bytes.buffer, bytes.byteOffset + d, size);
    } else {
      const copy = bytes.slice(d, d + byteLength);
      if (!LITTLE_ENDIAN_HOST) {
        for (let k = 0; k < copy.length; k += 4) {
          const a = copy[k] as number;
          const b = copy[k + 1] as number;
          copy[k] = copy[k + 3] as number;
          copy[k + 1] = copy[k + 2] as number;
          copy[k + 2] = b;
          copy[k + 3] = a;
        }
      }
      data = new Float32Array(copy.buffer, 0, size);
    }
    d += byteLength;
    return { name, shape, data };
  });
}
