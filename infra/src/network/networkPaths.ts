// Where a development network keeps its files: everything under one folder, removed by `network down`.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type NetworkPaths = {
  dir: string;
  connection: string;
  processes: string;
  deployment: string;
  logs: string;
  keys: string;
  redis: string;
  store: string;
  aggregatorState: string;
  coordinatorConfig: string;
  appdSocket: string;
};

/** The default network folder: CLOISTER_NETWORK_DIR, else ~/.cloister/network. */
export function defaultNetworkDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CLOISTER_NETWORK_DIR ?? join(homedir(), '.cloister', 'network'));
}

export function networkPaths(dir: string): NetworkPaths {
  const d = resolve(dir);
  return {
    dir: d,
    connection: join(d, 'connection.json'),
    processes: join(d, 'processes.json'),
    deployment: join(d, 'deployment.json'),
    logs: join(d, 'logs'),
    keys: join(d, 'keys'),
    redis: join(d, 'redis'),
    store: join(d, 'store'),
    aggregatorState: join(d, 'aggregator-state'),
    coordinatorConfig: join(d, 'coordinator.json'),
    appdSocket: join(d, 'appd.sock'),
  };
}
