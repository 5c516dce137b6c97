// Integration (faults issue item 1): the Redis the coordinator uses loses everything mid-round (FLUSHALL: what a
// Redis without persistence comes back with after a restart). Uploads answered 200 before the loss are still in the
// aggregation job (the store is the record), the watcher resumes without announcing any chain event twice, and the
// round goes on to aggregation.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Queue } from 'bullmq';
import type { Wallet } from 'ethers';
import { QUEUE, ROUND_STATE, type AggregationJob } from '@cloister/protocol';
import { until } from '@cloister/devstack';
import { createTask } from './support/chain';
import { http, sha256Hex, signBytes, signIn, upload, type UploadContext } from './support/client';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';
import { updateKey } from '../src/store';

jest.setTimeout(120_000);

let stack: CoordinatorStack;
let aggregation: Queue<AggregationJob>;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-redis-loss',
    config: {
      uploads: { commitmentWaitMs: 3000, commitmentPollMs: 100, graceSeconds: 0 },
      rounds: { uploadGraceMs: 60_000, closeDelayMs: 300 },
    },
  });
  aggregation = new Queue<AggregationJob>(QUEUE.aggregation, { connection: stack.queueConn });
});

afterAll(async () => {
  await aggregation?.close();
  await stack?.stop();
});

it('keeps every upload answered 200 and replays no chain event after Redis lost its data', async () => {
  const { t, coordinator, sock, queueConn } = stack;
  const [p1, p2] = t.participants as [Wallet, Wallet];
  const tm = t.contracts.taskManager;
  // maxParticipants 2: the round closes as soon as both committed, and aggregation is enqueued when both uploaded.
  const taskId = await createTask(t, [p1, p2], { roundDuration: 600, minParticipants: 2, maxParticipants: 2 });
  await sock.waitFor('round:opened', (p) => p.taskId === String(taskId) && p.round === 1);
  const opened = await http(`${coordinator.url}/v1/tasks/${taskId}/rounds/1`);
  const openedAt = BigInt(opened.body.openedAt as number);
  const ctx: UploadContext = { base: coordinator.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n };

  const b1 = randomBytes(64 * 1024);
  await (await tm.connect(p1).commit(taskId, 1n, sha256Hex(b1))).wait();
  const tok1 = await signIn(coordinator.url, p1);
  expect(await upload(ctx, tok1, b1, await signBytes(ctx, p1, b1))).toMatchObject({ status: 200, body: { duplicate: false } });
  const cursorKey = coordinator.watcher.cursorKey;
  // The upload's commit event has been processed (so the store holds a cursor past it).
  await until('cursor past the commit', async () => Number((await queueConn.get(cursorKey)) ?? 0) >= (await t.provider.getBlockNumber()));

  await queueConn.flushall();
  // The watcher notices (no cursor in Redis, one in the store) and resumes from the store's cursor.
  await until('cursor restored', async () => (await queueConn.get(cursorKey)) !== null, 30_000);

  // p1's same bytes again: its record came back from the store (a duplicate, not a second acceptance).
  expect(await upload(ctx, tok1, b1, await signBytes(ctx, p1, b1))).toMatchObject({ status: 200, body: { duplicate: true } });

  const b2 = randomBytes(64 * 1024);
  await (await tm.connect(p2).commit(taskId, 1n, sha256Hex(b2))).wait();
  const tok2 = await signIn(coordinator.url, p2);
  expect(await upload(ctx, tok2, b2, await signBytes(ctx, p2, b2))).toMatchObject({ status: 200, body: { duplicate: false } });

  // Both uploads are in the aggregation job, enqueued without waiting for the 60 s upload grace.
  const job = await until('aggregation job', () => aggregation.getJob(`aggregate-${taskId}-1-${openedAt}`), 60_000);
  expect((await tm.getRound(taskId, 1n)).state).toBe(BigInt(ROUND_STATE.Closed));
  expect(new Map(job.data.updates.map((u) => [u.participant, u.ciphertextHash]))).toEqual(
    new Map([
      [p1.address, sha256Hex(b1)],
      [p2.address, sha256Hex(b2)],
    ]),
  );
  // No chain event was announced twice (a watcher restarting from the deployment block replayed them all).
  const announced = sock.events.filter((e) => e.event === 'round:opened' && e.payload.taskId === String(taskId));
  expect(announced).toHaveLength(1);
});

it('a process that recorded the last upload and died before the enqueue check: the retry (a duplicate) enqueues the aggregation', async () => {
  const { t, coordinator } = stack;
  const [, , p3, p4] = t.participants as [Wallet, Wallet, Wallet, Wallet];
  const tm = t.contracts.taskManager;
  const taskId = await createTask(t, [p3, p4], { roundDuration: 600, minParticipants: 2, maxParticipants: 2 });
  await until('round 1 open', async () => Number((await tm.getRound(taskId, 1n)).state) === ROUND_STATE.Open);
  const ctx: UploadContext = { base: coordinator.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n };
  const [b3, b4] = [randomBytes(32 * 1024), randomBytes(32 * 1024)];
  await (await tm.connect(p3).commit(taskId, 1n, sha256Hex(b3))).wait();
  await (await tm.connect(p4).commit(taskId, 1n, sha256Hex(b4))).wait();
  await until('round closed', async () => Number((await tm.getRound(taskId, 1n)).state) === ROUND_STATE.Closed);
  const openedAt = (await tm.getRound(taskId, 1n)).openedAt;
  expect(await upload(ctx, await signIn(coordinator.url, p3), b3, await signBytes(ctx, p3, b3))).toMatchObject({ status: 200 });
  // p4's upload was recorded (bytes and record stored) by a process that died before it answered and before it
  // checked whether the set was complete: the record is there, no job is.
  const sig4 = await signBytes(ctx, p4, b4);
  const staged = await coordinator.app.store.put(Readable.from([b4]));
  await staged.commit(updateKey(sha256Hex(b4)));
  await coordinator.app.uploads.record(taskId, 1n, openedAt, { participant: p4.address, ciphertextHash: sha256Hex(b4) as `0x${string}`, size: b4.length, key: updateKey(sha256Hex(b4)), signature: sig4, receivedAt: Date.now() });
  expect(await aggregation.getJob(`aggregate-${taskId}-1-${openedAt}`)).toBeUndefined();
  // The participant retries: a duplicate, which now completes the round's upload set.
  expect(await upload(ctx, await signIn(coordinator.url, p4), b4, sig4)).toMatchObject({ status: 200, body: { duplicate: true } });
  const job = await aggregation.getJob(`aggregate-${taskId}-1-${openedAt}`);
  expect(job?.data.updates.map((u) => u.participant).sort()).toEqual([p3.address, p4.address].sort());
});
