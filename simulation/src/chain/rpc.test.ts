import { startSimulationChain, type SimulationChain } from '../stack/chain';
import { JsonRpcBatcher } from './rpc';

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
