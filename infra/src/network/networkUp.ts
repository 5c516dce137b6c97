// `cloister network up`: the local DEVELOPMENT network as separate, detached OS processes that outlive the command:
// redis-server (AOF persistence under the network folder), a Hardhat node with the Sapphire precompiles MOCKED, the
// Cloister contracts (3 governance members, quorum 2, no challenge window), the DEVELOPMENT appd (not a TEE), the
// coordinator and the aggregator. It writes the connection file every other command reads, the development keys
// (public Hardhat-mnemonic keys: never use them elsewhere) and the processes file `network down` reads. A failed or
// interrupted start stops what it started and removes the folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hexlify, parseEther, Wallet } from 'ethers';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  bytes21ToRoflAppId,
  connectCloister,
  connectJsonRpc,
  deployCloister,
  saveConnection,
  saveDeployment,
  type Connection,
} from '@cloister/contracts';
import { authorizeRoflOrigin, installSapphireMocks, jsonRpc } from '@cloister/contracts/development';
import { freePort } from '@cloister/devstack';
import { InfraError, NetworkRunningError, NetworkStartFailedError, NetworkStateInvalidError } from '../errors';
import { developmentAccounts, fund } from '../stack/accounts';
import { DEVELOPMENT_APP_ID_BYTES21 } from '../stack/startStack';
import { networkPaths, type NetworkPaths } from './networkPaths';
import { isAlive, readProcesses, spawnService, stopProcessGroup, writeProcesses, type ProcessesFile, type ServiceName } from './processes';
import { setTimeout as sleep } from 'node:timers/promises';

export type NetworkUpOptions = {
  dir: string;
  logger: Logger;
  /** Participant accounts to create and fund (default 8). */
  participants?: number;
  /** Governance members (default 3) and quorum (default 2). */
  members?: number;
  quorum?: number;
  /** Log level of the services (default info). */
  serviceLogLevel?: string;
  /** Called before each step (progress bars). */
  onStep?: (index: number, total: number, what: string) => void;
  /** Readiness timeout per service in ms (default 120 s: hardhat on a loaded machine is slow). */
  timeoutMs?: number;
};

export type NetworkUpResult = { paths: NetworkPaths; connection: Connection; services: { service: ServiceName; pid: number }[]; freshAfterStale: boolean };

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Chain config (wall-clock block timestamps, cancun, large block gas): shared with the simulation's node. */
function chainConfig(): string {
  return join(packageDir('@cloister/simulation'), 'chain', 'hardhat.config.js');
}

async function waitFor(what: string, pid: number, logFile: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid)) throw new NetworkStartFailedError(`${what} exited during start; see ${logFile}`, { details: { logFile } });
    try {
      if (await probe()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > end) throw new NetworkStartFailedError(`${what} was not ready within ${timeoutMs / 1000} s; see ${logFile}`, { details: { logFile } });
    await sleep(200);
  }
}

/** True when a network runs in `dir` (some recorded process alive). */
export function networkRunning(dir: string): ProcessesFile | null {
  const file = readProcesses(networkPaths(dir).processes);
  if (!file) return null;
  const alive = (file.upPid && isAlive(file.upPid) && file.upPid !== process.pid) || file.services.some((s) => isAlive(s.pid));
  return alive ? file : null;
}

