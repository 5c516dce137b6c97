// The one-process local federation: Redis, a Hardhat chain with the Sapphire precompile mocks, the Cloister
// contracts (3 governance members, quorum 2), the DEVELOPMENT appd on a unix socket (its signer authorized as an
// instance of the development app id), the aggregator and the coordinator in-process. `stop()` stops everything it
// started in reverse order; a failed start stops what had started before rethrowing.
import { connectJsonRpc } from '@cloister/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, hexlify, parseEther, type Wallet } from 'ethers';
import type { Logger } from 'pino';
import { bytes21ToRoflAppId, connectCloister, deployCloister, saveDeployment, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { authorizeRoflOrigin, installSapphireMocks, startLocalChain } from '@cloister/contracts/development';
import { startDevelopmentAppd } from '@cloister/development-appd';
import { startCoordinator, type RunningCoordinator } from '@cloister/coordinator';
import { InfraError, StackStartFailedError } from '../errors';
import { developmentAccounts, fund, type StackAccounts } from './accounts';
import { startRedis } from './redis';
import { startStackAggregator, type StackAggregator } from './aggregator';
import { onShutdownSignal, Teardown } from './teardown';

/** The development ROFL app id of the local stack: bytes21 0x00 ‖ "cloister/development" (not a real app). */
export const DEVELOPMENT_APP_ID_BYTES21 = '0x00' + Buffer.from('cloister/development!', 'utf8').subarray(0, 20).toString('hex');

export type StackOptions = {
  logger: Logger;
  /** Number of participant accounts to create and fund (default 4). */
  participants?: number;
  /** Governance members (default 3) and quorum (default 2). */
  governanceMembers?: number;
  quorum?: number;
  /** Seconds after finalization during which governance may reject a round (default 0: accepted at once). */
  challengeWindow?: number;
  /** Voting period of proposals in seconds (default 3600; proposals pass early on an absolute majority). */
  votingPeriod?: number;
  /** Redis to use instead of spawning one (default process.env.CLOISTER_REDIS_URL). */
  redisUrl?: string;
  /** Log level of the coordinator and aggregator (default 'warn': the demo narrates instead). */
  serviceLogLevel?: string;
};

export type Stack = {
  redisUrl: string;
  rpcUrl: string;
  chainId: number;
  /** A provider for reads (and the base of the accounts' signers). */
  provider: JsonRpcProvider;
  deployment: Deployment;
  deploymentFile: string;
  accounts: StackAccounts;
  /** The contracts connected read-only. */
  contracts: CloisterContracts;
  appd: { socketPath: string; appId: string; signerAddress: string };
  aggregator: StackAggregator;
  coordinator: RunningCoordinator;
  coordinatorUrl: string;
  /** The coordinator's operator token (PUT /v1/blobs for task specs and initial models). */
  operatorToken: string;
  /** Directory of the coordinator's artifact store (filesystem store). */
  storeDir: string;
  workDir: string;
  /** Stops everything the stack started, in reverse order. */
  stop(): Promise<void>;
};

/** Starts the local stack; see the file comment. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.logger;
  const teardown = new Teardown(log.child({ name: 'stack' }));
  const serviceLevel = options.serviceLogLevel ?? 'warn';
  // Ctrl-C or SIGTERM while the stack runs (or starts) stops all of it: no redis-server, hardhat node or work dir left.
  const removeSignals = onShutdownSignal(() => teardown.run(), log);
  try {
    const workDir = await mkdtemp(join(tmpdir(), 'cloister-stack-'));
    teardown.add('work dir', () => rm(workDir, { recursive: true, force: true }));

    const redis = await startRedis({ url: options.redisUrl });
    teardown.add('redis', () => redis.stop());
    log.info({ redis: redis.url, spawned: redis.spawned }, 'stack: redis ready');

    const chain = await startLocalChain({ sapphireMocks: false });
    teardown.add('chain', () => chain.stop());
    const provider = connectJsonRpc(chain.rpcUrl, { chainId: chain.chainId, pollingInterval: 100 });
    teardown.add('provider', () => provider.destroy());
    await installSapphireMocks(provider);
    log.info({ rpcUrl: chain.rpcUrl, chainId: chain.chainId }, 'stack: local chain ready (Sapphire precompiles MOCKED)');

    const members = options.governanceMembers ?? 3;
    const accounts = developmentAccounts(members, options.participants ?? 4, provider);
    const all: Wallet[] = [accounts.deployer, ...accounts.governance, accounts.operator, ...accounts.participants];
    await fund(provider, all.map((w) => w.address), parseEther('10000'));

    const deployment = await deployCloister({
      deployer: accounts.deployer,
      members: accounts.governance.map((w) => w.address),
      quorum: options.quorum ?? 2,
      votingPeriod: options.votingPeriod ?? 3600,
      challengeWindow: options.challengeWindow ?? 0,
      operator: accounts.operator.address,
      roflAppId: DEVELOPMENT_APP_ID_BYTES21,
    });
    const deploymentFile = join(workDir, 'deployment.json');
    saveDeployment(deploymentFile, deployment);
    log.info({ ...deployment.contracts }, 'stack: contracts deployed');

    const appId = bytes21ToRoflAppId(DEVELOPMENT_APP_ID_BYTES21);
    const socketPath = join(workDir, 'rofl-appd.sock');
    const appd = await startDevelopmentAppd({
      socketPath,
      appId,
      secret: randomBytes(32),
      rpcUrl: chain.rpcUrl,
      logger: log.child({ name: 'dev-appd' }),
    });
    teardown.add('development appd', () => appd.close());
    await fund(provider, [appd.signerAddress], parseEther('1000'));
    await authorizeRoflOrigin(provider, appId, appd.signerAddress);
    log.info({ signer: appd.signerAddress, appId }, 'stack: development appd authorized as an instance of the app');

    const operatorToken = hexlify(randomBytes(24));
    const storeDir = join(workDir, 'store');
    const coordinator = await startCoordinator(
      {
        host: '127.0.0.1',
        port: 0,
        logLevel: serviceLevel as 'warn',
        redis: { url: redis.url, keyPrefix: `cloister:${hexlify(randomBytes(4)).slice(2)}:` },
        chain: {
          rpcUrl: chain.rpcUrl,
          deploymentFile,
          confirmations: 0,
          pollIntervalMs: 200,
          operatorPrivateKey: accounts.operator.privateKey,
        },
        store: { kind: 'filesystem', directory: storeDir },
        auth: { sessionSecret: hexlify(randomBytes(32)), operatorToken },
        rounds: { closeDelayMs: 200, uploadGraceMs: 10_000 },
      },
      { logger: log.child({ name: 'coordinator' }, { level: serviceLevel }) },
    );
    teardown.add('coordinator', () => coordinator.close());
    log.info({ url: coordinator.url }, 'stack: coordinator listening');

    const aggregator = await startStackAggregator({
      appdSocket: socketPath,
      rpcUrl: chain.rpcUrl,
      deployment,
      deploymentFile,
      redisUrl: redis.url,
      logger: log.child({ name: 'aggregator' }, { level: serviceLevel }),
      workDir,
      coordinatorUrl: coordinator.url,
    });
    teardown.add('aggregator', () => aggregator.stop());


    await writeFile(join(workDir, 'stack.json'), JSON.stringify({ rpcUrl: chain.rpcUrl, coordinator: coordinator.url }));
    return {
      redisUrl: redis.url,
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      provider,
      deployment,
      deploymentFile,
      accounts,
      contracts: connectCloister(deployment, provider),
      appd: { socketPath, appId, signerAddress: appd.signerAddress },
      aggregator,
      coordinator,
      coordinatorUrl: coordinator.url,
      operatorToken,
      storeDir,
      workDir,
      stop: () => {
        removeSignals();
        return teardown.run();
      },
    };
  } catch (error) {
    removeSignals();
    await teardown.run();
    if (error instanceof InfraError) throw error;
    throw new StackStartFailedError(`the local stack could not start: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
