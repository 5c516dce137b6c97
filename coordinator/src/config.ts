import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import {
  configFromEnv as readEnv,
  defineConfig,
  loadConfig as loadSharedConfig,
  redactConfig as redactSharedConfig,
  summarizeConfig as summarizeSharedConfig,
  validateConfig as validateSharedConfig,
  type DeepPartial,
} from '@cloister/protocol';
import { ConfigInvalidError } from './errors';

const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });
const PrivateKey = Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' });

export const ContractAddressesSchema = Type.Object({
  taskManager: Address,
  participants: Address,
  aggregatorRegistry: Address,
  governance: Type.Optional(Address),
  rewardVault: Type.Optional(Address),
});

export const FilesystemStoreConfigSchema = Type.Object({
  kind: Type.Literal('filesystem'),
  directory: Type.String({ minLength: 1 }),
});

export const S3StoreConfigSchema = Type.Object({
  kind: Type.Literal('s3'),
  bucket: Type.String({ minLength: 3 }),
  region: Type.String({ minLength: 1, default: 'us-east-1' }),
  endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
  forcePathStyle: Type.Boolean({ default: false }),
  accessKeyId: Type.Optional(Type.String({ minLength: 1 })),
  secretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
  keyPrefix: Type.String({ default: '' }),
  /** Local directory where uploads are staged (hashed, size-checked) before they go to S3. */
  stagingDirectory: Type.String({ minLength: 1 }),
});

export const ConfigSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Base URL clients use; model URIs on chain are relative to it. */
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  redis: Type.Object({
    url: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
    keyPrefix: Type.String({ default: 'cloister:' }),
    /** BullMQ key prefix (the aggregator must use the same). */
    queuePrefix: Type.String({ default: 'bull' }),
    /** A Redis command on a request path fails after this long (then 503 CLOISTER_ERR_REDIS_UNAVAILABLE). */
    commandTimeoutMs: Type.Integer({ minimum: 50, default: 2000 }),
  }, { default: {} }),
  chain: Type.Object({
    rpcUrl: Type.String({ pattern: '^(https?|wss?)://' }),
    /** The RPC URL browsers (the dashboard) read the chain through; default rpcUrl. Set it when rpcUrl is private. */
    publicRpcUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Deployment file written by contracts (`contracts/deployments/<network>.json`) or inline addresses. */
    deploymentFile: Type.Optional(Type.String({ minLength: 1 })),
    contracts: Type.Optional(ContractAddressesSchema),
    confirmations: Type.Integer({ minimum: 0, default: 1 }),
    pollIntervalMs: Type.Integer({ minimum: 50, default: 2000 }),
    /** First block to scan when Redis has no cursor yet (normally the deployment block). */
    startBlock: Type.Optional(Type.Integer({ minimum: 0 })),
    maxBlockRange: Type.Integer({ minimum: 1, default: 2000 }),
    /** One JSON-RPC request fails after this long (then 503 CLOISTER_ERR_CHAIN_UNAVAILABLE). */
    rpcTimeoutMs: Type.Integer({ minimum: 50, default: 5000 }),
    /** Operator account: needed to open and close rounds automatically. */
    operatorPrivateKey: Type.Optional(PrivateKey),
  }),
  /** The web dashboard's built assets (default: @cloister/dashboard's dist/ when that package is installed). */
  dashboard: Type.Object({ directory: Type.Optional(Type.String({ minLength: 1 })) }, { default: {} }),
  store: Type.Union([FilesystemStoreConfigSchema, S3StoreConfigSchema], {
    default: { kind: 'filesystem', directory: path.join(os.tmpdir(), 'cloister-store') },
  }),
  auth: Type.Object({
    /** HMAC key of session tokens; at least 32 characters. */
    sessionSecret: Type.String({ minLength: 32 }),
    sessionTtlSeconds: Type.Integer({ minimum: 10, default: 900 }),
    nonceTtlSeconds: Type.Integer({ minimum: 10, default: 300 }),
    /** EIP-4361 domain and URI placed in sign-in messages. */
    domain: Type.String({ minLength: 1, default: 'localhost' }),
    /** Static admin token for PUT /v1/blobs (task specs, initial models). */
    operatorToken: Type.Optional(Type.String({ minLength: 16 })),
    aggregatorMaxSkewMs: Type.Integer({ minimum: 1000, default: 60_000 }),
  }),
  uploads: Type.Object({
    maxBytes: Type.Integer({ minimum: 1, default: 256 * 1024 * 1024 }),
    /** Per-task size limit overrides, keyed by decimal task id. */
    maxBytesPerTask: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 1 }), { default: {} }),
    maxBlobBytes: Type.Integer({ minimum: 1, default: 512 * 1024 * 1024 }),
    /** How long an upload waits for its commitment transaction to appear on chain. */
    commitmentWaitMs: Type.Integer({ minimum: 0, default: 15_000 }),
    commitmentPollMs: Type.Integer({ minimum: 10, default: 500 }),
    /** Uploads of committed hashes are accepted until deadline + this grace. */
    graceSeconds: Type.Integer({ minimum: 0, default: 30 }),
  }, { default: {} }),
  rounds: Type.Object({
    /** Open/close/accept rounds automatically (needs chain.operatorPrivateKey for opening). */
    automate: Type.Boolean({ default: true }),
    /** After RoundClosed, wait at most this long for missing uploads before enqueueing aggregation. */
    uploadGraceMs: Type.Integer({ minimum: 0, default: 30_000 }),
    /** Extra delay after the deadline before close-round fires (block timestamps must pass it). */
    closeDelayMs: Type.Integer({ minimum: 0, default: 1500 }),
    maxReopens: Type.Integer({ minimum: 0, default: 3 }),
    aggregationAttempts: Type.Integer({ minimum: 1, default: 3 }),
  }, { default: {} }),
  rateLimits: Type.Object({
    /** POST /v1/auth/nonce per account (the body's address) per window. */
    nonce: Type.Object({
      max: Type.Integer({ minimum: 1, default: 20 }),
      windowMs: Type.Integer({ minimum: 100, default: 60_000 }),
    }, { default: {} }),
  }, { default: {} }),
  socket: Type.Object({
    /** Task rooms one socket.io connection may join (a dashboard watches every task with `{ all: true }`: one room). */
    maxRoomsPerConnection: Type.Integer({ minimum: 1, default: 100 }),
  }, { default: {} }),
  shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Each dependency probed by GET /ready (and the queue depths read by /metrics) gets at most this long. */
  readyTimeoutMs: Type.Integer({ minimum: 50, default: 1000 }),
  /** `Retry-After` (seconds) sent with every 503. */
  retryAfterSeconds: Type.Integer({ minimum: 1, default: 5 }),
});

