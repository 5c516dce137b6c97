// A pass-through for appd's unix socket that can hold the next sign-submit (the aggregator's finalizeRound): the
// fault suite kills the aggregator while its round's transaction is in flight, at a point it can name, instead of
// racing a timer.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export type HoldingProxy = {
  /** Holds the next sign-submit request (never forwarded); resolves when it arrives. */
  holdNextSignSubmit(): Promise<void>;
  close(): Promise<void>;
};

export async function startHoldingProxy(listenSocket: string, targetSocket: string): Promise<HoldingProxy> {
  let armed: (() => void) | null = null;
  const held: IncomingMessage[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (armed && /sign-submit/.test(req.url ?? '')) {
      const reached = armed;
      armed = null;
      held.push(req);
      reached();
      return; // no answer: the caller is killed while it waits
    }
    const upstream = request({ socketPath: targetSocket, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(listenSocket, resolve));
  return {
    holdNextSignSubmit() {
      return new Promise<void>((resolve) => (armed = resolve));
    },
    async close() {
      for (const r of held) r.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
