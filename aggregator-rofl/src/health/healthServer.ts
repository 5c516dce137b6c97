// The aggregator's own small HTTP server (fastify): `/health` (the process answers), `/ready` (Redis, the chain and
// the worker, each probed now with its own timeout: 200, or 503 with Retry-After) and `/metrics` (Prometheus).
import Fastify, { type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { AGGREGATOR_ERROR_CODES, HealthServerError } from '../errors';
import type { AggregatorMetrics } from './aggregatorMetrics';

/** One dependency `/ready` checks; `check` rejects (or outlives its timeout) when the dependency is not usable. */
export type ReadinessProbe = { name: string; check(): Promise<unknown> };

export type HealthRoutesOptions = {
  metrics: AggregatorMetrics;
  probes: readonly ReadinessProbe[];
  /** Each probe's own timeout (default 1000 ms). */
  probeTimeoutMs?: number;
  /** Seconds a 503 asks the caller to wait (default 5). */
  retryAfterSeconds?: number;
};

const CheckResults = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** Races `promise` against a timer; the timer never keeps the process alive. */
async function withTimeout(promise: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The three routes, as one fastify plugin (schema-first). */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const timeoutMs = options.probeTimeoutMs ?? 1000;
  const retryAfter = String(options.retryAfterSeconds ?? 5);

  app.get('/health', { schema: { response: { 200: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/ready',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { status: { const: 'ready' }, checks: CheckResults }, required: ['status', 'checks'] },
          503: {
            type: 'object',
            properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' }, checks: CheckResults },
            required: ['statusCode', 'code', 'error', 'message', 'checks'],
          },
        },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        options.probes.map(async (probe) => {
          try {
            await withTimeout(probe.check(), timeoutMs, probe.name);
            return [probe.name, 'ok'] as const;
          } catch (error) {
            return [probe.name, error instanceof Error ? error.message : String(error)] as const;
          }
        }),
      );
      const checks = Object.fromEntries(results);
      const failing = results.filter(([, result]) => result !== 'ok').map(([name]) => name);
      if (failing.length === 0) return { status: 'ready' as const, checks };
      return reply
        .code(503)
        .header('retry-after', retryAfter)
        .send({ statusCode: 503, code: AGGREGATOR_ERROR_CODES.notReady, error: 'Service Unavailable', message: `not ready: ${failing.join(', ')}`, checks });
    },
  );

  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.header('content-type', options.metrics.registry.contentType).send(body);
  });
};

export type HealthServer = { url: string; port: number; close(): Promise<void> };

/** Starts the server on `host:port` (port 0: any free port). */
export async function startHealthServer(
  options: HealthRoutesOptions & { host: string; port: number; log: Logger },
): Promise<HealthServer> {
  const app = Fastify({ loggerInstance: options.log.child({ component: 'health' }), disableRequestLogging: true });
  await app.register(healthRoutes, options);
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (cause) {
    await app.close();
    throw new HealthServerError(`cannot listen on ${options.host}:${options.port}: set CLOISTER_HEALTH_PORT to a free port`, { cause });
  }
  const port = (app.server.address() as { port: number }).port;
  options.log.info({ address }, 'health: serving /health, /ready and /metrics');
  return { url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`, port, close: () => app.close() };
}
