import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { AggregationJob } from '@cloister/protocol';
import { AGGREGATE_JOB, aggregationJobId, QUEUE_NAMES, roundJobId, type RoundJobData, type RoundJobName } from './names';
import { closeRedis } from '../plugins/redis';

export type QueueOptions = {
  url: string;
  prefix: string;
  keyPrefix: string;
  aggregationAttempts: number;
  /** Commands of the producer (it runs on request paths: an upload into a closed round may enqueue) fail after this. */
  commandTimeoutMs?: number;
  /** `depths()` (read by /metrics) gives up after this long. */
  depthTimeoutMs?: number;
};

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
    // The producer never blocks (no worker here), so its commands may time out: an upload into a closed round that
    // enqueues answers 503 instead of hanging while Redis is away.
    this.connection = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 2000 });
    this.connection.on('error', () => undefined); // the app's connection logs the outage (once per interval)
    this.aggregation = new Queue<AggregationJob>(QUEUE_NAMES.aggregation, { connection: this.connection, prefix: options.prefix });
    this.rounds = new Queue<RoundJobData>(QUEUE_NAMES.rounds, { connection: this.connection, prefix: options.prefix });
    // Without a listener BullMQ prints every connection error of an outage to the console.
    this.aggregation.on('error', () => undefined);
    this.rounds.on('error', () => undefined);
  }

  /** The Redis marker that says the aggregation job of this round opening was added (outlives the job's removal). */
  private enqueuedMarker(taskId: bigint | string, round: bigint | number, openedAt: bigint): string {
    return `${this.options.keyPrefix}enqueued:${aggregationJobId(taskId, round, openedAt)}`;
  }

  /** Whether the aggregation job of this round opening was added (late uploads are then refused). */
  async aggregationEnqueued(taskId: bigint, round: bigint, openedAt: bigint): Promise<boolean> {
    return (await this.connection.exists(this.enqueuedMarker(taskId, round, openedAt))) === 1;
  }

  /**
   * Enqueues the aggregation job for one opening of a round, at most once ever. Returns true for the one call that
   * added it. The job goes in first, under its jobId (BullMQ adds a jobId once: a repeated add returns the existing
   * job), and the marker is set only after the add succeeded: a crash or a Redis error between the two leaves no
   * marker without a job (that blocked the round for good), and the next call adds again, harmlessly.
   */
  async enqueueAggregation(job: AggregationJob, openedAt: bigint): Promise<boolean> {
    const jobId = aggregationJobId(job.taskId, job.round, openedAt);
    const marker = this.enqueuedMarker(job.taskId, job.round, openedAt);
    if ((await this.connection.exists(marker)) === 1) return false;
    await this.aggregation.add(AGGREGATE_JOB as never, job as never, {
      jobId,
      attempts: this.options.aggregationAttempts,
      backoff: { type: 'exponential', delay: 5_000 },
      ...KEEP,
    });
    return (await this.connection.set(marker, String(Date.now()), 'NX')) === 'OK';
  }

  /**
   * Schedules a round job at `atMs` (idempotent by jobId). When the job is already waiting in the delayed set for a
   * later time (the chain's clock jumped ahead since), it is brought forward to `atMs`.
   */
  async scheduleRoundJob(name: RoundJobName, data: RoundJobData, atMs: number, attempts = 5): Promise<void> {
    const jobId = roundJobId(name, data.taskId, data.round, data.openedAt, data.trigger);
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

  /** Job counts per queue and state; rejects after `depthTimeoutMs` (so /metrics answers while Redis is down). */
  async depths(): Promise<Record<string, Record<string, number>>> {
    const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('queue depths: Redis did not answer in time')), this.options.depthTimeoutMs ?? 1000);
    });
    try {
      const [aggregation, rounds] = await Promise.race([Promise.all([this.aggregation.getJobCounts(...states), this.rounds.getJobCounts(...states)]), timeout]);
      return { [QUEUE_NAMES.aggregation]: aggregation as Record<string, number>, [QUEUE_NAMES.rounds]: rounds as Record<string, number> };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.aggregation.close(), this.rounds.close()]);
    await closeRedis(this.connection);
  }

  /** Drops the connection at once, for when close() did not finish in time (Redis gone: quit would wait for it). */
  terminate(): void {
    this.connection.disconnect();
  }
}
