import { resolve } from 'node:path';
import { freePort, spawnManaged } from '@cloister/devstack';
import { HARDHAT_CHAIN_ID } from '../constants';
import { LocalChainFailedError } from '../errors';
import { installSapphireMocks, type RpcProvider } from './sapphireMocks';

export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  /** Pid of the node (the leader of its process group): fault tests pause it with SIGSTOP and resume it with SIGCONT. */
  pid: number;
  /** Stops the node (its whole process group); resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
};

export type StartLocalChainOptions = {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Install the Sapphire precompile mocks once the node is up (default true). */
  sapphireMocks?: boolean;
  /** How long to wait for the node, in ms (default 90 s). */
  timeoutMs?: number;
};

/** The contracts package folder (this file is in src/development/ or dist/development/). */
export const CONTRACTS_DIR = resolve(__dirname, '..', '..');

/** A minimal JSON-RPC client over fetch (keeps ethers' provider retries out of the readiness loop). */
export function jsonRpc(rpcUrl: string): RpcProvider {
  let id = 0;
  return {
    async send(method: string, params: unknown[]): Promise<unknown> {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    },
  };
}

/**
 * Starts a Hardhat node (chain id 31337) from the contracts folder on 127.0.0.1, waits until it answers, and
 * (by default) installs the Sapphire precompile mocks. `stop()` kills the node's process group.
 */
export async function startLocalChain(options: StartLocalChainOptions = {}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  const rpcUrl = `http://127.0.0.1:${port}`;
  const cli = require.resolve('hardhat/internal/cli/bootstrap.js', { paths: [CONTRACTS_DIR] });
  const node = spawnManaged(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: CONTRACTS_DIR,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
  });
  const stop = () => node.stop();

  const rpc = jsonRpc(rpcUrl);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (node.exited()) {
      await stop();
      throw new LocalChainFailedError(`hardhat node exited before it was ready (port ${port}); its output:\n${node.output()}`, { details: { port } });
    }
    try {
      const chainId = Number(BigInt((await rpc.send('eth_chainId', [])) as string));
      if (chainId !== HARDHAT_CHAIN_ID) throw new Error(`unexpected chain id ${chainId}`);
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new LocalChainFailedError(`hardhat node did not answer on ${rpcUrl} in time; is the port taken? Last output:\n${node.output()}`, { details: { port }, cause: error });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (options.sapphireMocks !== false) await installSapphireMocks(rpc);
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, chainId: HARDHAT_CHAIN_ID, pid: node.child.pid!, stop };
}
