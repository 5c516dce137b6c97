// @cloister/client: the participant node. Local tfjs training on private data, sealed submission, CLI.
export * from './errors';
export { createLogger, silentLogger, type Logger } from './logger';

// training/: the model runtime is shared with the aggregator (@cloister/model-runtime); re-exported for embedders.
export {
  initBackend,
  registerWasmGradientKernels,
  conv2dBackpropFilterViaConv,
  conv2dBackpropInputViaConv,
  WASM_GRADIENT_KERNELS,
  buildModel,
  setModelWeights,
  readModelWeights,
  weightSpecs,
  assertWeightsMatch,
  trainLocal,
  evaluateModel,
  computeDeltas,
  l2Norm,
  clipInPlace,
  addDiscreteGaussianNoiseInPlace,
  createOptimizer,
  lossFunction,
  metricFunction,
  LOSS_NAMES,
  createRng,
  permutation,
  BackendUnavailableError,
  UnsupportedKernelInputError,
  ModelInvalidError,
  WeightsMismatchError,
  TrainingFailedError,
  MODEL_RUNTIME_ERROR_CODES,
  type BackendInfo,
  type BackendPreference,
  type InitBackendOptions,
  type TrainLocalOptions,
  type TrainLocalResult,
  type TrainProgress,
  type EvaluationResult,
  type Rng,
  type NamedTensor,
  type TrainingSettings,
  type Examples,
  type LocalDataset,
  type OptimizerName,
  type LossName,
  type MetricName,
} from '@cloister/model-runtime';
export { trainRound, type TrainRoundOptions, type TrainRoundResult, type ModelTaskSpec, type UpdatePayload } from './training/trainRound';

// data/
export {
  DatasetConfigSchema,
  CsvDatasetConfigSchema,
  IdxDatasetConfigSchema,
  parseDatasetConfig,
  readDatasetConfig,
  type DatasetConfig,
  type CsvDatasetConfig,
  type IdxDatasetConfig,
  type SplitConfig,
} from './data/config';
export { loadDataset, type LoadDatasetOptions, type LoadedDataset, type TaskDataSpec } from './data/loadDataset';
export { loadCsv, type LoadedTable } from './data/csv';
export { readIdx, idxExamples } from './data/idx';
export { splitExamples, applyScaling, featureStatistics, type FeatureScaling } from './data/split';

// submission/
export { CoordinatorClient, type CoordinatorClientOptions } from './submission/coordinatorClient';
export { withRetry, DEFAULT_RETRY, type RetryOptions } from './submission/retry';
export { chainStep, DEFAULT_CHAIN_RETRY } from './submission/transient';
export { fetchVerified, fetchGlobalModel, fetchTaskSpec } from './submission/globalModel';
export { statisticsUpdate, resolveStatisticsScaling } from './submission/statistics';
export { readRound, requireOpenRound, readAggregatorKey, requireAdmitted, type ChainRound } from './submission/chain';
export { RoundStateStore, type RoundRecord, type RoundKey, type SubmissionStatus } from './submission/roundState';
export { submitRound, type SubmitRoundOptions, type SubmitRoundResult, type DatasetProvider } from './submission/submitRound';
export { RoundEvents, type RoundEventsOptions } from './submission/roundEvents';
export { ParticipantNode, type ParticipantNodeOptions, type ParticipantNodeEvents } from './submission/ParticipantNode';

// cli/ (for embedding and tests)
export { readKeystore, writeKeystore, readPassphrase, walletFromSecret, PASSPHRASE_ENV, type WriteKeystoreOptions } from './cli/keystore';
export { buildProgram, type CliIo } from './cli/program';
export { formatCliError } from './cli/main';
export { createContext, resolveOptions, type CommandContext, type GlobalOptions } from './commands/context';
export { CLIENT_CONFIG, loadClientConfig, type ClientConfig } from './config';
export { queryModel, type QueryModelOptions, type QueryModelResult } from './inference/queryModel';
export { parseRows, readRows } from './inference/readRows';
export { openConsortiumModel } from './submission/sealedModel';
