// Transient network failures: the peer never answered (a reset or stale kept-alive socket, a refused or timed-out
// connection, a 5xx from the RPC node's HTTP front). Worth retrying later; anything else is a definite answer.
// The one place that decides it, for the client's retries, the demo's reads and the coordinator's 503 mapping.

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
  // ethers v6 codes for a request that never got a JSON-RPC answer
  'NETWORK_ERROR',
  'TIMEOUT',
  'SERVER_ERROR',
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

/** Whether retrying may help: `transientCode(error) !== null`. */
export function isTransientFailure(error: unknown): boolean {
  return transientCode(error) !== null;
}
