// The local stack starts every part, wires them together, and stops all of them (no process left behind).
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { createLogger, startStack, type Stack } from '../src';

jest.setTimeout(120_000);

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startStack', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('starts redis, chain, contracts, development appd, aggregator and coordinator, then stops them all', async () => {
    const lines: string[] = [];
    stack = await startStack({ logger: createLogger({ level: 'info', output: { write: (t) => lines.push(t) } }), redisUrl: '' });
    const { contracts, accounts } = stack;

    // Governance as asked: 3 members, quorum 2.
    expect(await contracts.governance.members()).toEqual(accounts.governance.map((w) => w.address));
    expect(await contracts.governance.quorum()).toBe(2n);
    // The aggregator published its keys through the development appd (an authorized origin of the app id).
    expect(await contracts.aggregatorRegistry.aggregatorSigner()).toBe(stack.aggregator.signerAddress);
    expect(await contracts.aggregatorRegistry.hpkePublicKey()).toMatch(/^0x(?!0{64})[0-9a-f]{64}$/);
    const events = await contracts.aggregatorRegistry.queryFilter(contracts.aggregatorRegistry.filters.AggregatorKeysSet());
    const tx = await stack.provider.getTransaction(events[0]!.transactionHash);
    expect(tx?.from).toBe(stack.appd.signerAddress);
    // The coordinator answers and is ready (redis + chain).
    const ready = await fetch(`${stack.coordinatorUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(lines.join('')).toMatch(/stack: coordinator listening/);

    const { redisUrl, rpcUrl, coordinatorUrl, appd, workDir } = stack;
    await stack.stop();
    stack = undefined;
    expect(await portOpen(redisUrl)).toBe(false);
    expect(await portOpen(rpcUrl)).toBe(false);
    expect(await portOpen(coordinatorUrl)).toBe(false);
    expect(existsSync(appd.socketPath)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
  });
});
