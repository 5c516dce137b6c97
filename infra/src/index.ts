// @cloister/infra: the one-command local federation (stack + demo), the governance CLI and deployment files.
export * from './errors';
export { createLogger, formatRecord, type CreateLoggerOptions, type Logger } from './log/logger';
export { startStack, DEVELOPMENT_APP_ID_BYTES21, type Stack, type StackOptions } from './stack/startStack';
export { startRedis, REDIS_INSTALL_HINT, type LocalRedis, type StartRedisOptions } from './stack/redis';
export { developmentAccounts, developmentWallet, DEVELOPMENT_MNEMONIC, type StackAccounts } from './stack/accounts';
export { Teardown, onShutdownSignal } from './stack/teardown';
export { spawnManaged, type ManagedProcess } from '@cloister/devstack';
export type { StackAggregator, AggregationTiming } from './stack/aggregator';
// The demo's building blocks, for other packages' end-to-end tests on the local stack (the dashboard's browser tests).
export { admitCall, createTaskCall, propose, vote, execute, proposeAndApprove, type ProposalCall, type TaskParams } from './governance/actions';
export { buildHeartTask, taskArtifacts, type BuiltTask, type TaskArtifacts } from './demo/spec';
export { HEART_SITES, heartSiteConfig, defaultDataRoot } from './demo/datasets/heartDisease';
export { startParticipants, type ParticipantSite, type RunningParticipants } from './demo/participants';
