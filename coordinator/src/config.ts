import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { coordinatorError } from './errors';

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
  shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
});

export type CoordinatorConfig = Static<typeof ConfigSchema>;
export type ContractAddresses = Static<typeof ContractAddressesSchema>;
export type StoreConfig = CoordinatorConfig['store'];

/** A partial config as given by a file, an object or env (deep partial). */
export type ConfigInput = DeepPartial<CoordinatorConfig>;
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

const SECRET_KEYS = new Set(['sessionSecret', 'operatorToken', 'operatorPrivateKey', 'secretAccessKey', 'accessKeyId']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : (v as unknown as number); // let validation report non-numbers
}

/** Reads the CLOISTER_* environment variables into a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const storeKind = env.CLOISTER_STORE;
  const store: Record<string, unknown> | undefined =
    storeKind === 's3'
      ? {
          kind: 's3',
          bucket: env.CLOISTER_S3_BUCKET,
          region: env.CLOISTER_S3_REGION,
          endpoint: env.CLOISTER_S3_ENDPOINT,
          forcePathStyle: env.CLOISTER_S3_FORCE_PATH_STYLE === undefined ? undefined : env.CLOISTER_S3_FORCE_PATH_STYLE === 'true',
          accessKeyId: env.CLOISTER_S3_ACCESS_KEY_ID,
          secretAccessKey: env.CLOISTER_S3_SECRET_ACCESS_KEY,
          stagingDirectory: env.CLOISTER_STORE_DIR,
        }
      : storeKind === 'filesystem' || env.CLOISTER_STORE_DIR
        ? { kind: 'filesystem', directory: env.CLOISTER_STORE_DIR }
        : storeKind !== undefined
          ? { kind: storeKind }
          : undefined;
  return {
    host: env.CLOISTER_HOST,
    port: int(env.CLOISTER_PORT),
    publicUrl: env.CLOISTER_PUBLIC_URL,
    logLevel: env.CLOISTER_LOG_LEVEL,
    redis: { url: env.CLOISTER_REDIS_URL, keyPrefix: env.CLOISTER_REDIS_PREFIX },
    chain: {
      rpcUrl: env.CLOISTER_RPC_URL,
      publicRpcUrl: env.CLOISTER_PUBLIC_RPC_URL,
      deploymentFile: env.CLOISTER_DEPLOYMENT,
      confirmations: int(env.CLOISTER_CONFIRMATIONS),
      operatorPrivateKey: env.CLOISTER_OPERATOR_KEY,
    },
    store,
    dashboard: { directory: env.CLOISTER_DASHBOARD_DIR },
    auth: {
      sessionSecret: env.CLOISTER_SESSION_SECRET,
      operatorToken: env.CLOISTER_OPERATOR_TOKEN,
      domain: env.CLOISTER_AUTH_DOMAIN,
    },
    uploads: { maxBytes: int(env.CLOISTER_UPLOAD_MAX_BYTES) },
  };
}

export type LoadConfigOptions = {
  /** Environment to read CLOISTER_* variables from (default process.env; pass {} to ignore the environment). */
  env?: NodeJS.ProcessEnv;
  /** JSON config file (default: $CLOISTER_CONFIG). */
  file?: string;
};

/**
 * Builds the configuration: defaults <- JSON file <- env <- `overrides`, then validates.
 * Throws CLOISTER_ERR_CONFIG_INVALID listing every problem.
 */
export function loadConfig(overrides: ConfigInput = {}, options: LoadConfigOptions = {}): CoordinatorConfig {
  const env = options.env ?? process.env;
  let merged: Record<string, unknown> = {
    redis: {},
    chain: {},
    auth: {},
    uploads: {},
    rounds: {},
    store: { kind: 'filesystem', directory: path.join(os.tmpdir(), 'cloister-store') },
  };
  const file = options.file ?? env.CLOISTER_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw coordinatorError('ConfigInvalid', `cannot read config file ${file}: ${(cause as Error).message}`, { cause });
    }
    if (!isPlainObject(parsed)) throw coordinatorError('ConfigInvalid', `config file ${file} must hold a JSON object`);
    merged = mergeStore(merged, parsed);
  }
  merged = mergeStore(merged, configFromEnv(env));
  merged = mergeStore(merged, overrides as Record<string, unknown>);
  return validateConfig(merged);
}

// A store of another kind replaces the default instead of merging with it.
function mergeStore(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const next = deepMerge(base, over);
  const baseStore = base.store as Record<string, unknown> | undefined;
  const overStore = over.store as Record<string, unknown> | undefined;
  if (isPlainObject(overStore) && overStore.kind !== undefined && baseStore?.kind !== overStore.kind) {
    next.store = Object.fromEntries(Object.entries(overStore).filter(([, v]) => v !== undefined));
  }
  return next;
}

export function validateConfig(input: unknown): CoordinatorConfig {
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(input));
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const problems = [...Value.Errors(ConfigSchema, withDefaults)]
      .slice(0, 12)
      .map((e) => `${e.path || '/'}: ${e.message}`);
    throw coordinatorError('ConfigInvalid', `invalid coordinator configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  const config = withDefaults as CoordinatorConfig;
  if (!config.chain.deploymentFile && !config.chain.contracts) {
    throw coordinatorError('ConfigInvalid', 'invalid coordinator configuration: set chain.deploymentFile or chain.contracts');
  }
  return config;
}

/** The configuration with secrets replaced by "[redacted]", for the start-up summary. */
export function redactConfig(config: CoordinatorConfig): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, SECRET_KEYS.has(k) && x !== undefined ? '[redacted]' : walk(x)]),
    );
  };
  const out = walk(config) as Record<string, unknown>;
  const redis = out.redis as Record<string, unknown>;
  redis.url = String(redis.url).replace(/\/\/[^@/]*@/, '//[redacted]@');
  return out;
}

/** One-line-per-section human summary (secrets redacted) printed at start. */
export function summarizeConfig(config: CoordinatorConfig): string {
  const r = redactConfig(config);
  return Object.entries(r)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');
}

/** Upload size limit for a task: per-task override or the default. */
export function uploadLimitFor(config: CoordinatorConfig, taskId: bigint | string): number {
  return config.uploads.maxBytesPerTask[String(taskId)] ?? config.uploads.maxBytes;
}
