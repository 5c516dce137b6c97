import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { AggregationJob } from '@cloister/protocol';
import { AGGREGATE_JOB, aggregationJobId, QUEUE_NAMES, roundJobId, type RoundJobData, type RoundJobName } from './names';

export type QueueOptions = { url: string; prefix: string; keyPrefix: string; aggregationAttempts: number };

const KEEP = { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } } satisfies JobsOptions;

/**
 * The producer side: the aggregation queue the aggregator consumes, and delayed round jobs. Each enqueue is
 * deduplicated twice: a BullMQ jobId, and a Redis marker that outlives the job's removal.
 */
export class Producer {
  readonly connection: Redis;
  readonly aggregation: Queue<AggregationJob>;
  readonly rounds: Queue<RoundJobData>;

  constructor(private readonly options: QueueOptions) {
    this.connection = new Redis(options.url, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined); // surfaced by readiness checks
    this.aggregation = new Queue<AggregationJob>(QUEUE_NAMES.aggregation, { connection: this.connection, prefix: options.prefix });
    this.rounds = new Queue<RoundJobData>(QUEUE_NAMES.rounds, { connection: this.connection, prefix: options.prefix });
  }

  /** Enqueues the aggregation job for one opening of a round, at most once ever. Returns false if it already was. */
  async enqueueAggregation(job: AggregationJob, openedAt: bigint): Promise<boolean> {
    const jobId = aggregationJobId(job.taskId, job.round, openedAt);
    const marker = `${this.options.keyPrefix}enqueued:${jobId}`;
    const first = await this.connection.set(marker, String(Date.now()), 'NX');
    if (first !== 'OK') return false;
    await this.aggregation.add(AGGREGATE_JOB as never, job as never, {
      jobId,
      attempts: this.options.aggregationAttempts,
      backoff: { type: 'exponential', delay: 5_000 },
      ...KEEP,
    });
    return true;
  }

  /**
   * Schedules a round job at `atMs` (idempotent by jobId). When the job is already waiting in the delayed set for a
   * later time (the chain's clock jumped ahead since), it is brought forward to `atMs`.
   */
  async scheduleRoundJob(name: RoundJobName, data: RoundJobData, atMs: number, attempts = 5): Promise<void> {
    const jobId = roundJobId(name, data.taskId, data.round, data.openedAt);
    const delay = Math.max(0, atMs - Date.now());
    await this.rounds.add(name as never, data as never, {
      jobId,
      delay,
      attempts,
      backoff: { type: 'exponential', delay: 1_000 },
      ...KEEP,
    });
    const due = await this.delayedUntil(jobId);
    if (due !== null && due > atMs + 1_000) {
      const job = await this.rounds.getJob(jobId);
      await job?.changeDelay(Math.max(0, atMs - Date.now())).catch(() => undefined); // promoted meanwhile: nothing to move
    }
  }

  /** When (ms) a job in the delayed set is due, or null when it is not delayed (BullMQ score = ms · 0x1000 + seq). */
  async delayedUntil(jobId: string): Promise<number | null> {
    const score = await this.connection.zscore(this.rounds.toKey('delayed'), jobId);
    return score === null ? null : Math.floor(Number(score) / 0x1000);
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
    return {
      [QUEUE_NAMES.aggregation]: (await this.aggregation.getJobCounts(...states)) as Record<string, number>,
      [QUEUE_NAMES.rounds]: (await this.rounds.getJobCounts(...states)) as Record<string, number>,
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.aggregation.close(), this.rounds.close()]);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  /** Drops the connection at once, for when close() did not finish in time (Redis gone: quit would wait for it). */
  terminate(): void {
    this.connection.disconnect();
  }
}
