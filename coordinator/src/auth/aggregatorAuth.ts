import { getAddress } from 'ethers';
import { aggregatorAuthMessage, HEADERS, recoverMessageSigner } from '@cloister/protocol';
import { ReadCache } from '../chain/readCache';

const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

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
  /** false: only the format and skew checks (no signature recovery). */
  recover?: boolean;
}): string | null {
  if (!input.timestamp || !/^[0-9]{1,16}$/.test(input.timestamp)) return `missing or malformed ${AGGREGATOR_TIMESTAMP_HEADER}`;
  if (!input.signature || !/^0x[0-9a-fA-F]{130}$/.test(input.signature)) return `missing or malformed ${AGGREGATOR_SIGNATURE_HEADER}`;
  const skew = Math.abs((input.nowMs ?? Date.now()) - Number(input.timestamp));
  if (skew > input.maxSkewMs) return `timestamp is ${skew} ms away from the server clock (max ${input.maxSkewMs})`;
  if (input.recover === false) return null;
  let recovered: string;
  try {
    recovered = recoverMessageSigner(aggregatorAuthMessage(input.method, input.path, input.timestamp), input.signature);
  } catch {
    return 'signature does not parse';
  }
  if (getAddress(recovered) !== getAddress(input.expectedSigner)) return 'signature is not from the on-chain aggregatorSigner()';
  return null;
}

/** How long a read of `AggregatorRegistry.aggregatorSigner()` is trusted (a rotation takes effect within this). */
export const AGGREGATOR_SIGNER_TTL_MS = 5000;

/**
 * Aggregator request verification with the on-chain signer read through a short-lived cache: concurrent requests
 * share one `aggregatorSigner()` call, a result is reused for `ttlMs`, a failed read is not kept and a zero signer
 * (none registered yet) is not kept either. The cheap checks (header format, clock skew) run before any chain
 * read, and the signature is recovered exactly once per request.
 */
export function createAggregatorVerifier(options: {
  signer: () => Promise<string>;
  maxSkewMs: number;
  ttlMs?: number;
  cache?: ReadCache;
}): (input: { method: string; path: string; timestamp: string | undefined; signature: string | undefined; nowMs?: number }) => Promise<string | null> {
  const ttl = options.ttlMs ?? AGGREGATOR_SIGNER_TTL_MS;
  const cache = options.cache ?? new ReadCache(16);
  const isZero = (a: string) => /^0x0{40}$/i.test(a);
  return async (input) => {
    if (input.timestamp === undefined && input.signature === undefined) return 'no aggregator headers';
    // Format and skew first: a malformed or stale request costs no chain read (expectedSigner is not used yet).
    const early = checkAggregatorSignature({ ...input, expectedSigner: ZERO_ADDRESS, maxSkewMs: options.maxSkewMs, recover: false });
    if (early !== null) return early;
    const signer = await cache.get('aggregatorSigner', ttl, options.signer, (a) => !isZero(a));
    if (isZero(signer)) return 'no aggregatorSigner() registered on chain';
    return checkAggregatorSignature({ ...input, expectedSigner: signer, maxSkewMs: options.maxSkewMs });
  };
}
