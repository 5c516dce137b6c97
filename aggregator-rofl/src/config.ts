import { availableParallelism } from 'node:os';
import { DEFAULT_APPD_SOCKET } from './appd/appdClient';
import { DEFAULT_OUTCOME_PAGE_SIZE } from '@cloister/contracts';
import { ConfigInvalidError } from './errors';
import type { InferenceConfig } from './inference/startInference';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from './jobs/aggregationWorker';

export type AggregatorConfig = {
  /** appd's unix socket (ROFL mounts it at /run/rofl-appd.sock). */
  appdSocket: string;
  redisUrl: string;
  /** BullMQ key prefix (default "bull", BullMQ's own). */
  queuePrefix: string;
  rpcUrl: string;
  taskManagerAddress: string;
  aggregatorRegistryAddress: string;
  coordinatorUrl: string;
  /** Where server-optimizer and DP accountant state persist between rounds (ROFL persistent storage). */
  stateDir: string;
  /** Largest ciphertext or blob the aggregator will download. */
  maxUpdateBytes: number;
  /**
   * BullMQ lock (JOB_LOCK_MS, default 5000) and stalled-check interval (JOB_STALLED_INTERVAL_MS, default 2000): a job
   * whose worker died is taken over after at most lock + 2 × interval (≈ 9 s); a busy worker renews every lock / 2.
   */
  lockDurationMs: number;
  stalledIntervalMs: number;
  attempts: number;
  logLevel: string;
  /** Publish setAggregatorKeys at start when the on-chain keys differ (default true). */
  publishKeys: boolean;
  /**
   * Updates downloaded and opened ahead of the fold (AGG_PIPELINE_DEPTH; unset: as many as `pipelineMemoryBytes`
   * holds, 2–16). Memory ≈ depth × 2 × update size + accumulator. Optional so hand-written configs keep compiling.
   */
  pipelineDepth?: number;
  /** AGG_PIPELINE_MEMORY_MB (default 32): the in-flight updates' buffer budget when no depth is set. */
  pipelineMemoryBytes?: number;
  /** Open + validate updates in a worker thread (AGG_OPEN_WORKER; default: when the machine has more than one core). */
  openInWorker?: boolean;
  /** reportOutcomes page gas limit = base + perParticipant × accounts (default 500 000 + 40 000 × n); finalizeRound: base. */
  finalizeGas?: { base: number; perParticipant: number };
  /** Confidential inference endpoint (INFERENCE_PORT set): sealed queries, metering, settlement. */
  inference?: InferenceConfig;
  /** InferenceCredit address: contribution scores are recorded there after each finalize (INFERENCE_CREDIT_ADDRESS). */
  inferenceCreditAddress?: string;
  /** ModelKeyRegistry address: model access `consortium` (MODEL_KEYS_ADDRESS). */
  modelKeysAddress?: string;
  /** ParticipantRegistry address: the admitted set, for consortium key epochs (PARTICIPANTS_ADDRESS). */
  participantsAddress?: string;
  /** How often consortium tasks' initial models are looked for and re-sealed (RESEAL_INTERVAL_MS, default 5 s). */
  resealIntervalMs?: number;
  /** Accounts per reportOutcomes transaction (OUTCOME_PAGE_SIZE, default 200). */
  outcomePageSize?: number;
  /** Port of the /health, /ready and /metrics server (HEALTH_PORT, default 9464; 0 picks a free one); unset: no server. */
  healthPort?: number;
  /** Interface it listens on (HEALTH_HOST, default 0.0.0.0). */
  healthHost?: string;
  /** Coordinator request timeout (COORDINATOR_TIMEOUT_MS; default the client's own). */
  coordinatorTimeoutMs?: number;
  /** How long a transaction through appd sign-submit may take to be included (APPD_TX_TIMEOUT_MS; default the client's). */
  appdTxTimeoutMs?: number;
};

type Env = Record<string, string | undefined>;

function required(env: Env, name: string, hint: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new ConfigInvalidError(`${name} is not set: ${hint}`, { details: { variable: name } });
  return v.trim();
}

function int(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigInvalidError(`${name} must be a positive integer, got "${v}"`);
  return n;
}

