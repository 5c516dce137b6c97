import Fastify from 'fastify';
import { AggregatorMetrics } from './aggregatorMetrics';
import { healthRoutes, type ReadinessProbe } from './healthServer';

// Over a real socket (fastify's inject loads an ESM-only dependency that jest cannot require).
async function app(probes: ReadinessProbe[], metrics = new AggregatorMetrics()) {
  const server = Fastify();
  await server.register(healthRoutes, { metrics, probes, probeTimeoutMs: 50, retryAfterSeconds: 7 });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    async inject({ url }: { method: 'GET'; url: string }) {
      const res = await fetch(`${address}${url}`);
      const body = await res.text();
      return { statusCode: res.status, headers: Object.fromEntries(res.headers), body, json: () => JSON.parse(body) as unknown };
    },
    close: () => server.close(),
  };
}

describe('health routes', () => {
  it('/ready answers 503 with Retry-After and names each failing dependency: one that throws, one that never answers', async () => {
    const server = await app([
      { name: 'redis', check: async () => 'PONG' },
      { name: 'chain', check: () => new Promise(() => undefined) }, // paused node: never answers
      { name: 'worker', check: async () => Promise.reject(new Error('the worker is not consuming jobs')) },
    ]);
    const res = await server.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({
      statusCode: 503,
      code: 'CLOISTER_ERR_AGG_NOT_READY',
      error: 'Service Unavailable',
      message: 'not ready: chain, worker',
      checks: { redis: 'ok', chain: 'chain: no answer within 50 ms', worker: 'the worker is not consuming jobs' },
    });
    // /health only says the process answers
    expect((await server.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    await server.close();
  });

  it('/metrics exports jobs by outcome, durations, exclusions by reason, stalled counts and the active job age', async () => {
    const metrics = new AggregatorMetrics();
    const server = await app([], metrics);
    metrics.jobStarted(Date.now() - 30_000);
    let text = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/cloister_aggregator_jobs_active 1/);
    const age = Number(/^cloister_aggregator_active_job_age_seconds (\S+)$/m.exec(text)![1]);
    expect(age).toBeGreaterThanOrEqual(30);
    metrics.jobEnded('finalized', 2.5, [1, 1, 8]);
    metrics.stalled.inc({ event: 'taken-over' });
    text = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/cloister_aggregator_jobs_active 0/);
    expect(text).toMatch(/cloister_aggregator_active_job_age_seconds 0/);
    expect(text).toMatch(/cloister_aggregator_jobs_total\{status="finalized"\} 1/);
    expect(text).toMatch(/cloister_aggregator_job_duration_seconds_count\{status="finalized"\} 1/);
    expect(text).toMatch(/cloister_aggregator_exclusions_total\{reason="MissingUpload"\} 2/);
    expect(text).toMatch(/cloister_aggregator_exclusions_total\{reason="NormExceeded"\} 1/);
    expect(text).toMatch(/cloister_aggregator_jobs_stalled_total\{event="taken-over"\} 1/);
    await server.close();
  });
});
