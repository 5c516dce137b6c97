// `cloister network down | status | logs`: read the processes file `network up` wrote.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connectJsonRpc, loadConnection } from '@cloister/contracts';
import { QUEUE_NAMES } from '@cloister/coordinator';
import { Queue } from 'bullmq';
import { NetworkNotRunningError, NetworkServiceUnknownError } from '../errors';
import { networkPaths } from './networkPaths';
import { isAlive, readProcesses, SERVICES, stopProcessGroup, type ProcessesFile, type ServiceName } from './processes';
import { setTimeout as sleep } from 'node:timers/promises';

function requireNetwork(dir: string): ProcessesFile {
  const paths = networkPaths(dir);
  const file = readProcesses(paths.processes);
  if (!file) {
    throw new NetworkNotRunningError(`no network in ${paths.dir}: start one with \`cloister network up --dir ${paths.dir}\``, { details: { dir: paths.dir } });
  }
  return file;
}

/** Stops every service (process groups, last started first) and removes the network folder. */
export async function networkDown(dir: string): Promise<{ stopped: { service: ServiceName; pid: number; wasRunning: boolean }[]; removed: string }> {
  const paths = networkPaths(dir);
  const file = requireNetwork(dir);
  if (file.upPid && isAlive(file.upPid) && file.upPid !== process.pid) {
    // `up` is still starting: its own signal handler stops what it started and removes the folder.
    process.kill(file.upPid, 'SIGTERM');
    for (let i = 0; i < 600 && isAlive(file.upPid); i++) await sleep(100);
  }
  const stopped = [];
  for (const s of [...file.services].reverse()) {
    const wasRunning = isAlive(s.pid);
    await stopProcessGroup(s.pid);
    stopped.push({ service: s.service, pid: s.pid, wasRunning });
  }
  rmSync(paths.dir, { recursive: true, force: true });
  return { stopped: stopped.reverse(), removed: paths.dir };
}

export type NetworkStatus = {
  dir: string;
  services: { service: ServiceName; pid: number; running: boolean; log: string }[];
  connection: string | null;
  chain: { rpcUrl: string; head: number | null } | null;
  coordinator: { url: string; healthy: boolean } | null;
  queues: Record<string, Record<string, number>> | null;
};

/** Each process, the chain head, the coordinator's health and the BullMQ queue depths. */
export async function networkStatus(dir: string): Promise<NetworkStatus> {
  const paths = networkPaths(dir);
  const file = requireNetwork(dir);
  const status: NetworkStatus = {
    dir: paths.dir,
    services: file.services.map((s) => ({ service: s.service, pid: s.pid, running: isAlive(s.pid), log: s.log })),
    connection: existsSync(paths.connection) ? paths.connection : null,
    chain: null,
    coordinator: null,
    queues: null,
  };
  if (!status.connection) return status;
  const connection = loadConnection(paths.connection);
  const provider = connectJsonRpc(connection.rpcUrl);
  try {
    status.chain = { rpcUrl: connection.rpcUrl, head: await provider.getBlockNumber().catch(() => null) };
  } finally {
    provider.destroy();
  }
  status.coordinator = { url: connection.coordinatorUrl, healthy: await fetch(`${connection.coordinatorUrl}/health`).then((r) => r.ok, () => false) };
  const config = JSON.parse(readFileSync(paths.coordinatorConfig, 'utf8')) as { redis: { url: string } };
  const queues: Record<string, Record<string, number>> = {};
  for (const name of Object.values(QUEUE_NAMES)) {
    const queue = new Queue(name, { connection: { url: config.redis.url, maxRetriesPerRequest: 1, retryStrategy: () => null } });
    try {
      queues[name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    } catch {
      // redis down: reported by the process list
    } finally {
      await queue.close().catch(() => undefined);
    }
  }
  status.queues = queues;
  return status;
}

/** The log file of one service, and its last `lines` lines. */
export function networkLogs(dir: string, service: string, lines = 50): { file: string; tail: string } {
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new NetworkServiceUnknownError(`unknown service ${JSON.stringify(service)}: one of ${SERVICES.join(', ')}`);
  }
  const file = requireNetwork(dir).services.find((s) => s.service === service);
  if (!file) throw new NetworkNotRunningError(`the network in ${dir} has no ${service} process (it did not get that far)`);
  const text = existsSync(file.log) ? readFileSync(file.log, 'utf8') : '';
  return { file: file.log, tail: text.split('\n').slice(-lines - 1).join('\n') };
}