function port(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new ConfigInvalidError(`${name} must be a port number 0..65535, got "${v}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigInvalidError(`${name} must be true or false, got "${v}"`);
}

function address(env: Env, name: string, hint: string): string {
  const v = required(env, name, hint);
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new ConfigInvalidError(`${name} must be a 0x-prefixed 20-byte address`);
  return v;
}

/** Reads the aggregator's configuration from environment variables (ROFL secrets arrive this way). */
export function loadConfig(env: Env = process.env): AggregatorConfig {
  return {
    appdSocket: env.APPD_SOCKET ?? DEFAULT_APPD_SOCKET,
    redisUrl: required(env, 'REDIS_URL', 'the coordinator\'s Redis, e.g. redis://redis:6379 (oasis rofl secret set REDIS_URL -)'),
    queuePrefix: env.BULLMQ_PREFIX ?? 'bull',
    rpcUrl: required(env, 'RPC_URL', 'a Sapphire JSON-RPC endpoint, e.g. https://testnet.sapphire.oasis.io'),
    taskManagerAddress: address(env, 'TASK_MANAGER_ADDRESS', 'from contracts/deployments/<network>.json'),
    aggregatorRegistryAddress: address(env, 'AGGREGATOR_REGISTRY_ADDRESS', 'from contracts/deployments/<network>.json'),
    coordinatorUrl: required(env, 'COORDINATOR_URL', 'the coordinator base URL, e.g. https://coordinator.example.org'),
    stateDir: env.STATE_DIR ?? '/storage/cloister-aggregator',
    maxUpdateBytes: int(env, 'MAX_UPDATE_BYTES', 512 * 1024 * 1024),
    lockDurationMs: int(env, 'JOB_LOCK_MS', DEFAULT_LOCK_DURATION_MS),
    stalledIntervalMs: int(env, 'JOB_STALLED_INTERVAL_MS', DEFAULT_STALLED_INTERVAL_MS),
    attempts: int(env, 'JOB_ATTEMPTS', 5),
    logLevel: env.LOG_LEVEL ?? 'info',
    publishKeys: (env.PUBLISH_KEYS ?? 'true') !== 'false',
    ...(env.AGG_PIPELINE_DEPTH ? { pipelineDepth: int(env, 'AGG_PIPELINE_DEPTH', 1) } : {}),
    pipelineMemoryBytes: int(env, 'AGG_PIPELINE_MEMORY_MB', 32) * 1024 * 1024,
    openInWorker: bool(env, 'AGG_OPEN_WORKER', availableParallelism() > 1),
    finalizeGas: { base: int(env, 'FINALIZE_GAS_BASE', 500_000), perParticipant: int(env, 'FINALIZE_GAS_PER_PARTICIPANT', 40_000) },
    ...(env.INFERENCE_CREDIT_ADDRESS ? { inferenceCreditAddress: address(env, 'INFERENCE_CREDIT_ADDRESS', 'from the deployment JSON') } : {}),
    ...(env.MODEL_KEYS_ADDRESS ? { modelKeysAddress: address(env, 'MODEL_KEYS_ADDRESS', 'from the deployment JSON') } : {}),
    resealIntervalMs: int(env, 'RESEAL_INTERVAL_MS', 5_000),
    ...(env.PARTICIPANTS_ADDRESS ? { participantsAddress: address(env, 'PARTICIPANTS_ADDRESS', 'from the deployment JSON') } : {}),
    ...(env.INFERENCE_PORT
      ? {
          inference: {
            port: port(env, 'INFERENCE_PORT', 0),
            host: env.INFERENCE_HOST ?? '0.0.0.0',
            inferenceCreditAddress: address(env, 'INFERENCE_CREDIT_ADDRESS', 'InferenceCredit from the deployment JSON'),
            rateLimit: int(env, 'INFERENCE_RATE_LIMIT', 120),
            rateWindowMs: int(env, 'INFERENCE_RATE_WINDOW_MS', 60_000),
            maxRows: int(env, 'INFERENCE_MAX_ROWS', 1024),
            settleIntervalMs: int(env, 'INFERENCE_SETTLE_INTERVAL_MS', 10_000),
            settleBatch: int(env, 'INFERENCE_SETTLE_BATCH', 100),
            chainCacheMs: int(env, 'INFERENCE_CHAIN_CACHE_MS', 1000),
          },
        }
      : {}),
    outcomePageSize: int(env, 'OUTCOME_PAGE_SIZE', DEFAULT_OUTCOME_PAGE_SIZE),
    healthPort: port(env, 'HEALTH_PORT', 9464),
    healthHost: env.HEALTH_HOST ?? '0.0.0.0',
    ...(env.COORDINATOR_TIMEOUT_MS ? { coordinatorTimeoutMs: int(env, 'COORDINATOR_TIMEOUT_MS', 1) } : {}),
    ...(env.APPD_TX_TIMEOUT_MS ? { appdTxTimeoutMs: int(env, 'APPD_TX_TIMEOUT_MS', 1) } : {}),
  };
}