export type CoordinatorConfig = Static<typeof ConfigSchema>;
export type ContractAddresses = Static<typeof ContractAddressesSchema>;
export type StoreConfig = CoordinatorConfig['store'];

/** A partial config as given by a file, an object or env (deep partial). */
export type ConfigInput = DeepPartial<CoordinatorConfig>;

/** Every CLOISTER_* variable the coordinator reads, and the config path it sets (protocol's one config loader). */
export const COORDINATOR_CONFIG = defineConfig({
  what: 'coordinator',
  schema: ConfigSchema,
  invalid: ConfigInvalidError,
  secretKeys: ['sessionSecret', 'operatorToken', 'operatorPrivateKey', 'secretAccessKey', 'accessKeyId'],
  variables: [
    { name: 'CLOISTER_HOST', path: ['host'], description: 'address to listen on' },
    { name: 'CLOISTER_PORT', path: ['port'], description: 'port to listen on' },
    { name: 'CLOISTER_PUBLIC_URL', path: ['publicUrl'], description: 'base URL clients use' },
    { name: 'CLOISTER_LOG_LEVEL', path: ['logLevel'], description: 'pino level' },
    { name: 'CLOISTER_REDIS_URL', path: ['redis', 'url'], secret: false, description: 'Redis (passwords in the URL are redacted)' },
    { name: 'CLOISTER_REDIS_PREFIX', path: ['redis', 'keyPrefix'], description: 'Redis key prefix' },
    { name: 'CLOISTER_QUEUE_PREFIX', path: ['redis', 'queuePrefix'], description: 'BullMQ key prefix (the aggregator uses the same)' },
    { name: 'CLOISTER_RPC_URL', path: ['chain', 'rpcUrl'], description: 'chain JSON-RPC endpoint' },
    { name: 'CLOISTER_PUBLIC_RPC_URL', path: ['chain', 'publicRpcUrl'], description: 'RPC URL browsers use' },
    { name: 'CLOISTER_DEPLOYMENT', path: ['chain', 'deploymentFile'], description: 'deployment or connection file' },
    { name: 'CLOISTER_CONFIRMATIONS', path: ['chain', 'confirmations'], description: 'blocks before an event counts' },
    { name: 'CLOISTER_OPERATOR_KEY', path: ['chain', 'operatorPrivateKey'], secret: true, description: 'operator account key' },
    { name: 'CLOISTER_STORE', path: ['store', 'kind'], description: 'filesystem or s3' },
    { name: 'CLOISTER_STORE_DIR', path: ['store', 'directory'], description: 'filesystem store directory' },
    { name: 'CLOISTER_S3_BUCKET', path: ['store', 'bucket'], description: 's3 bucket' },
    { name: 'CLOISTER_S3_REGION', path: ['store', 'region'], description: 's3 region' },
    { name: 'CLOISTER_S3_ENDPOINT', path: ['store', 'endpoint'], description: 's3 endpoint' },
    { name: 'CLOISTER_S3_FORCE_PATH_STYLE', path: ['store', 'forcePathStyle'], description: 's3 path-style URLs' },
    { name: 'CLOISTER_S3_ACCESS_KEY_ID', path: ['store', 'accessKeyId'], secret: true, description: 's3 access key id' },
    { name: 'CLOISTER_S3_SECRET_ACCESS_KEY', path: ['store', 'secretAccessKey'], secret: true, description: 's3 secret' },
    { name: 'CLOISTER_S3_STAGING_DIR', path: ['store', 'stagingDirectory'], description: 's3: local staging directory' },
    { name: 'CLOISTER_DASHBOARD_DIR', path: ['dashboard', 'directory'], description: "the dashboard's built assets" },
    { name: 'CLOISTER_SESSION_SECRET', path: ['auth', 'sessionSecret'], secret: true, description: 'HMAC key of session tokens' },
    { name: 'CLOISTER_OPERATOR_TOKEN', path: ['auth', 'operatorToken'], secret: true, description: 'admin token for PUT /v1/blobs' },
    { name: 'CLOISTER_AUTH_DOMAIN', path: ['auth', 'domain'], description: 'EIP-4361 domain' },
    { name: 'CLOISTER_UPLOAD_MAX_BYTES', path: ['uploads', 'maxBytes'], description: 'upload size limit' },
  ],
  rules: (config) =>
    !config.chain.deploymentFile && !config.chain.contracts ? ['set chain.deploymentFile or chain.contracts'] : [],
});

