import fp from 'fastify-plugin';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { RepeatedFailureLog } from './repeatedFailures';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    /** Prefixes a coordinator Redis key (config.redis.keyPrefix). */
    rkey(...parts: Array<string | number | bigint>): string;
  }
}

export type RedisPluginOptions = { url: string; keyPrefix: string; commandTimeoutMs?: number; client?: Redis };

/**
 * Options of a Redis connection used on request paths: a command fails after `commandTimeoutMs` (a request answers
 * 503 CLOISTER_ERR_REDIS_UNAVAILABLE instead of hanging), and is retried across at most one reconnection.
 */
export function requestPathRedisOptions(commandTimeoutMs: number): RedisOptions {
  return { maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs, enableReadyCheck: true, lazyConnect: false };
}

/** Creates the ioredis connection (or adopts an injected one) and closes it with the app. */
export default fp<RedisPluginOptions>(
  async (app, opts) => {
    const owned = !opts.client;
    const redis = opts.client ?? new Redis(opts.url, requestPathRedisOptions(opts.commandTimeoutMs ?? 2000));
    // An outage reports an error per reconnect attempt: logged once per interval with a count.
    const failures = new RepeatedFailureLog(app.log as unknown as Logger);
    redis.on('error', (error) => failures.warn(error, 'redis: connection error'));
    app.decorate('redis', redis);
    app.decorate('rkey', (...parts: Array<string | number | bigint>) => `${opts.keyPrefix}${parts.join(':')}`);
    app.addHook('onClose', async () => {
      if (owned) await closeRedis(redis);
    });
  },
  { name: 'cloister-redis' },
);

/**
 * Closes an ioredis connection: QUIT when it is connected, else disconnect at once. QUIT on a connection that is
 * reconnecting waits in the offline queue for a server that may never come back (a stop during a Redis outage hung,
 * and the reconnect loop kept the process alive).
 */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  await connection.quit().catch(() => connection.disconnect());
}
