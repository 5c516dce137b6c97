// Test helpers: a TEST DOUBLE of the coordinator's aggregator routes (the real coordinator
// lives in coordinator/ and is built concurrently). The double implements exactly the documented routes:
//   GET /v1/blobs/:sha256, PUT /v1/blobs/:sha256 (aggregator-signed), GET /v1/tasks/:t/rounds/:r/updates/:p
//   (aggregator-signed, ciphertext + x-cloister-signature header), with the documented auth headers checked.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { aggregatorAuthMessage, HEADERS, sha256Hex } from '@cloister/protocol';
import { freePort } from '@cloister/devstack';
import { getAddress, verifyMessage } from 'ethers';

export type CoordinatorDouble = {
  url: string;
  blobs: Map<string, Buffer>;
  updates: Map<string, { ciphertext: Uint8Array; signature: string }>;
  /** When set, a GET of this update key hangs (never answered) and `onHeld` is called. */
  hold: { key: string; onHeld: () => void } | null;
  requests: string[];
  stop(): Promise<void>;
};

export const updateKey = (taskId: bigint, round: bigint, participant: string) => `${taskId}/${round}/${getAddress(participant)}`;

export async function startCoordinatorDouble(aggregatorSigner: () => Promise<string>): Promise<CoordinatorDouble> {
  const held: ServerResponse[] = [];
  const double: CoordinatorDouble = {
    url: '',
    blobs: new Map(),
    updates: new Map(),
    hold: null,
    requests: [],
    stop: async () => undefined,
  };
  const authOk = async (req: IncomingMessage, path: string) => {
    const ts = req.headers[HEADERS.aggregatorTimestamp];
    const sig = req.headers[HEADERS.aggregatorSignature];
    if (typeof ts !== 'string' || typeof sig !== 'string' || Math.abs(Date.now() - Number(ts)) > 60_000) return false;
    try {
      return getAddress(verifyMessage(aggregatorAuthMessage(req.method!, path, ts), sig)) === getAddress(await aggregatorSigner());
    } catch {
      return false;
    }
  };
  const server = createHttpServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      double.requests.push(`${req.method} ${path}`);
      const blob = /^\/v1\/blobs\/(?:0x)?([0-9a-f]{64})$/.exec(path);
      const upd = /^\/v1\/tasks\/(\d+)\/rounds\/(\d+)\/updates\/(0x[0-9a-fA-F]{40})$/.exec(path);
      const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}) => {
        res.writeHead(status, headers);
        res.end(body);
      };
      if (blob && req.method === 'GET') {
        const b = double.blobs.get(blob[1]!);
        return b ? send(200, b, { 'content-type': 'application/octet-stream' }) : send(404, '{"code":"CLOISTER_ERR_BLOB_NOT_FOUND"}');
      }
      if (blob && req.method === 'PUT') {
        if (!(await authOk(req, path))) return send(401, '{"code":"unauthorized"}');
        const pieces: Buffer[] = [];
        for await (const p of req) pieces.push(p as Buffer);
        const body = Buffer.concat(pieces);
        if (sha256Hex(body).slice(2) !== blob[1]) return send(400, '{"code":"CLOISTER_ERR_BLOB_HASH_MISMATCH"}');
        const duplicate = double.blobs.has(blob[1]!);
        double.blobs.set(blob[1]!, body);
        return send(200, JSON.stringify({ sha256: `0x${blob[1]}`, size: body.length, duplicate }), { 'content-type': 'application/json' });
      }
      if (upd && req.method === 'GET') {
        if (!(await authOk(req, path))) return send(401, '{"code":"unauthorized"}');
        const key = updateKey(BigInt(upd[1]!), BigInt(upd[2]!), upd[3]!);
        if (double.hold?.key === key) {
          held.push(res);
          double.hold.onHeld();
          return undefined;
        }
        const u = double.updates.get(key);
        if (!u) return send(404, '{"code":"CLOISTER_ERR_UPDATE_NOT_FOUND"}');
        return send(200, Buffer.from(u.ciphertext), { 'content-type': 'application/octet-stream', [HEADERS.signature]: u.signature });
      }
      return send(404, '{"code":"not_found"}');
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${port}`;
  double.stop = async () => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return double;
}
