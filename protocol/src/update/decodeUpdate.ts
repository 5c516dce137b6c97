import { decodeTensors } from '../codec/decodeTensors.js';
import { sameBytes } from '../codec/layout.js';
import {
  CodecBadMagicError,
  CodecHeaderOversizedError,
  CodecInconsistentError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
} from '../errors.js';
import {
  UPDATE_FIXED_HEADER_BYTES,
  UPDATE_FORMAT_VERSION,
  UPDATE_LIMITS,
  UPDATE_MAGIC,
  align8,
} from './layout.js';
import type { UpdatePayload } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an update. Every malformation throws a typed CLOISTER_ERR_CODEC_… error (details.format = 'update' for the
 * update header). Deltas are views into `bytes` when it is 4-byte aligned (see decodeTensors).
 */
export function decodeUpdate(bytes: Uint8Array): UpdatePayload {
  const details = { format: 'update' };
  if (!(bytes instanceof Uint8Array))
    throw new CodecInconsistentError('decodeUpdate expects a Uint8Array', { details });
  if (bytes.length < UPDATE_FIXED_HEADER_BYTES) {
    throw new CodecTruncatedError(
      `update too short: ${bytes.length} bytes < ${UPDATE_FIXED_HEADER_BYTES}-byte header`,
      { details },
    );
  }
  if (!sameBytes(bytes.subarray(0, 4), UPDATE_MAGIC)) {
    throw new CodecBadMagicError('not a Cloister update encoding (magic "CLUP" expected)', { details });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== UPDATE_FORMAT_VERSION) {
    throw new CodecUnsupportedVersionError(
      `update version ${version} is not supported (expected ${UPDATE_FORMAT_VERSION})`,
      {
        details: { ...details, version },
      },
    );
  }
  if (view.getUint16(6, true) !== 0)
    throw new CodecInconsistentError('update: reserved field is not zero', { details });
  const tensorOffset = view.getUint32(8, true);
  const metricCount = view.getUint32(12, true);
  if (tensorOffset > UPDATE_LIMITS.maxHeaderBytes || metricCount > UPDATE_LIMITS.maxMetrics) {
    throw new CodecHeaderOversizedError(
      `update header too large (offset ${tensorOffset}, ${metricCount} metrics)`,
      {
        details: { ...details, tensorOffset, metricCount },
      },
    );
  }
  if (tensorOffset < UPDATE_FIXED_HEADER_BYTES || tensorOffset % 8 !== 0) {
    throw new CodecInconsistentError(
      `update header length ${tensorOffset} is not a multiple of 8 ≥ ${UPDATE_FIXED_HEADER_BYTES}`,
      {
        details,
      },
    );
  }
  if (tensorOffset > bytes.length) {
    throw new CodecTruncatedError(
      `update header declares ${tensorOffset} bytes, only ${bytes.length} present`,
      { details },
    );
  }
  const numExamplesBig = view.getBigUint64(16, true);
  if (numExamplesBig > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CodecInconsistentError('update: numExamples exceeds 2^53 - 1', { details });
  }
  const metrics: Record<string, number> = Object.create(null);
  let p = UPDATE_FIXED_HEADER_BYTES;
  for (let i = 0; i < metricCount; i++) {
    if (p + 2 > tensorOffset)
      throw new CodecInconsistentError(`metric ${i} runs past the update header`, { details });
    const nameLength = view.getUint16(p, true);
    p += 2;
    if (
      nameLength === 0 ||
      nameLength > UPDATE_LIMITS.maxMetricNameBytes ||
      p + nameLength + 8 > tensorOffset
    ) {
      throw new CodecInconsistentError(`metric ${i}: bad name length ${nameLength}`, { details });
    }
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(p, p + nameLength));
    } catch (cause) {
      throw new CodecInconsistentError(`metric ${i}: name is not valid UTF-8`, { details, cause });
    }
    p += nameLength;
    if (Object.prototype.hasOwnProperty.call(metrics, name)) {
      throw new CodecInconsistentError(`duplicate metric "${name}"`, { details });
    }
    metrics[name] = view.getFloat64(p, true);
    p += 8;
  }
  if (align8(p) !== tensorOffset) {
    throw new CodecInconsistentError(
      `update header entries end at ${p}, but the tensor offset is ${tensorOffset}`,
      { details },
    );
  }
  for (let k = p; k < tensorOffset; k++) {
    if (bytes[k] !== 0) throw new CodecInconsistentError('update header padding is not zero', { details });
  }
  const deltas = decodeTensors(bytes.subarray(tensorOffset));
  return { deltas, numExamples: Number(numExamplesBig), metrics: { ...metrics } };
}
