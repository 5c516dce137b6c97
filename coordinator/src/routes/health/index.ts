import { Type } from '@sinclair/typebox';
import { ErrorResponseSchema } from '@cloister/protocol';
import { NotReadyError } from '../../errors';
import type { App } from '../typebox';

const ReadySchema = Type.Object({ status: Type.Literal('ready'), redis: Type.Boolean(), chain: Type.Boolean(), store: Type.Boolean(), block: Type.Integer() });

/** Resolves with the probe's value, or rejects after `ms` (each dependency has its own clock). */
function within<T>(ms: number, probe: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    probe(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Liveness, readiness (Redis + chain + store, each probed now) and Prometheus metrics. */
export default async function healthRoutes(app: App): Promise<void> {
  app.get('/health', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  // Nothing is cached: every call asks each dependency again, each with its own readyTimeoutMs (1 s by default), so a
  // paused chain node or a dead Redis shows within that time and the answer never outlives the present.
  app.get('/ready', { schema: { tags: ['ops'], response: { 200: ReadySchema, 503: ErrorResponseSchema } } }, async () => {
    const ms = app.config.readyTimeoutMs;
    const [redis, block, store] = await Promise.allSettled([
      within(ms, () => app.redis.ping()),
      within(ms, () => app.chain.blockNumber()),
      within(ms, () => app.store.ping()),
    ]);
    if (redis.status !== 'fulfilled' || block.status !== 'fulfilled' || store.status !== 'fulfilled') {
      const down = (
        [
          ['redis', redis],
          ['chain', block],
          ['store', store],
        ] as const
      )
        .filter(([, r]) => r.status !== 'fulfilled')
        .map(([name, r]) => `${name} (${((r as PromiseRejectedResult).reason as Error)?.message ?? 'failed'})`);
      throw new NotReadyError(`not ready: ${down.join('; ')}`);
    }
    return { status: 'ready' as const, redis: true, chain: true, store: true, block: block.value };
  });

  // Answers from process memory; the queue depths (Redis) are read with readyTimeoutMs and left out when Redis is away.
  app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_request, reply) => {
    const body = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(body);
  });
}
