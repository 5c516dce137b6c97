// Integration (faults issue item 3): with Redis down or the chain node paused (SIGSTOP), requests answer 503 with
// the documented code and Retry-After instead of hanging or answering 500; /ready reports the dependency that is
// down, now (not a cached answer); /metrics keeps answering; and everything recovers when the dependency is back.
import type { Wallet } from 'ethers';
import { until } from '@cloister/devstack';
import { createTask } from './support/chain';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(120_000);

let stack: CoordinatorStack;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-outages',
    config: { rounds: { automate: false } },
  });
});

afterAll(async () => {
  try {
    process.kill(-stack.t.chain.pid, 'SIGCONT');
  } catch {
    // not paused or gone
  }
  await stack?.stop();
});

type Answer = { status: number; code?: string; retryAfter: string | null; text: string };

async function ask(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${stack.coordinator.url}${path}`, init);
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, retryAfter: res.headers.get('retry-after'), text };
}

const nonce = (address: string) => ask('/v1/auth/nonce', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address }) });

it('Redis down: sign-in answers 503 CLOISTER_ERR_REDIS_UNAVAILABLE with Retry-After, /ready says redis, /metrics answers', async () => {
  const [p1] = stack.t.participants as [Wallet];
  expect((await nonce(p1.address)).status).toBe(200);
  // A socket event emitted during the outage: its Redis adapter publish must wait for Redis, not reject unhandled
  // (that ended the coordinator process in the separate-process fault run). The local subscriber gets it at once.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  await stack.redis.kill();
  stack.coordinator.app.events.emit('round:closing', { taskId: '1', round: 99 });
  await stack.sock.waitFor('round:closing', (p) => p.round === 99);

  const signIn = await nonce(p1.address);
  expect(signIn).toMatchObject({ status: 503, code: 'CLOISTER_ERR_REDIS_UNAVAILABLE', retryAfter: '5' });
  const ready = await ask('/ready');
  expect(ready).toMatchObject({ status: 503, code: 'CLOISTER_ERR_NOT_READY', retryAfter: '5' });
  expect(ready.text).toMatch(/redis/);
  expect(ready.text).not.toMatch(/chain \(/);
  const metrics = await ask('/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.text).toContain('cloister_rejections_total{code="CLOISTER_ERR_REDIS_UNAVAILABLE"}');

  await stack.redis.restart();
  await until('ready again', async () => (await ask('/ready')).status === 200, 30_000);
  expect((await nonce(p1.address)).status).toBe(200);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

it('chain node paused: task reads answer 503 CLOISTER_ERR_CHAIN_UNAVAILABLE with Retry-After, /ready says chain at once', async () => {
  const [p1, p2] = stack.t.participants as [Wallet, Wallet];
  const taskId = await createTask(stack.t, [p1, p2], { roundDuration: 600 });
  expect((await ask(`/v1/tasks/${taskId}`)).status).toBe(200);
  expect((await ask('/ready')).status).toBe(200);

  process.kill(-stack.t.chain.pid, 'SIGSTOP');
  try {
    // Right after a 200: readiness is asked again, not remembered.
    const ready = await ask('/ready');
    expect(ready).toMatchObject({ status: 503, code: 'CLOISTER_ERR_NOT_READY' });
    expect(ready.text).toMatch(/chain \(no answer within 1000 ms\)/);
    expect(await ask(`/v1/tasks/${taskId}`)).toMatchObject({ status: 503, code: 'CLOISTER_ERR_CHAIN_UNAVAILABLE', retryAfter: '5' });
    expect((await ask('/metrics')).status).toBe(200);
  } finally {
    process.kill(-stack.t.chain.pid, 'SIGCONT');
  }
  await until('ready again', async () => (await ask('/ready')).status === 200, 30_000);
  expect((await ask(`/v1/tasks/${taskId}`)).status).toBe(200);
});
