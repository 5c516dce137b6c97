import { getAddress, verifyMessage } from 'ethers';
import { aggregatorAuthMessage, HEADERS } from '@cloister/protocol';

export const AGGREGATOR_TIMESTAMP_HEADER = HEADERS.aggregatorTimestamp;
export const AGGREGATOR_SIGNATURE_HEADER = HEADERS.aggregatorSignature;

/**
 * Checks aggregator headers: timestamp within `maxSkewMs` of now and the signature by `expectedSigner`.
 * Returns a short reason when the check fails, null when it passes.
 */
export function checkAggregatorSignature(input: {
  method: string;
  path: string;
  timestamp: string | undefined;
  signature: string | undefined;
  expectedSigner: string;
  maxSkewMs: number;
  nowMs?: number;
}): string | null {
  if (!input.timestamp || !/^[0-9]{1,16}$/.test(input.timestamp)) return `missing or malformed ${AGGREGATOR_TIMESTAMP_HEADER}`;
  if (!input.signature || !/^0x[0-9a-fA-F]{130}$/.test(input.signature)) return `missing or malformed ${AGGREGATOR_SIGNATURE_HEADER}`;
  const skew = Math.abs((input.nowMs ?? Date.now()) - Number(input.timestamp));
  if (skew > input.maxSkewMs) return `timestamp is ${skew} ms away from the server clock (max ${input.maxSkewMs})`;
  let recovered: string;
  try {
    recovered = verifyMessage(aggregatorAuthMessage(input.method, input.path, input.timestamp), input.signature);
  } catch {
    return 'signature does not parse';
  }
  if (getAddress(recovered) !== getAddress(input.expectedSigner)) return 'signature is not from the on-chain aggregatorSigner()';
  return null;
}