export type LoadConfigOptions = {
  /** Environment to read CLOISTER_* variables from (default process.env; pass {} to ignore the environment). */
  env?: NodeJS.ProcessEnv;
  /** JSON config file (default: $CLOISTER_CONFIG). */
  file?: string;
};

// S3 keeps uploads staged in CLOISTER_STORE_DIR too when no staging directory is named (as before).
function withStagingDirectory(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.CLOISTER_STORE === 's3' && env.CLOISTER_S3_STAGING_DIR === undefined && env.CLOISTER_STORE_DIR !== undefined
    ? { ...env, CLOISTER_S3_STAGING_DIR: env.CLOISTER_STORE_DIR, CLOISTER_STORE_DIR: undefined }
    : env;
}

/** The CLOISTER_* environment variables as a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return readEnv(COORDINATOR_CONFIG, withStagingDirectory(env)).values;
}

/**
 * Builds the configuration: defaults <- JSON file <- env <- `overrides`, then validates.
 * Throws CLOISTER_ERR_CONFIG_INVALID listing every problem.
 */
export function loadConfig(overrides: ConfigInput = {}, options: LoadConfigOptions = {}): CoordinatorConfig {
  return loadSharedConfig(COORDINATOR_CONFIG, {
    env: withStagingDirectory(options.env ?? process.env),
    ...(options.file === undefined ? {} : { file: options.file }),
    overrides,
  });
}

export function validateConfig(input: unknown): CoordinatorConfig {
  return validateSharedConfig(COORDINATOR_CONFIG, input);
}

/** The configuration with secrets replaced by "[redacted]", for the start-up summary. */
export function redactConfig(config: CoordinatorConfig): Record<string, unknown> {
  return redactSharedConfig(COORDINATOR_CONFIG, config);
}

/** One-line-per-section human summary (secrets redacted) printed at start. */
export function summarizeConfig(config: CoordinatorConfig): string {
  return summarizeSharedConfig(COORDINATOR_CONFIG, config);
}

/** Upload size limit for a task: per-task override or the default. */
export function uploadLimitFor(config: CoordinatorConfig, taskId: bigint | string): number {
  return config.uploads.maxBytesPerTask[String(taskId)] ?? config.uploads.maxBytes;
}
