// The aggregator of the local stack, in-process, talking to the DEVELOPMENT appd over its unix socket exactly as
// the ROFL container talks to the real appd. Aggregation times are measured from the BullMQ job timestamps.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Deployment } from '@cloister/contracts';
import {
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_STALLED_INTERVAL_MS,
  startAggregator,
  type AggregatorConfig,
  type RunningAggregator,
} from '@cloister/aggregator-rofl';

export type AggregationTiming = { jobId: string; taskId: string; round: number; seconds: number; status: string };

export type StackAggregator = {
  running: RunningAggregator;
  /** The aggregator's HTTP signer (on chain as aggregatorSigner()). */
  signerAddress: string;
  /** The confidential inference endpoint (its own port, as behind ROFL's proxy). */
  inferenceUrl: string;
  /** One entry per completed aggregation job, in completion order. */
  timings: AggregationTiming[];
  stop(): Promise<void>;
};

export type StartStackAggregatorOptions = {
  appdSocket: string;
  rpcUrl: string;
  deployment: Deployment;
  deploymentFile: string;
  redisUrl: string;
  coordinatorUrl: string;
  logger: Logger;
  workDir: string;
};

export async function startStackAggregator(options: StartStackAggregatorOptions): Promise<StackAggregator> {
  const config: AggregatorConfig = {
    appdSocket: options.appdSocket,
    redisUrl: options.redisUrl,
    queuePrefix: 'bull',
    rpcUrl: options.rpcUrl,
    taskManagerAddress: options.deployment.contracts.taskManager,
    aggregatorRegistryAddress: options.deployment.contracts.aggregatorRegistry,
    coordinatorUrl: options.coordinatorUrl,
    stateDir: join(options.workDir, 'aggregator-state'),
    maxUpdateBytes: 64 * 1024 * 1024,
    lockDurationMs: DEFAULT_LOCK_DURATION_MS,
    stalledIntervalMs: DEFAULT_STALLED_INTERVAL_MS,
    logLevel: options.logger.level,
    publishKeys: true,
    // model access `consortium` and confidential inference are always available in the local stack
    modelKeysAddress: options.deployment.contracts.modelKeys,
    participantsAddress: options.deployment.contracts.participants,
    inferenceCreditAddress: options.deployment.contracts.inferenceCredit,
    resealIntervalMs: 1_000,
    inference: {
      port: 0,
      host: '127.0.0.1',
      inferenceCreditAddress: options.deployment.contracts.inferenceCredit,
      rateLimit: 600,
      rateWindowMs: 60_000,
      maxRows: 1024,
      settleIntervalMs: 2_000,
      settleBatch: 100,
    },
  };
  const running = await startAggregator(config, { logger: options.logger });
  const timings: AggregationTiming[] = [];
  running.worker.on('completed', (job, result: { status?: string } | undefined) => {
    const data = job.data as { taskId?: string; round?: number };
    const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : NaN;
    timings.push({ jobId: String(job.id), taskId: String(data.taskId), round: Number(data.round), seconds, status: String(result?.status ?? '') });
  });
  return {
    running,
    signerAddress: running.keys.signer.address,
    inferenceUrl: running.inference!.url,
    timings,
    stop: () => running.close({ force: true }),
  };
}
