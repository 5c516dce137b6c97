// Transient network failures of the chain RPC (protocol's `transientCode` decides which) are retried at the step
// that failed (bounded exponential backoff); anything else is a definite answer.
import { transientCode } from '@cloister/protocol';
import { ChainUnavailableError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { PermanentFailure, withRetry, type RetryOptions } from './retry';

export const DEFAULT_CHAIN_RETRY: Required<Omit<RetryOptions, 'timeoutMs'>> = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8000 };

/**
 * Runs one step against the chain, retrying transient network failures with exponential backoff (250 ms doubling,
 * jitter ×1–2, ≤ 8 s, 6 attempts by default). Other errors pass through at once; when the attempts run out it throws
 * ChainUnavailableError naming the step.
 */
export function chainStep<T>(step: string, fn: () => Promise<T>, options: { retry?: RetryOptions; logger?: Logger; rpcUrl?: string } = {}): Promise<T> {
  const logger = options.logger ?? silentLogger();
  return withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        if (transientCode(error) === null) throw new PermanentFailure(error);
        throw error;
      }
    },
    { ...DEFAULT_CHAIN_RETRY, ...options.retry },
    (last, attempts) =>
      new ChainUnavailableError(
        `The chain RPC${options.rpcUrl ? ` at ${options.rpcUrl}` : ''} kept failing during ${step} (${transientCode(last)}) after ${attempts} attempts. Check the RPC node and the network, then run again: work already done for this round (the sealed update) is kept and reused.`,
        { details: { step, attempts, code: transientCode(last) }, cause: last },
      ),
    (attempt, delayMs, error) => logger.warn({ step, attempt, delayMs, err: transientCode(error) }, 'chain: transient RPC failure, retrying this step'),
  );
}
