import { Type } from '@sinclair/typebox';
import { ErrorResponseSchema } from '@cloister/protocol';
import { coordinatorError } from '../../errors';
import type { App } from '../typebox';

const ReadySchema = Type.Object({ status: Type.Literal('ready'), redis: Type.Boolean(), chain: Type.Boolean(), store: Type.Boolean(), block: Type.Integer() });

/** Liveness, readiness (Redis + chain + store) and Prometheus metrics. */
export default async function healthRoutes(app: App): Promise<void> {
  app.get('/health', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get('/ready', { schema: { tags: ['ops'], response: { 200: ReadySchema, 503: ErrorResponseSchema } } }, async () => {
    const withTimeout = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref())]);
    const [redis, block, store] = await Promise.allSettled([
      withTimeout(app.redis.ping()),
      withTimeout(app.chain.blockNumber()),
      withTimeout(app.store.ping()),
    ]);
    if (redis.status !== 'fulfilled' || block.status !== 'fulfilled' || store.status !== 'fulfilled') {
      const down = [redis.status !== 'fulfilled' && 'redis', block.status !== 'fulfilled' && 'chain', store.status !== 'fulfilled' && 'store'].filter(Boolean);
      throw coordinatorError('NotReady', `not ready: ${down.join(', ')} unreachable`);
    }
    return { status: 'ready' as const, redis: true, chain: true, store: true, block: block.value };
  });

  app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_request, reply) => {
    const body = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(body);
  });
}
