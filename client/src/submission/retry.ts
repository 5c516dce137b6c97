// Exponential backoff (p-retry) for calls to the coordinator and the chain: retry what may pass later (network
// errors, timeouts, 5xx, 408, 429), stop at once on a definite answer, and end with a clear error instead of hanging.

import pRetry, { AbortError } from 'p-retry';
import { RetryStoppedError } from '../errors';

export interface RetryOptions {
  /** Total attempts, the first included (default 5). */
  attempts?: number;
  /** Delay before the second attempt, in ms (default 250); doubles each time. */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 8000 ms). */
  maxDelayMs?: number;
  /** Per-attempt timeout in ms (default 30000). */
  timeoutMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000, timeoutMs: 30_000 };

/** An error that retrying cannot fix: withRetry stops and rethrows `error` (also the `cause`). */
export class PermanentFailure extends RetryStoppedError {
  constructor(readonly error: unknown) {
    super('permanent failure: not retried', { cause: error });
  }
}

/**
 * Runs `fn` until it succeeds, throws PermanentFailure (its inner error is rethrown), or the attempts run out:
 * then `onExhausted(lastError, attempts)` builds the error thrown. The schedule is p-retry's: `baseDelayMs` doubling,
 * each delay multiplied by a random factor in [1, 2) so that clients retrying together spread out, at most `maxDelayMs`.
 * `onRetry` receives the delay before that factor.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
  onExhausted: (lastError: unknown, attempts: number) => Error,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...options };
  let last: unknown;
  let permanent: PermanentFailure | undefined;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await fn(attempt);
        } catch (error) {
          if (error instanceof PermanentFailure) {
            permanent = error;
            throw new AbortError('permanent failure');
          }
          last = error;
          // p-retry gives up at once on a TypeError (undici's "fetch failed" is one) and on anything not an Error;
          // which failures are retried is decided here, so every one reaches p-retry in the same wrapper.
          throw new Error('attempt failed', { cause: error });
        }
      },
      {
        retries: o.attempts - 1,
        factor: 2,
        minTimeout: o.baseDelayMs,
        maxTimeout: o.maxDelayMs,
        randomize: true,
        onFailedAttempt: (failure) => {
          if (failure.retriesLeft > 0) onRetry?.(failure.attemptNumber, Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (failure.attemptNumber - 1)), last);
        },
      },
    );
  } catch (error) {
    if (permanent) throw permanent.error;
    if (last === undefined) throw error;
    throw onExhausted(last, o.attempts);
  }
}
