import { DelayedError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RepeatedFailureLog } from '../plugins/repeatedFailures';
import { QUEUE_NAMES, type RoundJobData } from './names';
import { NotYetError, type RoundJobHandlers } from '../rounds/roundJobHandlers';
import { closeRedis } from '../plugins/redis';

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
    { connection, prefix: options.prefix, concurrency: 4 },
  );
  const failures = new RepeatedFailureLog(options.log);
  connection.on('error', (err) => failures.warn(err, 'queue: rounds worker connection error'));
  worker.on('error', (err) => failures.warn(err, 'queue: rounds worker error'));
  worker.on('failed', (job, err) => options.log.info({ job: job?.id, attempt: job?.attemptsMade, msg: err.message }, 'queue: round job will retry or failed'));
  worker.on('completed', (job, result) => options.log.info({ job: job.id, result }, 'queue: round job done'));
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
