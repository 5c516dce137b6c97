// connectChain: the provider is handed over only when the node answers with the expected chain id.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectChain } from '../src';

/** A JSON-RPC node that knows only eth_chainId. */
async function chainIdNode(chainId: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const requests = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const answer = (r: { id: number; method: string }) =>
        r.method === 'eth_chainId' ? { jsonrpc: '2.0', id: r.id, result: `0x${chainId.toString(16)}` } : { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: 'method not found' } };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(requests) ? requests.map(answer) : answer(requests)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('connectChain', () => {
  const errors = {
    unreachable: (cause: unknown) => new Error('unreachable', { cause }),
    wrongChain: (chainId: bigint) => new Error(`wrong chain ${chainId}`),
  };

  it('returns the provider and chain id when the node serves the expected chain', async () => {
    const { url, server } = await chainIdNode(23293);
    try {
      const { provider, chainId } = await connectChain(url, 23293, errors);
      expect(chainId).to.equal(23293n);
      expect((await provider.getNetwork()).chainId).to.equal(23293n);
      provider.destroy();
    } finally {
      server.close();
    }
  });

  it("throws the caller's error when the node serves another chain", async () => {
    const { url, server } = await chainIdNode(1);
    try {
      await connectChain(url, 23293n, errors).then(
        () => expect.fail('expected the wrong chain to be refused'),
        (error: Error) => expect(error.message).to.equal('wrong chain 1'),
      );
    } finally {
      server.close();
    }
  });

  it("throws the caller's error, with the provider's as its cause, when the node does not answer", async () => {
    const { url, server } = await chainIdNode(1);
    await new Promise((resolve) => server.close(resolve));
    await connectChain(url, 1, { ...errors, requestTimeoutMs: 2000 }).then(
      () => expect.fail('expected a closed port to be refused'),
      (error: Error) => {
        expect(error.message).to.equal('unreachable');
        expect(error.cause).to.be.instanceOf(Error);
      },
    );
  });
});
