import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUE_NAMES } from './names';

/**
 * Listens for the aggregation queue's job completions and failures (BullMQ QueueEvents: a blocking read of the
 * queue's event stream, no polling) and calls `onSettled`: an aggregation job that completed has sent
 * finalizeRound, so the chain watcher reads the new block at once instead of at its next poll.
 */
export function watchAggregationJobs(options: { url: string; prefix: string; onSettled: () => void; log: Logger }): { close(): Promise<void>; terminate(): void } {
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined); // surfaced by readiness checks
  const events = new QueueEvents(QUEUE_NAMES.aggregation, { connection, prefix: options.prefix });
  events.on('error', (err) => options.log.warn({ err }, 'queue: aggregation events error'));
  events.on('completed', () => options.onSettled());
  events.on('failed', () => options.onSettled());
  return {
    async close() {
      await events.close().catch(() => undefined);
      await connection.quit().catch(() => connection.disconnect());
    },
    /** Drops the connections at once, for when close() did not finish in time (see the rounds worker's terminate). */
    terminate() {
      void events.disconnect().catch(() => undefined);
      connection.disconnect();
    },
  };
}
