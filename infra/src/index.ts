// @cloister/infra: the one-command local federation (stack + demo), the governance CLI and deployment files.
export * from './errors';
export { createLogger, formatRecord, type CreateLoggerOptions, type Logger } from './log/logger';
export { startStack, DEVELOPMENT_APP_ID_BYTES21, type Stack, type StackOptions } from './stack/startStack';
export { startRedis, REDIS_INSTALL_HINT, type LocalRedis, type StartRedisOptions } from './stack/redis';
export { developmentAccounts, developmentWallet, DEVELOPMENT_MNEMONIC, type StackAccounts } from './stack/accounts';
export { Teardown, onShutdownSignal } from './stack/teardown';
export { spawnManaged, type ManagedProcess } from '@cloister/devstack';
export type { StackAggregator, AggregationTiming } from './stack/aggregator';
