// @cloister/coordinator: the operator's service (REST + socket.io + BullMQ, chain watcher, artifact store).
export { buildApp, type AppDeps } from './app';
export { startCoordinator, main, type RunningCoordinator } from './server';
export {
  loadConfig,
  validateConfig,
  redactConfig,
  summarizeConfig,
  configFromEnv,
  uploadLimitFor,
  ConfigSchema,
  type CoordinatorConfig,
  type ConfigInput,
  type LoadConfigOptions,
  type StoreConfig,
  type ContractAddresses,
} from './config';
export * from './errors';
export { createStore, FilesystemStore, S3Store, blobKey, updateKey, type ArtifactStore, type StagedArtifact, type StoredObject } from './store';
export type { ChainClient, ChainTask, ChainRound, ChainEvent } from './chain/types';
export { EthersChainClient, createChainClient, resolveDeployment } from './chain/ethersChain';
export { ChainWatcher } from './chain/watcher';
export { RoundStateMachine } from './rounds/roundStateMachine';
export { RoundJobHandlers, NotYetError } from './rounds/roundJobHandlers';
export { ChainEventRelay, CHAIN_EVENT_TO_SOCKET } from './rounds/chainEventRelay';
export { DurableDocuments } from './store/durableDocuments';
export { UploadRegistry, type UploadRecord } from './rounds/uploadRegistry';
export { SOCKET_EVENTS, taskRoom, type SocketEventName, type RoundEventPayload } from './events/socketServer';
export { QUEUE_NAMES, ROUND_JOBS, AGGREGATE_JOB, aggregationJobId, roundJobId, type RoundJobData } from './queues/names';
export { ROUND_JOB_LOCK_MS, ROUND_JOB_STALLED_INTERVAL_MS, ROUND_JOB_MAX_STALLED_COUNT } from './queues/roundsWorker';
export { issueSessionToken, verifySessionToken } from './auth/session';
export { checkAggregatorSignature } from './auth/aggregatorAuth';
