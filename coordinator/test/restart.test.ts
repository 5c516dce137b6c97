// Integration: the coordinator runs in a child process that is SIGKILLed mid-round and restarted on the same
// Redis and store. No accepted upload is lost, the deadline job runs once, the aggregation job is enqueued once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Wallet } from 'ethers';
import { QUEUE, ROUND_STATE, type AggregationJob } from '@cloister/protocol';
import { freePort, spawnRedis, until, type SpawnedRedis } from '@cloister/devstack';
import { developmentConfig } from '../src/development';
import { createTask, startTestChain, type TestChain } from './support/chain';
import { http, sha256Hex, signBytes, signIn, upload, type UploadContext } from './support/client';
import { spawnCoordinator, type ChildCoordinator } from './support/process';

jest.setTimeout(150_000);

let redis: SpawnedRedis;
let t: TestChain;
let storeDir: string;
let conn: Redis;
let aggregation: Queue<AggregationJob>;
let rounds: Queue;
const children: ChildCoordinator[] = [];

beforeAll(async () => {
  storeDir = mkdtempSync(path.join(os.tmpdir(), 'cloister-restart-'));
  [redis, t] = await Promise.all([spawnRedis(), startTestChain({ challengeWindow: 600 })]);
  conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  aggregation = new Queue<AggregationJob>(QUEUE.aggregation, { connection: conn });
  rounds = new Queue(QUEUE.rounds, { connection: conn });
});

afterAll(async () => {
  for (const c of children) await c.kill();
  await Promise.allSettled([aggregation?.close(), rounds?.close()]);
  conn?.disconnect();
  await Promise.allSettled([redis?.stop(), t?.stop()]);
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

it('survives kill -9 mid-round: uploads kept, deadline fires once, one aggregation job', async () => {
  const port = await freePort();
  const config = developmentConfig(t, redis.url, storeDir, {
    port,
    auth: { sessionSecret: 'restart-test-secret-0123456789abcdefgh' },
    uploads: { commitmentWaitMs: 3000, commitmentPollMs: 100, graceSeconds: 0 },
    rounds: { uploadGraceMs: 2000, closeDelayMs: 300 },
  });
  const [p1, p2] = t.participants as [Wallet, Wallet];
  const tm = t.contracts.taskManager;

  let a = await spawnCoordinator(config);
  children.push(a);
  const taskId = await createTask(t, [p1, p2], { roundDuration: 30, minParticipants: 2 });
  const opened = await until('round 1 open', async () => {
    const r = await http(`${a.url}/v1/tasks/${taskId}/rounds/1`);
    return r.status === 200 && r.body.state === ROUND_STATE.Open ? r.body : null;
  });
  const openedAt = BigInt(opened.openedAt as number);
  const ctx: UploadContext = { base: a.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n };

  const b1 = randomBytes(100 * 1024);
  const b2 = randomBytes(120 * 1024);
  const tok1 = await signIn(a.url, p1);
  await (await tm.connect(p1).commit(taskId, 1n, sha256Hex(b1))).wait();
  const sig1 = await signBytes(ctx, p1, b1);
  expect(await upload(ctx, tok1, b1, sig1)).toMatchObject({ status: 200, body: { duplicate: false } });

  // Crash. While the coordinator is down, p2 commits (the restarted watcher catches up).
  await a.kill();
  await (await tm.connect(p2).commit(taskId, 1n, sha256Hex(b2))).wait();
  a = await spawnCoordinator(config);
  children.push(a);

  // The accepted upload survived (same bytes → duplicate; the session token is still valid: stateless HMAC).
  expect(await upload(ctx, tok1, b1, sig1)).toMatchObject({ status: 200, body: { duplicate: true, size: b1.length } });
  const tok2 = await signIn(a.url, p2);
  expect(await upload(ctx, tok2, b2, await signBytes(ctx, p2, b2))).toMatchObject({ status: 200, body: { duplicate: false } });

  // The deadline job (scheduled by the first process) fires in the second one, once.
  const jobId = `aggregate-${taskId}-1-${openedAt}`;
  const job = await until('aggregation job', () => aggregation.getJob(jobId), 60_000);
  expect(new Map(job.data.updates.map((u) => [u.participant, u.ciphertextHash]))).toEqual(
    new Map([
      [p1.address, sha256Hex(b1)],
      [p2.address, sha256Hex(b2)],
    ]),
  );
  expect((await tm.getRound(taskId, 1n)).state).toBe(BigInt(ROUND_STATE.Closed));

  // Restart once more after the enqueue: the startup sweep reconciles the closed round but enqueues nothing new.
  await a.kill();
  a = await spawnCoordinator(config);
  children.push(a);
  await until('sweep done', async () => (await http(`${a.url}/ready`)).status === 200);
  await new Promise((r) => setTimeout(r, 2500));

  const closeJobs = (await rounds.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active'])).filter((j) => j.name === 'close-round');
  expect(closeJobs.map((j) => j.id)).toEqual([`close-round-${taskId}-1-${openedAt}`]);
  expect(closeJobs[0]!.returnvalue).toMatch(/^closed in 0x/);
  expect(closeJobs[0]!.attemptsMade).toBe(1);
  const aggJobs = await aggregation.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active']);
  expect(aggJobs.map((j) => j.id)).toEqual([jobId]);
  const closedEvents = await tm.queryFilter(tm.filters.RoundClosed(taskId, 1n));
  expect(closedEvents).toHaveLength(1);
  // The operator sent exactly two transactions across three processes: openRound and closeRound.
  expect(await t.provider.getTransactionCount(t.operator.address)).toBe(2);
});
