import { connectJsonRpc } from '@cloister/contracts';
import { JOB, QUEUE } from '@cloister/protocol';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import pino, { type Logger } from 'pino';
import { AppdClient } from '../appd/appdClient';
import type { AggregatorConfig } from '../config';
import { AggregatorError, AGGREGATOR_ERROR_CODES } from '../errors';
import { loadAggregatorKeys, publishKeysIfChanged, type AggregatorKeys } from '../keys/aggregatorKeys';
import { FileStateStore, type StateStore } from '../state/stateStore';
import { aggregateRound, contractErrorInterfaces, type AggregateOutcome } from './aggregateRound';
import { CoordinatorClient } from './coordinatorClient';
import { closeOpenerPool } from '../updates';
import { startInference, type RunningInference } from '../inference/startInference';
import { InitialModelResealer } from '../modelAccess/initialModelResealer';
import { ModelKeyring } from '../modelAccess/modelKeyring';

export type RunningAggregator = {
  keys: AggregatorKeys;
  worker: Worker;
  /** The confidential inference endpoint, when configured (config.inference). */
  inference: RunningInference | null;
  /** Re-seals consortium tasks' initial models (when model access is configured); tests call resealPending. */
  resealer: InitialModelResealer | null;
  /** Stops consuming; `force` abandons an in-flight job (its lock lapses and another worker retries it). */
  close(options?: { force?: boolean }): Promise<void>;
};

/** Errors that a retry cannot fix: the job fails at once instead of using up its attempts. */
const UNRECOVERABLE = new Set<string>([
  AGGREGATOR_ERROR_CODES.jobInvalid,
  AGGREGATOR_ERROR_CODES.chainMismatch,
  AGGREGATOR_ERROR_CODES.taskSpecInvalid,
  AGGREGATOR_ERROR_CODES.tooManyUpdates,
  AGGREGATOR_ERROR_CODES.strategyUnknown,
  AGGREGATOR_ERROR_CODES.strategyParams,
  AGGREGATOR_ERROR_CODES.dpUnsupported,
]);

/**
 * Starts the aggregator: keys from appd, publish them on chain if they changed, then a BullMQ worker on
 * `cloister-aggregation`. `close()` stops taking jobs, waits for the current one and releases every connection.
 */
export async function startAggregator(
  config: AggregatorConfig,
  options: { logger?: Logger; stateStore?: StateStore; onProgress?: (done: number, total: number) => Promise<void> | void } = {},
): Promise<RunningAggregator> {
  const log = options.logger ?? pino({ name: 'aggregator', level: config.logLevel, redact: ['*.privateKey', '*.ciphertext'] });
  const appd = new AppdClient({ socketPath: config.appdSocket, errorInterfaces: contractErrorInterfaces() });
  const provider = connectJsonRpc(config.rpcUrl, { pollingInterval: 500 });
  const closers: (() => Promise<void>)[] = [closeOpenerPool, async () => appd.close(), async () => provider.destroy()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const keys = await loadAggregatorKeys(appd);
    log.info({ appId: keys.appId, signer: keys.signer.address, chainId: chainId.toString() }, 'start: keys derived from appd');
    if (config.publishKeys) {
      await publishKeysIfChanged({ appd, provider, registryAddress: config.aggregatorRegistryAddress, keys, log });
    }
    const coordinator = new CoordinatorClient(config.coordinatorUrl, keys.signer, { maxBytes: config.maxUpdateBytes });
    closers.push(async () => coordinator.close());
    const stateStore = options.stateStore ?? new FileStateStore(config.stateDir);
    const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });
    closers.push(async () => {
      connection.disconnect();
    });

    let modelKeyring: ModelKeyring | undefined;
    let resealer: InitialModelResealer | null = null;
    if (config.modelKeysAddress !== undefined && config.participantsAddress !== undefined) {
      modelKeyring = new ModelKeyring({
        appd,
        provider,
        chainId,
        modelKeysAddress: config.modelKeysAddress,
        participantsAddress: config.participantsAddress,
        keys,
        log: log.child({ part: 'model-access' }),
      });
      resealer = new InitialModelResealer({ provider, taskManagerAddress: config.taskManagerAddress, coordinator, keyring: modelKeyring, log });
      const stop = resealer.every(config.resealIntervalMs ?? 5_000);
      closers.push(async () => stop());
    }
    let inference: RunningInference | null = null;
    if (config.inference) {
      inference = await startInference(config.inference, {
        redisUrl: config.redisUrl,
        redisPrefix: config.queuePrefix,
        provider,
        chainId,
        taskManagerAddress: config.taskManagerAddress,
        appd,
        keys,
        coordinator,
        ...(modelKeyring ? { openSealed: (taskId: bigint, bytes: Uint8Array) => modelKeyring.openStored(taskId, bytes) } : {}),
        log: log.child({ part: 'inference' }),
      });
      const running = inference;
      closers.push(async () => running.close());
    }

    const processor = async (job: Job): Promise<AggregateOutcome> => {
      if (job.name !== JOB.aggregateRound) throw new UnrecoverableError(`unknown job name ${job.name}`);
      try {
        return await aggregateRound(job.data, {
          provider,
          chainId,
          taskManagerAddress: config.taskManagerAddress,
          appd,
          keys,
          coordinator,
          stateStore,
          log: log.child({ jobId: job.id, attempt: job.attemptsMade + 1 }),
          onProgress: options.onProgress,
          pipelineDepth: config.pipelineDepth,
          pipelineMemoryBytes: config.pipelineMemoryBytes,
          openInWorker: config.openInWorker,
          finalizeGas: config.finalizeGas,
          inferenceCreditAddress: config.inferenceCreditAddress ?? config.inference?.inferenceCreditAddress,
          modelKeyring,
        });
      } catch (error) {
        if (error instanceof AggregatorError && UNRECOVERABLE.has(error.code)) {
          throw new UnrecoverableError(`${error.code}: ${error.message}`);
        }
        throw error;
      }
    };
    const worker = new Worker(QUEUE.aggregation, processor, {
      connection,
      prefix: config.queuePrefix,
      concurrency: 1,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: 2,
    });
    worker.on('error', (err) => log.error({ err }, 'worker: error'));
    worker.on('failed', (job, err) => log.error({ jobId: job?.id, err }, 'worker: job failed'));
    worker.on('completed', (job, result: AggregateOutcome) => log.info({ jobId: job.id, status: result.status }, 'worker: job completed'));
    let force = false;
    closers.push(async () => worker.close(force));
    await worker.waitUntilReady();
    log.info({ queue: QUEUE.aggregation }, 'start: consuming aggregation jobs');
    let closed = false;
    return {
      keys,
      worker,
      inference,
      resealer,
      async close(closeOptions: { force?: boolean } = {}) {
        if (closed) return;
        closed = true;
        force = closeOptions.force === true;
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
