import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUE_NAMES } from './names';
import { RepeatedFailureLog } from '../plugins/repeatedFailures';

/**
 * Listens for the aggregation queue's job completions and failures (BullMQ QueueEvents: a blocking read of the
 * queue's event stream, no polling) and calls `onSettled`: an aggregation job that completed has sent
 * finalizeRound, so the chain watcher reads the new block at once instead of at its next poll.
 */
export function watchAggregationJobs(options: { url: string; prefix: string; onSettled: () => void; log: Logger }): { close(): Promise<void>; terminate(): void } {
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined); // surfaced by readiness checks
  const events = new QueueEvents(QUEUE_NAMES.aggregation, { connection, prefix: options.prefix });
  const failures = new RepeatedFailureLog(options.log);
  events.on('error', (err) => failures.warn(err, 'queue: aggregation events error'));
  events.on('completed', () => options.onSettled());
  events.on('failed', () => options.onSettled());
  return {
    async close() {
      // Its own connection, only ever blocked in a read of the event stream: dropped at once (a polite QUIT would wait
      // forever on a Redis that is down, and its reconnect attempts would keep the process alive).
      connection.disconnect();
      await events.close().catch(() => undefined);
    },
    /** Drops the connections at once, for when close() did not finish in time (see the rounds worker's terminate). */
    terminate() {
      void events.disconnect().catch(() => undefined);
      connection.disconnect();
    },
  };
}
