// The local stack a simulation runs against: a throw-away Redis, a Hardhat node (simulation/chain/hardhat.config.js:
// no per-transaction gas cap, 1e9 block gas, wall-clock timestamps) with the Sapphire precompile mocks and the Cloister
// contracts (one governance member, quorum 1, no challenge window), the DEVELOPMENT appd (NOT a
// TEE) authorized as an instance of a development app id, the coordinator in-process (round automation on) and the
// aggregator in-process. `stop()` stops everything in reverse order; a failed start stops what had started.
import { connectJsonRpc } from '@cloister/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCloister, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { startCoordinator, type RunningCoordinator } from '@cloister/coordinator';
import { JsonRpcProvider, Wallet, hexlify, id as keccakText } from 'ethers';
import type { Logger } from 'pino';
import { onShutdownSignal } from '@cloister/devstack';
import { JsonRpcBatcher } from '../chain/rpc';
import { SimulationError, StackFailedError } from '../errors';
import { startSimulationAggregator, type SimulationAggregator } from './aggregator';
import { startSimulationChain } from './chain';
import { startRedis } from './redis';
import { deploySimulationContracts } from './deploySimulationContracts';
import { startSimulationAppd } from './startSimulationAppd';

export { SIMULATION_APP_ID_BYTES21 } from './deploySimulationContracts';

export type SimulationStackOptions = {
  logger: Logger;
  /** Participants of the simulation. */
  participants: number;
  /** Accounts per reportOutcomes page the aggregator sends (default the aggregator's, 200). */
  outcomePageSize?: number;
  /** Largest ciphertext in bytes (coordinator upload limit and aggregator download limit). */
  maxUpdateBytes: number;
  /** Log level of the coordinator, appd and aggregator (default 'warn'). */
  serviceLogLevel?: string;
};

export type SimulationStack = {
  rpcUrl: string;
  chainId: bigint;
  provider: JsonRpcProvider;
  rpc: JsonRpcBatcher;
  deployment: Deployment;
  contracts: CloisterContracts;
  /** The governance member (proposes, votes and executes alone: quorum 1). */
  member: Wallet;
  coordinator: RunningCoordinator;
  coordinatorUrl: string;
  operatorToken: string;
  aggregator: SimulationAggregator;
  /** Pids of the spawned processes (peak RSS is read from /proc). */
  pids: { redis: number; chain: number | null };
  workDir: string;
  stop(): Promise<void>;
};

/** Deterministic development key (never use outside a local chain). */
export function developmentKey(label: string): string {
  return keccakText(`cloister-simulation:${label}`);
}

export async function startSimulationStack(options: SimulationStackOptions): Promise<SimulationStack> {
  const log = options.logger;
  const level = options.serviceLogLevel ?? 'warn';
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    while (stops.length > 0) {
      const s = stops.pop()!;
      await s.stop().catch((err: unknown) => log.warn({ err: (err as Error).message, part: s.name }, 'stack: stop failed'));
    }
  };
  // Ctrl-C or SIGTERM while the stack runs (or starts) stops all of it: no redis-server, hardhat node or work dir left.
  const removeSignals = onShutdownSignal(stopAll, log);
  try {
    const workDir = await mkdtemp(join(tmpdir(), 'cloister-sim-'));
    stops.push({ name: 'work dir', stop: () => rm(workDir, { recursive: true, force: true }) });

    const redis = await startRedis();
    stops.push({ name: 'redis', stop: () => redis.stop() });

    const chain = await startSimulationChain();
    stops.push({ name: 'chain', stop: () => chain.stop() });
    const chainPid = chain.pid;
    const rpc = new JsonRpcBatcher(chain.rpcUrl);
    const provider = connectJsonRpc(chain.rpcUrl, { chainId: chain.chainId, pollingInterval: 50 });
    stops.push({ name: 'provider', stop: async () => provider.destroy() });
    log.info({ rpcUrl: chain.rpcUrl, pid: chainPid }, 'stack: hardhat node ready (Sapphire precompiles MOCKED)');

    const member = new Wallet(developmentKey('governance-member'), provider);
    const operator = new Wallet(developmentKey('operator'), provider);
    const deploymentFile = join(workDir, 'deployment.json');
    const deployment = await deploySimulationContracts({ provider, rpc, member, operator, deploymentFile });

    const appdSocket = join(workDir, 'rofl-appd.sock');
    const appd = await startSimulationAppd({
      provider,
      rpc,
      rpcUrl: chain.rpcUrl,
      socketPath: appdSocket,
      logger: log.child({ name: 'development-appd' }, { level }),
    });
    stops.push({ name: 'development appd', stop: () => appd.close() });

    const operatorToken = hexlify(randomBytes(24));
    const coordinator = await startCoordinator(
      {
        host: '127.0.0.1',
        port: 0,
        logLevel: level as 'warn',
        redis: { url: redis.url, keyPrefix: 'cloister-sim:' },
        chain: { rpcUrl: chain.rpcUrl, deploymentFile, confirmations: 0, pollIntervalMs: 100, operatorPrivateKey: operator.privateKey },
        store: { kind: 'filesystem', directory: join(workDir, 'store') },
        auth: { sessionSecret: hexlify(randomBytes(32)), operatorToken, sessionTtlSeconds: 24 * 3600 },
        uploads: { maxBytes: options.maxUpdateBytes, commitmentPollMs: 50 },
        rounds: { closeDelayMs: 100, uploadGraceMs: 60_000 },
      },
      { logger: log.child({ name: 'coordinator' }, { level }) },
    );
    stops.push({ name: 'coordinator', stop: () => coordinator.close() });

    const aggregator = await startSimulationAggregator({
      appdSocket,
      rpcUrl: chain.rpcUrl,
      redisUrl: redis.url,
      taskManager: deployment.contracts.taskManager,
      aggregatorRegistry: deployment.contracts.aggregatorRegistry,
      coordinatorUrl: coordinator.url,
      stateDir: join(workDir, 'aggregator-state'),
      maxUpdateBytes: options.maxUpdateBytes,
      ...(options.outcomePageSize !== undefined ? { outcomePageSize: options.outcomePageSize } : {}),
      logger: log.child({ name: 'aggregator' }, { level }),
    });
    stops.push({ name: 'aggregator', stop: () => aggregator.close() });
    log.info({ coordinator: coordinator.url }, 'stack: coordinator and aggregator running');

    return {
      rpcUrl: chain.rpcUrl,
      chainId: BigInt(chain.chainId),
      provider,
      rpc,
      deployment,
      contracts: connectCloister(deployment, provider),
      member,
      coordinator,
      coordinatorUrl: coordinator.url,
      operatorToken,
      aggregator,
      pids: { redis: redis.pid, chain: chainPid },
      workDir,
      stop: () => {
        removeSignals();
        return stopAll();
      },
    };
  } catch (error) {
    removeSignals();
    await stopAll();
    if (error instanceof SimulationError) throw error;
    throw new StackFailedError(`the simulation stack could not start: ${(error as Error).message}`, { cause: error });
  }
}
