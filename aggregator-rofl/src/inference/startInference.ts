import IORedis from 'ioredis';
import type { Provider } from 'ethers';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import type { CoordinatorClient } from '../jobs/coordinatorClient';
import type { AggregatorKeys } from '../keys/aggregatorKeys';
import { AcceptedModels, type OpenSealedModel } from './acceptedModels';
import { buildInferenceApp } from './inferenceServer';
import { InferenceService } from './inferenceService';
import { QuerierRateLimiter } from './rateLimiter';
import { UsageLedger } from './usageLedger';
import { UsageSettler } from './usageSettler';

export type InferenceConfig = {
  /** Port of the inference endpoint (0 = any free port). */
  port: number;
  host: string;
  inferenceCreditAddress: string;
  /** Requests per querier per `rateWindowMs` (INFERENCE_RATE_LIMIT, default 120 per minute). */
  rateLimit: number;
  rateWindowMs: number;
  /** Rows per request (INFERENCE_MAX_ROWS, default 1024). */
  maxRows: number;
  /** Settlement period and batch (INFERENCE_SETTLE_INTERVAL_MS default 10 s, INFERENCE_SETTLE_BATCH default 100). */
  settleIntervalMs: number;
  settleBatch: number;
  /** How long price, pause, credit and model-hash reads are reused (INFERENCE_CHAIN_CACHE_MS, default 1000). */
  chainCacheMs?: number;
};

export type RunningInference = {
  url: string;
  service: InferenceService;
  settler: UsageSettler;
  close(): Promise<void>;
};

export async function startInference(
  config: InferenceConfig,
  deps: {
    redisUrl: string;
    redisPrefix: string;
    provider: Provider;
    chainId: bigint;
    taskManagerAddress: string;
    appd: AppdClient;
    keys: AggregatorKeys;
    coordinator: Pick<CoordinatorClient, 'getBlob'>;
    openSealed?: OpenSealedModel;
    log: Logger;
  },
): Promise<RunningInference> {
  const redis = new IORedis(deps.redisUrl, { maxRetriesPerRequest: 2 });
  const ledger = new UsageLedger(redis, deps.redisPrefix);
  const models = new AcceptedModels(deps.provider, deps.taskManagerAddress, deps.coordinator, deps.openSealed, config.chainCacheMs ?? 1000);
  const service = new InferenceService({
    provider: deps.provider,
    chainId: deps.chainId,
    inferenceCreditAddress: config.inferenceCreditAddress,
    keys: deps.keys,
    models,
    ledger,
    rateLimiter: new QuerierRateLimiter(redis, deps.redisPrefix, config.rateLimit, config.rateWindowMs),
    maxRows: config.maxRows,
    chainCacheMs: config.chainCacheMs ?? 1000,
    log: deps.log,
  });
  const settler = new UsageSettler({
    appd: deps.appd,
    ledger,
    inferenceCreditAddress: config.inferenceCreditAddress,
    batchSize: config.settleBatch,
    onSettled: (entries) => {
      for (const e of entries) service.forgetCredit(e.querier);
    },
    log: deps.log,
  });
  const app = buildInferenceApp(service);
  const url = await app.listen({ port: config.port, host: config.host });
  const stopSettling = settler.every(config.settleIntervalMs);
  deps.log.info({ url }, 'inference: serving sealed queries');
  return {
    url,
    service,
    settler,
    async close() {
      await stopSettling();
      await app.close();
      models.dispose();
      redis.disconnect();
    },
  };
}
