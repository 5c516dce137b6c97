import {
  CodecBadMagicError,
  CodecHeaderOversizedError,
  CodecInconsistentError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
} from '../errors.js';
import {
  LITTLE_ENDIAN_HOST,
  TENSOR_FIXED_HEADER_BYTES,
  TENSOR_FORMAT_VERSION,
  TENSOR_LIMITS,
  TENSOR_MAGIC,
  align4,
  sameBytes,
} from './layout.js';
import type { NamedTensor } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the tensor encoding. Sizes are checked before anything is read or allocated; any inconsistency throws a
 * typed CloisterError (CLOISTER_ERR_CODEC_…). When `bytes` sits at a 4-byte aligned offset of its buffer (on a
 * little-endian host) the returned `data` arrays are views into `bytes`, not copies: copy them if `bytes` is reused.
 */
export function decodeTensors(bytes: Uint8Array): NamedTensor[] {
  if (!(bytes instanceof Uint8Array)) throw new CodecInconsistentError('decodeTensors expects a Uint8Array');
  if (bytes.length < TENSOR_FIXED_HEADER_BYTES) {
    throw new CodecTruncatedError(
      `tensor encoding too short: ${bytes.length} bytes < ${TENSOR_FIXED_HEADER_BYTES}-byte header`,
      {
        details: { length: bytes.length },
      },
    );
  }
  if (!sameBytes(bytes.subarray(0, 4), TENSOR_MAGIC)) {
    throw new CodecBadMagicError('not a Cloister tensor encoding (magic "CLTN" expected)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== TENSOR_FORMAT_VERSION) {
    throw new CodecUnsupportedVersionError(
      `tensor encoding version ${version} is not supported (expected ${TENSOR_FORMAT_VERSION})`,
      {
        details: { version },
      },
    );
  }
  if (view.getUint16(6, true) !== 0)
    throw new CodecInconsistentError('tensor encoding: reserved field is not zero');
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
  if (dataOffset < TENSOR_FIXED_HEADER_BYTES || dataOffset % 4 !== 0) {
    throw new CodecInconsistentError(
      `header length ${dataOffset} is not a multiple of 4 ≥ ${TENSOR_FIXED_HEADER_BYTES}`,
      {
        details: { dataOffset },
      },
    );
  }
  if (dataOffset > bytes.length) {
    throw new CodecTruncatedError(`header declares ${dataOffset} bytes, only ${bytes.length} present`, {
      details: { dataOffset, length: bytes.length },
    });
  }
  const available = bytes.length - dataOffset;
  const entries: { name: string; shape: number[]; size: number }[] = [];
  const names = new Set<string>();
  let p = TENSOR_FIXED_HEADER_BYTES;
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
  if (align4(p) !== dataOffset) {
    throw new CodecInconsistentError(`header entries end at ${p}, but the data offset is ${dataOffset}`, {
      details: { end: p, dataOffset },
    });
  }
  for (let k = p; k < dataOffset; k++) {
    if (bytes[k] !== 0)
      throw new CodecInconsistentError('header padding is not zero', { details: { offset: k } });
  }
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
