// Exponential backoff for calls to the coordinator: retry what may pass later (network errors, timeouts, 5xx,
// 408, 429), stop at once on a definite answer, and end with a clear error instead of hanging.

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

export function backoffDelay(attempt: number, options: Required<RetryOptions>): number {
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}

/**
 * Runs `fn` until it succeeds, throws PermanentFailure (its inner error is rethrown), or the attempts run out:
 * then `onExhausted(lastError, attempts)` builds the error thrown.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
  onExhausted: (lastError: unknown, attempts: number) => Error,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...options };
  let last: unknown;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (error instanceof PermanentFailure) throw error.error;
      last = error;
      if (attempt < o.attempts) {
        const delay = backoffDelay(attempt, o);
        onRetry?.(attempt, delay, error);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
  throw onExhausted(last, o.attempts);
}
