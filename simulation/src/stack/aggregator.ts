// The aggregator of the simulation: aggregator-rofl's own `startAggregator` (the same AggregationWorker, lock and
// stalled settings, error mapping, paged finalize and fail-round path as the ROFL app), talking to the DEVELOPMENT
// appd over its unix socket. The one addition a simulation needs: every job records when it started, when it sent
// its first transaction (the first outcome page, or failRound) through appd and when its last one (finalizeRound)
// was mined, so a round's time splits into aggregation and finalization.
import { TaskManager__factory } from '@cloister/contracts';
import {
  AppdClient,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_STALLED_INTERVAL_MS,
  startAggregator,
  type AggregateOutcome,
  type AggregatorConfig,
  type CheckCounts,
  type EthTx,
} from '@cloister/aggregator-rofl';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

/** Wall-clock marks (ms since the epoch) of one aggregation job. */
export type AggregationMarks = {
  taskId: string;
  round: number;
  activeAt: number;
  /** The job's first sign-submit (its first reportOutcomes page). */
  submitAt?: number;
  /** The job's last sign-submit returned (finalizeRound mined). */
  minedAt?: number;
  finishedAt?: number;
  status?: string;
  included?: number;
  /** Transactions the job sent through appd (outcome pages + finalize, or failRound). */
  transactions?: number;
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
  /** Accounts per reportOutcomes page (default: the aggregator's, 200). */
  outcomePageSize?: number;
  logger: Logger;
};

export type SimulationAggregator = {
  signerAddress: string;
  hpkePublicKey: Uint8Array;
  /** One entry per job, in start order. */
  marks: AggregationMarks[];
  close(): Promise<void>;
};

/** An AppdClient that records when the current job's first sign-submit was called and when its last one returned. */
class TimedAppdClient extends AppdClient {
  current: AggregationMarks | null = null;
  override async signSubmit(tx: EthTx, options?: { encrypt?: boolean }): Promise<Uint8Array> {
    const marks = this.current;
    if (marks && marks.submitAt === undefined) marks.submitAt = Date.now();
    const result = await super.signSubmit(tx, options);
    if (marks) {
      marks.minedAt = Date.now();
      marks.transactions = (marks.transactions ?? 0) + 1;
    }
    return result;
  }
}

export async function startSimulationAggregator(options: SimulationAggregatorOptions): Promise<SimulationAggregator> {
  const appd = new TimedAppdClient({ socketPath: options.appdSocket, errorInterfaces: [TaskManager__factory.createInterface()], txTimeoutMs: 300_000 });
  const config: AggregatorConfig = {
    appdSocket: options.appdSocket,
    redisUrl: options.redisUrl,
    queuePrefix: 'bull',
    rpcUrl: options.rpcUrl,
    taskManagerAddress: options.taskManager,
    aggregatorRegistryAddress: options.aggregatorRegistry,
    coordinatorUrl: options.coordinatorUrl,
    stateDir: options.stateDir,
    maxUpdateBytes: options.maxUpdateBytes,
    lockDurationMs: DEFAULT_LOCK_DURATION_MS,
    stalledIntervalMs: DEFAULT_STALLED_INTERVAL_MS,
    logLevel: options.logger.level,
    publishKeys: true,
    coordinatorTimeoutMs: 120_000,
    ...(options.outcomePageSize !== undefined ? { outcomePageSize: options.outcomePageSize } : {}),
  };
  const marks: AggregationMarks[] = [];
  const byJob = new Map<string, AggregationMarks>();
  const running = await startAggregator(config, {
    logger: options.logger,
    appd,
    onJobStart(job: Job) {
      const data = job.data as { taskId?: unknown; round?: unknown };
      const mark: AggregationMarks = { taskId: String(data.taskId), round: Number(data.round), activeAt: Date.now() };
      marks.push(mark);
      byJob.set(String(job.id), mark);
      appd.current = mark;
    },
    onJobEnd(job: Job, outcome: AggregateOutcome | null) {
      const mark = byJob.get(String(job.id));
      byJob.delete(String(job.id));
      appd.current = null;
      if (!mark) return;
      mark.finishedAt = Date.now();
      mark.status = outcome?.status ?? 'error';
      if (outcome?.status === 'finalized') {
        mark.included = outcome.included.length;
        mark.checks = outcome.checks;
      }
    },
  });
  return {
    signerAddress: running.keys.signer.address,
    hpkePublicKey: running.keys.hpke.publicKey,
    marks,
    close: () => running.close({ force: true }),
  };
}
