import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import {
  configFromEnv as readEnv,
  defineConfig,
  fromEnv,
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
  kind: fromEnv('CLOISTER_STORE', Type.Literal('filesystem'), 'filesystem or s3'),
  directory: fromEnv('CLOISTER_STORE_DIR', Type.String({ minLength: 1 }), 'filesystem store directory'),
});

export const S3StoreConfigSchema = Type.Object({
  kind: fromEnv('CLOISTER_STORE', Type.Literal('s3'), 'filesystem or s3'),
  bucket: fromEnv('CLOISTER_S3_BUCKET', Type.String({ minLength: 3 }), 's3 bucket'),
  region: fromEnv('CLOISTER_S3_REGION', Type.String({ minLength: 1, default: 'us-east-1' }), 's3 region'),
  endpoint: fromEnv('CLOISTER_S3_ENDPOINT', Type.Optional(Type.String({ pattern: '^https?://' })), 's3 endpoint'),
  forcePathStyle: fromEnv('CLOISTER_S3_FORCE_PATH_STYLE', Type.Boolean({ default: false }), 's3 path-style URLs'),
  accessKeyId: fromEnv('CLOISTER_S3_ACCESS_KEY_ID', Type.Optional(Type.String({ minLength: 1 })), 's3 access key id', { secret: true }),
  secretAccessKey: fromEnv('CLOISTER_S3_SECRET_ACCESS_KEY', Type.Optional(Type.String({ minLength: 1 })), 's3 secret', { secret: true }),
  keyPrefix: Type.String({ default: '' }),
  /** Local directory where uploads are staged (hashed, size-checked) before they go to S3. */
  stagingDirectory: fromEnv('CLOISTER_S3_STAGING_DIR', Type.String({ minLength: 1 }), 's3: local staging directory'),
});

export const ConfigSchema = Type.Object({
  host: fromEnv('CLOISTER_HOST', Type.String({ default: '127.0.0.1' }), 'address to listen on'),
  port: fromEnv('CLOISTER_PORT', Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }), 'port to listen on'),
  /** Base URL clients use; model URIs on chain are relative to it. */
  publicUrl: fromEnv('CLOISTER_PUBLIC_URL', Type.Optional(Type.String({ pattern: '^https?://' })), 'base URL clients use'),
  logLevel: fromEnv(
    'CLOISTER_LOG_LEVEL',
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    'pino level',
  ),
  redis: Type.Object({
    url: fromEnv(
      'CLOISTER_REDIS_URL',
      Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
      'Redis (passwords in the URL are redacted)',
    ),
    keyPrefix: fromEnv('CLOISTER_REDIS_PREFIX', Type.String({ default: 'cloister:' }), 'Redis key prefix'),
    /** BullMQ key prefix (the aggregator must use the same). */
    queuePrefix: fromEnv(
      'CLOISTER_QUEUE_PREFIX',
      Type.String({ default: 'bull' }),
      'BullMQ key prefix (the aggregator uses the same)',
    ),
    /** A Redis command on a request path fails after this long (then 503 CLOISTER_ERR_REDIS_UNAVAILABLE). */
    commandTimeoutMs: Type.Integer({ minimum: 50, default: 2000 }),
  }, { default: {} }),
  chain: Type.Object({
    rpcUrl: fromEnv('CLOISTER_RPC_URL', Type.String({ pattern: '^(https?|wss?)://' }), 'chain JSON-RPC endpoint'),
    /** The RPC URL browsers (the dashboard) read the chain through; default rpcUrl. Set it when rpcUrl is private. */
    publicRpcUrl: fromEnv('CLOISTER_PUBLIC_RPC_URL', Type.Optional(Type.String({ pattern: '^https?://' })), 'RPC URL browsers use'),
    /** Deployment file written by contracts (`contracts/deployments/<network>.json`) or inline addresses. */
    deploymentFile: fromEnv('CLOISTER_DEPLOYMENT', Type.Optional(Type.String({ minLength: 1 })), 'deployment or connection file'),
    contracts: Type.Optional(ContractAddressesSchema),
    confirmations: fromEnv('CLOISTER_CONFIRMATIONS', Type.Integer({ minimum: 0, default: 1 }), 'blocks before an event counts'),
    pollIntervalMs: Type.Integer({ minimum: 50, default: 2000 }),
    /** First block to scan when Redis has no cursor yet (normally the deployment block). */
    startBlock: Type.Optional(Type.Integer({ minimum: 0 })),
    maxBlockRange: Type.Integer({ minimum: 1, default: 2000 }),
    /** One JSON-RPC request fails after this long (then 503 CLOISTER_ERR_CHAIN_UNAVAILABLE). */
    rpcTimeoutMs: Type.Integer({ minimum: 50, default: 5000 }),
    /** Operator account: needed to open and close rounds automatically. */
    operatorPrivateKey: fromEnv('CLOISTER_OPERATOR_KEY', Type.Optional(PrivateKey), 'operator account key', { secret: true }),
  }),
  /** The web dashboard's built assets (default: @cloister/dashboard's dist/ when that package is installed). */
  dashboard: Type.Object(
    { directory: fromEnv('CLOISTER_DASHBOARD_DIR', Type.Optional(Type.String({ minLength: 1 })), "the dashboard's built assets") },
    { default: {} },
  ),
  store: Type.Union([FilesystemStoreConfigSchema, S3StoreConfigSchema], {
    default: { kind: 'filesystem', directory: path.join(os.tmpdir(), 'cloister-store') },
  }),
  auth: Type.Object({
    /** HMAC key of session tokens; at least 32 characters. */
    sessionSecret: fromEnv('CLOISTER_SESSION_SECRET', Type.String({ minLength: 32 }), 'HMAC key of session tokens', { secret: true }),
    sessionTtlSeconds: Type.Integer({ minimum: 10, default: 900 }),
    nonceTtlSeconds: Type.Integer({ minimum: 10, default: 300 }),
    /** EIP-4361 domain and URI placed in sign-in messages. */
    domain: fromEnv('CLOISTER_AUTH_DOMAIN', Type.String({ minLength: 1, default: 'localhost' }), 'EIP-4361 domain'),
    /** Static admin token for PUT /v1/blobs (task specs, initial models). */
    operatorToken: fromEnv(
      'CLOISTER_OPERATOR_TOKEN',
      Type.Optional(Type.String({ minLength: 16 })),
      'admin token for PUT /v1/blobs',
      { secret: true },
    ),
    aggregatorMaxSkewMs: Type.Integer({ minimum: 1000, default: 60_000 }),
  }),
  uploads: Type.Object({
    maxBytes: fromEnv('CLOISTER_UPLOAD_MAX_BYTES', Type.Integer({ minimum: 1, default: 256 * 1024 * 1024 }), 'upload size limit'),
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

/** The coordinator's configuration (protocol's one config loader): each CLOISTER_* variable is named on its setting. */
export const COORDINATOR_CONFIG = defineConfig({
  what: 'coordinator',
  schema: ConfigSchema,
  invalid: ConfigInvalidError,
  secretKeys: ['sessionSecret', 'operatorToken', 'operatorPrivateKey', 'secretAccessKey', 'accessKeyId'],
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
