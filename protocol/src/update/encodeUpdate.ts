import { encodeTensors } from '../codec/encodeTensors.js';
import { UpdateInvalidError } from '../errors.js';
import { alignUp, writeFixedHeader } from '../codec/binaryFormat.js';
import { UPDATE_FORMAT, UPDATE_LIMITS } from './layout.js';
import type { UpdatePayload } from './types.js';

const utf8 = new TextEncoder();

/** Encodes an update: a small header (numExamples, metrics) followed by the deltas' tensor encoding. */
export function encodeUpdate(update: UpdatePayload): Uint8Array {
  if (typeof update !== 'object' || update === null)
    throw new UpdateInvalidError('encodeUpdate expects an update object');
  const { deltas, numExamples, metrics } = update;
  if (!Number.isSafeInteger(numExamples) || numExamples < 0) {
    throw new UpdateInvalidError(
      `numExamples must be a non-negative safe integer, got ${String(numExamples)}`,
    );
  }
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new UpdateInvalidError('metrics must be an object of name → number');
  }
  const entries = Object.entries(metrics);
  if (entries.length > UPDATE_LIMITS.maxMetrics) {
    throw new UpdateInvalidError(`too many metrics: ${entries.length} > ${UPDATE_LIMITS.maxMetrics}`);
  }
  const encodedNames: Uint8Array[] = [];
  let headerBytes = UPDATE_FORMAT.fixedHeaderBytes;
  for (const [name, value] of entries) {
    const nameBytes = utf8.encode(name);
    if (nameBytes.length === 0 || nameBytes.length > UPDATE_LIMITS.maxMetricNameBytes) {
      throw new UpdateInvalidError(`metric name must be 1..${UPDATE_LIMITS.maxMetricNameBytes} bytes`, {
        details: { name },
      });
    }
    if (typeof value !== 'number')
      throw new UpdateInvalidError(`metric "${name}" is not a number`, { details: { name } });
    encodedNames.push(nameBytes);
    headerBytes += 2 + nameBytes.length + 8;
  }
  const tensorOffset = alignUp(headerBytes, UPDATE_FORMAT.alignment);
  const tensors = encodeTensors(deltas);
  const out = new Uint8Array(tensorOffset + tensors.length);
  const view = writeFixedHeader(out, UPDATE_FORMAT);
  view.setUint32(8, tensorOffset, true);
  view.setUint32(12, entries.length, true);
  view.setBigUint64(16, BigInt(numExamples), true);
  let p = UPDATE_FORMAT.fixedHeaderBytes;
  entries.forEach(([, value], i) => {
    const nameBytes = encodedNames[i] as Uint8Array;
    view.setUint16(p, nameBytes.length, true);
    out.set(nameBytes, p + 2);
    p += 2 + nameBytes.length;
    view.setFloat64(p, value, true);
    p += 8;
  });
  out.set(tensors, tensorOffset);
  return out;
}
