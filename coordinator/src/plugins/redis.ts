import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    /** Prefixes a coordinator Redis key (config.redis.keyPrefix). */
    rkey(...parts: Array<string | number | bigint>): string;
  }
}

export type RedisPluginOptions = { url: string; keyPrefix: string; client?: Redis };

/** Creates the ioredis connection (or adopts an injected one) and closes it with the app. */
export default fp<RedisPluginOptions>(
  async (app, opts) => {
    const owned = !opts.client;
    const redis = opts.client ?? new Redis(opts.url, { maxRetriesPerRequest: 3, enableReadyCheck: true, lazyConnect: false });
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis: connection error'));
    app.decorate('redis', redis);
    app.decorate('rkey', (...parts: Array<string | number | bigint>) => `${opts.keyPrefix}${parts.join(':')}`);
    app.addHook('onClose', async () => {
      if (owned) await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'cloister-redis' },
);