export async function networkUp(options: NetworkUpOptions): Promise<NetworkUpResult> {
  const paths = networkPaths(options.dir);
  const log = options.logger;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const running = networkRunning(paths.dir);
  if (running) {
    throw new NetworkRunningError(`a network already runs in ${paths.dir} (pids ${running.services.map((s) => s.pid).join(', ')}): stop it with \`cloister network down --dir ${paths.dir}\` or choose another --dir`,
      { details: { dir: paths.dir } },
    );
  }
  let freshAfterStale = false;
  if (existsSync(paths.processes)) {
    freshAfterStale = true;
    log.warn({ dir: paths.dir }, 'network: the previous network in this folder is no longer running; Hardhat keeps no state, so this starts a FRESH chain and removes the old files');
    rmSync(paths.dir, { recursive: true, force: true });
  } else if (existsSync(paths.dir) && readdirSync(paths.dir).length > 0) {
    throw new NetworkStateInvalidError(`${paths.dir} exists and is not a network folder: choose an empty or new --dir`);
  }
  for (const d of [paths.dir, paths.logs, paths.keys, paths.redis, paths.store, paths.aggregatorState]) mkdirSync(d, { recursive: true });
  const state: ProcessesFile = { version: 1, dir: paths.dir, upPid: process.pid, services: [] };
  writeProcesses(paths.processes, state);

  const stopAll = async () => {
    for (const s of [...state.services].reverse()) await stopProcessGroup(s.pid);
    rmSync(paths.dir, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log.warn('network: interrupted, stopping what was started');
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const total = 7;
  const start = (service: ServiceName, command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string) => {
    const logFile = join(paths.logs, `${service}.log`);
    const pid = spawnService(command, args, { env: { ...process.env, ...env }, logFile, cwd });
    state.services.push({ service, pid, log: logFile, command: [command, ...args].join(' '), startedAt: new Date().toISOString() });
    writeProcesses(paths.processes, state);
    return { pid, logFile };
  };
  let provider: ReturnType<typeof connectJsonRpc> | undefined;
  try {
    // 1. Redis, AOF on: the coordinator's upload records and the queues survive a redis restart.
    options.onStep?.(1, total, 'redis');
    const redisPort = await freePort();
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const redis = start('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', paths.redis, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'], {});
    await waitFor('redis-server', redis.pid, redis.logFile, async () => {
      const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // not up yet: the probe's connect() rejects
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, timeoutMs);
    log.info({ url: redisUrl, aof: paths.redis }, 'network: redis ready (AOF persistence)');

    // 2. Hardhat node + Sapphire precompile MOCKS.
    options.onStep?.(2, total, 'chain');
    const chainPort = await freePort();
    const rpcUrl = `http://127.0.0.1:${chainPort}`;
    const config = chainConfig();
    const hardhat = require.resolve('hardhat/internal/cli/bootstrap.js', { paths: [dirname(config)] });
    const chain = start('chain', process.execPath, [hardhat, 'node', '--config', config, '--hostname', '127.0.0.1', '--port', String(chainPort)], { HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' }, dirname(config));
    const rpc = jsonRpc(rpcUrl);
    await waitFor('hardhat node', chain.pid, chain.logFile, async () => Number(BigInt((await rpc.send('eth_chainId', [])) as string)) > 0, timeoutMs);
    await installSapphireMocks(rpc);
    provider = connectJsonRpc(rpcUrl, { pollingInterval: 200 });
    const chainId = Number((await provider.getNetwork()).chainId);
    log.warn({ rpcUrl, chainId }, 'network: local Hardhat chain ready; Sapphire precompiles are MOCKED (development only: no confidentiality)');

    // 3. Contracts.
    options.onStep?.(3, total, 'contracts');
    const members = options.members ?? 3;
    const accounts = developmentAccounts(members, options.participants ?? 8, provider);
    await fund(rpc, [accounts.deployer, ...accounts.governance, accounts.operator, ...accounts.participants].map((w) => w.address), parseEther('10000'));
    const deployment = await deployCloister({
      deployer: accounts.deployer,
      members: accounts.governance.map((w) => w.address),
      quorum: options.quorum ?? 2,
      votingPeriod: 3600,
      challengeWindow: 0,
      operator: accounts.operator.address,
      roflAppId: DEVELOPMENT_APP_ID_BYTES21,
    });
    saveDeployment(paths.deployment, { ...deployment, network: 'local-development' });
    log.info({ ...deployment.contracts }, 'network: contracts deployed');

    // 4. DEVELOPMENT appd (not a TEE), authorized as an instance of the development app id.
    options.onStep?.(4, total, 'appd');
    const appId = bytes21ToRoflAppId(DEVELOPMENT_APP_ID_BYTES21);
    const appdKey = Wallet.createRandom();
    const appd = start('appd', process.execPath, [join(packageDir('@cloister/development-appd'), 'dist', 'main.js')], {
      CLOISTER_APPD_SOCKET: paths.appdSocket,
      CLOISTER_DEV_APPD_APP_ID: appId,
      CLOISTER_DEV_APPD_SECRET: hexlify(randomBytes(32)),
      CLOISTER_DEV_APPD_PRIVATE_KEY: appdKey.privateKey,
      CLOISTER_RPC_URL: rpcUrl,
    });
    await fund(rpc, [appdKey.address], parseEther('1000'));
    await authorizeRoflOrigin(rpc, appId, appdKey.address);
    await waitFor('development appd', appd.pid, appd.logFile, async () => existsSync(paths.appdSocket), timeoutMs);
    log.warn({ signer: appdKey.address, appId }, 'network: DEVELOPMENT appd ready (NOT a TEE: the aggregator key lives in a normal process)');

    // 5. Coordinator.
    options.onStep?.(5, total, 'coordinator');
    const coordinatorPort = await freePort();
    const coordinatorUrl = `http://127.0.0.1:${coordinatorPort}`;
    const operatorToken = hexlify(randomBytes(24));
    writeFileSync(
      paths.coordinatorConfig,
      JSON.stringify({
        host: '127.0.0.1',
        port: coordinatorPort,
        logLevel: options.serviceLogLevel ?? 'info',
        redis: { url: redisUrl, keyPrefix: 'cloister:' },
        chain: { rpcUrl, deploymentFile: paths.deployment, confirmations: 0, pollIntervalMs: 200, operatorPrivateKey: accounts.operator.privateKey },
        store: { kind: 'filesystem', directory: paths.store },
        auth: { sessionSecret: hexlify(randomBytes(32)), operatorToken },
        rounds: { closeDelayMs: 200, uploadGraceMs: 10_000 },
      }, null, 2),
      { mode: 0o600 },
    );
    const coordinator = start('coordinator', process.execPath, [join(packageDir('@cloister/coordinator'), 'dist', 'server.js')], { CLOISTER_CONFIG: paths.coordinatorConfig });
    await waitFor('coordinator', coordinator.pid, coordinator.logFile, async () => (await fetch(`${coordinatorUrl}/health`)).ok, timeoutMs);
    log.info({ url: coordinatorUrl }, 'network: coordinator ready');

    // 6. Aggregator: ready once it published its keys on chain.
    options.onStep?.(6, total, 'aggregator');
    const aggregator = start('aggregator', process.execPath, [join(packageDir('@cloister/aggregator-rofl'), 'dist', 'main.js')], {
      CLOISTER_APPD_SOCKET: paths.appdSocket,
      CLOISTER_REDIS_URL: redisUrl,
      CLOISTER_RPC_URL: rpcUrl,
      CLOISTER_TASK_MANAGER_ADDRESS: deployment.contracts.taskManager,
      CLOISTER_AGGREGATOR_REGISTRY_ADDRESS: deployment.contracts.aggregatorRegistry,
      CLOISTER_COORDINATOR_URL: coordinatorUrl,
      CLOISTER_STATE_DIR: paths.aggregatorState,
      CLOISTER_LOG_LEVEL: options.serviceLogLevel ?? 'info',
      // Any free port: a second local network (or a test's aggregator) on this machine must not collide on 9464.
      CLOISTER_HEALTH_PORT: '0',
    });
    const contracts = connectCloister(deployment, provider);
    await waitFor('aggregator', aggregator.pid, aggregator.logFile, async () => (await contracts.aggregatorRegistry.hpkePublicKey()) !== `0x${'0'.repeat(64)}`, timeoutMs);
    log.info('network: aggregator ready (HPKE key on chain)');

    // 7. Keys and the connection file.
    options.onStep?.(7, total, 'connection file');
    const writeKey = (name: string, w: Wallet) => writeFileSync(join(paths.keys, `${name}.key`), `${w.privateKey}\n`, { mode: 0o600 });
    accounts.governance.forEach((w, i) => writeKey(`member-${i + 1}`, w));
    accounts.participants.forEach((w, i) => writeKey(`participant-${i + 1}`, w));
    writeKey('operator', accounts.operator);
    const connection: Connection = {
      version: 1,
      name: 'local-development',
      chainId,
      rpcUrl,
      coordinatorUrl,
      roflAppId: appId,
      deployment: { ...deployment, network: 'local-development' },
      development: { operatorToken, keysDir: paths.keys, processesFile: paths.processes },
    };
    saveConnection(paths.connection, connection);
    state.upPid = 0;
    writeProcesses(paths.processes, state);
    return { paths, connection, services: state.services.map((s) => ({ service: s.service, pid: s.pid })), freshAfterStale };
  } catch (error) {
    await stopAll();
    if (error instanceof InfraError) throw error;
    throw new NetworkStartFailedError(`the network could not start: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  } finally {
    provider?.destroy();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
