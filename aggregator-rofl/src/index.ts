// @cloister/aggregator-rofl: the ROFL aggregator (strategies, central DP, scoring, appd client, job loop).
export * from './errors';
export * from './strategies';
export * from './privacy';
export * from './scoring';
export { checkExampleCount, exampleCountBounds, type ExampleCountBounds, type ExampleCountCheck } from './updates/exampleCountBound';
export { ValidationEvaluator, VALIDATION_FOLDS, type RoundValidation } from './evaluation/validationEvaluator';
export { loadValidationSet } from './evaluation/loadValidationSet';
export { layoutOf, flatten, unflatten, type ModelLayout, type Tensor } from './model/layout';
export { MemoryStateStore, FileStateStore, type StateStore } from './state/stateStore';
export { AppdClient, decodeCallResult, decodeRevert, DEFAULT_APPD_SOCKET, type AppdClientOptions, type EthTx, type KeyKind } from './appd/appdClient';
export { appIdToBytes21, bytes21ToAppId } from './appd/appId';
export { loadAggregatorKeys, publishKeysIfChanged, HPKE_KEY_ID, SIGNER_KEY_ID, type AggregatorKeys } from './keys/aggregatorKeys';
export {
  aggregateRound,
  buildStrategy,
  finalizeGasLimit,
  DEFAULT_FINALIZE_GAS,
  type AggregateOutcome,
  type AggregateDeps,
  type FinalizeGas,
} from './jobs/aggregateRound';
export {
  runUpdatePipeline,
  pipelineDepthFor,
  DEFAULT_PIPELINE_MEMORY_BYTES,
  OpenerPool,
  InlineChecker,
  UpdateOpener,
  closeOpenerPool,
  validateUpdate,
  type CheckCounts,
  type UpdateChecker,
  type ValidUpdate,
  type InvalidUpdate,
} from './updates';
export { CoordinatorClient } from './jobs/coordinatorClient';
export { startAggregator, type RunningAggregator, type StartAggregatorOptions } from './jobs/startAggregator';
export {
  AggregationWorker,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  isFinalAttempt,
  type AggregationWorkerOptions,
} from './jobs/aggregationWorker';
export { failRoundOnChain, failureReasonName, failureReasonOf, FAIL_ROUND_GAS } from './jobs/failRound';
export { AggregatorMetrics } from './health/aggregatorMetrics';
export { healthRoutes, startHealthServer, type HealthServer, type ReadinessProbe } from './health/healthServer';
export { loadConfig, type AggregatorConfig } from './config';
