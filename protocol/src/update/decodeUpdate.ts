import { decodeTensors } from '../codec/decodeTensors.js';
import { checkHeaderEnd, checkPayloadOffset, openFixedHeader } from '../codec/binaryFormat.js';
import { CodecHeaderOversizedError, CodecInconsistentError } from '../errors.js';
import { UPDATE_FORMAT, UPDATE_LIMITS } from './layout.js';
import type { UpdatePayload } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an update. Every malformation throws a typed CLOISTER_ERR_CODEC_… error (details.format = 'update' for the
 * update header). Deltas are views into `bytes` when it is 4-byte aligned (see decodeTensors).
 */
export function decodeUpdate(bytes: Uint8Array): UpdatePayload {
  const view = openFixedHeader(bytes, UPDATE_FORMAT, 'decodeUpdate');
  const { details } = UPDATE_FORMAT;
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
  checkPayloadOffset(bytes, tensorOffset, UPDATE_FORMAT);
  const numExamplesBig = view.getBigUint64(16, true);
  if (numExamplesBig > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CodecInconsistentError('update: numExamples exceeds 2^53 - 1', { details });
  }
  const metrics: Record<string, number> = Object.create(null);
  let p = UPDATE_FORMAT.fixedHeaderBytes;
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
  checkHeaderEnd(bytes, p, tensorOffset, UPDATE_FORMAT);
  const deltas = decodeTensors(bytes.subarray(tensorOffset));
  return { deltas, numExamples: Number(numExamplesBig), metrics: { ...metrics } };
}
