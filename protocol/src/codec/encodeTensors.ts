import { CodecInvalidTensorError } from '../errors.js';
import { alignUp, writeFixedHeader } from './binaryFormat.js';
import { LITTLE_ENDIAN_HOST, TENSOR_FORMAT, TENSOR_LIMITS } from './layout.js';
import type { NamedTensor } from './types.js';

const utf8 = new TextEncoder();

/** Number of elements a shape holds; throws CodecInvalidTensorError for a non-integer or negative dim. */
export function shapeSize(shape: readonly number[], name = '?'): number {
  let n = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
      throw new CodecInvalidTensorError(`tensor "${name}": dimension ${dim} is not an integer in [0, 2^32)`, {
        details: { name, shape: [...shape] },
      });
    }
    n *= dim;
  }
  return n;
}

/**
 * Encodes named float32 tensors in the given order (see protocol/README.md for the layout). Bit-exact: NaN payloads and
 * -0 survive. A global model file is exactly this encoding of its weights.
 */
export function encodeTensors(tensors: readonly NamedTensor[]): Uint8Array {
  if (!Array.isArray(tensors)) throw new CodecInvalidTensorError('encodeTensors expects an array of tensors');
  if (tensors.length > TENSOR_LIMITS.maxTensors) {
    throw new CodecInvalidTensorError(`too many tensors: ${tensors.length} > ${TENSOR_LIMITS.maxTensors}`);
  }
  const names: Uint8Array[] = [];
  const seen = new Set<string>();
  let headerBytes = TENSOR_FORMAT.fixedHeaderBytes;
  let dataBytes = 0;
  for (const tensor of tensors) {
    const { name, shape, data } = tensor ?? ({} as NamedTensor);
    if (typeof name !== 'string' || name.length === 0) {
      throw new CodecInvalidTensorError('every tensor needs a non-empty string name');
    }
    if (seen.has(name))
      throw new CodecInvalidTensorError(`duplicate tensor name "${name}"`, { details: { name } });
    seen.add(name);
    const nameBytes = utf8.encode(name);
    if (nameBytes.length > TENSOR_LIMITS.maxNameBytes) {
      throw new CodecInvalidTensorError(`tensor name longer than ${TENSOR_LIMITS.maxNameBytes} bytes`, {
        details: { name },
      });
    }
    if (!Array.isArray(shape) || shape.length > TENSOR_LIMITS.maxRank) {
      throw new CodecInvalidTensorError(
        `tensor "${name}": shape must be an array of at most ${TENSOR_LIMITS.maxRank} dims`,
        {
          details: { name },
        },
      );
    }
    if (!(data instanceof Float32Array)) {
      throw new CodecInvalidTensorError(`tensor "${name}": data must be a Float32Array`, {
        details: { name },
      });
    }
    const size = shapeSize(shape, name);
    if (size !== data.length) {
      throw new CodecInvalidTensorError(
        `tensor "${name}": shape [${shape.join(',')}] holds ${size} values, data has ${data.length}`,
        {
          details: { name, shape: [...shape], length: data.length },
        },
      );
    }
    names.push(nameBytes);
    headerBytes += 2 + nameBytes.length + 1 + 4 * shape.length;
    dataBytes += data.length * 4;
  }
  const dataOffset = alignUp(headerBytes, TENSOR_FORMAT.alignment);
  const out = new Uint8Array(dataOffset + dataBytes);
  const view = writeFixedHeader(out, TENSOR_FORMAT);
  view.setUint32(8, tensors.length, true);
  view.setUint32(12, dataOffset, true);
  let p = TENSOR_FORMAT.fixedHeaderBytes;
  let d = dataOffset;
  tensors.forEach((tensor, i) => {
    const nameBytes = names[i] as Uint8Array;
    view.setUint16(p, nameBytes.length, true);
    out.set(nameBytes, p + 2);
    p += 2 + nameBytes.length;
    out[p++] = tensor.shape.length;
    for (const dim of tensor.shape) {
      view.setUint32(p, dim, true);
      p += 4;
    }
    const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    if (LITTLE_ENDIAN_HOST) {
      out.set(raw, d);
    } else {
      for (let k = 0; k < raw.length; k += 4) {
        out[d + k] = raw[k + 3] as number;
        out[d + k + 1] = raw[k + 2] as number;
        out[d + k + 2] = raw[k + 1] as number;
        out[d + k + 3] = raw[k] as number;
      }
    }
    d += raw.length;
  });
  return out;
}
