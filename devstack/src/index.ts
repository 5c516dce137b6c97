/**
 * @cloister/devstack: local development processes for the tests, the demo and the simulation (free ports, managed
 * child processes, a throw-away redis-server, a polling wait). Never used by production configuration.
 */
export * from './errors';
export { freePort } from './freePort';
export { spawnManaged, type ManagedProcess } from './managedProcess';
export {
  spawnRedis,
  startRedis,
  REDIS_INSTALL_HINT,
  type LocalRedis,
  type SpawnedRedis,
  type SpawnRedisOptions,
  type StartRedisOptions,
} from './startRedis';
export { until } from './until';
export { onShutdownSignal } from './shutdownSignal';
export { runUntilReadyThenSignal, processAlive, type SignalledRun, type SignalOptions } from './signalTest';
export { step } from './step';
export { DEVELOPMENT_TSCONFIG, typescriptEnvironment, typescriptNodeArguments, typescriptWorker } from './typescriptProcess';
