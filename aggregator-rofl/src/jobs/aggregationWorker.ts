// The one BullMQ worker of the aggregation queue (one class per role), used by the ROFL app (startAggregator) and by
// the simulation alike: job name check, aggregateRound with the job's final-attempt flag, the mapping of errors a
// retry cannot fix to UnrecoverableError, the lock and stalled-check settings, the takeover log and the metrics.
import { JOB, QUEUE } from '@cloister/protocol';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { AggregatorError, AGGREGATOR_ERROR_CODES } from '../errors';
import type { AggregatorMetrics } from '../health/aggregatorMetrics';
import { aggregateRound, type AggregateDeps, type AggregateOutcome } from './aggregateRound';
import { failureReasonName } from './failRound';

/**
 * Lock and stalled-check defaults: a job whose worker died (SIGKILL, lost host) is taken over once its lock has
 * lapsed and a stalled check has seen it twice without one: at most lock + 2 × interval ≈ 9 s. A busy worker renews
 * its lock every lock/2 = 2.5 s, which holds because opening and validating run in a worker thread and the fold
 * awaits between updates, so the event loop is never blocked for that long.
 */
export const DEFAULT_LOCK_DURATION_MS = 5_000;
export const DEFAULT_STALLED_INTERVAL_MS = 2_000;
export const DEFAULT_MAX_STALLED_COUNT = 2;

/** Errors that a retry cannot fix and that name no round of ours: the job fails at once. */
const UNRECOVERABLE = new Set<string>([AGGREGATOR_ERROR_CODES.jobInvalid, AGGREGATOR_ERROR_CODES.chainMismatch]);

export type AggregationWorkerOptions = {
  connection: ConnectionOptions;
  /** BullMQ key prefix (BullMQ's own "bull" by default). */
  prefix?: string;
  /** Everything aggregateRound needs except the per-job log and final-attempt flag. */
  deps: Omit<AggregateDeps, 'log' | 'finalAttempt'>;
  log: Logger;
  metrics: AggregatorMetrics;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Called when a job becomes active and when it ends (the simulation times its phases with them). */
  onJobStart?: (job: Job) => void;
  onJobEnd?: (job: Job, outcome: AggregateOutcome | null, error: unknown) => void;
};

/** Whether this run of `job` is its last permitted attempt (BullMQ counts attempts made before this one). */
export function isFinalAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

export class AggregationWorker {
  readonly worker: Worker;

  constructor(private readonly options: AggregationWorkerOptions) {
    const log = options.log;
    this.worker = new Worker(QUEUE.aggregation, (job) => this.process(job), {
      connection: options.connection,
      prefix: options.prefix ?? 'bull',
      concurrency: 1,
      lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
      stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
      maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    });
    this.worker.on('error', (err) => log.error({ err }, 'worker: error'));
    this.worker.on('failed', (job, err) => log.error({ jobId: job?.id, err }, 'worker: job failed'));
    this.worker.on('completed', (job, result: AggregateOutcome) => log.info({ jobId: job.id, status: result.status }, 'worker: job completed'));
    // This worker's stalled check found a job whose lock lapsed (its worker died): it goes back to wait and the
    // first free worker takes it over (logged again there, with the attempt).
    this.worker.on('stalled', (jobId, previous) => {
      options.metrics.stalled.inc({ event: 'detected' });
      log.warn({ jobId, previous }, 'worker: stalled job detected (its worker stopped renewing the lock); it is moved back to wait for takeover');
    });
  }

  /** Waits until the worker is connected and consuming. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Stops consuming; `force` abandons an in-flight job (its lock lapses and another worker takes it over). */
  async close(force = false): Promise<void> {
    await this.worker.close(force);
  }

  private async process(job: Job): Promise<AggregateOutcome> {
    const { metrics } = this.options;
    if (job.name !== JOB.aggregateRound) throw new UnrecoverableError(`unknown job name ${job.name}`);
    const log = this.options.log.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
    if (job.stalledCounter > 0) {
      metrics.stalled.inc({ event: 'taken-over' });
      log.warn({ stalledCount: job.stalledCounter, ageSeconds: (Date.now() - job.timestamp) / 1000 }, 'worker: taking over a stalled job');
    }
    const started = Date.now();
    metrics.jobStarted(job.timestamp);
    this.options.onJobStart?.(job);
    let outcome: AggregateOutcome | null = null;
    try {
      outcome = await aggregateRound(job.data, { ...this.options.deps, log, finalAttempt: isFinalAttempt(job) });
      return outcome;
    } catch (error) {
      this.options.onJobEnd?.(job, null, error);
      metrics.jobEnded('error', (Date.now() - started) / 1000);
      if (error instanceof AggregatorError && UNRECOVERABLE.has(error.code)) {
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      }
      throw error;
    } finally {
      if (outcome !== null) {
        const excluded = outcome.status === 'finalized' || outcome.status === 'failed' ? outcome.excluded.map((e) => e.reason) : [];
        metrics.jobEnded(outcome.status, (Date.now() - started) / 1000, excluded);
        if (outcome.status === 'failed') metrics.roundFailures.inc({ reason: failureReasonName(outcome.reason) });
        this.options.onJobEnd?.(job, outcome, null);
      }
    }
  }
}
