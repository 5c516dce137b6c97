// The aggregator's configuration: protocol's one config loader (TypeBox schema, CLOISTER_* variables, optional JSON
// file in CLOISTER_CONFIG, secrets redacted in the summary). ROFL secrets arrive as environment variables. The chain,
// contracts and coordinator come from the connection file (CLOISTER_CONNECTION) like every other command's, or from
// single variables (which win over the file).
import { availableParallelism } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import {
  AddressSchema,
  defineConfig,
  fromEnv,
  loadConfig as loadSharedConfig,
  summarizeConfig as summarizeSharedConfig,
  type DeepPartial,
} from '@cloister/protocol';
import { CONNECTION_FILE_VARIABLE, DEFAULT_OUTCOME_PAGE_SIZE, loadConnection } from '@cloister/contracts';
import { DEFAULT_APPD_SOCKET } from './appd/appdClient';
import { ConfigInvalidError } from './errors';
import type { InferenceConfig } from './inference/startInference';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from './jobs/aggregationWorker';

const PositiveInteger = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, default: defaultValue, description });

export const AggregatorConfigSchema = Type.Object({
  /** appd's unix socket (ROFL mounts it at /run/rofl-appd.sock). */
  appdSocket: fromEnv('CLOISTER_APPD_SOCKET', Type.String({ minLength: 1, default: DEFAULT_APPD_SOCKET }), "appd's unix socket"),
  redisUrl: fromEnv('CLOISTER_REDIS_URL', Type.String({ pattern: '^rediss?://' }), "the coordinator's Redis (BullMQ)"),
  /** BullMQ key prefix (default "bull", BullMQ's own; the coordinator must use the same). */
  queuePrefix: fromEnv('CLOISTER_QUEUE_PREFIX', Type.String({ default: 'bull' }), 'BullMQ key prefix'),
  rpcUrl: fromEnv('CLOISTER_RPC_URL', Type.String({ pattern: '^(https?|wss?)://' }), 'Sapphire JSON-RPC endpoint'),
  taskManagerAddress: fromEnv('CLOISTER_TASK_MANAGER_ADDRESS', AddressSchema, 'TaskManager (or from the connection file)'),
  aggregatorRegistryAddress: fromEnv(
    'CLOISTER_AGGREGATOR_REGISTRY_ADDRESS',
    AddressSchema,
    'AggregatorRegistry (or from the connection file)',
  ),
  coordinatorUrl: fromEnv(
    'CLOISTER_COORDINATOR_URL',
    Type.String({ pattern: '^https?://' }),
    'coordinator base URL (or from the connection file)',
  ),
  /** Where server-optimizer and DP accountant state persist between rounds (ROFL persistent storage). */
  stateDir: fromEnv(
    'CLOISTER_STATE_DIR',
    Type.String({ minLength: 1, default: '/storage/cloister-aggregator' }),
    'persistent strategy and accountant state',
  ),
  /** Largest ciphertext or blob the aggregator will download. */
  maxUpdateBytes: fromEnv('CLOISTER_MAX_UPDATE_BYTES', PositiveInteger(512 * 1024 * 1024, 'largest ciphertext or blob downloaded')),
  /**
   * BullMQ lock and stalled-check interval: a job whose worker died is taken over after at most lock + 2 × interval
   * (≈ 9 s by default); a busy worker renews every lock / 2.
   */
  lockDurationMs: fromEnv('CLOISTER_JOB_LOCK_MS', PositiveInteger(DEFAULT_LOCK_DURATION_MS, 'BullMQ lock duration')),
  stalledIntervalMs: fromEnv('CLOISTER_JOB_STALLED_INTERVAL_MS', PositiveInteger(DEFAULT_STALLED_INTERVAL_MS, 'BullMQ stalled-job check interval')),
  logLevel: fromEnv(
    'CLOISTER_LOG_LEVEL',
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    'pino level',
  ),
  /** Publish setAggregatorKeys at start when the on-chain keys differ. */
  publishKeys: fromEnv('CLOISTER_PUBLISH_KEYS', Type.Boolean({ default: true }), 'publish the keys at start'),
  /** Updates downloaded and opened ahead of the fold (unset: as many as `pipelineMemoryBytes` holds, 2–16). */
  pipelineDepth: fromEnv('CLOISTER_PIPELINE_DEPTH', Type.Optional(Type.Integer({ minimum: 1 })), 'updates in flight'),
  /** The in-flight updates' buffer budget when no depth is set. */
  pipelineMemoryMb: fromEnv('CLOISTER_PIPELINE_MEMORY_MB', PositiveInteger(32, 'in-flight update buffers, MiB')),
  /** Open + validate updates in worker threads (default: when the machine has more than one core). */
  openInWorker: fromEnv('CLOISTER_OPEN_WORKER', Type.Optional(Type.Boolean()), 'open updates in worker threads'),
  finalizeGasBase: fromEnv('CLOISTER_FINALIZE_GAS_BASE', PositiveInteger(500_000, 'finalizeRound gas: base')),
  finalizeGasPerParticipant: fromEnv('CLOISTER_FINALIZE_GAS_PER_PARTICIPANT', PositiveInteger(40_000, 'reportOutcomes gas: per account of a page')),
  /** Accounts per reportOutcomes transaction. */
  outcomePageSize: fromEnv('CLOISTER_OUTCOME_PAGE_SIZE', PositiveInteger(DEFAULT_OUTCOME_PAGE_SIZE, 'accounts per reportOutcomes transaction')),
  /** Port of the /health, /ready and /metrics server (0 picks a free one). */
  healthPort: fromEnv('CLOISTER_HEALTH_PORT', Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }), 'health/ready/metrics port'),
  healthHost: fromEnv('CLOISTER_HEALTH_HOST', Type.String({ minLength: 1, default: '0.0.0.0' }), 'health server interface'),
  /** Coordinator request timeout (default the client's own). */
  coordinatorTimeoutMs: fromEnv(
    'CLOISTER_COORDINATOR_TIMEOUT_MS',
    Type.Optional(Type.Integer({ minimum: 1 })),
    'coordinator request timeout',
  ),
  /** How long a transaction through appd sign-submit may take to be included (default the client's). */
  appdTxTimeoutMs: fromEnv(
    'CLOISTER_APPD_TX_TIMEOUT_MS',
    Type.Optional(Type.Integer({ minimum: 1 })),
    'appd transaction inclusion timeout',
  ),
  /** Model access `consortium` (docs/design/model-access.md): ModelKeyRegistry and ParticipantRegistry. */
  modelKeysAddress: fromEnv('CLOISTER_MODEL_KEYS_ADDRESS', Type.Optional(AddressSchema), 'ModelKeyRegistry (model access consortium)'),
  participantsAddress: fromEnv(
    'CLOISTER_PARTICIPANTS_ADDRESS',
    Type.Optional(AddressSchema),
    'ParticipantRegistry (consortium key epochs)',
  ),
  /** How often consortium tasks' initial models are looked for and re-sealed. */
  resealIntervalMs: fromEnv('CLOISTER_RESEAL_INTERVAL_MS', PositiveInteger(5_000, 'initial-model re-seal period')),
  /** InferenceCredit: scores recorded after finalize; required with `inferencePort`. */
  inferenceCreditAddress: fromEnv(
    'CLOISTER_INFERENCE_CREDIT_ADDRESS',
    Type.Optional(AddressSchema),
    'InferenceCredit (scores, settlement)',
  ),
  /** The confidential inference endpoint's port (unset: no endpoint; expose it through ROFL's proxy). */
  inferencePort: fromEnv(
    'CLOISTER_INFERENCE_PORT',
    Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    'confidential inference endpoint port',
  ),
  inferenceHost: fromEnv('CLOISTER_INFERENCE_HOST', Type.String({ minLength: 1, default: '0.0.0.0' }), 'inference endpoint interface'),
  inferenceRateLimit: fromEnv('CLOISTER_INFERENCE_RATE_LIMIT', PositiveInteger(120, 'inference requests per querier per window')),
  inferenceRateWindowMs: fromEnv('CLOISTER_INFERENCE_RATE_WINDOW_MS', PositiveInteger(60_000, 'inference rate window')),
  inferenceMaxRows: fromEnv('CLOISTER_INFERENCE_MAX_ROWS', PositiveInteger(1024, 'rows per inference request')),
  inferenceSettleIntervalMs: fromEnv('CLOISTER_INFERENCE_SETTLE_INTERVAL_MS', PositiveInteger(10_000, 'inference settlement period')),
  inferenceSettleBatch: fromEnv('CLOISTER_INFERENCE_SETTLE_BATCH', PositiveInteger(100, 'requests per settle transaction')),
  inferenceChainCacheMs: fromEnv(
    'CLOISTER_INFERENCE_CHAIN_CACHE_MS',
    Type.Integer({ minimum: 0, default: 1000, description: 'reuse of price, pause, credit and model-hash reads' }),
  ),
});

