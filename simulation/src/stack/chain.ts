// The simulation's Hardhat node: `hardhat node --config simulation/chain/hardhat.config.js` (see that file for why
// it differs from contracts' default network), in its own process group, with contracts' Sapphire precompile mocks.
import { resolve } from 'node:path';
import { installSapphireMocks } from '@cloister/contracts/development';
import { freePort, spawnManaged } from '@cloister/devstack';
import { JsonRpcBatcher } from '../chain/rpc';
import { StackFailedError } from '../errors';
import { pidListeningOn } from './processes';
import { setTimeout as sleep } from 'node:timers/promises';

export type SimulationChain = { rpcUrl: string; chainId: number; pid: number | null; stop(): Promise<void> };

/** simulation/chain/hardhat.config.js (this file is in src/stack or dist/stack). */
export const CHAIN_CONFIG = resolve(__dirname, '..', '..', 'chain', 'hardhat.config.js');

export async function startSimulationChain(options: { timeoutMs?: number } = {}): Promise<SimulationChain> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const cli = require.resolve('hardhat/internal/cli/bootstrap.js', { paths: [resolve(CHAIN_CONFIG, '..')] });
  const node = spawnManaged(process.execPath, [cli, 'node', '--config', CHAIN_CONFIG, '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: resolve(CHAIN_CONFIG, '..'),
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
  });
  const stop = () => node.stop();
  const rpc = new JsonRpcBatcher(rpcUrl);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (node.exited()) throw new StackFailedError(`hardhat node exited before it was ready; its output:\n${node.output()}`);
    try {
      const chainId = Number(BigInt((await rpc.send('eth_chainId', [])) as string));
      await installSapphireMocks(rpc);
      return { rpcUrl, chainId, pid: pidListeningOn(port), stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new StackFailedError(`hardhat node did not answer on ${rpcUrl} in time; last output:\n${node.output()}`, { cause: error });
      }
      await sleep(250);
    }
  }
}
