// Transient network failures of the chain RPC: a reset or stale kept-alive socket, a refused or timed-out connection.
// They are retried at the step that failed (bounded exponential backoff); anything else is a definite answer.
import { ChainUnavailableError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { PermanentFailure, withRetry, type RetryOptions } from './retry';

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CLOSED',
  // ethers v6 codes for a request that never got an answer
  'NETWORK_ERROR',
  'TIMEOUT',
]);
const TRANSIENT_TEXT = /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|other side closed|fetch failed|network error|request timeout/i;

/** The network code of a transient failure (searching `cause`, `error` and `info.error` chains), or null. */
export function transientCode(error: unknown, depth = 0): string | null {
  if (error === null || typeof error !== 'object' || depth > 5) return null;
  const e = error as { code?: unknown; message?: unknown; shortMessage?: unknown; cause?: unknown; error?: unknown; info?: { error?: unknown } };
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return e.code;
  for (const inner of [e.cause, e.error, e.info?.error]) {
    const code = transientCode(inner, depth + 1);
    if (code) return code;
  }
  // Revert data means the node answered: never transient, whatever the text says.
  if ((e as { data?: unknown }).data !== undefined || (e as { revert?: unknown }).revert !== undefined) return null;
  const text = `${typeof e.shortMessage === 'string' ? e.shortMessage : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  const m = TRANSIENT_TEXT.exec(text);
  return m ? m[0] : null;
}

export const DEFAULT_CHAIN_RETRY: Required<Omit<RetryOptions, 'timeoutMs'>> = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8000 };

/**
 * Runs one step against the chain, retrying transient network failures with exponential backoff (250 ms doubling,
 * ±25 % jitter, ≤ 8 s, 6 attempts by default). Other errors pass through at once; when the attempts run out it throws
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
