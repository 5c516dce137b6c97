import { connectJsonRpc } from '@cloister/contracts';
import { QUEUE } from '@cloister/protocol';
import type { Worker } from 'bullmq';
import IORedis from 'ioredis';
import pino, { type Logger } from 'pino';
import { AppdClient } from '../appd/appdClient';
import type { AggregatorConfig } from '../config';
import { AggregatorMetrics } from '../health/aggregatorMetrics';
import { startHealthServer, type HealthServer, type ReadinessProbe } from '../health/healthServer';
import { loadAggregatorKeys, publishKeysIfChanged, type AggregatorKeys } from '../keys/aggregatorKeys';
import { FileStateStore, type StateStore } from '../state/stateStore';
import { contractErrorInterfaces } from './aggregateRound';
import { AggregationWorker, type AggregationWorkerOptions } from './aggregationWorker';
import { CoordinatorClient } from './coordinatorClient';
import { closeOpenerPool } from '../updates';
import { startInference, type RunningInference } from '../inference/startInference';
import { InitialModelResealer } from '../modelAccess/initialModelResealer';
import { ModelKeyring } from '../modelAccess/modelKeyring';

export type RunningAggregator = {
  keys: AggregatorKeys;
  worker: Worker;
  metrics: AggregatorMetrics;
  /** The /health, /ready and /metrics server (null when `config.healthPort` is unset). */
  health: HealthServer | null;
  /** The confidential inference endpoint, when configured (config.inference). */
  inference: RunningInference | null;
  /** Re-seals consortium tasks' initial models (when model access is configured); tests call resealPending. */
  resealer: InitialModelResealer | null;
  /** Stops consuming; `force` abandons an in-flight job (its lock lapses and another worker takes it over). */
  close(options?: { force?: boolean }): Promise<void>;
};

export type StartAggregatorOptions = {
  logger?: Logger;
  stateStore?: StateStore;
  onProgress?: (done: number, total: number) => Promise<void> | void;
  /** An appd client to use instead of one on `config.appdSocket` (the simulation times sign-submit with it). */
  appd?: AppdClient;
  onJobStart?: AggregationWorkerOptions['onJobStart'];
  onJobEnd?: AggregationWorkerOptions['onJobEnd'];
};

/**
 * Starts the aggregator: keys from appd, publish them on chain if they changed, then the AggregationWorker on
 * `cloister-aggregation` and, when `config.healthPort` is set, the /health /ready /metrics server. `close()` stops
 * taking jobs, waits for the current one and releases every connection.
 */
export async function startAggregator(config: AggregatorConfig, options: StartAggregatorOptions = {}): Promise<RunningAggregator> {
  const log = options.logger ?? pino({ name: 'aggregator', level: config.logLevel, redact: ['*.privateKey', '*.ciphertext'] });
  const appd =
    options.appd ??
    new AppdClient({ socketPath: config.appdSocket, errorInterfaces: contractErrorInterfaces(), ...(config.appdTxTimeoutMs ? { txTimeoutMs: config.appdTxTimeoutMs } : {}) });
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
    let force = false;
    const coordinator = new CoordinatorClient(config.coordinatorUrl, keys.signer, {
      maxBytes: config.maxUpdateBytes,
      ...(config.coordinatorTimeoutMs ? { timeoutMs: config.coordinatorTimeoutMs } : {}),
    });
    closers.push(async () => coordinator.close({ force }));
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
    // What both the inference endpoint and the aggregation jobs act through: the chain, appd and the coordinator.
    const services = { provider, chainId, taskManagerAddress: config.taskManagerAddress, appd, keys, coordinator };
    let inference: RunningInference | null = null;
    if (config.inference) {
      inference = await startInference(config.inference, {
        ...services,
        redisUrl: config.redisUrl,
        redisPrefix: config.queuePrefix,
        ...(modelKeyring ? { openSealed: (taskId: bigint, bytes: Uint8Array) => modelKeyring.openStored(taskId, bytes) } : {}),
        log: log.child({ part: 'inference' }),
      });
      const running = inference;
      closers.push(async () => running.close());
    }

    const metrics = new AggregatorMetrics();
    const aggregation = new AggregationWorker({
      connection,
      prefix: config.queuePrefix,
      log,
      metrics,
      lockDurationMs: config.lockDurationMs,
      stalledIntervalMs: config.stalledIntervalMs,
      deps: {
        ...services,
        stateStore,
        onProgress: options.onProgress,
        pipelineDepth: config.pipelineDepth,
        pipelineMemoryBytes: config.pipelineMemoryBytes,
        openInWorker: config.openInWorker,
        finalizeGas: config.finalizeGas,
        outcomePageSize: config.outcomePageSize,
        inferenceCreditAddress: config.inferenceCreditAddress ?? config.inference?.inferenceCreditAddress,
        modelKeyring,
      },
      ...(options.onJobStart ? { onJobStart: options.onJobStart } : {}),
      ...(options.onJobEnd ? { onJobEnd: options.onJobEnd } : {}),
    });
    closers.push(async () => aggregation.close(force));
    await aggregation.waitUntilReady();
    log.info({ queue: QUEUE.aggregation, lockDurationMs: config.lockDurationMs, stalledIntervalMs: config.stalledIntervalMs }, 'start: consuming aggregation jobs');
    let health: HealthServer | null = null;
    if (config.healthPort !== undefined) {
      const probes: ReadinessProbe[] = [
        { name: 'redis', check: () => connection.ping() },
        { name: 'chain', check: () => provider.getBlockNumber() },
        {
          name: 'worker',
          check: async () => {
            if (!aggregation.worker.isRunning()) throw new Error('the worker is not consuming jobs');
          },
        },
      ];
      health = await startHealthServer({ host: config.healthHost ?? '0.0.0.0', port: config.healthPort, metrics, probes, log });
      const server = health;
      closers.splice(closers.length - 1, 0, () => server.close());
    }
    let closed = false;
    return {
      keys,
      worker: aggregation.worker,
      metrics,
      health,
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
