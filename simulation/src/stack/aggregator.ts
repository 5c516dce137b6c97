// The aggregator of the simulation: aggregator-rofl's own `aggregateRound` job on a BullMQ worker, talking to the
// DEVELOPMENT appd over its unix socket, exactly as `startAggregator` wires it, with two differences a simulation
// needs: the finalizeRound gas limit grows with the committed set (1000 participants need ~27M gas, over the job's
// default of 5M), and every job records when it started, when it sent finalizeRound through appd and when that
// transaction was mined, so a round's time splits into aggregation and finalization.
import { connectJsonRpc } from '@cloister/contracts';
import {
  AppdClient,
  CoordinatorClient,
  FileStateStore,
  aggregateRound,
  loadAggregatorKeys,
  publishKeysIfChanged,
  type AggregateOutcome,
  type CheckCounts,
  type EthTx,
} from '@cloister/aggregator-rofl';
import { TaskManager__factory } from '@cloister/contracts';
import { JOB, QUEUE } from '@cloister/protocol';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';

/** Wall-clock marks (ms since the epoch) of one aggregation job. */
export type AggregationMarks = {
  taskId: string;
  round: number;
  activeAt: number;
  submitAt?: number;
  minedAt?: number;
  finishedAt?: number;
  status?: string;
  included?: number;
  /** Checks the job performed on the round's updates (hashes, signatures, openings, validations). */
  checks?: CheckCounts;
};

export type SimulationAggregatorOptions = {
  appdSocket: string;
  rpcUrl: string;
  redisUrl: string;
  taskManager: string;
  aggregatorRegistry: string;
  coordinatorUrl: string;
  stateDir: string;
  maxUpdateBytes: number;
  /** Participants of the simulation: the finalize gas limit covers at least this many. */
  participants: number;
  logger: Logger;
};

export type SimulationAggregator = {
  signerAddress: string;
  hpkePublicKey: Uint8Array;
  /** One entry per job, in start order. */
  marks: AggregationMarks[];
  close(): Promise<void>;
};

/** Gas for finalizeRound with n committed participants: measured 26.2k marginal per participant, with headroom. */
export function finalizeGasFor(committed: number): number {
  return 1_000_000 + 40_000 * committed;
}

/** An AppdClient that records when sign-submit was called and when it returned (the transaction mined). */
class TimedAppdClient extends AppdClient {
  current: AggregationMarks | null = null;
  override async signSubmit(tx: EthTx, options?: { encrypt?: boolean }): Promise<Uint8Array> {
    const marks = this.current;
    if (marks) marks.submitAt = Date.now();
    const result = await super.signSubmit(tx, options);
    if (marks) marks.minedAt = Date.now();
    return result;
  }
}

export async function startSimulationAggregator(options: SimulationAggregatorOptions): Promise<SimulationAggregator> {
  const log = options.logger;
  const appd = new TimedAppdClient({ socketPath: options.appdSocket, errorInterfaces: [TaskManager__factory.createInterface()], txTimeoutMs: 300_000 });
  const provider = connectJsonRpc(options.rpcUrl, { pollingInterval: 200 });
  const closers: (() => Promise<void>)[] = [async () => appd.close(), async () => provider.destroy()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const keys = await loadAggregatorKeys(appd);
    await publishKeysIfChanged({ appd, provider, registryAddress: options.aggregatorRegistry, keys, log });
    const coordinator = new CoordinatorClient(options.coordinatorUrl, keys.signer, { maxBytes: options.maxUpdateBytes, timeoutMs: 120_000 });
    closers.push(async () => coordinator.close());
    const stateStore = new FileStateStore(options.stateDir);
    const marks: AggregationMarks[] = [];
    const redis = new URL(options.redisUrl);
    const processor = async (job: Job): Promise<AggregateOutcome> => {
      if (job.name !== JOB.aggregateRound) throw new UnrecoverableError(`unknown job name ${job.name}`);
      const data = job.data as { taskId: string; round: number; updates?: unknown[] };
      const mark: AggregationMarks = { taskId: String(data.taskId), round: Number(data.round), activeAt: Date.now() };
      marks.push(mark);
      appd.current = mark;
      try {
        const outcome = await aggregateRound(job.data, {
          provider,
          chainId,
          taskManagerAddress: options.taskManager,
          appd,
          keys,
          coordinator,
          stateStore,
          log: log.child({ jobId: job.id }),
          finalizeGasLimit: finalizeGasFor(Math.max(options.participants, Array.isArray(data.updates) ? data.updates.length : 0)),
        });
        mark.status = outcome.status;
        if (outcome.status === 'finalized') {
          mark.included = outcome.included.length;
          mark.checks = outcome.checks;
        }
        return outcome;
      } finally {
        mark.finishedAt = Date.now();
        appd.current = null;
      }
    };
    const worker = new Worker(QUEUE.aggregation, processor, {
      connection: { host: redis.hostname, port: Number(redis.port), maxRetriesPerRequest: null },
      prefix: 'bull',
      concurrency: 1,
      lockDuration: 300_000,
      stalledInterval: 60_000,
    });
    worker.on('error', (err) => log.error({ err }, 'aggregator: worker error'));
    worker.on('failed', (job, err) => log.error({ jobId: job?.id, err: err.message }, 'aggregator: job failed'));
    closers.push(async () => worker.close(true));
    await worker.waitUntilReady();
    return {
      signerAddress: keys.signer.address,
      hpkePublicKey: keys.hpke.publicKey,
      marks,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
