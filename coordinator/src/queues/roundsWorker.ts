import { DelayedError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RepeatedFailureLog } from '../plugins/repeatedFailures';
import { QUEUE_NAMES, type RoundJobData } from './names';
import { NotYetError, type RoundJobHandlers } from '../rounds/roundJobHandlers';
import { closeRedis } from '../plugins/redis';

/**
 * Lock and stalled-check settings of the rounds worker. A job whose coordinator died (SIGKILL, lost host) stays active
 * under its lock until the lock lapses, and is moved back to wait by the second stalled check that finds it without
 * one: BullMQ's defaults (lock 30 s, check every 30 s; a restarted coordinator's first check is also held off by the
 * dead one's last) left a round whose close-round was in flight Open for 30–90 s after a crash and restart. With
 * these a dead coordinator's round job is taken over within lock + 2 × interval ≈ 9 s, as the aggregator's are. A busy
 * worker renews its lock every lock/2 = 2.5 s (round jobs await the chain; nothing blocks the event loop that long); a
 * job taken over while its worker was only slow runs twice, which round jobs allow (the contract's state and the
 * locks make every step idempotent), and a second stall is tolerated before BullMQ fails the job.
 */
export const ROUND_JOB_LOCK_MS = 5_000;
export const ROUND_JOB_STALLED_INTERVAL_MS = 2_000;
export const ROUND_JOB_MAX_STALLED_COUNT = 2;

/** The worker role for the rounds queue (close-round, collect-uploads, accept-round). */
export function startRoundsWorker(options: { url: string; prefix: string; jobs: RoundJobHandlers; log: Logger }): { close(force?: boolean): Promise<void>; terminate(): void } {
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  const worker = new Worker<RoundJobData>(
    QUEUE_NAMES.rounds,
    async (job: Job<RoundJobData>, token?: string) => {
      try {
        return await options.jobs.run(job.name, job.data);
      } catch (error) {
        // Early by the chain's clock: back to the delayed set at the time the chain says, without spending an attempt.
        if (error instanceof NotYetError && error.retryAtMs !== undefined && token) {
          options.log.debug({ job: job.id, retryAt: new Date(error.retryAtMs).toISOString(), msg: error.message }, 'queue: round job early, moved');
          await job.moveToDelayed(error.retryAtMs, token);
          throw new DelayedError();
        }
        throw error;
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: 4,
      lockDuration: ROUND_JOB_LOCK_MS,
      stalledInterval: ROUND_JOB_STALLED_INTERVAL_MS,
      maxStalledCount: ROUND_JOB_MAX_STALLED_COUNT,
    },
  );
  const failures = new RepeatedFailureLog(options.log);
  connection.on('error', (err) => failures.warn(err, 'queue: rounds worker connection error'));
  worker.on('error', (err) => failures.warn(err, 'queue: rounds worker error'));
  worker.on('failed', (job, err) => options.log.info({ job: job?.id, attempt: job?.attemptsMade, msg: err.message }, 'queue: round job will retry or failed'));
  worker.on('completed', (job, result) => options.log.info({ job: job.id, result }, 'queue: round job done'));
  worker.on('stalled', (jobId, previous) => options.log.warn({ job: jobId, previous }, 'queue: stalled round job (its worker stopped renewing the lock); moved back to wait for takeover'));
  return {
    /** Waits for the active jobs (force: does not), then disconnects. */
    async close(force = false) {
      if (connection.status !== 'ready') {
        // Redis is away: a graceful close would wait for it forever (and its reconnect loop keeps the process alive).
        await worker.disconnect().catch(() => undefined);
        connection.disconnect();
        void worker.close(true).catch(() => undefined);
        return;
      }
      await worker.close(force);
      await closeRedis(connection);
    },
    /**
     * Drops the worker's connections at once, for when close() did not finish in time (a job still running, Redis
     * gone): without it ioredis reconnects for ever and keeps the process alive after the service said it stopped.
     */
    terminate() {
      void worker.disconnect().catch(() => undefined);
      connection.disconnect();
    },
  };
}