/** What the loader returns (the schema's fields, plus those derived from them). */
export type AggregatorSettings = Static<typeof AggregatorConfigSchema>;

export type AggregatorConfig = {
  appdSocket: string;
  redisUrl: string;
  queuePrefix: string;
  rpcUrl: string;
  taskManagerAddress: string;
  aggregatorRegistryAddress: string;
  coordinatorUrl: string;
  stateDir: string;
  maxUpdateBytes: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  logLevel: string;
  publishKeys: boolean;
  /**
   * Updates downloaded and opened ahead of the fold (CLOISTER_PIPELINE_DEPTH; unset: as many as
   * `pipelineMemoryBytes` holds, 2–16). Memory ≈ depth × 2 × update size + accumulator.
   */
  pipelineDepth?: number;
  /** CLOISTER_PIPELINE_MEMORY_MB (default 32): the in-flight updates' buffer budget when no depth is set. */
  pipelineMemoryBytes?: number;
  /** Open + validate updates in worker threads (CLOISTER_OPEN_WORKER; default: more than one core). */
  openInWorker?: boolean;
  /** reportOutcomes page gas limit = base + perParticipant × accounts (default 500 000 + 40 000 × n); finalizeRound: base. */
  finalizeGas?: { base: number; perParticipant: number };
  /** Accounts per reportOutcomes transaction (CLOISTER_OUTCOME_PAGE_SIZE, default 200). */
  outcomePageSize?: number;
  /** Port of the /health, /ready and /metrics server (CLOISTER_HEALTH_PORT, default 9464; 0 picks a free one); unset: no server. */
  healthPort?: number;
  /** Interface it listens on (CLOISTER_HEALTH_HOST, default 0.0.0.0). */
  healthHost?: string;
  /** Coordinator request timeout (CLOISTER_COORDINATOR_TIMEOUT_MS; default the client's own). */
  coordinatorTimeoutMs?: number;
  /** How long a transaction through appd sign-submit may take to be included (CLOISTER_APPD_TX_TIMEOUT_MS). */
  appdTxTimeoutMs?: number;
  /** Confidential inference endpoint (CLOISTER_INFERENCE_PORT set): sealed queries, metering, settlement. */
  inference?: InferenceConfig;
  /** InferenceCredit address: contribution scores are recorded there after each finalize (CLOISTER_INFERENCE_CREDIT_ADDRESS). */
  inferenceCreditAddress?: string;
  /** ModelKeyRegistry address: model access `consortium` (CLOISTER_MODEL_KEYS_ADDRESS). */
  modelKeysAddress?: string;
  /** ParticipantRegistry address: the admitted set, for consortium key epochs (CLOISTER_PARTICIPANTS_ADDRESS). */
  participantsAddress?: string;
  /** How often consortium tasks' initial models are looked for and re-sealed (CLOISTER_RESEAL_INTERVAL_MS, default 5 s). */
  resealIntervalMs?: number;
};

