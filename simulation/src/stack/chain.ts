// The simulation's Hardhat node: `hardhat node --config simulation/chain/hardhat.config.js` (see that file for why
// it differs from contracts' default network), in its own process group, with contracts' Sapphire precompile mocks.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { installSapphireMocks } from '@cloister/contracts';
import { JsonRpcBatcher } from '../chain/rpc';
import { StackFailedError } from '../errors';
import { pidListeningOn } from './processes';
import { freePort } from './redis';

export type SimulationChain = { rpcUrl: string; chainId: number; pid: number | null; stop(): Promise<void> };

/** simulation/chain/hardhat.config.js (this file is in src/stack or dist/stack). */
export const CHAIN_CONFIG = resolve(__dirname, '..', '..', 'chain', 'hardhat.config.js');

export async function startSimulationChain(options: { timeoutMs?: number } = {}): Promise<SimulationChain> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const cli = require.resolve('hardhat/internal/cli/bootstrap.js', { paths: [resolve(CHAIN_CONFIG, '..')] });
  const child = spawn(process.execPath, [cli, 'node', '--config', CHAIN_CONFIG, '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: resolve(CHAIN_CONFIG, '..'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const kill = (signal: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onParentExit = () => kill('SIGKILL');
  process.once('exit', onParentExit);
  const stop = async () => {
    process.removeListener('exit', onParentExit);
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };
  const rpc = new JsonRpcBatcher(rpcUrl);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new StackFailedError(`hardhat node exited before it was ready; its output:\n${output}`);
    try {
      const chainId = Number(BigInt((await rpc.send('eth_chainId', [])) as string));
      await installSapphireMocks(rpc);
      return { rpcUrl, chainId, pid: pidListeningOn(port), stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new StackFailedError(`hardhat node did not answer on ${rpcUrl} in time; last output:\n${output}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
