// JSON-RPC over fetch with batching: one HTTP request carries many calls (Hardhat answers them in order), so a
// thousand participants' commit transactions cost one round trip instead of a thousand.
import { RpcFailedError } from '../errors';

export type RpcCall = { method: string; params: unknown[] };
export type RpcOutcome = { ok: true; result: unknown } | { ok: false; message: string; data?: unknown };

export class JsonRpcBatcher {
  private id = 0;
  constructor(readonly rpcUrl: string) {}

  /** Sends the calls in one batch request; each outcome is in the order of `calls`. */
  async batch(calls: RpcCall[]): Promise<RpcOutcome[]> {
    if (calls.length === 0) return [];
    const first = this.id + 1;
    const body = calls.map((c) => ({ jsonrpc: '2.0', id: ++this.id, method: c.method, params: c.params }));
    const payload = JSON.stringify(body);
    const post = () => fetch(this.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    let res: Response;
    try {
      res = await post().catch((error: unknown) => {
        // A pooled keep-alive connection the node closed while this process was busy (the node closes idle ones
        // after 5 s; a long CPU-bound step here, such as deriving 2000 keys, misses the close) fails before the
        // request is read: it is sent once more on a fresh connection. Any other failure is reported.
        if (!closedBeforeAnswer(error)) throw error;
        return post();
      });
    } catch (cause) {
      throw new RpcFailedError(`the chain at ${this.rpcUrl} did not answer a batch of ${calls.length} calls: is the node running?`, { cause });
    }
    if (!res.ok) throw new RpcFailedError(`the chain answered HTTP ${res.status} to a batch of ${calls.length} calls`);
    const answers = (await res.json()) as Array<{ id: number; result?: unknown; error?: { message: string; data?: unknown } }>;
    if (!Array.isArray(answers)) throw new RpcFailedError('the chain did not answer the batch with an array');
    const byId = new Map(answers.map((a) => [a.id, a]));
    return calls.map((_, k) => {
      const a = byId.get(first + k);
      if (!a) return { ok: false, message: 'no answer in the batch response' };
      if (a.error) return { ok: false, message: a.error.message, data: a.error.data };
      return { ok: true, result: a.result };
    });
  }

  /** One call; throws RpcFailedError on an error answer. */
  async send(method: string, params: unknown[]): Promise<unknown> {
    const [outcome] = await this.batch([{ method, params }]);
    if (!outcome!.ok) throw new RpcFailedError(`${method}: ${outcome!.message}`);
    return outcome!.result;
  }
}

/**
 * Calls made one at a time by many independent senders (participants committing as each finishes sealing), sent in as
 * few batches as their timing allows: calls made while a batch is on its way go out together in the next one. One
 * sender alone costs one round trip per call, a thousand at once cost a few.
 */
export class CoalescingRpc {
  private waiting: { call: RpcCall; resolve: (outcome: RpcOutcome) => void; reject: (error: unknown) => void }[] = [];
  private sending = false;

  constructor(private readonly rpc: JsonRpcBatcher) {}

  /** The call's outcome (an error answer is an outcome, not a throw); rejects when the batch carrying it failed. */
  call(call: RpcCall): Promise<RpcOutcome> {
    return new Promise<RpcOutcome>((resolve, reject) => {
      this.waiting.push({ call, resolve, reject });
      if (!this.sending) void this.sendWaiting();
    });
  }

  private async sendWaiting(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        // Calls made in this same turn of the event loop join the batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.waiting;
        this.waiting = [];
        try {
          const outcomes = await this.rpc.batch(batch.map((w) => w.call));
          batch.forEach((w, k) => w.resolve(outcomes[k]!));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

/** fetch's error for a connection the server had closed (undici: `UND_ERR_SOCKET`, "other side closed"). */
function closedBeforeAnswer(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return cause?.code === 'UND_ERR_SOCKET';
}
