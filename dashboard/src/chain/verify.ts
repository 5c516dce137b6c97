// "Verified against chain": the coordinator's content-addressed blob is fetched and hashed here, in the browser
// (WebCrypto SHA-256), and compared with the hash the contract holds. Nothing is taken on the coordinator's word.
import { coordinatorUrl } from '../network';

export type Verification = { status: 'verified'; bytes: Uint8Array } | { status: 'mismatch'; actual: string } | { status: 'missing' } | { status: 'too-large'; size: number };

/** Largest blob verified automatically (bigger models get a mark saying they were not checked). */
export const VERIFY_MAX_BYTES = 64 * 1024 * 1024;

const cache = new Map<string, Promise<Verification>>();

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return `0x${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function fetchAndCheck(hash: string): Promise<Verification> {
  const res = await fetch(`${coordinatorUrl()}/v1/blobs/${hash.slice(2)}`);
  if (res.status === 404) return { status: 'missing' };
  if (!res.ok) throw new Error(`blob ${hash}: HTTP ${res.status}`);
  const size = Number(res.headers.get('content-length') ?? NaN);
  if (size > VERIFY_MAX_BYTES) {
    await res.body?.cancel();
    return { status: 'too-large', size };
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const actual = await sha256Hex(bytes);
  return actual === hash.toLowerCase() ? { status: 'verified', bytes } : { status: 'mismatch', actual };
}

/** Fetches the blob named by an on-chain hash and checks it (once per hash; failures are retried next time). */
export function verifyBlob(hash: string): Promise<Verification> {
  const key = hash.toLowerCase();
  let pending = cache.get(key);
  if (!pending) {
    pending = fetchAndCheck(key);
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

/** The aggregator's public metrics document of a round (as published; verified against the on-chain metricsHash). */
export type RoundMetrics = {
  committed?: number;
  /** Older documents list participants; current ones give counts only (per-participant outcomes are confidential). */
  included?: { participant: string; numExamples?: number }[] | number;
  excluded?: { participant: string; reason: number }[] | number;
  /** Reason code → how many were excluded for it. */
  exclusionsByReason?: Record<string, number>;
  validation?: Record<string, number> | null;
  participantMetrics?: Record<string, number>;
  aggregation?: Record<string, number>;
  server?: Record<string, number>;
  dp?: { epsilon: number; delta: number; rounds?: number } | null;
  strategy?: string;
};

export async function readRoundMetrics(metricsHash: string): Promise<{ verified: boolean; metrics: RoundMetrics | null; status: Verification['status'] }> {
  const v = await verifyBlob(metricsHash);
  if (v.status !== 'verified') return { verified: false, metrics: null, status: v.status };
  return { verified: true, metrics: JSON.parse(new TextDecoder().decode(v.bytes)) as RoundMetrics, status: v.status };
}
