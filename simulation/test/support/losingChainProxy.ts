// A pass-through for a JSON-RPC node over HTTP that can lose the next transaction with a given calldata: it answers
// eth_sendRawTransaction with the transaction's hash, as a node that accepted it would, and never forwards it, so the
// sender waits for a receipt that never comes. The fault suite uses it to kill the coordinator while its close-round
// job is in flight (its closeRound transaction sent, not mined), at a point it can name, instead of racing a timer.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer as readBody } from 'node:stream/consumers';
import { Transaction } from 'ethers';

type RpcRequest = { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] };
type RpcAnswer = { jsonrpc: string; id: unknown; result?: unknown; error?: unknown };

export type LosingChainProxy = {
  /** The proxy's URL, to give the process whose transaction may be lost. */
  url: string;
  /** Loses the next eth_sendRawTransaction whose calldata is `data`; resolves with its hash once it was answered. */
  loseNextTransaction(data: string): Promise<string>;
  close(): Promise<void>;
};

export async function startLosingChainProxy(upstreamUrl: string): Promise<LosingChainProxy> {
  const upstream = new URL(upstreamUrl);
  let armed: { data: string; lost: (hash: string) => void } | null = null;

  /** Forwards `body` upstream; resolves with the status and body of the node's answer. */
  const forward = (req: IncomingMessage, body: Buffer, client: ServerResponse): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, 'content-length': String(body.length) } },
        (answer) => {
          readBody(answer).then((bytes) => resolve({ status: answer.statusCode ?? 502, body: bytes }), reject);
        },
      );
      out.on('error', reject);
      // The caller gave up (its request timeout while the node is paused): so does the forwarded request.
      client.on('close', () => out.destroy());
      out.end(body);
    });

  /** The hash of a raw transaction whose calldata is the armed one, or null. */
  const lostHash = (call: RpcRequest): string | null => {
    if (armed === null || call.method !== 'eth_sendRawTransaction' || typeof call.params?.[0] !== 'string') return null;
    const tx = Transaction.from(call.params[0]);
    return tx.data.toLowerCase() === armed.data.toLowerCase() ? tx.hash : null;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = null;
      }
      const calls: RpcRequest[] = Array.isArray(parsed) ? (parsed as RpcRequest[]) : parsed !== null && typeof parsed === 'object' ? [parsed as RpcRequest] : [];
      const lost = calls.map(lostHash);
      const index = lost.findIndex((hash) => hash !== null);
      if (index < 0) {
        const answer = await forward(req, body, res);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
        return;
      }
      // The lost call is answered here; the rest of a batch goes to the node, and the answers are put back together.
      const { lost: reached } = armed!;
      armed = null;
      const hash = lost[index]!;
      const rest = calls.filter((_, k) => k !== index);
      let answers: RpcAnswer[] = [];
      if (rest.length > 0) {
        const answer = await forward(req, Buffer.from(JSON.stringify(rest), 'utf8'), res);
        answers = JSON.parse(answer.body.toString('utf8')) as RpcAnswer[];
      }
      answers.push({ jsonrpc: '2.0', id: calls[index]!.id, result: hash });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
      reached(hash);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    loseNextTransaction(data: string) {
      return new Promise<string>((resolve) => (armed = { data, lost: resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
