import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulationChain, type SimulationChain } from '../stack/chain';
import { CoalescingRpc, JsonRpcBatcher } from './rpc';

jest.setTimeout(60_000);

describe('JsonRpcBatcher against the simulation chain (hardhat node: idle keep-alive connections closed after 5 s)', () => {
  let chain: SimulationChain;
  beforeAll(async () => {
    chain = await startSimulationChain();
  });
  afterAll(async () => {
    await chain?.stop();
  });

  it('sends a batch again when the node closed the pooled connection while this process was busy', async () => {
    const rpc = new JsonRpcBatcher(chain.rpcUrl);
    expect(await rpc.send('eth_chainId', [])).toBe('0x7a69');
    // Block the event loop past the node's keep-alive timeout (as deriving 2000 participants' keys does): this
    // process does not see the close, and its next request goes out on the closed connection.
    const end = Date.now() + 6_500;
    while (Date.now() < end) {
      // busy
    }
    const outcomes = await rpc.batch([
      { method: 'eth_chainId', params: [] },
      { method: 'net_version', params: [] },
    ]);
    expect(outcomes).toEqual([
      { ok: true, result: '0x7a69' },
      { ok: true, result: '31337' },
    ]);
  });
});

describe('CoalescingRpc (a JSON-RPC server that holds each answer until the test releases it)', () => {
  let server: Server;
  let url: string;
  const requests: { body: { id: number; method: string; params: unknown[] }[]; answer: () => void }[] = [];
  let arrived: () => void = () => {};
  const nextRequest = () => new Promise<void>((resolve) => (arrived = resolve));

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        const body = JSON.parse(text) as { id: number; method: string; params: unknown[] }[];
        const answer = () => {
          res.setHeader('content-type', 'application/json');
          // Answers out of order, one an error: outcomes are matched by id.
          const answers = body.map((c) => (c.params[0] === 'bad' ? { jsonrpc: '2.0', id: c.id, error: { code: -32000, message: 'nonce too low' } } : { jsonrpc: '2.0', id: c.id, result: `done ${String(c.params[0])}` }));
          res.end(JSON.stringify(answers.reverse()));
        };
        requests.push({ body, answer });
        arrived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the calls made while a batch is on its way together in the next batch, each with its own outcome', async () => {
    const rpc = new CoalescingRpc(new JsonRpcBatcher(url));
    let request = nextRequest();
    const first = rpc.call({ method: 'eth_sendRawTransaction', params: ['a'] });
    await request;
    expect(requests).toHaveLength(1);
    // While the first batch waits for its answer, four more callers arrive one after another.
    const later = ['b', 'bad', 'd', 'e'].map((tx) => rpc.call({ method: 'eth_sendRawTransaction', params: [tx] }));
    request = nextRequest();
    requests[0]!.answer();
    expect(await first).toEqual({ ok: true, result: 'done a' });
    await request;
    expect(requests).toHaveLength(2);
    expect(requests[1]!.body.map((c) => c.params[0])).toEqual(['b', 'bad', 'd', 'e']);
    requests[1]!.answer();
    expect(await Promise.all(later)).toEqual([
      { ok: true, result: 'done b' },
      { ok: false, message: 'nonce too low', data: undefined },
      { ok: true, result: 'done d' },
      { ok: true, result: 'done e' },
    ]);
  });

  it('rejects every call of a batch the server could not answer, and sends later calls afresh', async () => {
    const rpc = new CoalescingRpc(new JsonRpcBatcher('http://127.0.0.1:1'));
    await expect(rpc.call({ method: 'eth_chainId', params: [] })).rejects.toThrow(/did not answer a batch of 1 calls/);
    await expect(rpc.call({ method: 'eth_chainId', params: [] })).rejects.toThrow(/did not answer/);
  });
});