export const AGGREGATOR_CONFIG = defineConfig({ what: 'aggregator', schema: AggregatorConfigSchema, invalid: ConfigInvalidError });

/** Values from the connection file ($CLOISTER_CONNECTION): chain RPC, contract addresses, coordinator URL. */
function fromConnection(env: Record<string, string | undefined>): DeepPartial<AggregatorSettings> {
  const file = env[CONNECTION_FILE_VARIABLE];
  if (file === undefined || file === '') return {};
  let connection;
  try {
    connection = loadConnection(file);
  } catch (cause) {
    throw new ConfigInvalidError(`invalid aggregator configuration: ${(cause as Error).message}`, { cause });
  }
  return {
    rpcUrl: connection.rpcUrl,
    coordinatorUrl: connection.coordinatorUrl,
    taskManagerAddress: connection.deployment.contracts.taskManager,
    aggregatorRegistryAddress: connection.deployment.contracts.aggregatorRegistry,
  };
}

/** Reads the aggregator's configuration: connection file ← CLOISTER_* variables ← overrides. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: DeepPartial<AggregatorSettings> = {},
): AggregatorConfig {
  // The connection file is the bottom layer: a single variable (CLOISTER_RPC_URL, …) overrides what it says.
  const base = fromConnection(env);
  const settings = loadSharedConfig(AGGREGATOR_CONFIG, { env, overrides: { ...stripEnvSet(base, env), ...overrides } });
  return {
    appdSocket: settings.appdSocket,
    redisUrl: settings.redisUrl,
    queuePrefix: settings.queuePrefix,
    rpcUrl: settings.rpcUrl,
    taskManagerAddress: settings.taskManagerAddress,
    aggregatorRegistryAddress: settings.aggregatorRegistryAddress,
    coordinatorUrl: settings.coordinatorUrl,
    stateDir: settings.stateDir,
    maxUpdateBytes: settings.maxUpdateBytes,
    lockDurationMs: settings.lockDurationMs,
    stalledIntervalMs: settings.stalledIntervalMs,
    logLevel: settings.logLevel,
    publishKeys: settings.publishKeys,
    ...(settings.pipelineDepth === undefined ? {} : { pipelineDepth: settings.pipelineDepth }),
    pipelineMemoryBytes: settings.pipelineMemoryMb * 1024 * 1024,
    openInWorker: settings.openInWorker ?? availableParallelism() > 1,
    finalizeGas: { base: settings.finalizeGasBase, perParticipant: settings.finalizeGasPerParticipant },
    outcomePageSize: settings.outcomePageSize,
    healthPort: settings.healthPort,
    healthHost: settings.healthHost,
    ...(settings.coordinatorTimeoutMs === undefined ? {} : { coordinatorTimeoutMs: settings.coordinatorTimeoutMs }),
    ...(settings.appdTxTimeoutMs === undefined ? {} : { appdTxTimeoutMs: settings.appdTxTimeoutMs }),
    ...(settings.modelKeysAddress === undefined ? {} : { modelKeysAddress: settings.modelKeysAddress }),
    ...(settings.participantsAddress === undefined ? {} : { participantsAddress: settings.participantsAddress }),
    resealIntervalMs: settings.resealIntervalMs,
    ...(settings.inferenceCreditAddress === undefined ? {} : { inferenceCreditAddress: settings.inferenceCreditAddress }),
    ...(settings.inferencePort === undefined ? {} : { inference: inferenceOf(settings) }),
  };
}

function inferenceOf(settings: AggregatorSettings): InferenceConfig {
  if (settings.inferenceCreditAddress === undefined) {
    throw new ConfigInvalidError('CLOISTER_INFERENCE_PORT is set but CLOISTER_INFERENCE_CREDIT_ADDRESS is not: give the InferenceCredit address from the deployment JSON');
  }
  return {
    port: settings.inferencePort!,
    host: settings.inferenceHost,
    inferenceCreditAddress: settings.inferenceCreditAddress,
    rateLimit: settings.inferenceRateLimit,
    rateWindowMs: settings.inferenceRateWindowMs,
    maxRows: settings.inferenceMaxRows,
    settleIntervalMs: settings.inferenceSettleIntervalMs,
    settleBatch: settings.inferenceSettleBatch,
    chainCacheMs: settings.inferenceChainCacheMs,
  };
}

// Connection-file values are passed as overrides (the top layer), so drop the ones a variable sets.
function stripEnvSet(
  values: DeepPartial<AggregatorSettings>,
  env: Record<string, string | undefined>,
): DeepPartial<AggregatorSettings> {
  const setByEnv = new Set(
    AGGREGATOR_CONFIG.variables.filter((v) => (env[v.name] ?? '') !== '').map((v) => v.path[0]),
  );
  return Object.fromEntries(Object.entries(values).filter(([key]) => !setByEnv.has(key)));
}

/** The configuration, one line per field, secrets and URL passwords redacted: printed at start. */
export function summarizeConfig(config: AggregatorConfig): string {
  return summarizeSharedConfig(AGGREGATOR_CONFIG, config as unknown as AggregatorSettings);
}
