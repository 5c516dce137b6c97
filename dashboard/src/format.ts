// Words and numbers people read: round states, exclusion reasons, amounts in the chain's token, times.
import { formatUnits } from 'viem';
import { EXCLUSION_REASON, ROUND_FAILURE_REASON, ROUND_STATE } from 'virtual:cloister-contracts';

const ROUND_STATE_WORDS: Record<string, string> = {
  None: 'not opened',
  Open: 'open',
  Closed: 'closed, aggregating',
  Failed: 'failed',
  Finalized: 'finalized, in challenge window',
  Accepted: 'accepted',
  Rejected: 'rejected by governance',
};

/** The name a contract code has in its table (ROUND_STATE, EXCLUSION_REASON, …), if any. */
function codeName(codes: Record<string, number>, code: number): string | undefined {
  return Object.entries(codes).find(([, v]) => v === code)?.[0];
}

/** A contract code in words: its words, else its name, else `unknown` and the number (an unknown code stays visible). */
function codeWords(codes: Record<string, number>, words: Record<string, string>, unknown: string, code: number): string {
  const name = codeName(codes, code);
  return name ? (words[name] ?? name) : `${unknown} ${code}`;
}

/** The contract's round state number as a word (and the key the styles use). */
export function roundStateName(state: number): string {
  return codeName(ROUND_STATE, state) ?? `state ${state}`;
}
export function roundStateWords(state: number): string {
  return codeWords(ROUND_STATE, ROUND_STATE_WORDS, 'state', state);
}

const REASON_WORDS: Record<string, string> = {
  MissingUpload: 'committed but never uploaded the update',
  HashMismatch: 'uploaded bytes do not match the on-chain commitment',
  BadSignature: 'upload signature is not the participant’s',
  DecryptFailed: 'the update could not be decrypted inside the TEE',
  MalformedUpdate: 'the update is malformed',
  ShapeMismatch: 'the update’s tensor shapes do not match the model',
  NonFinite: 'the update contains NaN or infinite values',
  NormExceeded: 'the update’s norm exceeds the task’s bound',
  RobustFilter: 'filtered out by the robust aggregation strategy',
  ExampleCountExceeded: 'claimed more training examples than the task allows',
};

/** An exclusion reason code in words (unknown codes stay visible as numbers). */
export function reasonWords(reason: number): string {
  return codeWords(EXCLUSION_REASON, REASON_WORDS, 'reason code', reason);
}

const FAILURE_WORDS: Record<string, string> = {
  TooFewCommitments: 'fewer participants committed than the task’s minimum',
  BelowPrivacyFloor: 'too few updates passed validation to publish without revealing individual updates',
  SpecRefused: 'the aggregator cannot run this task’s spec',
  ModelUnavailable: 'the previous global model could not be fetched or does not match its hash',
  AggregationFailed: 'the aggregation failed in a way a retry would repeat',
};

/** A failed round's reason code in words. */
export function failureWords(reason: number): string {
  return codeWords(ROUND_FAILURE_REASON, FAILURE_WORDS, 'failure code', reason);
}

/** wei → "1.5 ROSE" with at most `digits` decimals, never in scientific notation. */
export function formatAmount(wei: bigint, token: { symbol: string; decimals: number }, digits = 6): string {
  const text = formatUnits(wei, token.decimals);
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.slice(0, digits).replace(/0+$/, '');
  return `${whole}${trimmed ? `.${trimmed}` : ''} ${token.symbol}`;
}

export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 8)}…${hash.slice(-6)}` : hash;
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Chain time (seconds) as a local date-time. */
export function formatTime(seconds: number): string {
  if (!seconds) return '—';
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "in 4 min" / "3 min ago" relative to `now` (seconds). */
export function relativeTime(seconds: number, now: number): string {
  const delta = seconds - now;
  const abs = Math.abs(delta);
  const text = abs < 90 ? `${Math.round(abs)} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} days`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function formatScore(score: number, total: number): string {
  return `${((score / total) * 100).toFixed(1)} %`;
}
