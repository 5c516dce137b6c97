import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256Hex, encodeTensors } from '@cloister/protocol';
import { CoordinatorClient } from './coordinatorClient';
import { fetchGlobalModel } from './globalModel';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits: () => hits };
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const FAST = { attempts: 4, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2000 };
const weights = [{ name: 'dense/kernel', shape: [2, 1], data: new Float32Array([0.5, -1]) }];
const modelBytes = encodeTensors(weights);
const modelHash = sha256Hex(modelBytes);

describe('CoordinatorClient', () => {
  it('a coordinator that is down ends in CoordinatorUnavailableError after the retries, not a hang', async () => {
    const dead = await serve(() => undefined);
    const url = dead.url;
    await new Promise((r) => dead.server.close(r)); // nothing listens on this port any more
    const client = new CoordinatorClient({ baseUrl: url, retry: FAST });
    const started = Date.now();
    await expect(client.getRound(1n, 1n)).rejects.toMatchObject({
      code: 'CLOISTER_ERR_CLIENT_COORDINATOR_UNAVAILABLE',
      message: expect.stringContaining('after 4 attempts'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a coordinator that never answers times out per attempt', async () => {
    const silent = await serve(() => undefined); // accepts, never responds
    servers.push(silent.server);
    const client = new CoordinatorClient({ baseUrl: silent.url, retry: { ...FAST, attempts: 2, timeoutMs: 200 } });
    await expect(client.getBlob(modelHash)).rejects.toMatchObject({ code: 'CLOISTER_ERR_CLIENT_COORDINATOR_UNAVAILABLE', message: expect.stringContaining('timed out') });
    expect(silent.hits()).toBe(2);
  });

  it('retries 503 with backoff and then succeeds', async () => {
    let n = 0;
    const flaky = await serve((req, res) => {
      n++;
      if (n < 3) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 503, code: 'X', error: 'Service Unavailable', message: 'busy' }));
      } else res.writeHead(200).end(Buffer.from(modelBytes));
    });
    servers.push(flaky.server);
    const client = new CoordinatorClient({ baseUrl: flaky.url, retry: FAST });
    const got = await fetchGlobalModel(client, modelHash);
    expect(got[0]!.name).toBe('dense/kernel');
    expect(Array.from(got[0]!.data)).toEqual([0.5, -1]);
    expect(flaky.hits()).toBe(3);
  });

  it('does not retry a 4xx and surfaces its code', async () => {
    const refusing = await serve((req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, code: 'CLOISTER_ERR_BLOB_NOT_FOUND', error: 'Not Found', message: 'no such blob' }));
    });
    servers.push(refusing.server);
    const client = new CoordinatorClient({ baseUrl: refusing.url, retry: FAST });
    await expect(client.getBlob(modelHash)).rejects.toMatchObject({
      code: 'CLOISTER_ERR_CLIENT_COORDINATOR_REJECTED',
      statusCode: 404,
      message: expect.stringContaining('CLOISTER_ERR_BLOB_NOT_FOUND'),
    });
    expect(refusing.hits()).toBe(1);
  });

  it('refuses a global model whose hash differs from the chain', async () => {
    const tampered = encodeTensors([{ ...weights[0]!, data: new Float32Array([0.5, -0.999]) }]);
    const evil = await serve((req, res) => res.writeHead(200).end(Buffer.from(tampered)));
    servers.push(evil.server);
    const client = new CoordinatorClient({ baseUrl: evil.url, retry: FAST });
    await expect(fetchGlobalModel(client, modelHash)).rejects.toMatchObject({
      code: 'CLOISTER_ERR_CLIENT_GLOBAL_MODEL_HASH_MISMATCH',
      details: { expected: modelHash, actual: sha256Hex(tampered) },
    });
  });

  it('rejects a malformed round view', async () => {
    const odd = await serve((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"open"}'));
    servers.push(odd.server);
    const client = new CoordinatorClient({ baseUrl: odd.url, retry: FAST });
    await expect(client.getRound(1n, 1n)).rejects.toMatchObject({ code: 'CLOISTER_ERR_CLIENT_COORDINATOR_REJECTED', message: expect.stringContaining('malformed') });
  });
});
